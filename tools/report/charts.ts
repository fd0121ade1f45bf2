/**
 * Memory over a trace, as charts (SVG text, see plot_svg.ts): one replay's
 * live bytes, footprint and free piles; several designs' footprints on one
 * chart.
 * @module
 */

import * as Plot from "@observablehq/plot";
import type { MemorySeries } from "../replay/memory_timeline.ts";
import { plotSvg } from "./plot_svg.ts";

const MiB = 1024 * 1024;

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
  return plotSvg({
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
  return plotSvg({
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

/** One design's line of {@link footprintChart}. */
export interface DesignSeries {
  /** The design's name, as the chart shows it. */
  design: string;
  /** Its colour, a CSS colour. */
  colour: string;
  /** Its replay's samples. */
  series: MemorySeries;
}

/**
 * The footprint of several designs replaying one trace, against the event
 * number: a line per design, each drawn from its own samples. Dashed, the
 * live requested bytes: the trace's, so one line when every design applied
 * the same events; a design that skipped some (a part of the API it lacks)
 * has one of its own. Each dashed line names its designs at its end.
 * @param designs the designs, in the order of the legend
 * @returns SVG text
 */
export function footprintChart(designs: DesignSeries[]): string {
  const footprint = designs.flatMap((d) =>
    d.series.event.map((event, i) => ({
      design: d.design,
      event,
      mib: d.series.footprintBytes[i] / MiB,
    }))
  );
  // Designs whose live requested bytes are the same samples share a line.
  const groups: DesignSeries[][] = [];
  for (const d of designs) {
    const same = groups.find(([g]) =>
      sameNumbers(g.series.event, d.series.event) &&
      sameNumbers(g.series.requestedBytes, d.series.requestedBytes)
    );
    if (same === undefined) groups.push([d]);
    else same.push(d);
  }
  const requested = groups.map((group) => ({
    name: groups.length === 1
      ? "live requested"
      : `live requested: ${group.map((d) => d.design).join(", ")}`,
    colour: groups.length === 1 ? "#777" : group[0].colour,
    series: group[0].series,
  }));
  return plotSvg({
    width: 1100,
    height: 340,
    marginLeft: 60,
    x: { label: "event", grid: true },
    y: { label: "MiB", grid: true, zero: true },
    color: {
      legend: true,
      domain: designs.map((d) => d.design),
      range: designs.map((d) => d.colour),
    },
    marks: [
      ...requested.flatMap(({ name, colour, series }) => {
        const rows = series.event.map((event, i) => ({
          event,
          mib: series.requestedBytes[i] / MiB,
        }));
        return [
          Plot.lineY(rows, {
            x: "event",
            y: "mib",
            stroke: colour,
            strokeDasharray: "5,3",
            strokeWidth: 1.2,
            title: () => name,
          }),
          Plot.text(rows.slice(-1), {
            x: "event",
            y: "mib",
            text: () => name,
            fill: colour,
            textAnchor: "end",
            dy: 9,
          }),
        ];
      }),
      Plot.lineY(footprint, {
        x: "event",
        y: "mib",
        stroke: "design",
        strokeWidth: 1.8,
        title: (row: (typeof footprint)[number]) => `${row.design}: footprint`,
      }),
      Plot.ruleY([0]),
    ],
  });
}

function sameNumbers(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
