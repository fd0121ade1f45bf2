// The judge cannot be fooled and does not fall over: each design of
// tests/fixtures/designs/ is broken one way, and each is caught with the
// message that says where, in a replay and in a comparison, with the right
// exit status, no stack trace and no hang.

import { assertEquals, assertThrows } from "./_assert.ts";
import { fileURLToPath } from "node:url";
import {
  type Design,
  GFP_ZERO,
  InvalidArgumentError,
  loadDesign,
  readTrace,
  replayTrace,
  type TraceEvent,
  type TraceOp,
} from "../mod.ts";
import { FuzzFailure, runFuzzOps } from "../tools/fuzz/kernel_fuzz.ts";
import { faultyDesign } from "./fixtures/designs/_faulty.ts";
import { runDeno } from "./_helpers.ts";

const EXCERPT = inProject("tests/fixtures/boot_excerpt.trace.gz");
const PROCS = inProject("traces/recorded/linux-6.1/procs.trace.gz");

function inProject(path: string): string {
  return fileURLToPath(new URL(`../${path}`, import.meta.url));
}

/** A broken design of tests/fixtures/designs/, by file name. */
function fixture(name: string): Promise<Design> {
  return loadDesign(inProject(`tests/fixtures/designs/${name}.ts`));
}

/** Its path as a user gives it on the command line (the tests run in the project's folder). */
const given = (name: string): string => `./tests/fixtures/designs/${name}.ts`;

/** The trace lines of the events of one operation that pass `keep`, in order. */
async function linesOf(
  path: string,
  op: TraceOp,
  keep: (e: TraceEvent) => boolean = () => true,
): Promise<number[]> {
  const lines: number[] = [];
  await readTrace(path, {
    event: (e) => void (e.op === op && keep(e) && lines.push(e.line)),
    problem() {},
    lost() {},
  });
  return lines;
}

const replay = (...args: string[]) =>
  runDeno(["run", "--allow-read", "--allow-write", "--allow-run", "tools/cli/replay.ts", ...args]);
const compare = (...args: string[]) =>
  runDeno(["run", "--allow-read", "--allow-write", "--allow-run", "tools/cli/compare.ts", ...args]);

/** What a process that judged a broken design must never print: a stack, an uncaught error. */
function noCrash(stderr: string): void {
  assertEquals(/Uncaught| {4}at |error: /.test(stderr), false, stderr);
}

async function nativeTrace(lines: string[]): Promise<string> {
  const path = await Deno.makeTempFile({ suffix: ".trace" });
  await Deno.writeTextFile(path, ["# pagepile trace 1", ...lines].join("\n") + "\n");
  return path;
}

// 1. GFP_ZERO ---------------------------------------------------------------

Deno.test("a design that does not zero what GFP_ZERO asks for is caught at the allocation", async () => {
  const report = await replayTrace(EXCERPT, { design: await fixture("no_zeroing") });
  const zeroed = await linesOf(EXCERPT, "galloc", (e) => (e.flags & GFP_ZERO) !== 0);
  assertEquals(zeroed.length > 100, true, "the excerpt has kzalloc calls");
  const [first] = report.violationList;
  // The first kzalloc gets RAM zero since power-on: the first not zeroed is a later one.
  assertEquals(zeroed.includes(first.line), true);
  assertEquals(
    /^galloc with GFP_ZERO handed out 0x[0-9a-f]{8} \+ \d+ bytes not zeroed: the byte at 0x[0-9a-f]{8} is 0x[0-9a-f]{2}$/
      .test(first.message),
    true,
    first.message,
  );
  assertEquals(report.violationList.every((v) => zeroed.includes(v.line)), true);

  // Slices of a pool created with GFP_ZERO: the second one reuses the first's bytes.
  const trace = await nativeTrace([
    "slice_pool_create p 256 16",
    "slice_alloc 0x1 p",
    "slice_free 0x1 p",
    "slice_alloc 0x2 p",
  ]);
  const pool = await replayTrace(trace, { design: await fixture("no_zeroing"), ramBytes: 1 << 20 });
  assertEquals(pool.violationList.map((v) => v.line), [5]);
  assertEquals(
    pool.violationList[0].message.startsWith("slice_alloc with GFP_ZERO handed out"),
    true,
  );
  const right = await replayTrace(trace, { ramBytes: 1 << 20 });
  assertEquals(right.violations, 0);
  await Deno.remove(trace);
});

