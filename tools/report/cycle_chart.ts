/**
 * Bus cycles of one kind of operation as a histogram on log scales, p50,
 * p99 and the max marked: one design's, or several designs' one above the
 * other on the same scales, so that their distributions compare.
 * @module
 */

import * as Plot from "@observablehq/plot";
import type { OpFigures } from "../replay/cycle_stats.ts";
import { plotSvg } from "./plot_svg.ts";

/** One design's row of a {@link cycleChart}. */
export interface DesignCycles {
  /** The design's name, as the chart shows it. */
  design: string;
  /** Its bars' colour, a CSS colour. */
  colour: string;
  /** Its figures for the operation; undefined when it never made the call. */
  figures: OpFigures | undefined;
}

/** Height of one design's histogram, in pixels. */
const ROW_HEIGHT = 130;
/** Room above the bars for the p50 / p99 / max labels, stacked. */
const LABEL_ROOM = 36;
/** The labels' line height. */
const LABEL_LINE = 11;
/** Least distance between two labelled ticks of the calls axis, in pixels. */
const TICK_ROOM = 13;
const MARGIN_TOP = 10;
const MARGIN_BOTTOM = 36;

/**
 * A histogram of an operation's bus cycles per design: calls by powers of
 * two of cycles, both axes logarithmic (calls on a symlog scale, which has
 * room for 0), one x and one y scale for every design.
 * @param op the operation's name
 * @param designs the designs, top to bottom
 * @returns SVG text, in a figure with the chart's title
 */
export function cycleChart(op: string, designs: DesignCycles[]): string {
  const bins = designs.flatMap(({ design, colour, figures }) =>
    (figures?.histogram ?? []).map((calls, b) => ({
      design,
      colour,
      from: b === 0 ? 1 : 2 ** b,
      to: 2 ** (b + 1),
      calls,
    })).filter((bin) => bin.calls > 0)
  );
  const from = Math.min(...bins.map((bin) => bin.from), Infinity);
  const x: [number, number] = bins.length === 0
    ? [1, 2]
    : [from, Math.max(...bins.map((bin) => bin.to))];
  const top = Math.max(...bins.map((bin) => bin.calls), 1);
  const labels = designs.flatMap(({ design, figures }) =>
    figures === undefined || figures.count === 0 ? [] : percentileLabels(design, figures, x)
  );
  const idle = designs.filter(({ figures }) => figures === undefined || figures.count === 0);
  const calls = (figures: OpFigures | undefined) =>
    `${(figures?.count ?? 0).toLocaleString("en-US")} calls`;
  const single = designs.length === 1;
  const rowInner = ROW_HEIGHT * 0.9 - LABEL_ROOM; // less the facets' padding
  return plotSvg({
    width: 560,
    height: MARGIN_TOP + designs.length * ROW_HEIGHT + MARGIN_BOTTOM,
    marginTop: MARGIN_TOP,
    marginBottom: MARGIN_BOTTOM,
    marginLeft: 50,
    marginRight: single ? 20 : 90,
    title: single ? `${op}: ${calls(designs[0].figures)}` : op,
    x: { type: "log", label: "bus cycles", domain: x },
    y: {
      type: "symlog",
      label: "calls",
      domain: [0, top],
      ticks: roomyTicks(top, rowInner),
      tickFormat: (calls: number) => calls.toLocaleString("en-US"),
      insetTop: LABEL_ROOM,
      grid: true,
    },
    fy: {
      domain: designs.map((d) => d.design),
      axis: single ? null : "right",
      label: null,
      tickFormat: (design: string) =>
        `${design}\n${calls(designs.find((d) => d.design === design)!.figures)}`,
    },
    color: { type: "identity" },
    marks: [
      Plot.rectY(bins, {
        x1: "from",
        x2: "to",
        y: "calls",
        fy: "design",
        fill: "colour",
        inset: 0.5,
        title: (bin: (typeof bins)[number]) =>
          `${bin.design}: ${bin.calls.toLocaleString("en-US")} calls of ${bin.from} to ${
            bin.to - 1
          } cycles`,
      }),
      Plot.ruleX(labels, {
        x: "cycles",
        fy: "design",
        stroke: "firebrick",
        strokeDasharray: "3,2",
      }),
      // One text mark per line and side: Plot takes anchors and offsets per mark, not per datum.
      ...[0, 1, 2].flatMap((line) =>
        (["start", "end"] as const).map((anchor) =>
          Plot.text(labels.filter((l) => l.line === line && l.anchor === anchor), {
            x: "cycles",
            fy: "design",
            text: "text",
            frameAnchor: "top",
            lineAnchor: "top",
            dy: 2 + line * LABEL_LINE,
            dx: anchor === "start" ? 3 : -3,
            textAnchor: anchor,
            fill: "firebrick",
          })
        )
      ),
      Plot.text(idle, {
        fy: "design",
        frameAnchor: "middle",
        text: () => "no calls",
        title: (d: DesignCycles) => `${d.design}: no calls`,
      }),
    ],
  });
}

/**
 * The p50, p99 and max of a design, as labels beside their rules: equal
 * values share one label ("p99, max 62"); each on its own line, so that
 * close rules keep readable labels; on the left of a rule in the right part
 * of the chart, so that none runs off its edge.
 */
function percentileLabels(
  design: string,
  figures: OpFigures,
  [from, to]: [number, number],
): { design: string; cycles: number; text: string; line: number; anchor: "start" | "end" }[] {
  const { p50, p99, max } = figures.cycles;
  const marks: { names: string[]; cycles: number }[] = [];
  for (const [name, cycles] of [["p50", p50], ["p99", p99], ["max", max]] as const) {
    const last = marks.at(-1);
    if (last?.cycles === cycles) last.names.push(name);
    else marks.push({ names: [name], cycles });
  }
  return marks.map(({ names, cycles }, line) => {
    const at = Math.max(cycles, 1);
    const fraction = Math.log(at / from) / Math.log(to / from);
    return {
      design,
      cycles: at,
      text: `${names.join(", ")} ${cycles}`,
      line,
      anchor: fraction > 0.6 ? "end" : "start",
    };
  });
}

/**
 * Ticks for a symlog axis from 0 to `top` drawn over `pixels`: 0 and the
 * powers of ten, then 2s and 5s between them, each only where its label is
 * TICK_ROOM away from every other. (Plot's own ticks for a symlog scale are
 * linear, so they crowd at the top.) The symlog of Plot is log(1 + v).
 */
function roomyTicks(top: number, pixels: number): number[] {
  const at = (v: number): number => Math.log1p(v) / Math.log1p(top) * pixels;
  const ticks = [0];
  const fits = (v: number): boolean => ticks.every((t) => Math.abs(at(t) - at(v)) >= TICK_ROOM);
  for (let p = 1; p <= top; p *= 10) if (fits(p)) ticks.push(p);
  for (let p = 1; p <= top; p *= 10) {
    for (const v of [2 * p, 5 * p]) if (v <= top && fits(v)) ticks.push(v);
  }
  return ticks.sort((a, b) => a - b);
}
