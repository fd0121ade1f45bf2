/**
 * `deno task fuzz`: model-based fuzzing of the whole Kernel API at volume
 * (tools/kernel_fuzz.ts), by default 1,000,000 steps, on pagepile's design
 * or any other (`--design`). A failure prints the seed, the path and the
 * shrunk steps; `--seed` and `--path` replay it.
 * @module
 */

import fc from "fast-check";
import { parseArgs } from "node:util";
import { type FuzzOp, fuzzOp, runFuzzOps } from "../fuzz/kernel_fuzz.ts";
import { isImageSpec } from "../replay/design_loader.ts";
import { pagepileDesign } from "../../core/pagepile/design.ts";
import { JUDGE_OPTIONS, judgeValues, loadJudgedDesign } from "./judge_options.ts";
import { CPU_TIMINGS } from "../../core/image/image_design.ts";

const HELP = `Usage: deno task fuzz [--design D] [--steps N] [--seed S] [--path P] [--cpu-timing T]

Runs random sequences of Kernel calls — page, slice, generic and virtual
memory allocators — against a model, on 1 MiB and 4 MiB boards, half of them
booted with the debug options, with the checks of a replay: every block in
RAM, aligned, overlapping nothing, its bytes intact, zeroed when asked with
GFP_ZERO; the design's figures (pagesInUse, page counts, page map) possible;
its audit holding; every page back at the end. Traces cover what a kernel
did; the fuzzer covers what it could do. pagepile's design, which promises to
refuse misuse, also gets 16 kinds of it: each must be refused with a typed
error and leave RAM unchanged. Any other design gets the clean steps. A call
that throws, spends its bus cycles or does not return fails the run. Exit
status 0 when all holds, 1 on a failure (or a design file that is no firmware
image the board can run), 2 for bad usage.

Options:
  --design D  pagepile (default), koowaldah, tlsf, or the path of a module of
              your own that exports \`design\` (type-checked first), of a
              firmware image (.elf) or of C built into one (.c)
  --steps N   steps in all (default 1000000), in runs of 500
  --seed S    the seed (default: random; printed either way)
  --path P    with --seed: replay the failing run fast-check printed
  --no-check  do not type-check a design module before running it
  --cpu-timing T  the timing model of the CPU a design in C runs on:
              ${Object.keys(CPU_TIMINGS).join(" (default) or ")} (see the README)
  --help      show this

Example:
  deno task fuzz --design ./examples/first_fit.ts --steps 100000
`;

const STEPS_PER_RUN = 500;

async function main(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        design: { type: "string", default: "pagepile" },
        "no-check": { type: "boolean", default: false },
        "cpu-timing": JUDGE_OPTIONS["cpu-timing"],
        steps: { type: "string", default: "1000000" },
        seed: { type: "string" },
        path: { type: "string" },
        help: { type: "boolean", default: false },
      },
    });
  } catch (error) {
    return usage((error as Error).message);
  }
  const { values } = parsed;
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const steps = Number(values.steps);
  if (!Number.isInteger(steps) || steps < 1) return usage(`--steps ${values.steps} is not a count`);
  const seed = values.seed === undefined ? (Math.random() * 2 ** 31) | 0 : Number(values.seed);
  if (!Number.isInteger(seed)) return usage(`--seed ${values.seed} is not an integer`);
  const judge = judgeValues({ "no-check": values["no-check"], "cpu-timing": values["cpu-timing"] });
  if (typeof judge === "string") return usage(judge);
  const design = await loadJudgedDesign("fuzz", values.design, judge);
  if (typeof design === "number") return design;
  // Misuse only for the design that promises to refuse it: for the others those steps are idle.
  const misuse = design === pagepileDesign;
  const step: fc.Arbitrary<FuzzOp> = misuse ? fuzzOp : fuzzOp.filter((op) => op.kind !== "misuse");
  const runs = Math.ceil(steps / STEPS_PER_RUN);
  const cpu = judge.cpuTiming !== undefined && isImageSpec(values.design)
    ? ` (CPU: ${judge.cpuTiming.name})`
    : "";
  console.log(
    `fuzz: ${design.name}${cpu}, ${runs * STEPS_PER_RUN} steps in ${runs} runs` +
      `${misuse ? ", misuse included" : ""}, seed ${seed}`,
  );
  const start = performance.now();
  let done = 0;
  const result = fc.check(
    fc.property(
      fc.constantFrom(1024 * 1024, 4 * 1024 * 1024),
      fc.array(step, { minLength: STEPS_PER_RUN, maxLength: STEPS_PER_RUN }),
      fc.boolean(),
      (ramBytes, ops, debug) => {
        runFuzzOps(ops, ramBytes, { debug, design });
        if (++done % 200 === 0 && done <= runs) {
          const seconds = (performance.now() - start) / 1000;
          console.log(`  ${done * STEPS_PER_RUN} steps, ${seconds.toFixed(0)} s`);
        }
      },
    ),
    { numRuns: runs, seed, path: values.path, endOnFailure: false },
  );
  if (result.failed) {
    console.log(fc.defaultReportMessage(result));
    // The runs have a fixed length, so the steps after the failing one are noise.
    console.log(
      `\nwhat failed: ${(result.errorInstance as Error)?.message ?? result.errorInstance}`,
    );
    const designArg = values.design === "pagepile" ? "" : ` --design ${values.design}`;
    console.log(
      `replay with: deno task fuzz${designArg} --seed ${result.seed} ` +
        `--path "${result.counterexamplePath}"`,
    );
    return 1;
  }
  const seconds = (performance.now() - start) / 1000;
  console.log(
    `fuzz: ok, ${result.numRuns * STEPS_PER_RUN} steps in ${seconds.toFixed(1)} s ` +
      `(${Math.round(result.numRuns * STEPS_PER_RUN / seconds)} steps/s)`,
  );
  return 0;
}

function usage(message: string): number {
  console.error(`fuzz: ${message}\n\n${HELP}`);
  return 2;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
