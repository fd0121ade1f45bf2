/**
 * A replay's report as one self-contained HTML file: the physical memory map
 * at the peak and at the end, memory and free piles over the trace, bus-cycle
 * histograms, the allocators' tables, and what went wrong with its trace
 * lines. Everything is inline (SVG, style, a small script); it opens without
 * a network.
 * @module
 */

import { formatBuddyinfo } from "../../core/buddyinfo.ts";
import { formatSlabinfo } from "../../core/slabinfo.ts";
import { formatVmallocinfo } from "../../core/vmallocinfo.ts";
import { freePilesChart, memoryChart } from "./charts.ts";
import { cycleChart } from "./cycle_chart.ts";
import { escapeHtml } from "./html_escape.ts";
import { mapGeometry } from "./map_layout.ts";
import { memoryMapLegend, memoryMapNote, memoryMapSvg } from "./memory_map_svg.ts";
import { idPart, kib, PAGE_END, pageStart, peakMapCaption } from "./_page.ts";
import { cpuSection } from "./_cpu_table.ts";
import { cacheSection } from "./_cache_table.ts";
import { formatReplayReport } from "../replay/replay_report.ts";
import type { ReplayReport } from "../replay/replay_trace.ts";
import type { ReplayPictures } from "../replay/memory_timeline.ts";

const MiB = 1024 * 1024;

/** The pixels a map takes across. */
const MAP_WIDTH = 1024;

/**
 * Renders a replay report made with the `pictures` option as HTML.
 * @param report the report (from replayTrace, or parsed from `replay --json`)
 * @returns the HTML document's text
 * @throws {Error} when the report has no pictures
 * @example
 * ```ts
 * import { replayTrace } from "@pagepile/pagepile";
 * import { renderHtmlReport } from "@pagepile/pagepile/report";
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "# pagepile trace 1\nalloc_pages 0x1 0 2\ngalloc 0x2 0 100\n");
 * const report = await replayTrace(path, { ramBytes: 1024 * 1024, pictures: true });
 * const html = renderHtmlReport(report);
 * console.log(html.startsWith("<!DOCTYPE html>")); // true
 * ```
 */
export function renderHtmlReport(report: ReplayReport): string {
  const pictures = report.pictures;
  if (pictures === undefined) {
    throw new Error(
      `the report of ${report.tracePath} has no pictures: replay with --report, or with --json`,
    );
  }
  const title = `pagepile replay of ${report.tracePath} on ${report.design}`;
  const ops = Object.entries(report.ops).sort(([a], [b]) => a.localeCompare(b));
  const every = pictures.series.every;
  return `${pageStart(title, summaryLine(report))}

<h2>Physical memory</h2>
${memoryMaps(pictures)}
<div id="tip" hidden></div>

<h2>Memory over the trace</h2>
<p>Sampled every ${every} event${every === 1 ? "" : "s"}. Footprint: the pages the allocators hold,
metadata included; live requested: what the trace's live blocks asked for.</p>
<figure class="chart" id="chart-memory">${memoryChart(pictures.series)}</figure>
<h3>Free piles per order</h3>
<figure class="chart" id="chart-free">${freePilesChart(pictures.series)}</figure>

<h2>Bus cycles per operation</h2>
<p>Calls by powers of two of bus cycles (log scales); p50, p99 and the max marked.</p>
<div class="latency">
${
    ops.map(([op, figures]) =>
      `<figure class="chart" id="chart-latency-${idPart(op)}">${
        cycleChart(op, [{ design: report.design, colour: "steelblue", figures }])
      }</figure>`
    ).join("\n")
  }
</div>
${cpuSection([{ name: report.design, report }])}
${cacheSection([{ name: report.design, report }])}
<h2>Problems</h2>
${problemTables(report)}

<h2>Allocator tables at the end</h2>
${tables(report.tables)}
<h2>Full text report</h2>
<pre>${escapeHtml(formatReplayReport(report))}</pre>
${PAGE_END}`;
}

