/**
 * A comparison of designs as text: one line per design, then bus cycles per
 * operation kind with the designs side by side, and, for designs in C, their
 * instructions and CPU cycles.
 * @module
 */

import type { Comparison } from "./compare_designs.ts";

/**
 * Formats a comparison: the trace and board, a table of each design's
 * violations, failures, unsupported events, waste, footprint and wall time,
 * and a table of bus cycles (p50 / p99 / max) per operation kind and design.
 * @param comparison what compareDesigns returned
 * @returns the tables, ending in a newline
 */
export function formatComparison(comparison: Comparison): string {
  const n = (x: number): string => x.toLocaleString("en-US");
  const kib = (bytes: number): string => `${n(Math.round(bytes / 1024))} KiB`;
  const rows = comparison.designs;
  const out: string[] = [
    `pagepile comparison of ${rows.length} design${rows.length === 1 ? "" : "s"} on ` +
    `${comparison.tracePath}`,
    `board: ${
      comparison.ramBytes / 1048576
    } MiB of RAM for every design (${comparison.ramRule}); ` +
    `checks: ${comparison.check}; peak live requested ${kib(comparison.peakRequestedBytes)}`,
    ...(comparison.cache === null ? [] : [
      `data cache on every board: ${comparison.cache} (bus cycles include it)`,
    ]),
    "",
  ];
  const sized = rows.some((r) => r.smallestBoardBytes !== undefined);
  const board = (row: (typeof rows)[number]): string =>
    row.stopped !== null
      ? "-"
      : row.smallestBoardBytes === null || row.smallestBoardBytes === undefined
      ? "over 1 GiB"
      : size(row.smallestBoardBytes);
  out.push(table(
    [
      "design",
      "violations",
      "failures",
      "unsupported",
      "waste",
      "peak footprint",
      "/ peak live",
      ...(sized ? ["smallest board"] : []),
      "wall s",
    ],
    rows.map((r) => [
      r.design,
      n(r.violations),
      n(r.failures),
      n(r.unsupportedSkips),
      r.waste.toFixed(3),
      kib(r.peakFootprintBytes),
      r.footprintRatio.toFixed(3),
      ...(sized ? [board(r)] : []),
      r.wallSeconds.toFixed(2),
    ]),
  ));
  for (const r of rows.filter((r) => r.stopped !== null)) {
    out.push(`  ${r.design}: ${r.stopped}; its figures cover the lines before`);
  }
  out.push(
    "  (unsupported: events skipped because the design lacks that part of the API;",
    "   waste: bytes handed out / requested for the objects live at the peak, headers included" +
      (sized ? ";" : ")"),
    ...(sized
      ? [
        "   smallest board: the least RAM from which the trace replays with no allocation",
        "   failing on every larger board up to the one it is sized to; no design can go below",
        `   the peak live requested, ${kib(comparison.peakRequestedBytes)})`,
      ]
      : []),
    "",
    "bus cycles per operation, p50 / p99 / max (allocations with GFP_ZERO apart: clearing",
    "the memory costs every design alike):",
  );
  const onCpu = rows.filter((r) => r.report.cpu !== undefined);
  if (onCpu.length > 0) {
    out.push(
      "(for a design in C, its core's loads and stores alone: every bus access of a design in",
      "TypeScript is a data access, so these are the figures that compare across designs)",
    );
  }
  const ops = [...new Set(rows.flatMap((r) => Object.keys(r.report.ops)))];
  out.push(table(
    ["operation", ...rows.map((r) => r.design)],
    ops.map((op) => [
      op,
      ...rows.map((r) => {
        const c = r.report.ops[op]?.cycles;
        return c === undefined ? "-" : `${c.p50} / ${c.p99} / ${c.max}`;
      }),
    ]),
  ));
  if (onCpu.length > 0) out.push("", ...cpuTable(onCpu, ops));
  if (comparison.cache !== null) out.push("", ...cacheTables(rows, ops));
  const failed = rows.filter((r) => r.violations > 0 || r.report.inputError !== null);
  if (failed.length > 0) out.push("", "the first violations of each design that failed:");
  for (const r of failed) {
    for (const v of r.report.violationList.slice(0, 3)) {
      out.push(`  ${r.design}: line ${v.line}: ${v.message}`);
    }
    if (r.report.inputError !== null) out.push(`  ${r.design}: ${r.report.inputError}`);
  }
  const interrupted = rows.some((r) => r.report.stoppedAt?.reason === "interrupted");
  out.push(
    "",
    failed.length > 0
      ? `FAILED: ${failed.map((r) => r.design).join(", ")} (see each one's replay for the lines)`
      : interrupted
      ? "INTERRUPTED: no violation up to where each replay stopped"
      : "OK: every check passed on every design",
  );
  return out.join("\n") + "\n";
}

