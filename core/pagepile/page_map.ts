/**
 * A picture of physical memory: who holds each page, read from the struct
 * pages through the board's debug port (no bus cycles), so taking it changes
 * neither the firmware's state nor its timing.
 * @module
 */

import type { Board } from "../../hw/board.ts";
import { hex32 } from "../../hw/hex.ts";
import {
  chunkHeadAddress,
  CHUNKS_HELD_SHIFT,
  CHUNKS_PER_PAGE,
  flagsOrder,
  flagsOwner,
  flagsState,
  P_FLAGS,
  P_ID,
  P_NAME,
  P_OBJ_SIZE,
  PAGE_STRUCT_BYTES,
  PageOwner,
  PageState,
  PG_CHUNK_MASK,
  PG_FLAGS,
  PG_PRIVATE,
  PG_SLAB_CHUNKS,
  PG_SLAB_POOL,
  POOL_GENERIC,
  POOL_NAME_BYTES,
} from "./layout.ts";
import { type PageAllocatorLayout, RUN_PAGES_MASK } from "./page_alloc.ts";
import type { PageKind, PageMap } from "../firmware.ts";
import { PageMapBuilder } from "../page_map_builder.ts";

/**
 * Reads who holds each page from the struct pages, walking pile by pile: a
 * pile's head carries its state, order and owner; its other pages belong to it.
 * Cost: one debug read per pile head, and a few per distinct pool.
 * @param board the board, read through its debug port
 * @param layout the page allocator's boot-time constants
 * @returns the map, its runs tiling RAM
 */
export function readPageMap(board: Board, layout: PageAllocatorLayout): PageMap {
  const map = new PageMapBuilder();
  const holder = map.holder.bind(map);
  const poolHolders = new Map<number, number>();
  const slabHolder = (record: number): number => {
    let index = poolHolders.get(record);
    if (index === undefined) {
      index = describePool(board, record, holder);
      poolHolders.set(record, index);
    }
    return index;
  };

  // Holders that a head's flags word alone names (free piles, alloc_pages,
  // firmware...), by that word: most piles are found here without building a label.
  const byFlags = new Map<number, number>();
  let largeLeft = 0; // pages of a large generic block still to come after its first pile
  let largeHolder = 0;
  let index = 0;
  while (index < layout.nrPages) {
    const page = layout.memMap + index * PAGE_STRUCT_BYTES;
    const flags = board.debugRead32(page + PG_FLAGS);
    const state = flagsState(flags);
    // A page that heads no pile (corrupt state) is counted alone.
    const pages = state === PageState.NONE
      ? 1
      : Math.min(1 << flagsOrder(flags), layout.nrPages - index);
    const owner = flagsOwner(flags);
    let h: number;
    if (state === PageState.ALLOCATED && owner === PageOwner.SLAB && flags & PG_SLAB_CHUNKS) {
      h = chunkPageHolder(board, layout, index, page, holder);
    } else if (state === PageState.ALLOCATED && owner === PageOwner.SLAB) {
      h = slabHolder(board.debugRead32(page + PG_SLAB_POOL));
    } else if (state === PageState.ALLOCATED && owner === PageOwner.GENERIC) {
      const runPages = board.debugRead32(page + PG_PRIVATE) & RUN_PAGES_MASK;
      if (runPages > 0) {
        largeLeft = runPages;
        largeHolder = holder("generic-large", `large galloc block, ${runPages} pages`);
      }
      h = largeLeft > 0 ? largeHolder : holder("generic-large", "large galloc block");
      largeLeft = Math.max(0, largeLeft - pages);
    } else {
      let known = byFlags.get(flags);
      if (known === undefined) byFlags.set(flags, known = plainHolder(flags, holder));
      h = known;
    }
    map.run(index, pages, h);
    index += pages;
  }
  return map.finish(layout.ramBase, layout.pageSize, layout.nrPages);
}

/**
 * The holder of a chunk page: the pools whose slabs its chunks are, named
 * in chunk order ("chunk page: slabs of 'a', 'b'"), after the large galloc
 * block whose end it holds when it is one's last page, as one holder per
 * such label.
 */
function chunkPageHolder(
  board: Board,
  layout: PageAllocatorLayout,
  index: number,
  page: number,
  holder: (kind: PageKind, label: string, key?: number) => number,
): number {
  const mask = board.debugRead32(page + PG_CHUNK_MASK);
  const names: string[] = [];
  for (let chunk = 0; chunk < CHUNKS_PER_PAGE; chunk++) {
    if ((mask & (1 << chunk)) === 0) continue;
    const pageAddr = layout.ramBase + index * layout.pageSize;
    const head = chunkHeadAddress(pageAddr, chunk, layout.pageSize);
    names.push(`'${poolName(board, board.debugRead32(head + PG_SLAB_POOL))}'`);
  }
  const slabs = names.length > 0 ? `slabs of ${names.join(", ")}` : "";
  if (mask >>> CHUNKS_HELD_SHIFT === 0) return holder("slab", `chunk page: ${slabs}`);
  return holder(
    "slab",
    `chunk page: the end of a large galloc block${slabs === "" ? "" : `, ${slabs}`}`,
  );
}

/** The holder of a pile that its head's flags alone describe (not a slab, not a large block). */
function plainHolder(
  flags: number,
  holder: (kind: PageKind, label: string, key?: number) => number,
): number {
  const order = flagsOrder(flags);
  switch (flagsState(flags)) {
    case PageState.FREE:
      return holder("free", `free, in an order-${order} pile`, order);
    case PageState.RESERVED:
      return holder("firmware", "firmware: kernel globals and mem_map");
    case PageState.NONE:
      return holder("firmware", "no pile heads this page (corrupt struct page)");
  }
  switch (flagsOwner(flags)) {
    case PageOwner.PAGES:
      return holder("pages", `alloc_pages, order ${order}`, order);
    case PageOwner.VMALLOC:
      return holder("vmalloc", "vmalloc backing page");
    case PageOwner.PAGETABLE:
      return holder("page-table", "MMU page table or directory");
    case PageOwner.VMAP_TREE:
      return holder("vmap-tree", "vmalloc window's area tree");
    default:
      return holder("firmware", `owner ${flagsOwner(flags)} (unknown)`);
  }
}

/** The holder of a slab: its pool, named as slabinfo names it. */
function describePool(
  board: Board,
  record: number,
  holder: (kind: PageKind, label: string, key?: number) => number,
): number {
  const name = poolName(board, record);
  const flags = board.debugRead32(record + P_FLAGS);
  const id = board.debugRead32(record + P_ID);
  if (flags > 0 && (flags & POOL_GENERIC) !== 0) {
    const size = board.debugRead32(record + P_OBJ_SIZE);
    return holder("generic-class", `galloc class '${name}' (${size}-byte blocks)`, size);
  }
  return holder("slab", `slab of pool '${name}' (id ${id}, record ${hex32(record)})`, id);
}

/** A pool record's name, read through the debug port; "?" for a byte that is no printable ASCII. */
function poolName(board: Board, record: number): string {
  let name = "";
  for (let i = 0; i < POOL_NAME_BYTES; i++) {
    const word = board.debugRead32(record + P_NAME + (i & ~3));
    const byte = word < 0 ? 0 : (word >>> ((i & 3) * 8)) & 0xFF;
    if (byte === 0) break;
    name += byte >= 0x20 && byte < 0x7F ? String.fromCharCode(byte) : "?";
  }
  return name;
}
