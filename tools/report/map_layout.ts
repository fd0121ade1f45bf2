/**
 * Where a page map's cells go: rows of consecutive pages, one square cell a
 * page, and long stretches held by one holder folded into a band.
 *
 * A board is mostly a few holders over long stretches: free piles nothing
 * has touched, the firmware's tables. Drawn whole, they leave the pools a
 * thin strip of tiny cells (on a 32 MiB board, a trace's 1.4 MiB held two
 * rows of 4-pixel cells). So whole rows that lie inside one run, FOLD_ROWS
 * of them or more, are drawn as one band that names the run and its size;
 * and the cells are as large as the width allows (about CELL) while the map
 * stays within MAX_HEIGHT. Maps drawn with one geometry have cells of one
 * size, so that they compare.
 * @module
 */

import type { PageMap } from "../../core/firmware.ts";

/** Pages a row and the side of a page's cell in pixels: what maps that compare share. */
export interface MapGeometry {
  /** Pages a row, a power of two, so that rows start at round addresses. */
  columns: number;
  /** The side of a page's cell, in pixels. */
  cell: number;
}

/** Rows folded into a band: all of them inside one run. */
export interface Fold {
  /** The run's index (its fields are `runs[3 * run ...]`). */
  run: number;
  /** The first folded row. */
  firstRow: number;
  /** How many rows. */
  rows: number;
}

/** A map's drawing: its geometry, where each row goes, and its folds. */
export interface MapLayout extends MapGeometry {
  /** The top of each row, in pixels; a folded row has its band's top. */
  rowY: number[];
  /** The folds, in address order. */
  folds: Fold[];
  /** A band's height, in pixels. */
  band: number;
  /** The drawing's width and height, in pixels. */
  width: number;
  height: number;
}

/** The cell aimed for, in pixels: from 16 to 31, as the width divides by a power of two. */
const CELL = 16;
/** The height a map should fit in, when smaller cells can make it fit. */
const MAX_HEIGHT = 640;
/** Whole rows inside one run from which they are folded. */
const FOLD_ROWS = 4;
/** The least height of a band: room for its label. */
const MIN_BAND = 14;

/**
 * One geometry for several maps of one board size: as many pages a row as
 * `width` holds cells of CELL pixels (a power of two), cells as wide as
 * `width` then allows; more pages a row, and smaller cells, until the
 * tallest map fits MAX_HEIGHT or a cell is one pixel.
 * @param maps the maps to draw alike
 * @param width the pixels a map may take across
 * @returns pages a row and the cell's side
 */
export function mapGeometry(maps: PageMap[], width: number): MapGeometry {
  let columns = 2 ** Math.max(0, Math.floor(Math.log2(width / CELL)));
  for (;;) {
    const geometry = { columns, cell: Math.max(1, Math.floor(width / columns)) };
    const tallest = Math.max(0, ...maps.map((map) => mapLayout(map, geometry).height));
    if (tallest <= MAX_HEIGHT || geometry.cell === 1) return geometry;
    columns *= 2;
  }
}

/**
 * Lays a map out: the runs that cover FOLD_ROWS whole rows or more are
 * folded, and the rows stacked, each band taking one band's height.
 * @param map the page map
 * @param geometry pages a row and the cell's side
 * @returns where each row goes
 */
export function mapLayout(map: PageMap, geometry: MapGeometry): MapLayout {
  const { columns, cell } = geometry;
  const band = Math.max(cell, MIN_BAND);
  const folds: Fold[] = [];
  for (let r = 0; r < map.runs.length; r += 3) {
    const firstRow = Math.ceil(map.runs[r] / columns);
    const endRow = Math.floor((map.runs[r] + map.runs[r + 1]) / columns);
    if (endRow - firstRow >= FOLD_ROWS) {
      folds.push({ run: r / 3, firstRow, rows: endRow - firstRow });
    }
  }
  const rows = Math.ceil(map.pages / columns);
  const rowY = new Array<number>(rows);
  let y = 0;
  let next = 0; // the next fold
  for (let row = 0; row < rows;) {
    const fold = folds[next];
    if (fold?.firstRow === row) {
      rowY.fill(y, row, row + fold.rows);
      y += band;
      row += fold.rows;
      next++;
    } else {
      rowY[row++] = y;
      y += cell;
    }
  }
  return { columns, cell, rowY, folds, band, width: columns * cell, height: y };
}
