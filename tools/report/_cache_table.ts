/**
 * The HTML reports' cache section, for replays on a board with a data
 * cache: per operation and design, the data cache's accesses, misses and
 * dirty write-backs per call (p50 / p99 / max) and in total; then each
 * design's totals as Dinero IV prints them.
 * @module
 */

import type { CacheCounters } from "../../hw/cache/cache_model.ts";
import type { CacheCountFigures } from "../replay/cache_stats.ts";
import type { CpuTableRow } from "./_cpu_table.ts";
import { escapeHtml } from "./html_escape.ts";

/**
 * The section "Data cache per operation" for the rows whose replay had a
 * data cache; "" when none had.
 * @param rows each design's name in the report, and its replay
 * @returns the section's HTML
 */
export function cacheSection(rows: CpuTableRow[]): string {
  const cached = rows.filter((row) => row.report.cache !== undefined);
  if (cached.length === 0) return "";
  const n = (x: number): string => x.toLocaleString("en-US");
  const counts = (f: CacheCountFigures): string => `${f.p50} / ${f.p99} / ${f.max} (${n(f.total)})`;
  const specs = [...new Set(cached.map((row) => row.report.cache!.data.spec))].join("; ");
  const ops = [...new Set(cached.flatMap((row) => Object.keys(row.report.cache!.data.ops)))]
    .sort();
  const cells = (values: string[]): string =>
    `<tr>${values.map((cell) => `<td>${escapeHtml(cell)}</td>`).join("")}</tr>`;
  const perOp = ops.flatMap((op) =>
    cached.filter((row) => row.report.cache!.data.ops[op] !== undefined).map((row) => {
      const f = row.report.cache!.data.ops[op];
      return cells([op, row.name, counts(f.accesses), counts(f.misses), counts(f.writeBacks)]);
    })
  );
  const totals = cached.flatMap((row) => {
    const sides: [string, CacheCounters][] = [["data", row.report.cache!.data.totals]];
    const instruction = row.report.cache!.instruction;
    if (instruction !== undefined) sides.push(["instruction", instruction.totals]);
    return sides.map(([side, t]) =>
      cells([
        row.name,
        side,
        n(t.accesses),
        `${n(t.misses)} (${n(t.readMisses)} / ${n(t.writeMisses)})`,
        t.accesses === 0 ? "-" : (t.misses / t.accesses).toFixed(4),
        n(t.writeBacks),
        n(t.bytesFromMemory),
        n(t.bytesToMemory),
      ])
    );
  });
  return `<h2>Data cache per operation</h2>
<p>The board had a data cache (${
    escapeHtml(specs)
  }): the bus cycles above include what it charged. Per call p50 / p99 / max, and in brackets the
total over every call.</p>
<table id="cache-table"><thead><tr><th>operation</th><th>design</th><th>accesses</th>
<th>misses</th><th>dirty write-backs</th></tr></thead><tbody>
${perOp.join("\n")}
</tbody></table>
<table id="cache-totals"><caption>Totals over the trace, as Dinero IV prints them (the design's
boot and its calls)</caption><thead><tr><th>design</th><th>cache</th>
<th>accesses</th><th>misses (read / write)</th><th>miss rate</th><th>dirty write-backs</th>
<th>bytes from memory</th><th>bytes to memory</th></tr></thead><tbody>
${totals.join("\n")}
</tbody></table>
`;
}
