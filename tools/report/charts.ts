/**
 * The report's charts, drawn with Observable Plot into a server-side DOM
 * (linkedom) and returned as SVG text to inline in the HTML file.
 *
 * Why these two: Plot is kept by Observable, the makers of D3; it states a
 * chart as marks over scales (log scales, stacking, rules), and it renders
 * into any `document` it is given, so it needs no browser. linkedom is a
 * small, fast DOM with the methods Plot uses; jsdom would do the same work
 * with far more code. The SVG Plot makes is static: the file needs no script
 * or network to show it.
 * @module
 */

import * as Plot from "@observablehq/plot";
import { parseHTML } from "linkedom";
import type { OpFigures } from "../replay/cycle_stats.ts";
import type { MemorySeries } from "../replay/memory_timeline.ts";

const MiB = 1024 * 1024;

/** A fresh document for Plot to draw into. */
function newDocument(): Plot.PlotOptions["document"] {
  const window = parseHTML("<!DOCTYPE html><html><body></body></html>") as unknown as {
    document: Plot.PlotOptions["document"];
  };
  return window.document;
}

/** Renders a Plot figure to SVG text. */
function render(options: Plot.PlotOptions): string {
  const figure = Plot.plot({ ...options, document: newDocument() });
  return (figure as unknown as { outerHTML: string }).outerHTML;
}

/**
 * Live requested bytes and footprint against the event number.
 * @param series the replay's samples
 * @returns SVG text
 */
export function memoryChart(series: MemorySeries): string {
  const rows: { event: number; line: number; what: string; mib: number }[] = [];
  series.event.forEach((event, i) => {
    const line = series.line[i];
    rows.push({ event, line, what: "live requested", mib: series.requestedBytes[i] / MiB });
    rows.push({ event, line, what: "footprint", mib: series.footprintBytes[i] / MiB });
  });
  return render({
    width: 900,
    height: 300,
    marginLeft: 60,
    x: { label: "event", grid: true },
    y: { label: "MiB", grid: true, zero: true },
    color: { legend: true, domain: ["live requested", "footprint"] },
    marks: [
      Plot.lineY(rows, { x: "event", y: "mib", stroke: "what", strokeWidth: 1.5 }),
      Plot.ruleY([0]),
    ],
  });
}

/**
 * Free piles per order against the event number, stacked: fragmentation
 * shows as the small orders' share growing.
 * @param series the replay's samples
 * @returns SVG text
 */
export function freePilesChart(series: MemorySeries): string {
  const rows: { event: number; order: string; piles: number }[] = [];
  series.event.forEach((event, i) => {
    series.freeByOrder[i].forEach((piles, order) => {
      rows.push({ event, order: String(order), piles });
    });
  });
  const orders = (series.freeByOrder[0] ?? []).map((_, order) => String(order));
  return render({
    width: 900,
    height: 300,
    marginLeft: 60,
    x: { label: "event", grid: true },
    y: { label: "free piles", grid: true },
    color: { legend: true, label: "order", domain: orders, scheme: "viridis" },
    marks: [
      Plot.areaY(rows, { x: "event", y: "piles", fill: "order", order: orders }),
      Plot.ruleY([0]),
    ],
  });
}

/**
 * A histogram of one operation's bus cycles on log scales, with p50, p99
 * and the max marked.
 * @param op the operation's name
 * @param figures its figures, histogram included
 * @returns SVG text
 */
export function latencyChart(op: string, figures: OpFigures): string {
  const bins = figures.histogram.map((calls, b) => ({
    from: b === 0 ? 1 : 2 ** b,
    to: 2 ** (b + 1),
    calls,
  })).filter((bin) => bin.calls > 0);
  const marks = [
    { label: "p50", cycles: figures.cycles.p50 },
    { label: "p99", cycles: figures.cycles.p99 },
    { label: "max", cycles: figures.cycles.max },
  ].map((m, i) => ({ ...m, cycles: Math.max(m.cycles, 1), dy: -4 - 11 * i }));
  const top = Math.max(...bins.map((bin) => bin.calls), 1);
  const from = bins[0]?.from ?? 1;
  const to = Math.max(bins.at(-1)?.to ?? 2, from * 2);
  return render({
    width: 440,
    height: 200,
    marginLeft: 60,
    marginTop: 44,
    title: `${op}: ${figures.count.toLocaleString("en-US")} calls`,
    x: { type: "log", label: "bus cycles", domain: [from, to] },
    y: { type: "symlog", label: "calls", domain: [0, top * 1.2], grid: true },
    marks: [
      Plot.rectY(bins, { x1: "from", x2: "to", y: "calls", fill: "steelblue", inset: 0.5 }),
      Plot.ruleX(marks, { x: "cycles", stroke: "firebrick", strokeDasharray: "3,2" }),
      // Labels one above the other, so that close marks stay readable.
      ...marks.map((m) =>
        Plot.text([m], {
          x: "cycles",
          y: top * 1.2,
          text: () => `${m.label} ${m.cycles}`,
          dy: m.dy,
          fill: "firebrick",
          textAnchor: "start",
          dx: 2,
        })
      ),
    ],
  });
}
