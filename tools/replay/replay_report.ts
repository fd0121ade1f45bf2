/**
 * The text report of a replay, for people.
 * @module
 */

import { formatBuddyinfo } from "../../core/buddyinfo.ts";
import { formatSlabinfo } from "../../core/slabinfo.ts";
import { formatVmallocinfo } from "../../core/vmallocinfo.ts";
import { RAM_MAX_BYTES } from "../../hw/memory_map.ts";
import type { ReplayReport } from "./replay_trace.ts";
import type { CpuFigures, StopReason } from "./replayer.ts";
import { formatCacheFigures } from "./cache_report.ts";

/**
 * Formats a replay report as text: what ran, every event accounted for,
 * violations, failures, bus cycles per operation, and memory.
 * @param report what replayTrace returned
 * @param options `stats` adds the buddyinfo, slabinfo and vmallocinfo tables
 * @returns the report, ending in a newline
 */
export function formatReplayReport(
  report: ReplayReport,
  options: { stats?: boolean } = {},
): string {
  const n = (x: number): string => x.toLocaleString("en-US");
  const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(2)} MiB`;
  const out: string[] = [];
  out.push(
    `pagepile replay of ${report.tracePath} (${report.format} trace, ${n(report.lines)} lines)`,
  );
  out.push(
    `design: ${report.design}; board: ${
      report.ramBytes / 1048576
    } MiB of RAM (${report.ramRule}); ` +
      `checks: ${report.check}` + (report.debug ? "; firmware debug options on" : "") +
      (report.cache === undefined ? "" : `; data cache ${report.cache.data.spec}`),
  );
  if (report.inputError) {
    out.push(`\nINPUT ERROR: ${report.inputError}\n(the report covers the lines before it)`);
  }
  if (report.stoppedAt) {
    const stop = report.stoppedAt;
    out.push(`\nSTOPPED ${STOP_WHY[stop.reason]} at line ${stop.line}: ${stop.message}`);
    if (stop.reason === "design") {
      out.push("(the design was called no more: no audit at the end, no tables)");
    }
  }

  const skippedTotal = Object.values(report.skipped).reduce((a, b) => a + b, 0);
  out.push(
    `\nevents: ${n(report.events)} = ${n(report.applied)} applied + ${n(skippedTotal)} skipped`,
  );
  for (const [reason, count] of Object.entries(report.skipped).sort((a, b) => b[1] - a[1])) {
    out.push(`  ${n(count).padStart(10)}  skipped: ${reason}`);
  }
  out.push(`lines that are not valid events: ${n(report.problems.count)}`);
  for (const p of report.problems.first.slice(0, 10)) out.push(`  line ${p.line}: ${p.message}`);
  const t = report.trace;
  out.push(
    `trace: CPUs ${t.cpus.length}${t.cpus.length > 0 ? ` (${t.cpus.join(", ")})` : ""}; ` +
      `frees on another CPU ${n(t.crossCpuFrees)}; ` +
      `lost events ${n(t.lostEvents)}; timestamps going back ${n(report.timestampsBackwards)}; ` +
      `implicit frees ${n(t.implicitFrees)}`,
  );

  out.push(`\nviolations: ${n(report.violations)}`);
  for (const v of report.violationList.slice(0, 20)) out.push(`  line ${v.line}: ${v.message}`);
  out.push(`allocation failures (out of memory): ${n(report.failures)}`);
  for (const f of report.failureList.slice(0, 10)) {
    out.push(
      `  line ${f.line}: ${f.op} of ${f.request}; free piles by order: ${f.freeByOrder.join(" ")}`,
    );
  }

  out.push(
    report.cpu === undefined
      ? "\nbus cycles per operation:"
      : "\nbus cycles per operation (the core's loads and stores alone: the figure that compares\n" +
        "with designs in TypeScript, whose every bus access is a data access):",
  );
  out.push(
    `  ${"operation".padEnd(20)}${"count".padStart(10)}${"mean".padStart(10)}${"p50".padStart(8)}` +
      `${"p99".padStart(8)}${"max".padStart(9)}  worst at line`,
  );
  for (const [op, f] of Object.entries(report.ops)) {
    out.push(
      `  ${op.padEnd(20)}${n(f.count).padStart(10)}${f.cycles.mean.toFixed(1).padStart(10)}` +
        `${String(f.cycles.p50).padStart(8)}${String(f.cycles.p99).padStart(8)}` +
        `${String(f.cycles.max).padStart(9)}  ${f.worst.line}`,
    );
  }
  if (report.cpu !== undefined) out.push(...cpuTable(report.cpu));
  if (report.cache !== undefined) out.push(...formatCacheFigures(report.cache));

  const m = report.memory;
  const ratio = (a: number, b: number): string => (b === 0 ? "-" : (a / b).toFixed(3));
  out.push("\nmemory:");
  out.push(
    `  peak live requested       ${mib(m.peakRequestedBytes)} at line ${m.peakLine}` +
      ` (objects ${mib(m.objectRequestedBytes)}, page allocations ${mib(m.pageBytes)})`,
  );
  out.push(
    `  objects at that peak      requested ${
      mib(m.objectRequestedBytes)
    }; ${report.design} handed out ` +
      `${mib(m.objectAllocatedBytes)} (x${
        ratio(m.objectAllocatedBytes, m.objectRequestedBytes)
      }); ` +
      `Linux handed out ${mib(m.linuxAllocatedBytes)} (x${
        ratio(m.linuxAllocatedBytes, m.objectRequestedBytes)
      })`,
  );
  out.push(
    `  peak footprint            ${mib(m.peakFootprintBytes)} of pages held by the allocators` +
      ` (x${ratio(m.peakFootprintBytes, m.peakRequestedBytes)} the peak live requested)`,
  );
  out.push(`  vmalloc areas at the peak ${mib(m.vmallocBytes)}`);
  out.push(`  firmware structures       ${mib(m.firmwareBytes)}`);
  const tlb = report.tlb;
  if (tlb.hits + tlb.misses > 0) {
    out.push(
      `  TLB                       ${n(tlb.hits)} hits, ${
        n(tlb.misses)
      } misses (hit rate ${tlb.hitRate})`,
    );
  }
  out.push(`\nwall time ${report.wallSeconds.toFixed(2)} s, ${n(report.eventsPerSecond)} events/s`);

  if (options.stats && report.tables === null) {
    out.push("\nno tables at the end: the design broke, and was asked nothing more");
  } else if (options.stats && report.tables !== null) {
    out.push("\nbuddyinfo at the end:");
    out.push(formatBuddyinfo(report.tables.pages).trimEnd());
    out.push("\nslabinfo at the end:");
    out.push(formatSlabinfo(report.tables.slices).trimEnd());
    if (report.tables.vm !== undefined) {
      out.push("\nvmallocinfo at the end:");
      out.push(formatVmallocinfo(report.tables.vm).trimEnd());
    }
    const names = Object.entries(report.poolNames);
    if (names.length > 0) {
      out.push("\ncaches the trace's frees named, by pool:");
      for (const [pool, name] of names) out.push(`  ${pool.padEnd(40)} ${name}`);
    }
  }
  out.push(`\n${verdict(report)}`);
  return out.join("\n") + "\n";
}

/**
 * The table of a design that runs on the CPU: per operation, instructions
 * and CPU cycles (mean, p50, p99, max), and the line of the dearest call.
 */
function cpuTable(cpu: CpuFigures): string[] {
  const n = (x: number): string => x.toLocaleString("en-US");
  const lines = [
    "\ninstructions and CPU cycles per operation (the image runs on the board's RV32IM core,\n" +
    `${cpu.timing}; CPU cycles: its fetches, loads and stores on the bus, and the core's own;\n` +
    "the bus cycles above, not these, compare across designs):",
    `  ${"operation".padEnd(20)}${"count".padStart(10)}${"instructions: mean".padStart(20)}` +
    `${"p50".padStart(8)}${"p99".padStart(8)}${"max".padStart(9)}` +
    `${"CPU cycles: mean".padStart(18)}${"p50".padStart(8)}${"p99".padStart(8)}` +
    `${"max".padStart(9)}  worst at line`,
  ];
  for (const [op, { instructions: i, cycles: c }] of Object.entries(cpu.ops)) {
    lines.push(
      `  ${op.padEnd(20)}${n(i.count).padStart(10)}${i.cycles.mean.toFixed(1).padStart(20)}` +
        `${String(i.cycles.p50).padStart(8)}${String(i.cycles.p99).padStart(8)}` +
        `${String(i.cycles.max).padStart(9)}${c.cycles.mean.toFixed(1).padStart(18)}` +
        `${String(c.cycles.p50).padStart(8)}${String(c.cycles.p99).padStart(8)}` +
        `${String(c.cycles.max).padStart(9)}  ${c.worst.line}`,
    );
  }
  return lines;
}