Deno.test("compare: the design that does not zero fails with its first lines; the others stand", async () => {
  const run = await compare("--designs", `pagepile,${given("no_zeroing")}`, EXCERPT);
  assertEquals(run.code, 1, run.stderr);
  noCrash(run.stderr);
  assertEquals(/\n {2}pagepile +0 /.test(run.stdout), true, run.stdout);
  assertEquals(
    /\n {2}no-zeroing: line \d+: galloc with GFP_ZERO handed out /.test(run.stdout),
    true,
  );
  assertEquals(
    run.stdout.trimEnd().endsWith("FAILED: no-zeroing (see each one's replay for the lines)"),
    true,
  );
});

// 2. The figures a design reports --------------------------------------------

Deno.test("a pagesInUse() below what the live blocks lie on is a violation, listed once", async () => {
  const report = await replayTrace(EXCERPT, { design: await fixture("constant_pages_in_use") });
  // That, and, at the end, pagesInUse() beside stats()'s counts.
  assertEquals(report.violations, 2);
  const [v, end] = report.violationList;
  assertEquals(end.line, report.lines);
  assertEquals(
    /^pagesInUse\(\) is 3, but stats\(\) says 8192 pages - 1 reserved - \d+ free = \d+$/.test(
      end.message,
    ),
    true,
    end.message,
  );
  const said = v.message.match(
    /^pagesInUse\(\) is 3, but the live blocks and pool records lie on (\d+) pages outside the reserved ones: the footprint cannot be below that \(and again ([\d,]+) times after\)$/,
  );
  assertEquals(said !== null, true, v.message);
  assertEquals(Number(said![1]), 4, "the first allocation that needs a fourth page");
  assertEquals(report.stoppedAt, null);
});

Deno.test("page counts that do not add up, and a page map that disagrees, are violations", async () => {
  const counts = await replayTrace(EXCERPT, { design: await fixture("miscounted_pages") });
  assertEquals(counts.violations, 1);
  assertEquals(counts.violationList[0].line, counts.lines, "found at the end");
  assertEquals(
    /^stats\(\): pages.free is (\d+), but its free piles \(freeByOrder\) hold (\d+) pages/
      .test(counts.violationList[0].message),
    true,
    counts.violationList[0].message,
  );
  const map = await replayTrace(EXCERPT, { design: await fixture("wrong_page_map") });
  assertEquals(map.violations, 1);
  assertEquals(
    /^pageMap\(\): it shows (\d+) pages held, but pagesInUse\(\) (\d+) and 67 reserved make (\d+)$/
      .test(map.violationList[0].message),
    true,
    map.violationList[0].message,
  );
});

