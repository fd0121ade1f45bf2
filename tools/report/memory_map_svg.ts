/**
 * Draws a {@link PageMap} as SVG by hand: one cell per page, rows of
 * consecutive pages, coloured by holder. Runs of pages with one holder are
 * drawn as one rectangle per row they cross, each with a title (its range and
 * holder); the report's script turns the cell under the pointer into its
 * page's address.
 * @module
 */

import type { PageHolder, PageMap } from "../../core/firmware.ts";
import { hex32 } from "../../hw/hex.ts";
import { escapeHtml } from "./html_escape.ts";

/** Geometry of a drawn map: pages per row and the cell's side in pixels. */
export interface MapGeometry {
  columns: number;
  cell: number;
}

/** 256 pages (1 MiB) a row up to 64K pages, then wider rows of smaller cells. */
export function mapGeometry(pages: number): MapGeometry {
  if (pages <= 65536) return { columns: 256, cell: 4 };
  if (pages <= 262144) return { columns: 512, cell: 2 };
  return { columns: 1024, cell: 1 };
}

/** The colour of a holder: free piles in greys (darker = smaller order), the rest by kind. */
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
      return `hsl(${(holder.key * 137.508) % 360}, 55%, 58%)`;
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
 * Draws the map.
 * @param map the page map
 * @param id the SVG element's id, for the report's script
 * @returns SVG text
 */
export function memoryMapSvg(map: PageMap, id: string): string {
  const { columns, cell } = mapGeometry(map.pages);
  const rows = Math.ceil(map.pages / columns);
  const colours = map.holders.map(holderColour);
  const parts: string[] = [];
  for (let r = 0; r < map.runs.length; r += 3) {
    const [first, count, h] = [map.runs[r], map.runs[r + 1], map.runs[r + 2]];
    const start = map.ramBase + first * map.pageSize;
    const title = `${hex32(start)}-${hex32(start + count * map.pageSize - 1)}: ` +
      `${escapeHtml(map.holders[h].label)} (${count} page${count === 1 ? "" : "s"})`;
    // One rectangle per row the run crosses.
    for (let page = first; page < first + count;) {
      const column = page % columns;
      const span = Math.min(columns - column, first + count - page);
      parts.push(
        `<rect x="${column * cell}" y="${Math.floor(page / columns) * cell}" width="${
          span * cell
        }" height="${cell}" fill="${colours[h]}" data-page="${page}" data-holder="${h}">` +
          `<title>${title}</title></rect>`,
      );
      page += span;
    }
  }
  return `<svg id="${id}" class="memory-map" xmlns="http://www.w3.org/2000/svg" width="${
    columns * cell
  }" height="${rows * cell}" viewBox="0 0 ${columns * cell} ${rows * cell}" ` +
    `shape-rendering="crispEdges" data-cell="${cell}" data-ram-base="${map.ramBase}" ` +
    `data-page-size="${map.pageSize}">${parts.join("")}</svg>`;
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
