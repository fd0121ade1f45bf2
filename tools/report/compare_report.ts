/**
 * A comparison of designs as one self-contained HTML file: the comparison's
 * table, the footprints over the trace on one chart, each operation's
 * bus-cycle distributions on shared scales, and each design's memory map at
 * its footprint's peak, side by side and drawn alike. Everything is inline
 * (SVG, style, a small script); it opens without a network.
 * @module
 */

import { formatComparison } from "../compare/comparison_table.ts";
import type { Comparison, DesignFigures } from "../compare/compare_designs.ts";
import type { ReplayPictures } from "../replay/memory_timeline.ts";
import { formatReplayReport } from "../replay/replay_report.ts";
import { footprintChart } from "./charts.ts";
import { cycleChart } from "./cycle_chart.ts";
import { escapeHtml } from "./html_escape.ts";
import { mapGeometry } from "./map_layout.ts";
import { memoryMapLegend, memoryMapNote, memoryMapSvg } from "./memory_map_svg.ts";
import { idPart, kib, PAGE_END, pageStart, peakMapCaption } from "./_page.ts";
import { cpuSection } from "./_cpu_table.ts";
import { cacheSection } from "./_cache_table.ts";

const MiB = 1024 * 1024;

/** The pixels the maps take across together, side by side. */
const MAPS_WIDTH = 1150;
/** The pixels between two maps (the grid's gap). */
const MAPS_GAP = 20;

/** A design's colour in every chart: Observable's ten categorical colours, in order. */
const DESIGN_COLOURS = [
  "#4269d0",
  "#efb118",
  "#ff725c",
  "#6cc5b0",
  "#3ca951",
  "#ff8ab7",
  "#a463f2",
  "#97bbf5",
  "#9c6b4e",
  "#9498a0",
];

/** A design as the report shows it. */
interface Shown {
  /** Its name, made unique when a design is compared with itself. */
  name: string;
  colour: string;
  figures: DesignFigures;
  pictures: ReplayPictures;
}

/**
 * Renders a comparison made with the `pictures` option as HTML.
 * @param comparison what compareDesigns returned
 * @returns the HTML document's text
 * @throws {Error} when the comparison was made without pictures
 * @example
 * ```ts
 * import { compareDesigns } from "@pagepile/pagepile";
 * import { renderCompareReport } from "@pagepile/pagepile/report";
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "# pagepile trace 1\ngalloc 0x2 0 100\ngfree 0x2\n");
 * const comparison = await compareDesigns(path, ["pagepile", "koowaldah"], {
 *   ramBytes: 1024 * 1024,
 *   pictures: true,
 * });
 * const html = renderCompareReport(comparison);
 * console.log(html.startsWith("<!DOCTYPE html>")); // true
 * ```
 */
export function renderCompareReport(comparison: Comparison): string {
  const without = comparison.designs.filter((d) => d.report.pictures === undefined);
  if (without.length > 0) {
    throw new Error(
      `the comparison of ${comparison.tracePath} has no pictures (of ${
        without.map((d) => d.design).join(", ")
      }): call compareDesigns with { pictures: true }`,
    );
  }
  const designs: Shown[] = comparison.designs.map((figures, i) => ({
    name: comparison.designs.filter((d) => d.design === figures.design).length > 1
      ? `${figures.design} #${i + 1}`
      : figures.design,
    colour: DESIGN_COLOURS[i % DESIGN_COLOURS.length],
    figures,
    pictures: figures.report.pictures!,
  }));
  const ops = [...new Set(designs.flatMap((d) => Object.keys(d.figures.report.ops)))].sort();
  const title = `pagepile comparison of ${designs.length} design${
    designs.length === 1 ? "" : "s"
  } on ${comparison.tracePath}`;
  return `${pageStart(title, summaryLine(comparison, designs))}

<h2>The designs</h2>
<pre>${escapeHtml(formatComparison(comparison))}</pre>

<h2>Footprint over the trace</h2>
<p>The pages each design's allocators held, metadata included; dashed, the live requested bytes.
${samplingNote(designs)}</p>
<figure class="chart" id="chart-footprint">${
    footprintChart(
      designs.map((d) => ({ design: d.name, colour: d.colour, series: d.pictures.series })),
    )
  }</figure>

<h2>Bus cycles per operation</h2>
<p>Calls by powers of two of bus cycles (log scales), one design above the other on the same scales;
p50, p99 and the max marked.</p>
<div class="latency">
${
    ops.map((op) =>
      `<figure class="chart" id="chart-cycles-${idPart(op)}">${
        cycleChart(
          op,
          designs.map((d) => ({
            design: d.name,
            colour: d.colour,
            figures: d.figures.report.ops[op],
          })),
        )
      }</figure>`
    ).join("\n")
  }
</div>
${cpuSection(designs.map((d) => ({ name: d.name, report: d.figures.report })))}
${cacheSection(designs.map((d) => ({ name: d.name, report: d.figures.report })))}
<h2>Physical memory at each design's peak</h2>
${memoryMaps(designs)}
<div id="tip" hidden></div>

<h2>Each design's replay</h2>
${
    designs.map((d) =>
      `<details><summary>${escapeHtml(d.name)}</summary>\n<pre>${
        escapeHtml(formatReplayReport(d.figures.report))
      }</pre></details>`
    ).join("\n")
  }
${PAGE_END}`;
}

