// The comparison's HTML report: self-contained, every design in every part,
// a map or a sentence per design, honest about how the footprints were sampled.

import { fileURLToPath } from "node:url";
import type { Comparison } from "../tools/compare/compare_designs.ts";
import { compareDesigns } from "../tools/compare/compare_designs.ts";
import { renderCompareReport } from "../report.ts";
import { assertEquals, assertThrows } from "./_assert.ts";

const MiB = 1024 * 1024;
const EXCERPT = fileURLToPath(new URL("./fixtures/boot_excerpt.trace.gz", import.meta.url));
const FIRST_FIT = fileURLToPath(new URL("../examples/first_fit.ts", import.meta.url));
const NAMES = ["pagepile", "koowaldah", "first-fit"];

const comparison = await compareDesigns(EXCERPT, ["pagepile", "koowaldah", FIRST_FIT], {
  ramBytes: 32 * MiB,
  check: "light",
  pictures: true,
});

/** The markup of the element that opens with `opening`, to its closing `</tag>`. */
function element(html: string, opening: string, tag: string): string {
  const start = html.indexOf(opening);
  assertEquals(start >= 0, true, `${opening} is missing`);
  return html.slice(start, html.indexOf(`</${tag}>`, start));
}

/** The same as `idPart` in tools/report/_page.ts, written out: "galloc (GFP_ZERO)" -> "galloc-GFP_ZERO". */
function chartId(op: string): string {
  return "chart-cycles-" + op.replace(/[^A-Za-z0-9_]+/g, "-").replace(/^-|-$/g, "");
}

Deno.test("renderCompareReport() writes one self-contained file naming every design", () => {
  assertEquals(comparison.designs.map((d) => d.design), NAMES);
  const html = renderCompareReport(comparison);
  assertEquals(html.startsWith("<!DOCTYPE html>"), true);
  assertEquals(/\b(src|href)\s*=\s*["']?\s*(https?:)?\/\//i.test(html), false, "a URL to fetch");
  assertEquals(/<(script|link|img|iframe)[^>]*\b(src|href)=/i.test(html), false, "a fetch");
  const table = element(html, "<pre>", "pre");
  for (const name of NAMES) {
    assertEquals(table.includes(`\n  ${name} `), true, `${name} in the table`);
  }
});

Deno.test("renderCompareReport() draws a map per design that has one, a sentence for the rest", () => {
  const html = renderCompareReport(comparison);
  NAMES.forEach((name, i) => {
    const figure = element(html, `<figure data-design="${name}">`, "figure");
    const hasMap = comparison.designs[i].report.pictures!.peakMap !== null;
    assertEquals(figure.includes(`<svg id="map-${i}"`), hasMap, name);
    assertEquals(figure.includes("gives no page map"), !hasMap, name);
  });
  // The example design keeps no page map; the shipped ones do.
  assertEquals(comparison.designs.map((d) => d.report.pictures!.peakMap !== null), [
    true,
    true,
    false,
  ]);
  // Drawn alike: one cell size for every map.
  const cells = [...html.matchAll(/class="memory-map"[^>]*data-cell="(\d+)"/g)].map((m) => m[1]);
  assertEquals(cells.length, 2);
  assertEquals(cells[0], cells[1]);
});

Deno.test("renderCompareReport() draws one chart per operation kind, every design in it", () => {
  const html = renderCompareReport(comparison);
  const ops = new Set(comparison.designs.flatMap((d) => Object.keys(d.report.ops)));
  assertEquals(ops.has("galloc") && ops.has("slice_alloc") && ops.has("gfree"), true);
  for (const op of ops) {
    const opening = `<figure class="chart" id="${chartId(op)}">`;
    assertEquals(html.split(opening).length, 2, `one chart for ${op}`);
    // Plot's figure (a title and the SVG) inside the report's.
    const chart = element(html, opening, "figure></figure");
    for (const name of NAMES) {
      // A bar of its histogram, or the sentence that it made no such call.
      assertEquals(chart.includes(`<title>${name}: `), true, `${name} in the ${op} chart`);
    }
  }
  const footprint = element(html, '<figure class="chart" id="chart-footprint">', "figure></figure");
  for (const name of NAMES) {
    assertEquals(footprint.includes(`<title>${name}: footprint</title>`), true, name);
  }
  // The trace's live bytes: koowaldah skips the pools it cannot hold, so it has a line of its own.
  assertEquals(html.includes("<title>live requested: koowaldah</title>"), true);
  assertEquals(html.includes("<title>live requested: pagepile, first-fit</title>"), true);
  assertEquals(html.includes("the same events for every design"), true);
});

Deno.test("renderCompareReport() says so when the designs were sampled at different intervals", () => {
  const uneven = structuredClone(comparison) as Comparison;
  // As a replay that sampled every other event would have.
  const series = uneven.designs[2].report.pictures!.series;
  const keep = series.event.map((_, i) => i % 2 === 1);
  series.every *= 2;
  series.event = series.event.filter((_, i) => keep[i]);
  series.line = series.line.filter((_, i) => keep[i]);
  series.requestedBytes = series.requestedBytes.filter((_, i) => keep[i]);
  series.footprintBytes = series.footprintBytes.filter((_, i) => keep[i]);
  series.freeByOrder = series.freeByOrder.filter((_, i) => keep[i]);
  const html = renderCompareReport(uneven);
  const every = comparison.designs[0].report.pictures!.series.every;
  assertEquals(
    html.includes(
      `Sampled at different intervals: every ${every} events for pagepile, koowaldah; ` +
        `every ${2 * every} events for first-fit.`,
    ),
    true,
  );
  assertEquals(html.includes("<title>first-fit: footprint</title>"), true);
});

Deno.test("renderCompareReport() refuses a comparison made without pictures", async () => {
  const plain = await compareDesigns(EXCERPT, ["pagepile"], { ramBytes: 32 * MiB, check: "off" });
  assertThrows(
    () => renderCompareReport(plain),
    Error,
    "call compareDesigns with { pictures: true }",
  );
});
