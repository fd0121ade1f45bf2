// Model-based fuzzing of the whole Kernel API (tools/fuzz/kernel_fuzz.ts): at least
// 20,000 random steps per run of the suite, misuse included. A failure prints
// fast-check's seed and path; `deno task fuzz --seed N` replays it.

import fc from "fast-check";
import { Kernel } from "../core/pagepile/kernel.ts";
import { REPO_DESIGNS } from "./_designs.ts";
import { FuzzFailure, type FuzzOp, fuzzOp, runFuzzOps } from "../tools/fuzz/kernel_fuzz.ts";
import { assertEquals, assertThrows } from "./_assert.ts";

const STEPS_PER_RUN = 250;
const RUNS = 90; // 22,500 steps

Deno.test(`the Kernel API survives ${STEPS_PER_RUN * RUNS} fuzzed steps, misuse included`, () => {
  let steps = 0;
  fc.assert(
    fc.property(
      fc.constantFrom(1024 * 1024, 4 * 1024 * 1024),
      fc.array(fuzzOp, { minLength: STEPS_PER_RUN, maxLength: STEPS_PER_RUN }),
      fc.boolean(),
      (ramBytes, ops, debug) => {
        steps += ops.length;
        runFuzzOps(ops, ramBytes, { debug });
      },
    ),
    { numRuns: RUNS },
  );
  assertEquals(steps >= 20_000, true, `${steps} steps`);
});

const CLEAN_RUNS = 24; // 6,000 steps per design

for (const design of REPO_DESIGNS) {
  Deno.test(`${design.name}: ${STEPS_PER_RUN * CLEAN_RUNS} fuzzed steps with no misuse keep every block whole`, () => {
    fc.assert(
      fc.property(
        fc.constantFrom(1024 * 1024, 4 * 1024 * 1024),
        fc.array(fuzzOp.filter((op) => op.kind !== "misuse"), {
          minLength: STEPS_PER_RUN,
          maxLength: STEPS_PER_RUN,
        }),
        (ramBytes, ops) => runFuzzOps(ops, ramBytes, { design }),
      ),
      { numRuns: CLEAN_RUNS },
    );
  });
}

Deno.test("the fuzzer fails a design whose state is not all in its RAM", async () => {
  const { design } = await import("./fixtures/designs/state_off_the_bus.ts");
  const ops: FuzzOp[] = [
    { kind: "galloc", size: 100, zero: false },
    { kind: "galloc", size: 200, zero: false },
    { kind: "free", pick: 0 }, // remembered off the bus, not freed in RAM
  ];
  const error = assertThrows(() => runFuzzOps(ops, 1024 * 1024, { design }), FuzzFailure);
  assertEquals(
    /^at the end, after step 3: the design's state is not all in its RAM: a board booted alike and given this board's RAM and MMU registers, after the same calls, differs at 0x[0-9a-f]{8}$/
      .test(error.message),
    true,
    error.message,
  );
  // The honest design it wraps passes the same steps.
  runFuzzOps(ops, 1024 * 1024, { design: (await import("../examples/first_fit.ts")).design });
});

Deno.test("the fuzzer fails when a misuse is let through, naming the step", () => {
  const ops: FuzzOp[] = [
    { kind: "galloc", size: 100, zero: false },
    { kind: "free", pick: 0 },
    { kind: "misuse", what: "gfree-twice", pick: 0, value: 0 },
  ];
  runFuzzOps(ops, 1024 * 1024); // the kernel refuses the double free
  // A kernel whose gfree ignores what it should refuse:
  const gfree = Kernel.prototype.gfree;
  Kernel.prototype.gfree = function (addr: number): void {
    try {
      gfree.call(this, addr);
    } catch { /* let it through */ }
  };
  try {
    const error = assertThrows(() => runFuzzOps(ops, 1024 * 1024), FuzzFailure);
    assertEquals(/^step 3: gfree\(0x[0-9a-f]+\) twice was not refused$/.test(error.message), true);
  } finally {
    Kernel.prototype.gfree = gfree;
  }
});