Deno.test("sizes below what was asked for are violations, and the waste is not counted from them", async () => {
  const report = await replayTrace(EXCERPT, { design: await fixture("understates_sizes") });
  const pools = await linesOf(EXCERPT, "slice_pool_create");
  const gallocs = await linesOf(EXCERPT, "galloc", (e) => e.size > 1);
  assertEquals(report.violations, 2);
  const slot = report.violationList.find((v) => v.message.startsWith("poolStats"))!;
  const size = report.violationList.find((v) => v.message.startsWith("gtaken"))!;
  assertEquals(slot.line, pools[0]);
  assertEquals(
    /^poolStats says pool ".+" of \d+-byte objects has 1-byte slots \(and again/.test(slot.message),
    true,
    slot.message,
  );
  assertEquals(size.line, gallocs[0]);
  assertEquals(
    /^gtaken says the \d+-byte block at 0x[0-9a-f]{8} holds 1 bytes/.test(size.message),
    true,
    size.message,
  );
  // Counted as the requests: handed out no less than requested.
  const { objectAllocatedBytes, objectRequestedBytes } = report.memory;
  assertEquals(objectAllocatedBytes >= objectRequestedBytes, true, `${objectAllocatedBytes}`);
});

Deno.test("compare: each design whose figures cannot be true fails, with the figure named", async () => {
  const run = await compare(
    "--designs",
    ["constant_pages_in_use", "miscounted_pages", "wrong_page_map"].map(given).join(","),
    EXCERPT,
  );
  assertEquals(run.code, 1, run.stderr);
  noCrash(run.stderr);
  for (
    const said of [
      /\n {2}constant-pages-in-use: line \d+: pagesInUse\(\) is 3, but the live blocks/,
      /\n {2}miscounted-pages: line \d+: stats\(\): pages.free is \d+, but its free piles/,
      /\n {2}wrong-page-map: line \d+: pageMap\(\): it shows \d+ pages held/,
    ]
  ) assertEquals(said.test(run.stdout), true, `${said}\n${run.stdout}`);
});

Deno.test("a Kernel call that reads RAM through the debug port, hiding the cost, is a violation", async () => {
  const report = await replayTrace(EXCERPT, { design: await fixture("peeks_through_debug_port") });
  const gallocs = await linesOf(EXCERPT, "galloc");
  assertEquals(report.violations, 1);
  assertEquals(report.violationList[0].line, gallocs[0]);
  assertEquals(
    report.violationList[0].message,
    "galloc used the debug port, which costs no bus cycles: its cycles do not count what it " +
      `read (a Kernel call must go through the bus) (and again ${
        (gallocs.length - 1).toLocaleString("en-US")
      } times after)`,
  );
});

// 3. Exceptions ----------------------------------------------------------------

Deno.test("a design that throws ends the replay cleanly, naming the call, the line and the exception", async () => {
  const report = await replayTrace(EXCERPT, { design: await fixture("throws_in_galloc") });
  const line = (await linesOf(EXCERPT, "galloc"))[49];
  const message = "galloc threw TypeError: Cannot read properties of undefined (reading 'bytes')";
  assertEquals(report.stoppedAt, { line, message, reason: "design" });
  assertEquals(report.designBroken, { line, message });
  assertEquals([report.violations, report.tables], [1, null]);
  // Every event read is accounted for: the one whose call broke is applied.
  const skipped = Object.values(report.skipped).reduce((a, b) => a + b, 0);
  assertEquals(report.applied + skipped, report.events);

  const boot = await replayTrace(EXCERPT, { design: await fixture("throws_at_boot") });
  const booting = "boot threw Error: boot: page size 0, expected 4096";
  assertEquals(boot.stoppedAt, { line: 0, message: booting, reason: "design" });
  assertEquals([boot.events, boot.violations], [0, 1]);

  const cli = await replay("--design", given("throws_in_galloc"), EXCERPT);
  assertEquals(cli.code, 1, cli.stderr);
  noCrash(cli.stderr);
  assertEquals(
    cli.stdout.includes(`\nSTOPPED (the design broke) at line ${line}: ${message}\n`),
    true,
  );
  assertEquals(
    cli.stdout.trimEnd().endsWith(
      `FAILED: 1 violations; stopped (the design broke) at line ${line}`,
    ),
    true,
  );
});

Deno.test("a design that refuses valid calls, blaming their arguments, gets a violation each, never an invalid event", async () => {
  // Refusing with the error the API keeps for bad arguments does not make
  // them the trace's fault: the replayer checks the arguments itself.
  const refuses = faultyDesign("refuses", "first-fit refusing pools and large gallocs", (real) => ({
    galloc(flags: number, size: number): number {
      if (size > 512) throw new InvalidArgumentError(`size ${size} is out of range`);
      return real.galloc(flags, size);
    },
    slice_pool_create(): null {
      throw new InvalidArgumentError("no pools");
    },
  }));
  const report = await replayTrace(EXCERPT, { design: refuses });
  const large = await linesOf(EXCERPT, "galloc", (e) => e.size > 512);
  const pools = await linesOf(EXCERPT, "slice_pool_create");
  assertEquals(large.length > 0 && pools.length > 0, true, "the excerpt has both");
  assertEquals(report.violations, large.length + pools.length);
  assertEquals(report.problems.count, 0);
  assertEquals(report.skipped["invalid event (listed under problems)"], undefined);
  const [first] = report.violationList;
  assertEquals(first.line, Math.min(large[0], pools[0]));
  assertEquals(
    /^(slice_pool_create was refused: no pools|galloc was refused: size \d+ is out of range)$/
      .test(first.message),
    true,
    first.message,
  );
});

Deno.test("a design that winds the board's cycle count back breaks at that call", async () => {
  const report = await replayTrace(EXCERPT, { design: await fixture("winds_cycles_back") });
  const [first] = await linesOf(EXCERPT, "galloc");
  assertEquals(report.stoppedAt?.line, first);
  assertEquals(
    /^galloc threw CycleCountError: the bus cycle count was set back from \d+ to \d+: it only grows/
      .test(report.stoppedAt?.message ?? ""),
    true,
    report.stoppedAt?.message,
  );
});

Deno.test("a design whose state is not all in the board's RAM fails the replay of its module", async () => {
  // Its gfree only remembers the block in the host's memory; what it kept aside
  // comes out when everything is given back on this board and on a twin.
  const cli = await replay("--design", given("state_off_the_bus"), EXCERPT);
  assertEquals(cli.code, 1, cli.stderr);
  noCrash(cli.stderr);
  assertEquals(
    /line \d+: the design's state is not all in its RAM: a board booted alike and given this board's RAM and MMU registers answered pagesInUse with \d+, this one with \d+/
      .test(cli.stdout),
    true,
    cli.stdout,
  );
  // In a program, the same check is asked for; the design it wraps passes it.
  const design = await fixture("state_off_the_bus");
  assertEquals((await replayTrace(EXCERPT, { design })).violations, 0, "not asked for");
  assertEquals((await replayTrace(EXCERPT, { design, stateCheck: true })).violations, 1);
  const { design: firstFit } = await import("../examples/first_fit.ts");
  assertEquals((await replayTrace(EXCERPT, { design: firstFit, stateCheck: true })).violations, 0);
});

Deno.test("compare: a design that throws, at boot or in a call, gets a line saying so; the others stand", async () => {
  const run = await compare(
    "--designs",
    `pagepile,${given("throws_in_galloc")},${given("throws_at_boot")}`,
    EXCERPT,
  );
  assertEquals(run.code, 1, run.stderr);
  noCrash(run.stderr);
  assertEquals(/\n {2}pagepile +0 +0 /.test(run.stdout), true, run.stdout);
  const line = (await linesOf(EXCERPT, "galloc"))[49];
  assertEquals(
    run.stdout.includes(
      `\n  throws-in-galloc: stopped at line ${line} (the design broke): galloc threw TypeError`,
    ),
    true,
    run.stdout,
  );
  assertEquals(
    run.stdout.includes(
      "\n  throws-at-boot: stopped at line 0 (the design broke): boot threw Error",
    ),
    true,
  );
});

// 4. Calls that do not return ---------------------------------------------------

Deno.test("a call that loops on the bus is stopped by its cycle limit; one that loops without, by the watchdog", async () => {
  const audit = await replayTrace(EXCERPT, {
    design: await fixture("audit_loops"),
    maxCallCycles: 1_000_000,
  });
  assertEquals(audit.stoppedAt, {
    line: audit.lines,
    message:
      "audit did not return within 1,000,000 bus cycles (the limit on one call: --max-call-cycles)",
    reason: "design",
  });
  const start = performance.now();
  const spins = await replayTrace(EXCERPT, {
    design: await fixture("galloc_spins"),
    watchdogSeconds: 0.5,
  });
  // The watchdog's 0.5 s, not its default 10 s, ended the spinning call:
  // the replay stops at the excerpt's 30th galloc, its events before and the
  // 0.5 s far within 10 s even on a loaded machine.
  const elapsed = performance.now() - start;
  assertEquals(elapsed < 10_000, true, `the replay with a 0.5 s watchdog took ${elapsed} ms`);
  assertEquals(spins.stoppedAt, {
    line: (await linesOf(EXCERPT, "galloc"))[29],
    message: "galloc did not return within 0.5 s (the watchdog: --watchdog)",
    reason: "design",
  });
});

Deno.test("a call that catches the error of its spent cycles and returns is stopped all the same", async () => {
  const swallows = faultyDesign("swallows", "first-fit whose galloc loops, catching", (real) => ({
    galloc(flags: number, size: number): number {
      try {
        for (;;) real.board.read32(real.board.ramBase);
      } catch { /* and returns as if nothing happened */ }
      return real.galloc(flags, size);
    },
  }));
  const report = await replayTrace(EXCERPT, { design: swallows, maxCallCycles: 10_000 });
  assertEquals(
    report.stoppedAt?.message,
    "galloc did not return within 10,000 bus cycles (the limit on one call: --max-call-cycles)",
  );
});

Deno.test("replay and compare end a hung design with exit status 1, the options named", async () => {
  const cli = await replay("--design", given("galloc_spins"), "--watchdog", "0.5", EXCERPT);
  assertEquals(cli.code, 1, cli.stderr);
  noCrash(cli.stderr);
  assertEquals(
    cli.stdout.includes("galloc did not return within 0.5 s (the watchdog: --watchdog)"),
    true,
  );
  const run = await compare(
    "--designs",
    `tlsf,${given("audit_loops")}`,
    "--max-call-cycles",
    "1000000",
    EXCERPT,
  );
  assertEquals(run.code, 1, run.stderr);
  noCrash(run.stderr);
  assertEquals(run.stdout.includes("audit-loops: stopped at line"), true, run.stdout);
  assertEquals(/\n {2}tlsf +0 +0 /.test(run.stdout), true, run.stdout);
});

// 5. Nothing found is lost --------------------------------------------------------

Deno.test("what was found before a design broke is reported; the list is capped, the count is not; --max-violations stops", async () => {
  const zeroing = await fixture("no_zeroing");
  const report = await replayTrace(EXCERPT, { design: zeroing });
  assertEquals([report.violationList.length, report.violations > 100], [100, true]);
  // No zeroing, and a hang at the 200th galloc: the violations before it stand.
  const hangs = faultyDesign("zeroes-nothing-then-hangs", "", (real) => {
    let calls = 0;
    return {
      galloc(flags: number, size: number): number {
        if (++calls === 200) { for (;;) { /* spins */ } }
        return real.galloc(flags, size);
      },
    };
  }, zeroing);
  const hung = await replayTrace(EXCERPT, { design: hangs, watchdogSeconds: 0.5 });
  const stop = (await linesOf(EXCERPT, "galloc"))[199];
  assertEquals(hung.stoppedAt?.line, stop);
  assertEquals(hung.violationList.filter((v) => v.line < stop).length > 10, true);
  assertEquals(hung.violationList.at(-1)!.message.startsWith("galloc did not return"), true);

  const capped = await replayTrace(EXCERPT, { design: zeroing, maxViolations: 3 });
  assertEquals([capped.violations, capped.stoppedAt?.reason], [3, "violations"]);
  assertEquals(capped.stoppedAt?.line, capped.violationList[2].line);
});

Deno.test("an interrupted replay reports what it found so far (Ctrl-C: exit 130; a signal from a program)", async () => {
  const cli = await replay("--design", given("presses_ctrl_c"), PROCS);
  assertEquals(cli.code, 130, `stderr: ${cli.stderr}\nstdout ends: ${cli.stdout.slice(-400)}`);
  assertEquals(cli.stdout.includes("\nSTOPPED (interrupted) at line "), true, cli.stdout);
  assertEquals(/\nINTERRUPTED at line \d+: no violation up to there/.test(cli.stdout), true);
  const events = Number(cli.stdout.match(/\nevents: ([\d,]+) =/)![1].replaceAll(",", ""));
  // The signal is taken at the next batch after it arrives: well before the trace's end.
  assertEquals(events > 1000 && events < 574_238, true, `${events} events`);

  const controller = new AbortController();
  const report = await replayTrace(PROCS, {
    signal: controller.signal,
    onProgress: () => controller.abort(),
  });
  assertEquals(report.stoppedAt?.reason, "interrupted");
  assertEquals(report.violations, 0);

  const both = await compare("--designs", `pagepile,${given("presses_ctrl_c")}`, PROCS);
  assertEquals(both.code, 130, both.stderr);
  assertEquals(both.stdout.includes("presses-ctrl-c: stopped at line"), true, both.stdout);
});

// 6. Messages that name what the user needs ----------------------------------------

Deno.test("allocation failures on a board the trace fits say the design holds the memory, not that the trace needs more", async () => {
  // 10,000 blocks of 4,000 bytes, one live at a time: 4 KB of live bytes, 40 MB asked in all.
  const lines: string[] = [];
  for (let i = 1; i <= 10_000; i++) {
    lines.push(`galloc 0x${i.toString(16)} 0 4000`, `gfree 0x${i.toString(16)}`);
  }
  const trace = await nativeTrace(lines);
  const leak = await replay("--design", given("leaky"), trace);
  assertEquals(leak.code, 0, leak.stderr);
  const verdict = leak.stdout.trimEnd().split("\n").at(-1)!;
  assertEquals(
    /^NOT ENOUGH MEMORY: [\d,]+ allocations failed for lack of memory on this 32 MiB board; the trace's peak of live bytes is 0 MiB, and the design held 32 MiB of pages \(x\d+\.\d\): it keeps memory it does not give back, or wastes it; the trace itself needs no larger board \(every check passed\)$/
      .test(verdict),
    true,
    verdict,
  );
  const right = await replay(trace);
  assertEquals(right.stdout.trimEnd().endsWith("OK: every check passed"), true);
  // A design that fails with most of the board free does not hold the memory: it does not use it.
  const givesUp = await replay("--design", given("gives_up"), trace);
  assertEquals(givesUp.code, 0, givesUp.stderr);
  assertEquals(
    givesUp.stdout.trimEnd().split("\n").at(-1),
    "NOT ENOUGH MEMORY: 10,000 allocations failed for lack of memory on this 32 MiB board; " +
      "the trace's peak of live bytes is 0 MiB, and the design held at most 0 MiB of pages " +
      "(half the board or less): it does not hand out the memory it has; the trace itself needs " +
      "no larger board (every check passed)",
  );
  await Deno.remove(trace);
});

// 7. Type errors -----------------------------------------------------------------

Deno.test("a design module that does not type-check gets one line naming file, line and error; --no-check runs it", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/mistyped.ts`;
  await Deno.writeTextFile(
    path,
    `import { type Design } from "${new URL("../mod.ts", import.meta.url).href}";\n` +
      `import { design as firstFit } from "${
        new URL("../examples/first_fit.ts", import.meta.url).href
      }";\n` +
      `const pages: number = "three";\n` +
      `export const design: Design = { ...firstFit, name: "mistyped" + pages };\n`,
  );
  const checked = await replay("--design", path, EXCERPT);
  assertEquals(checked.code, 2);
  assertEquals(checked.stderr.trim().split("\n").length, 1, checked.stderr);
  assertEquals(
    checked.stderr.trim(),
    `replay: ${path}:3:7: type error TS2322: Type 'string' is not assignable to type 'number'.` +
      "; --no-check runs it unchecked",
  );
  const unchecked = await replay("--design", path, "--no-check", EXCERPT);
  assertEquals(unchecked.code, 0, unchecked.stderr);
  const both = await compare("--designs", `pagepile,${path}`, EXCERPT);
  assertEquals([both.code, both.stderr.trim().split("\n").length], [2, 1]);
  await Deno.remove(dir, { recursive: true });
});

