// Every design in the repository replays every real trace in it with no
// violation: the shipped designs and the example a user starts from. The
// replays of one trace run side by side (compareDesigns: a worker each).

import { assertEquals } from "./_assert.ts";
import { fileURLToPath } from "node:url";
import { compareDesigns, DESIGNS, replayTrace } from "../mod.ts";

const RECORDED = fileURLToPath(new URL("../traces/recorded/", import.meta.url));
const EXAMPLE = fileURLToPath(new URL("../examples/first_fit.ts", import.meta.url));
const DESIGN_SPECS = [...DESIGNS.map((d) => d.name), EXAMPLE];

const TRACES = [
  "linux-6.1/boot.trace.gz",
  "linux-6.1/fs.trace.gz",
  "linux-6.1/procs.trace.gz",
  "linux-6.12/vm.excerpt.trace.gz",
];

for (const trace of TRACES) {
  Deno.test(`every design replays ${trace} with no violation, every event accounted for`, async () => {
    // Light checks: bounds, alignment and overlap in full, each block's first
    // and last words for its bytes (the full fill would double the time).
    const { designs } = await compareDesigns(RECORDED + trace, DESIGN_SPECS, { check: "light" });
    assertEquals(designs.map((d) => d.design), ["pagepile", "koowaldah", "tlsf", "first-fit"]);
    for (const { design, report } of designs) {
      const skipped = Object.values(report.skipped).reduce((a, b) => a + b, 0);
      assertEquals(report.applied + skipped, report.events, design);
      assertEquals(
        [report.violations, report.problems.count, report.failures, report.inputError],
        [0, 0, 0, null],
        `${design}: ${JSON.stringify(report.violationList.slice(0, 3))}`,
      );
    }
    // The same trace is the same events whatever the design.
    assertEquals(new Set(designs.map((d) => d.report.events)).size, 1);
    if (trace.includes("vm.excerpt")) {
      // Neither koowaldah nor the example has vmalloc: its events are skipped, by reason.
      for (const { report } of [designs[1], designs[3]]) {
        assertEquals(report.skipped["vmalloc: the design has no virtual memory allocator"], 449);
        assertEquals(report.skipped["vfree: the design has no virtual memory allocator"], 448);
      }
    }
  });
}

Deno.test("every shipped design keeps its state in the board's RAM: a twin given that RAM answers alike", async () => {
  // The check replay and compare make of a module of one's own, asked of the
  // shipped designs here (twin_board.ts): vm.excerpt calls every allocator,
  // vmalloc and the MMU included.
  const path = RECORDED + "linux-6.12/vm.excerpt.trace.gz";
  for (const design of DESIGNS) {
    for (const debug of [false, true]) {
      const report = await replayTrace(path, { design, debug, check: "light", stateCheck: true });
      assertEquals([report.violations, report.violationList], [0, []], `${design.name}`);
    }
  }
});
