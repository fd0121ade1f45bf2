import { assertEquals } from "./_assert.ts";
import { fileURLToPath } from "node:url";
import {
  Board,
  GFP_KERNEL,
  hex32,
  loadDesign,
  RAM_BASE,
  readTrace,
  type ReplayReport,
  replayTrace,
  type TraceOp,
} from "../mod.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** A path in the project, absolute, so the tests do not depend on the working folder. */
function inProject(path: string): string {
  return fileURLToPath(new URL(`../${path}`, import.meta.url));
}
const EXAMPLE = inProject("examples/first_fit.ts");
const PROCS = inProject("traces/recorded/linux-6.1/procs.trace.gz");
const VM = inProject("traces/recorded/linux-6.12/vm.excerpt.trace.gz");
const EXCERPT = inProject("tests/fixtures/boot_excerpt.trace.gz");

/** The trace lines of the events of one operation, in order. */
async function linesOf(path: string, op: TraceOp): Promise<number[]> {
  const lines: number[] = [];
  await readTrace(path, {
    event(e) {
      if (e.op === op) lines.push(e.line);
    },
    problem() {},
    lost() {},
  });
  return lines;
}

/** Every event is applied or skipped for a stated reason. */
function accountsForEveryEvent(report: ReplayReport): void {
  const skipped = Object.values(report.skipped).reduce((a, b) => a + b, 0);
  assertEquals(report.applied + skipped, report.events);
}

Deno.test("first_fit example: boots with one free block spanning the heap, and coalesces back to it", async () => {
  const design = await loadDesign(EXAMPLE);
  const firmware = design.boot(new Board({ ramBytes: 1024 * 1024 }));
  // 256 pages: the first holds the globals; the second the heap's first header, so it is not free.
  const bootFree = firmware.stats().pages.free;
  assertEquals([firmware.stats().pages.total, bootFree, firmware.pagesInUse()], [256, 254, 1]);
  const a = firmware.galloc(GFP_KERNEL, 24);
  const pile = firmware.alloc_pages(GFP_KERNEL, 3);
  const b = firmware.galloc(GFP_KERNEL, 5000);
  assertEquals([a % 8, pile % (8 * 4096), firmware.gsize(a), firmware.gsize(b)], [0, 0, 24, 5000]);
  assertEquals(firmware.audit(), []);
  firmware.gfree(b);
  firmware.free_pages(pile);
  firmware.gfree(a);
  assertEquals(firmware.audit(), []);
  assertEquals(firmware.stats().pages.free, bootFree);
});

Deno.test("first_fit example: audit() finds a broken boundary tag and a wrong count", async () => {
  const design = await loadDesign(EXAMPLE);
  const firmware = design.boot(new Board({ ramBytes: 1024 * 1024 }));
  const a = firmware.galloc(GFP_KERNEL, 24);
  const b = firmware.galloc(GFP_KERNEL, 40);
  // a's block is its 8-byte header and 24 bytes; b's header follows: size, then prev size.
  assertEquals(b, a + 24 + 8);
  firmware.board.write32(b - 4, 48);
  // The globals' free-page count, at RAM_BASE + 0x10.
  firmware.board.write32(RAM_BASE + 0x10, 7);
  assertEquals(firmware.audit(), [
    `block ${hex32(b - 8)}: prev size 48, not 32`,
    "the globals count 7 free pages; the heap has 254",
  ]);
});

Deno.test("first_fit example loads by path and replays the whole Linux 6.1 procs trace, every check passing", async () => {
  const design = await loadDesign(EXAMPLE);
  assertEquals(design.name, "first-fit");
  const report = await replayTrace(PROCS, { design, auditEvery: 10_000 });
  accountsForEveryEvent(report);
  // The event count is pagepile's for the same trace (tests/replay_traces_test.ts).
  assertEquals([report.events, report.applied], [574_238, 470_551]);
  assertEquals([report.violations, report.problems.count, report.failures], [0, 0, 0]);
  assertEquals(report.design, "first-fit");
});

