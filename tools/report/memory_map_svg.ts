/**
 * Draws a {@link PageMap} as SVG by hand, as map_layout.ts lays it out: one
 * cell per page, rows of consecutive pages, coloured by holder; long
 * stretches of one holder folded into a band that names it. Each run of
 * pages with one holder is one rectangle per row it crosses, with a title
 * (its range and holder) and the pages it covers (`data-page`,
 * `data-pages`), so that the rectangles tile RAM; the report's script turns
 * the cell under the pointer into its page's address.
 * @module
 */

import type { PageHolder, PageMap } from "../../core/firmware.ts";
import { hex32 } from "../../hw/hex.ts";
import { escapeHtml } from "./html_escape.ts";
import { type MapGeometry, mapLayout } from "./map_layout.ts";

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * The colour of a holder: free piles in greys (darker = smaller order), the
 * rest by kind; a slab's hue comes from its pool's name, so that a pool has
 * one colour in every design's map and every report.
 */
export function holderColour(holder: PageHolder): string {
  switch (holder.kind) {
    case "free": {
      const light = 96 - Math.round((10 - Math.min(holder.key, 10)) * 3.5);
      return `hsl(0, 0%, ${light}%)`;
    }
    case "firmware":
      return "#333333";
    case "pages":
      return `hsl(32, 85%, ${62 - Math.min(holder.key, 10) * 3}%)`;
    case "slab":
      return `hsl(${hash(poolName(holder.label)) % 360}, 55%, 58%)`;
    case "generic-class":
      return `hsl(${200 + (Math.log2(Math.max(holder.key, 8)) - 3) * 9}, 65%, 42%)`;
    case "generic-large":
      return "#173f7a";
    case "vmalloc":
      return "#2f9e44";
    case "page-table":
      return "#d62728";
    case "vmap-tree":
      return "#8e44ad";
  }
}

/**
 * A slab's pool name: the designs quote it in the label ("slab of pool
 * 'dentry' (id 12)"), and the rest of the label (ids, record addresses)
 * differs between designs. A label without quotes is taken whole.
 */
function poolName(label: string): string {
  return /'(.*)'/.exec(label)?.[1] ?? label;
}

/** FNV-1a: a small, well-spread hash of a string. */
function hash(text: string): number {
  let h = 0x811C9DC5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * Draws the map.
 * @param map the page map
 * @param options the SVG element's id (for the report's script) and the
 *   geometry it shares with the maps it is compared with
 * @returns SVG text
 */
export function memoryMapSvg(map: PageMap, options: { id: string; geometry: MapGeometry }): string {
  const layout = mapLayout(map, options.geometry);
  const { columns, cell } = layout;
  const colours = map.holders.map(holderColour);
  const foldOf = new Map(layout.folds.map((fold) => [fold.run, fold]));
  const parts: string[] = [];
  for (let r = 0; r < map.runs.length; r += 3) {
    const [first, count, h] = [map.runs[r], map.runs[r + 1], map.runs[r + 2]];
    const start = map.ramBase + first * map.pageSize;
    const label = escapeHtml(map.holders[h].label);
    const title = `<title>${hex32(start)}-${hex32(start + count * map.pageSize - 1)}: ` +
      `${label} (${count} page${count === 1 ? "" : "s"})</title>`;
    const rect = (
      x: number,
      y: number,
      width: number,
      height: number,
      page: number,
      pages: number,
    ) =>
      `<rect x="${x}" y="${y}" width="${width}" height="${height}" fill="${colours[h]}" ` +
      `data-page="${page}" data-pages="${pages}"`;
    // Cells of pages `from` to `to`, one rectangle per row they cross.
    const cells = (from: number, to: number): void => {
      for (let page = from; page < to;) {
        const column = page % columns;
        const span = Math.min(columns - column, to - page);
        const y = layout.rowY[Math.floor(page / columns)];
        parts.push(`${rect(column * cell, y, span * cell, cell, page, span)}>${title}</rect>`);
        page += span;
      }
    };
    const fold = foldOf.get(r / 3);
    if (fold === undefined) {
      cells(first, first + count);
      continue;
    }
    const bandFirst = fold.firstRow * columns;
    const bandPages = fold.rows * columns;
    cells(first, bandFirst);
    const y = layout.rowY[fold.firstRow];
    const bandLabel = fitted(
      `${sizeText(bandPages * map.pageSize)} folded: ${map.holders[h].label}`,
      layout.width,
    );
    parts.push(
      `${rect(0, y, layout.width, layout.band, bandFirst, bandPages)} data-fold="" ` +
        `stroke="#fff" stroke-dasharray="6,3">${title}</rect>` +
        `<text x="${layout.width / 2}" y="${y + layout.band / 2}" ${FOLD_TEXT}>` +
        `${escapeHtml(bandLabel)}</text>`,
    );
    cells(bandFirst + bandPages, first + count);
  }
  return `<svg id="${options.id}" class="memory-map" xmlns="http://www.w3.org/2000/svg" ` +
    `width="${layout.width}" height="${layout.height}" ` +
    `viewBox="0 0 ${layout.width} ${layout.height}" shape-rendering="crispEdges" ` +
    `data-cell="${cell}" data-ram-base="${map.ramBase}" data-page-size="${map.pageSize}">` +
    `${parts.join("")}</svg>`;
}

