/**
 * The HTML reports' table of designs that run on the board's CPU (firmware
 * images): per operation and design, the bus's data-access cycles beside
 * the instructions and the CPU cycles, p50 / p99 / max, and what compares
 * across designs.
 * @module
 */

import type { ReplayReport } from "../replay/replay_trace.ts";
import type { OpFigures } from "../replay/cycle_stats.ts";
import { escapeHtml } from "./html_escape.ts";

/** A design's name in the report, and its replay. */
export interface CpuTableRow {
  name: string;
  report: ReplayReport;
}

/**
 * The section "Instructions and CPU cycles per operation" for the designs
 * that ran on the CPU among `rows`; "" when none did.
 */
export function cpuSection(rows: CpuTableRow[]): string {
  const onCpu = rows.filter((row) => row.report.cpu !== undefined);
  if (onCpu.length === 0) return "";
  const timings = [...new Set(onCpu.map((row) => row.report.cpu!.timing))].join(", ");
  const ops = [...new Set(onCpu.flatMap((row) => Object.keys(row.report.ops)))].sort();
  const figures = (f: OpFigures | undefined): string =>
    f === undefined ? "-" : `${f.cycles.p50} / ${f.cycles.p99} / ${f.cycles.max}`;
  const body = ops.flatMap((op) =>
    onCpu.filter((row) => row.report.ops[op] !== undefined).map((row) => {
      const cpu = row.report.cpu!.ops[op];
      const cells = [
        op,
        row.name,
        row.report.ops[op].count.toLocaleString("en-US"),
        figures(row.report.ops[op]),
        figures(cpu?.instructions),
        figures(cpu?.cycles),
      ];
      return `<tr>${cells.map((cell) => `<td>${escapeHtml(cell)}</td>`).join("")}</tr>`;
    })
  );
  return `<h2>Instructions and CPU cycles per operation</h2>
<p>${onCpu.length === 1 ? "This design runs" : "These designs run"} on the board's RV32IM core (${
    escapeHtml(timings)
  }), every fetch, load and store through the counted bus. Its bus cycles are its loads and stores
alone: every bus access of a design in TypeScript is a data access, so the bus cycles are the figures
that compare across designs. CPU cycles add the instruction fetches and the cycles the core's timing
model adds to the data accesses.</p>
<table id="cpu-table"><thead><tr><th>operation</th><th>design</th><th>calls</th>
<th>bus cycles (data accesses) p50 / p99 / max</th><th>instructions p50 / p99 / max</th>
<th>CPU cycles p50 / p99 / max</th></tr></thead><tbody>
${body.join("\n")}
</tbody></table>
`;
}
