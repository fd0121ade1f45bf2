/**
 * Draws an Observable Plot chart into a server-side DOM (linkedom) and
 * returns it as SVG text to inline in an HTML report.
 *
 * Why these two: Plot is kept by Observable, the makers of D3; it states a
 * chart as marks over scales (log scales, stacking, rules, facets), and it
 * renders into any `document` it is given, so it needs no browser. linkedom
 * is a small, fast DOM with the methods Plot uses; jsdom would do the same
 * work with far more code. The SVG Plot makes is static: the file needs no
 * script or network to show it.
 * @module
 */

import * as Plot from "@observablehq/plot";
import { parseHTML } from "linkedom";

/**
 * Renders a Plot chart, in a fresh document, to its markup.
 * @param options the chart, as Plot.plot takes it
 * @returns SVG text (a figure around it when the chart has a title or legend)
 */
export function plotSvg(options: Plot.PlotOptions): string {
  const window = parseHTML("<!DOCTYPE html><html><body></body></html>") as unknown as {
    document: Plot.PlotOptions["document"];
  };
  const figure = Plot.plot({ ...options, document: window.document });
  return (figure as unknown as { outerHTML: string }).outerHTML;
}