Deno.test("first_fit example skips the Linux 6.12 excerpt's vmalloc events as unsupported, counted by reason", async () => {
  const design = await loadDesign(EXAMPLE);
  const report = await replayTrace(VM, { design, auditEvery: 20_000 });
  accountsForEveryEvent(report);
  assertEquals([report.events, report.violations, report.problems.count], [215_401, 0, 0]);
  // The excerpt's 449 alloc_vmap_area and 448 free_vmap_area_noflush events (see its README):
  // the design declares `unsupported: ["vmalloc"]`, so none is replayed, the 2 vfrees of areas
  // allocated before recording included.
  assertEquals(report.skipped["vmalloc: the design has no virtual memory allocator"], 449);
  assertEquals(report.skipped["vfree: the design has no virtual memory allocator"], 448);
  assertEquals([report.ops.vmalloc, report.ops.vfree], [undefined, undefined]);
});

Deno.test("replay --design ./examples/first_fit.ts --json exits 0 and names the design", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-run",
      "tools/cli/replay.ts",
      "--design",
      "./examples/first_fit.ts",
      "tests/fixtures/boot_excerpt.trace.gz",
      "--json",
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout);
  assertEquals(output.code, 0, new TextDecoder().decode(output.stderr));
  assertEquals(stdout.includes('"design":"first-fit"'), true);
  const result = JSON.parse(stdout);
  assertEquals([result.events, result.violations, result.problems.count], [3031, 0, 0]);
});

Deno.test("a design that hands out overlapping blocks is caught at the line of the second one", async () => {
  const design = await loadDesign(inProject("tests/fixtures/designs/overlapping_blocks.ts"));
  const report = await replayTrace(EXCERPT, { design });
  const overlaps = report.violationList.filter((v) => v.message.includes("overlaps block"));
  // The design's 100th galloc returns its 99th block again.
  const gallocs = await linesOf(EXCERPT, "galloc");
  assertEquals(overlaps[0].line, gallocs[99]);
  assertEquals(overlaps.every((v) => gallocs.includes(v.line)), true);
  // The message names the block it hits and the line that allocated it: the 99th galloc.
  const said = overlaps[0].message.match(
    /^galloc returned a bad block: (0x[0-9a-f]{8}) \+ (\d+) bytes overlaps block (0x[0-9a-f]{8}) \(\d+ bytes, galloc at line (\d+)\)$/,
  );
  assertEquals(said !== null, true, overlaps[0].message);
  assertEquals([said![3], Number(said![4])], [said![1], gallocs[98]]);
});

Deno.test("a design that writes into a live block is caught when the trace frees it, naming block and byte", async () => {
  const design = await loadDesign(inProject("tests/fixtures/designs/clobbered_block.ts"));
  // The 6.12 excerpt frees most of its blocks soon (the boot excerpt keeps them to its end).
  const report = await replayTrace(VM, { design });
  assertEquals(report.violations, 1);
  const [violation] = report.violationList;
  const said = violation.message.match(
    /^block (0x[0-9a-f]{8}) \(\d+ bytes, galloc at line (\d+)\) changed at (0x[0-9a-f]{8}) when freed$/,
  );
  assertEquals(said !== null, true, violation.message);
  // The design flipped the block's first byte; the checker finds out at the kfree of the block,
  // and names the line of the galloc that made it.
  assertEquals(said![3], said![1]);
  assertEquals((await linesOf(VM, "galloc")).includes(Number(said![2])), true);
  assertEquals((await linesOf(VM, "gfree")).includes(violation.line), true);
});

Deno.test("a design that returns a pile outside RAM is caught at that allocation", async () => {
  const design = await loadDesign(inProject("tests/fixtures/designs/outside_ram.ts"));
  const report = await replayTrace(EXCERPT, { design });
  assertEquals(report.violations, 1);
  const [violation] = report.violationList;
  // The design's 10th alloc_pages returns the pile at the end of RAM.
  assertEquals(violation.line, (await linesOf(EXCERPT, "alloc_pages"))[9]);
  const end = hex32(RAM_BASE + report.ramBytes);
  assertEquals(
    new RegExp(`^alloc_pages returned a bad block: ${end} \\+ \\d+ bytes is not inside RAM$`)
      .test(violation.message),
    true,
    violation.message,
  );
});
