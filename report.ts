/**
 * pagepile's HTML reports: of a replay, one self-contained file (inline SVG,
 * no network) with the physical memory map at the footprint's peak and at
 * the end, memory and free piles over the trace, bus-cycle histograms, the
 * allocators' tables and what went wrong, by trace line; of a comparison of
 * designs, their table, footprints, cycle distributions and maps side by
 * side.
 *
 * A second entry point of the package, apart from the library in `mod.ts`:
 * the charts are drawn with Observable Plot into linkedom's DOM, which only
 * this module loads.
 *
 * @example
 * ```ts
 * import { replayTrace } from "@pagepile/pagepile";
 * import { renderHtmlReport } from "@pagepile/pagepile/report";
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "# pagepile trace 1\ngalloc 0x2 0 100\ngfree 0x2\n");
 * const report = await replayTrace(path, { ramBytes: 1024 * 1024, pictures: true });
 * const html = await Deno.makeTempFile({ suffix: ".html" });
 * await Deno.writeTextFile(html, renderHtmlReport(report));
 * ```
 * @module
 */

export { renderHtmlReport } from "./tools/report/html_report.ts";
export { renderCompareReport } from "./tools/report/compare_report.ts";