// 9. The fuzzer, on any design ---------------------------------------------------------

Deno.test("deno task fuzz --design catches a broken design, and names the step", async () => {
  const run = await runDeno([
    "run",
    "--allow-read",
    "--allow-run",
    "tools/cli/fuzz.ts",
    "--design",
    given("no_zeroing"),
    "--steps",
    "1000",
    "--seed",
    "1",
  ]);
  assertEquals(run.code, 1, run.stderr);
  assertEquals(
    /\nwhat failed: step \d+: (galloc\(GFP_ZERO\)|get_pages\(GFP_ZERO\)|slice_alloc from a GFP_ZERO pool): the byte at 0x[0-9a-f]{8} is not zero\n/
      .test(run.stdout),
    true,
    run.stdout,
  );
  assertEquals(
    run.stdout.includes(
      `replay with: deno task fuzz --design ${given("no_zeroing")} --seed 1 --path`,
    ),
    true,
  );

  // In a program: a design that hangs, throws or misreports fails the step it breaks in.
  const gallocs = Array.from({ length: 60 }, (_, i) => ({
    kind: "galloc" as const,
    size: 8 + i,
    zero: false,
  }));
  const failure = (name: string, ops = gallocs): string =>
    assertThrows(
      () => runFuzzOps(ops, 1 << 20, { design: designs[name], watchdogSeconds: 0.5 }),
      FuzzFailure,
    ).message;
  const designs: Record<string, Design> = {};
  for (const name of ["galloc_spins", "throws_in_galloc", "constant_pages_in_use"]) {
    designs[name] = await fixture(name);
  }
  assertEquals(
    failure("galloc_spins"),
    "step 30: galloc did not return within 0.5 s (the watchdog: --watchdog)",
  );
  assertEquals(
    failure("throws_in_galloc"),
    "step 50: galloc threw TypeError: Cannot read properties of undefined (reading 'bytes')",
  );
  assertEquals(
    /^step \d+: pagesInUse\(\) is 3, but the live blocks and pool records lie on 4 pages/
      .test(failure("constant_pages_in_use", gallocs.map((op) => ({ ...op, size: 4000 })))),
    true,
  );
});