function summaryLine(comparison: Comparison, designs: Shown[]): string {
  const failed = designs.filter((d) =>
    d.figures.violations > 0 || d.figures.report.inputError !== null
  );
  const verdict = failed.length === 0
    ? `<span class="ok">every check passed on every design</span>`
    : `<span class="bad">failed on ${escapeHtml(failed.map((d) => d.name).join(", "))}</span>`;
  return `${designs[0].figures.report.events.toLocaleString("en-US")} events on a ${
    comparison.ramBytes / MiB
  } MiB board for every design (${
    escapeHtml(comparison.ramRule)
  }), checks ${comparison.check}: ${verdict}. Peak live requested ${
    kib(comparison.peakRequestedBytes)
  }.`;
}

/**
 * How the footprints were sampled. Every design replays the same trace and
 * samples as its events go, so the intervals agree; if they do not (a
 * replay cut short), each line is still drawn from its own samples, and the
 * note says so.
 */
function samplingNote(designs: Shown[]): string {
  const byEvery = new Map<number, string[]>();
  for (const d of designs) {
    const every = d.pictures.series.every;
    byEvery.set(every, [...(byEvery.get(every) ?? []), d.name]);
  }
  const events = (n: number): string => `${n} event${n === 1 ? "" : "s"}`;
  if (byEvery.size === 1) {
    return `Sampled every ${events(designs[0].pictures.series.every)}, the same events for ` +
      "every design; the table's peaks are exact, a line may pass between samples over one.";
  }
  return `Sampled at different intervals: ${
    [...byEvery].map(([every, names]) =>
      `every ${events(every)} for ${escapeHtml(names.join(", "))}`
    )
      .join("; ")
  }. Each line is drawn from its own samples, so a short peak may show on one and not on another.`;
}

/** Each design's map at its peak, side by side and drawn alike, or why it has none. */
function memoryMaps(designs: Shown[]): string {
  const maps = designs.flatMap((d) => d.pictures.peakMap ?? []);
  const width = Math.floor((MAPS_WIDTH - (designs.length - 1) * MAPS_GAP) / designs.length);
  const geometry = mapGeometry(maps, width);
  const note = maps.length === 0 ? "" : `<p>${memoryMapNote(maps[0], geometry)}</p>\n`;
  const figures = designs.map((d, i) => {
    const { peakMap } = d.pictures;
    const caption = `<figcaption>${
      peakMapCaption(d.pictures, `${escapeHtml(d.name)}: `)
    }</figcaption>`;
    // The caption under the map, so that the maps' tops stay on one line
    // whatever their captions' lengths (one may be "near the peak").
    const body = peakMap === null
      ? `<p class="no-map">${
        escapeHtml(d.name)
      } gives no page map (its firmware has no pageMap), so there is no map to draw.</p>\n${caption}`
      : `${memoryMapSvg(peakMap, { id: `map-${i}`, geometry })}\n${caption}\n${
        memoryMapLegend(peakMap)
      }`;
    return `<figure data-design="${escapeHtml(d.name)}">${body}</figure>`;
  });
  return `${note}<div class="maps-side" style="grid-template-columns: repeat(${designs.length}, minmax(0, 1fr))">
${figures.join("\n")}
</div>`;
}
