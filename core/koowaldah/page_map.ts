/**
 * A picture of physical memory: who holds each page, read through the
 * board's debug port (see inspect.ts), so taking it changes neither the
 * firmware's state nor its timing. Free piles come from the free lists, the
 * piles handed out from their owner tags, slabs and descriptors from the
 * pools' lists.
 * @module
 */

import type { Board } from "../../hw/board.ts";
import {
  GALLOC_MIN_CHUNK,
  type KoowaldahLayout,
  PAGE_SIZE,
  PAGE_STRUCT_BYTES,
  PageOwner,
} from "./layout.ts";
import { type PoolView, readFreeLists, readPiles, readPools } from "./inspect.ts";
import type { PageMap } from "../firmware.ts";
import { PageMapBuilder } from "../page_map_builder.ts";

/**
 * Reads who holds each page.
 * @param board the board, read through its debug port
 * @param layout the boot-time constants
 * @returns the map, its runs tiling RAM
 */
export function readPageMap(board: Board, layout: KoowaldahLayout): PageMap {
  const ignored: string[] = [];
  const free = readFreeLists(board, layout, ignored);
  const piles = readPiles(board, layout, free, ignored);
  const pools = readPools(board, layout, ignored);

  const map = new PageMapBuilder();
  const holder = map.holder.bind(map);
  // The pool each slab page belongs to, and the descriptor pages, by page index.
  const slabOf = new Map<number, PoolView>();
  const descriptors = new Set<number>();
  for (const pool of pools) {
    descriptors.add((pool.descriptor - layout.ramBase) / PAGE_SIZE);
    for (const page of [...pool.active, ...pool.inactive]) {
      slabOf.set((page - layout.ramBase) / PAGE_STRUCT_BYTES, pool);
    }
  }

  if (layout.reservedPages > 0) {
    map.run(0, layout.reservedPages, holder("firmware", "firmware: struct page array and globals"));
  }
  for (const pile of piles) {
    let h: number;
    const slab = slabOf.get(pile.index);
    if (pile.free) {
      h = holder("free", `free, in an order-${pile.order} pile`, pile.order);
    } else if (pile.owner === PageOwner.SLAB && slab !== undefined) {
      h = slab.gallocIndex >= 0
        ? holder(
          "generic-class",
          `galloc pool '${slab.name}' (${slab.geometry.slotSize}-byte slots)`,
          GALLOC_MIN_CHUNK << slab.gallocIndex,
        )
        : holder("slab", `slab of pool '${slab.name}' (id ${slab.id})`, slab.id);
    } else if (pile.owner === PageOwner.DESCRIPTOR && descriptors.has(pile.index)) {
      h = holder("firmware", "slice pool descriptor (a page each)");
    } else if (pile.owner === PageOwner.PAGES) {
      h = holder("pages", `alloc_pages, order ${pile.order}`, pile.order);
    } else if (pile.owner === PageOwner.GALLOC) {
      h = holder("generic-large", `galloc chunk of ${1 << pile.order} pages`);
    } else {
      h = holder("firmware", "a pile nobody holds (corrupt state)");
    }
    map.run(pile.index, 1 << pile.order, h);
  }
  return map.finish(layout.ramBase, PAGE_SIZE, layout.nrPages);
}
