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
import { freePilesChart, latencyChart, memoryChart } from "./charts.ts";
import { escapeHtml } from "./html_escape.ts";
import { mapGeometry, memoryMapLegend, memoryMapSvg } from "./memory_map_svg.ts";
import { formatReplayReport } from "../replay/replay_report.ts";
import type { ReplayReport } from "../replay/replay_trace.ts";
import type { ReplayPictures } from "../replay/memory_timeline.ts";

const KiB = 1024;

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
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="lead">${summaryLine(report)}</p>

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
      `<figure class="chart" id="chart-latency-${escapeHtml(op)}">${
        latencyChart(op, figures)
      }</figure>`
    ).join("\n")
  }
</div>

<h2>Problems</h2>
${problemTables(report)}

<h2>Allocator tables at the end</h2>
<h3>buddyinfo</h3>
<pre>${escapeHtml(formatBuddyinfo(report.tables.pages))}</pre>
<h3>slabinfo</h3>
<pre>${escapeHtml(formatSlabinfo(report.tables.slices))}</pre>
${
    report.tables.vm === undefined
      ? ""
      : `<h3>vmallocinfo</h3>\n<pre>${escapeHtml(formatVmallocinfo(report.tables.vm))}</pre>\n`
  }
<h2>Full text report</h2>
<pre>${escapeHtml(formatReplayReport(report))}</pre>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

/** The maps at the footprint's peak and at the end, or why there are none. */
function memoryMaps(pictures: ReplayPictures): string {
  const { peak, peakMap, endMap } = pictures;
  if (peakMap === null || endMap === null) {
    return `<p>This design gives no page map (it has no pageMap). At the peak the allocators held ${
      kib(peak.footprintBytes)
    }, after line ${peak.line}.</p>`;
  }
  return `<p>One cell per ${peakMap.pageSize / KiB} KiB page, ${
    mapRowNote(peakMap.pages, peakMap.pageSize)
  }, from ${hexAddress(peakMap.ramBase)}. Point at a cell for its address and holder.</p>
<div class="maps">
<figure><figcaption>At the peak: ${
    kib(peak.footprintBytes)
  } held, after line ${peak.line}</figcaption>
${memoryMapSvg(peakMap, "map-peak")}
${memoryMapLegend(peakMap)}</figure>
<figure><figcaption>At the end of the trace</figcaption>
${memoryMapSvg(endMap, "map-end")}
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
  } applied) on a ${
    report.ramBytes / (1024 * KiB)
  } MiB board, checks ${report.check}: ${verdict}, ` +
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

function kib(bytes: number): string {
  return `${Math.round(bytes / KiB).toLocaleString("en-US")} KiB`;
}

function hexAddress(addr: number): string {
  return `0x${addr.toString(16).padStart(8, "0")}`;
}

function mapRowNote(pages: number, pageSize: number): string {
  const { columns } = mapGeometry(pages);
  return `${columns * pageSize / (1024 * KiB)} MiB a row`;
}

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5em auto; max-width: 1200px; padding: 0 1em; color: #222; }
h1 { font-size: 1.4em; } h2 { margin-top: 2em; border-bottom: 1px solid #ddd; }
.ok { color: #2f7d32; font-weight: 600; } .bad { color: #b71c1c; font-weight: 600; }
.maps { display: flex; flex-wrap: wrap; gap: 2em; }
figure { margin: 0; } figcaption { font-weight: 600; margin-bottom: 0.4em; }
.memory-map { border: 1px solid #bbb; max-width: 100%; height: auto; }
.legend { list-style: none; padding: 0.3em; columns: 2; font-size: 12px; max-width: 1040px; max-height: 16em; overflow: auto; border: 1px solid #eee; }
.legend li { break-inside: avoid; } .legend .pages { color: #666; }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px; border: 1px solid #999; }
.latency { display: flex; flex-wrap: wrap; gap: 1em; }
pre { background: #f6f6f6; padding: 0.6em; overflow-x: auto; font-size: 12px; }
table { border-collapse: collapse; font-size: 12px; margin: 0.6em 0; }
caption { text-align: left; font-weight: 600; }
td, th { border: 1px solid #ccc; padding: 2px 6px; text-align: left; vertical-align: top; }
#tip { position: fixed; background: #222; color: #fff; padding: 3px 6px; font: 12px monospace; pointer-events: none; border-radius: 3px; }
`;

/** Turns the cell under the pointer into its page's address and holder. */
const SCRIPT = `
(() => {
  const tip = document.getElementById("tip");
  for (const svg of document.querySelectorAll("svg.memory-map")) {
    const cell = Number(svg.dataset.cell);
    const base = Number(svg.dataset.ramBase);
    const pageSize = Number(svg.dataset.pageSize);
    svg.addEventListener("mousemove", (event) => {
      const rect = event.target.closest("rect");
      if (!rect) { tip.hidden = true; return; }
      const box = svg.getBoundingClientRect();
      const scale = box.width / svg.viewBox.baseVal.width;
      const x = (event.clientX - box.left) / scale;
      const offset = Math.max(0, Math.floor((x - Number(rect.getAttribute("x"))) / cell));
      const page = Number(rect.dataset.page) + offset;
      const address = (base + page * pageSize).toString(16).padStart(8, "0");
      const holder = rect.querySelector("title").textContent.replace(/^[^:]*: /, "");
      tip.textContent = "0x" + address + " (page " + page + "): " + holder;
      tip.style.left = event.clientX + 12 + "px";
      tip.style.top = event.clientY + 12 + "px";
      tip.hidden = false;
    });
    svg.addEventListener("mouseleave", () => { tip.hidden = true; });
  }
})();
`;