/** Why a replay stopped early, as the report says it. */
const STOP_WHY: Record<StopReason, string> = {
  strict: "(--strict)",
  failure: "(at the first failure)",
  design: "(the design broke)",
  violations: "(--max-violations)",
  interrupted: "(interrupted)",
};

/**
 * The report's last line: whether every check passed and, since failed
 * allocations are not violations but no success either, how many failed and
 * what board the trace needs.
 */
function verdict(report: ReplayReport): string {
  const n = (x: number): string => x.toLocaleString("en-US");
  const mib = (bytes: number): string => `${+(bytes / 1048576).toFixed(1)} MiB`;
  const problems: string[] = [];
  if (report.violations > 0) problems.push(`${n(report.violations)} violations`);
  if (report.inputError) problems.push("the trace could not be read to its end");
  const stop = report.stoppedAt;
  if (stop !== null && stop.reason !== "failure") {
    problems.push(`stopped ${STOP_WHY[stop.reason]} at line ${stop.line}`);
  }
  if (report.failures === 0) {
    if (problems.length > 0 && report.violations === 0 && stop?.reason === "interrupted") {
      return `INTERRUPTED at line ${stop.line}: no violation up to there; ` +
        "the rest of the trace was not replayed";
    }
    return problems.length === 0 ? "OK: every check passed" : `FAILED: ${problems.join("; ")}`;
  }
  const failed = `${n(report.failures)} allocations failed for lack of memory on this ` +
    `${mib(report.ramBytes)} board` + memoryHint(report);
  return problems.length === 0
    ? `NOT ENOUGH MEMORY: ${failed} (every check passed)`
    : `FAILED: ${problems.join("; ")}; and ${failed}`;
}