/** A band's label: dark on a white halo, readable on any holder's colour; the pointer goes through. */
const FOLD_TEXT = 'font-size="10" font-family="system-ui, sans-serif" text-anchor="middle" ' +
  'dominant-baseline="central" fill="#222" stroke="#fff" stroke-width="3" ' +
  'paint-order="stroke" pointer-events="none"';

/**
 * What a reader needs to read the maps of one geometry, as a sentence.
 * @param map one of the maps
 * @param geometry their geometry
 * @returns HTML text
 */
export function memoryMapNote(map: PageMap, geometry: MapGeometry): string {
  return `One cell per ${sizeText(map.pageSize)} page, ${geometry.columns} pages ` +
    `(${sizeText(geometry.columns * map.pageSize)}) a row, from ${hex32(map.ramBase)}; ` +
    "four rows or more inside one holder's run are folded into a band that names it. " +
    "Point at a cell for its address and holder.";
}

/**
 * The map's legend: each holder's colour, label and pages, most pages first.
 * @returns HTML text
 */
export function memoryMapLegend(map: PageMap): string {
  const pages = new Array<number>(map.holders.length).fill(0);
  for (let r = 0; r < map.runs.length; r += 3) pages[map.runs[r + 2]] += map.runs[r + 1];
  const order = map.holders.map((_, h) => h).filter((h) => pages[h] > 0)
    .sort((a, b) => pages[b] - pages[a] || a - b);
  const items = order.map((h) =>
    `<li><span class="swatch" style="background:${holderColour(map.holders[h])}"></span>` +
    `${escapeHtml(map.holders[h].label)} <span class="pages">${pages[h]} page${
      pages[h] === 1 ? "" : "s"
    }</span></li>`
  );
  return `<ul class="legend">${items.join("")}</ul>`;
}

/** Average width of a character of a band's label, in pixels (10-pixel sans-serif). */
const LABEL_CHAR = 6;

/** `text`, cut short with an ellipsis when it is wider than `width` pixels; the title has it whole. */
function fitted(text: string, width: number): string {
  const room = Math.floor((width - 8) / LABEL_CHAR);
  return text.length <= room ? text : `${text.slice(0, Math.max(room - 1, 0))}…`;
}

/** Bytes as whole MiB when they are, else as KiB. */
function sizeText(bytes: number): string {
  return bytes >= MiB && bytes % MiB === 0
    ? `${(bytes / MiB).toLocaleString("en-US")} MiB`
    : `${(bytes / KiB).toLocaleString("en-US")} KiB`;
}