/** buddyinfo, slabinfo and vmallocinfo, or why there are none. */
function tables(tables: ReplayReport["tables"]): string {
  if (tables === null) return "<p>None: the design broke, and was asked nothing more.</p>\n";
  return `<h3>buddyinfo</h3>
<pre>${escapeHtml(formatBuddyinfo(tables.pages))}</pre>
<h3>slabinfo</h3>
<pre>${escapeHtml(formatSlabinfo(tables.slices))}</pre>
${
    tables.vm === undefined
      ? ""
      : `<h3>vmallocinfo</h3>\n<pre>${escapeHtml(formatVmallocinfo(tables.vm))}</pre>\n`
  }`;
}

/** The maps at the footprint's peak and at the end, drawn alike, or why there are none. */
function memoryMaps(pictures: ReplayPictures): string {
  const { peak, peakMap, endMap } = pictures;
  if (peakMap === null || endMap === null) {
    return `<p>This design gives no page map (it has no pageMap). At the peak the allocators held ${
      kib(peak.footprintBytes)
    }, after line ${peak.line}.</p>`;
  }
  const geometry = mapGeometry([peakMap, endMap], MAP_WIDTH);
  // Captions under the maps: the tops stay level whatever the captions' lengths.
  return `<p>${memoryMapNote(peakMap, geometry)}</p>
<div class="maps">
<figure>${memoryMapSvg(peakMap, { id: "map-peak", geometry })}
<figcaption>${peakMapCaption(pictures)}</figcaption>
${memoryMapLegend(peakMap)}</figure>
<figure>${memoryMapSvg(endMap, { id: "map-end", geometry })}
<figcaption>At the end of the trace</figcaption>
${memoryMapLegend(endMap)}</figure>
</div>`;
}

function summaryLine(report: ReplayReport): string {
  const verdict = report.violations === 0
    ? `<span class="ok">no violations</span>`
    : `<span class="bad">${report.violations} violation${
      report.violations === 1 ? "" : "s"
    }</span>`;
  return `${report.events.toLocaleString("en-US")} events (${
    report.applied.toLocaleString("en-US")
  } applied) on a ${report.ramBytes / MiB} MiB board, checks ${report.check}: ${verdict}, ` +
    `${report.failures} allocation failure${
      report.failures === 1 ? "" : "s"
    }, ${report.problems.count} bad line${
      report.problems.count === 1 ? "" : "s"
    }. Peak live requested ${
      kib(report.memory.peakRequestedBytes)
    } (line ${report.memory.peakLine}), peak footprint ${kib(report.memory.peakFootprintBytes)}.`;
}

/** Violations, allocation failures and bad lines, each with its trace line. */
function problemTables(report: ReplayReport): string {
  const table = (
    caption: string,
    total: number,
    head: string[],
    rows: (string | number)[][],
  ): string => {
    if (total === 0) return `<p>${caption}: none.</p>`;
    const shown = rows.length < total ? ` (the first ${rows.length} of ${total})` : "";
    return `<table><caption>${caption}${shown}</caption><thead><tr>${
      head.map((h) => `<th>${h}</th>`).join("")
    }</tr></thead><tbody>${
      rows.map((row) => `<tr>${row.map((c) => `<td>${escapeHtml(String(c))}</td>`).join("")}</tr>`)
        .join("")
    }</tbody></table>`;
  };
  return [
    table(
      "Violations",
      report.violations,
      ["line", "what"],
      report.violationList.map((v) => [v.line, v.message]),
    ),
    table(
      "Allocation failures",
      report.failures,
      ["line", "call", "request", "free piles by order"],
      report.failureList.map((f) => [f.line, f.op, f.request, f.freeByOrder.join(" ")]),
    ),
    table(
      "Lines that are not valid events",
      report.problems.count,
      ["line", "why"],
      report.problems.first.map((p) => [p.line, p.message]),
    ),
  ].join("\n");
}