/**
 * What the allocation failures say: a trace that needs a larger board (the
 * board to replay it on), or, on a board the trace's live bytes fit with
 * room to spare, a design that holds far more than them, or one that fails
 * with half the board or more free.
 */
function memoryHint(report: ReplayReport): string {
  const mib = (bytes: number): string => `${+(bytes / 1048576).toFixed(1)} MiB`;
  const needs = report.traceNeeds;
  if (needs === null) {
    const larger = 2 * report.ramBytes;
    return larger <= RAM_MAX_BYTES ? `: replay it with --ram ${larger / 1048576}M` : "";
  }
  const live = `; the trace's peak of live bytes is ${mib(needs.peakLiveBytes)}`;
  if (needs.ramBytes > report.ramBytes) {
    return `${live}: replay it with --ram ${needs.ramBytes / 1048576}M`;
  }
  // The board is the sizing rule's for this trace, or larger: the trace fits, the design does not.
  const footprint = report.memory.peakFootprintBytes;
  if (footprint * 2 <= report.ramBytes) {
    // Every failure came with half the board or more free, by the design's own count.
    return `${live}, and the design held at most ${mib(footprint)} of pages (half the board ` +
      "or less): it does not hand out the memory it has; the trace itself needs no larger board";
  }
  const times = needs.peakLiveBytes === 0
    ? ""
    : ` (x${(footprint / needs.peakLiveBytes).toFixed(1)})`;
  return `${live}, and the design held ${mib(footprint)} of pages${times}: it keeps memory it ` +
    "does not give back, or wastes it; the trace itself needs no larger board";
}