/**
 * The designs that run on the CPU: per operation, their instructions and
 * CPU cycles, p50 / p99 / max, two columns a design.
 */
function cpuTable(rows: Comparison["designs"], ops: string[]): string[] {
  const timings = [...new Set(rows.map((r) => r.report.cpu!.timing))].join(", ");
  return [
    "instructions and CPU cycles per operation, p50 / p99 / max, of the designs in C (on the",
    `board's RV32IM core, ${timings}; CPU cycles: fetches, loads and stores, the core's own):`,
    table(
      ["operation", ...rows.flatMap((r) => [`${r.design} instructions`, `${r.design} CPU cycles`])],
      ops.map((op) => [
        op,
        ...rows.flatMap((r) => {
          const figures = r.report.cpu!.ops[op];
          if (figures === undefined) return ["-", "-"];
          const { instructions: i, cycles: c } = figures;
          return [
            `${i.cycles.p50} / ${i.cycles.p99} / ${i.cycles.max}`,
            `${c.cycles.p50} / ${c.cycles.p99} / ${c.cycles.max}`,
          ];
        }),
      ]),
    ),
  ];
}

/**
 * With a cache: per operation, each design's data-cache misses per call
 * (p50 / p99 / max), then each design's totals as Dinero prints them.
 */
function cacheTables(rows: Comparison["designs"], ops: string[]): string[] {
  const n = (x: number): string => x.toLocaleString("en-US");
  const withCache = rows.filter((r) => r.report.cache !== undefined);
  return [
    "data-cache misses per operation, p50 / p99 / max per call (accesses and dirty",
    "write-backs per call are in --json, and in each design's replay):",
    table(
      ["operation", ...withCache.map((r) => r.design)],
      ops.map((op) => [
        op,
        ...withCache.map((r) => {
          const m = r.report.cache!.data.ops[op]?.misses;
          return m === undefined ? "-" : `${m.p50} / ${m.p99} / ${m.max}`;
        }),
      ]),
    ),
    "",
    "data-cache totals per design (its boot and its calls):",
    table(
      [
        "design",
        "accesses",
        "misses",
        "read misses",
        "write misses",
        "miss rate",
        "write-backs",
        "bytes from memory",
        "bytes to memory",
      ],
      withCache.map((r) => {
        const t = r.report.cache!.data.totals;
        return [
          r.design,
          n(t.accesses),
          n(t.misses),
          n(t.readMisses),
          n(t.writeMisses),
          t.accesses === 0 ? "-" : (t.misses / t.accesses).toFixed(4),
          n(t.writeBacks),
          n(t.bytesFromMemory),
          n(t.bytesToMemory),
        ];
      }),
    ),
  ];
}

/** A board size: KiB under 4 MiB, MiB from there. */
function size(bytes: number): string {
  return bytes < 4 * 1048576 ? `${bytes / 1024} KiB` : `${bytes / 1048576} MiB`;
}

/** Columns padded to their widest cell: the first left-aligned, the others right. */
function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string =>
    "  " + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [header, ...rows].map(line).join("\n");
}
