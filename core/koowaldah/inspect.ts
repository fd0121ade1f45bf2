/**
 * Reads the allocators' state through the board's debug port (no bus
 * cycles, nothing changed) into plain values: the free lists, the piles that
 * tile the zone, the pools and their slab pages. Statistics, the audit and
 * the page map are built on it. The original keeps no counters for them
 * (no per-order counts, no slice counts), so these views walk the lists;
 * doing it through the bus would charge the firmware for a picture.
 *
 * Every walk is bounded and every pointer checked, so a corrupted state
 * reads as problems (for the audit), never as a hang or a crash.
 * @module
 */

import type { Board } from "../../hw/board.ts";
import { hex32 } from "../../hw/hex.ts";
import {
  allocLevel,
  G_GALLOC_POOLS,
  G_POOLS,
  GALLOC_POOLS,
  idxOrder,
  type KoowaldahLayout,
  L_NEXT,
  L_PREV,
  MAX_ORDER,
  ORDER_MASK,
  OWNER_SHIFT,
  P_ACTIVE,
  P_FLAGS,
  P_ID,
  P_INACTIVE,
  P_NAME,
  P_OBJ_SIZE,
  P_REQUESTED,
  P_SLICE_LIST,
  PAGE_SIZE,
  PAGE_STRUCT_BYTES,
  PageOwner,
  PG_INDEX,
  PG_LIST,
  PG_ORDER,
  POOL_NAME_BYTES,
  type SlabGeometry,
  slabGeometry,
  Z_FREE_PAGES,
} from "./layout.ts";
import type { PageStats, PoolStats } from "../firmware.ts";

/** One pile of the tiling: free, or handed out to an owner. */
export interface Pile {
  /** Index of its first page. */
  index: number;
  /** Its order. */
  order: number;
  /** Whether it is on a free list. */
  free: boolean;
  /** The owner tag of a pile handed out (PageOwner); 0 for a free one. */
  owner: number;
}

/** A pool as its descriptor and page lists hold it. */
export interface PoolView {
  /** Its descriptor's address (the start of its page). */
  descriptor: number;
  /** Its id. */
  id: number;
  /** Its name. */
  name: string;
  /** The object size asked for. */
  requested: number;
  /** The flags given at creation. */
  flags: number;
  /** How its slabs hold slices. */
  geometry: SlabGeometry;
  /** Its slab pages with a free slice (struct pages), in list order. */
  active: number[];
  /** Its full slab pages (struct pages), in list order. */
  inactive: number[];
  /** Its index in galloc_sp, or -1 for a pool of a caller's. */
  gallocIndex: number;
}

/** Reads a word through the debug port. */
function peek(board: Board, addr: number): number {
  return board.debugRead32(addr);
}

/**
 * Whether `page` is the address of a struct page of the zone.
 * @param layout the boot-time constants
 * @param page an address
 * @returns true when it is one
 */
export function isStructPage(layout: KoowaldahLayout, page: number): boolean {
  const offset = page - layout.ramBase;
  return Number.isInteger(offset) && offset >= 0 && offset % PAGE_STRUCT_BYTES === 0 &&
    offset / PAGE_STRUCT_BYTES < layout.nrPages;
}

/**
 * Walks a klist0 list from its head, checking each node's back link.
 * @param board the board
 * @param head the list head
 * @param limit most nodes to accept
 * @param valid whether a node's address may be on this list
 * @param problems where broken links are described
 * @param what names the list in those descriptions
 * @returns the nodes, in list order
 */
function walkList(
  board: Board,
  head: number,
  limit: number,
  valid: (node: number) => boolean,
  problems: string[],
  what: string,
): number[] {
  const nodes: number[] = [];
  let prev = head;
  let node = peek(board, head + L_NEXT);
  while (node !== head) {
    if (!valid(node)) {
      problems.push(`${what}: node ${hex32(node)} after ${hex32(prev)} is not one it may hold`);
      return nodes;
    }
    if (nodes.length >= limit) {
      problems.push(`${what}: more than ${limit} nodes (a cycle?)`);
      return nodes;
    }
    if (peek(board, node + L_PREV) !== prev) {
      problems.push(`${what}: node ${hex32(node)} does not link back to ${hex32(prev)}`);
    }
    nodes.push(node);
    prev = node;
    node = peek(board, node + L_NEXT);
  }
  if (peek(board, head + L_PREV) !== prev) {
    problems.push(`${what}: the head does not link back to the last node ${hex32(prev)}`);
  }
  return nodes;
}

/**
 * Reads the free lists: every free pile's head, with the order of the list
 * it is on. A pile on two lists, or on the wrong one, is a problem.
 * @param board the board
 * @param layout the boot-time constants
 * @param problems where broken invariants are described
 * @returns struct page of each free pile's head -> the pile's order
 */
export function readFreeLists(
  board: Board,
  layout: KoowaldahLayout,
  problems: string[],
): Map<number, number> {
  const free = new Map<number, number>();
  for (let order = 0; order < MAX_ORDER; order++) {
    const what = `free list of order ${order}`;
    const nodes = walkList(
      board,
      allocLevel(layout.zone, order),
      layout.nrPages,
      (node) => isStructPage(layout, node - PG_LIST),
      problems,
      what,
    );
    for (const node of nodes) {
      const page = node - PG_LIST;
      const index = (page - layout.ramBase) / PAGE_STRUCT_BYTES;
      const at = `${what}: pile at page ${index}`;
      if (free.has(page)) problems.push(`${at} is on a free list twice`);
      if (peek(board, page + PG_INDEX) !== index) problems.push(`${at} has a wrong index`);
      if ((peek(board, page + PG_ORDER) & ORDER_MASK) !== order) {
        problems.push(`${at} has order ${peek(board, page + PG_ORDER) & ORDER_MASK}`);
      }
      if (idxOrder(index) < order) problems.push(`${at} is not aligned to its order`);
      if (index < layout.reservedPages || index + (1 << order) > layout.nrPages) {
        problems.push(`${at} does not lie in the zone's free part`);
      }
      free.set(page, order);
    }
  }
  return free;
}

/**
 * Reads the piles that tile the zone after the consumed pages, head after
 * head: a free pile's order from its free list, a pile handed out from its
 * order field. A free pile that the walk never reaches lies inside another.
 * @param board the board
 * @param layout the boot-time constants
 * @param free the free lists, as {@link readFreeLists} read them
 * @param problems where broken invariants are described
 * @returns the piles in address order
 */
export function readPiles(
  board: Board,
  layout: KoowaldahLayout,
  free: Map<number, number>,
  problems: string[],
): Pile[] {
  const piles: Pile[] = [];
  let reached = 0;
  for (let index = layout.reservedPages; index < layout.nrPages;) {
    const page = layout.ramBase + index * PAGE_STRUCT_BYTES;
    const freeOrder = free.get(page);
    let pile: Pile;
    if (freeOrder !== undefined) {
      reached++;
      pile = { index, order: freeOrder, free: true, owner: PageOwner.NONE };
    } else {
      const word = peek(board, page + PG_ORDER);
      pile = { index, order: word & ORDER_MASK, free: false, owner: (word >>> OWNER_SHIFT) & 0xFF };
      if (pile.order >= MAX_ORDER || idxOrder(index) < pile.order) {
        problems.push(`page ${index} heads a pile of order ${pile.order}, impossible there`);
        pile.order = 0;
      }
      if (pile.owner === PageOwner.NONE || pile.owner > PageOwner.GALLOC) {
        problems.push(`the pile at page ${index} is neither free nor handed out (a leak)`);
      }
    }
    if (index + (1 << pile.order) > layout.nrPages) {
      problems.push(`the pile at page ${index} runs past the end of RAM`);
      pile.order = 0;
    }
    piles.push(pile);
    index += 1 << pile.order;
  }
  if (reached !== free.size) {
    problems.push(`${free.size - reached} free piles lie inside other piles`);
  }
  return piles;
}

/**
 * Reads every pool on the list of pools, with its slab pages.
 * @param board the board
 * @param layout the boot-time constants
 * @param problems where broken invariants are described
 * @returns the pools, in list order (newest first)
 */
export function readPools(board: Board, layout: KoowaldahLayout, problems: string[]): PoolView[] {
  const ramEnd = layout.ramBase + layout.nrPages * PAGE_SIZE;
  const isDescriptor = (node: number): boolean =>
    node >= layout.ramBase && node < ramEnd && (node - layout.ramBase) % PAGE_SIZE === 0;
  const descriptors = walkList(
    board,
    layout.globals + G_POOLS,
    layout.nrPages,
    (node) => isDescriptor(node - P_SLICE_LIST),
    problems,
    "list of pools",
  );
  const galloc = gallocPools(board, layout);
  return descriptors.map((node) => {
    const descriptor = node - P_SLICE_LIST;
    const slotSize = peek(board, descriptor + P_OBJ_SIZE);
    const what = `pool ${hex32(descriptor)}`;
    const pagesOf = (head: number, name: string): number[] =>
      walkList(
        board,
        descriptor + head,
        layout.nrPages,
        (n) => isStructPage(layout, n - PG_LIST),
        problems,
        `${what}'s ${name} pages`,
      ).map((n) => n - PG_LIST);
    return {
      descriptor,
      id: peek(board, descriptor + P_ID),
      name: readName(board, descriptor + P_NAME),
      requested: peek(board, descriptor + P_REQUESTED),
      flags: peek(board, descriptor + P_FLAGS),
      // A corrupted size still gives a geometry (of 4-byte slices) to read with.
      geometry: slabGeometry(slotSize >= 4 && slotSize <= PAGE_SIZE / 2 ? slotSize : 4),
      active: pagesOf(P_ACTIVE, "active"),
      inactive: pagesOf(P_INACTIVE, "inactive"),
      gallocIndex: galloc.indexOf(descriptor),
    };
  });
}

/**
 * galloc_sp: the generic allocator's pool descriptors.
 * @param board the board
 * @param layout the boot-time constants
 * @returns galloc_sp[0..8]
 */
export function gallocPools(board: Board, layout: KoowaldahLayout): number[] {
  return Array.from(
    { length: GALLOC_POOLS },
    (_, i) => peek(board, layout.globals + G_GALLOC_POOLS + i * 4),
  );
}

/**
 * The address of the page a struct page describes, from its place in the array.
 * @param layout the boot-time constants
 * @param page a struct page
 * @returns the page's address
 */
export function pageAddress(layout: KoowaldahLayout, page: number): number {
  return layout.ramBase + ((page - layout.ramBase) / PAGE_STRUCT_BYTES) * PAGE_SIZE;
}

/**
 * How many of a slab's slices are handed out: the set bits among the
 * bitmap's first `usable` bits.
 * @param board the board
 * @param addr the slab page's address
 * @param geometry the pool's slab geometry
 * @returns slices in use
 */
export function slicesInUse(board: Board, addr: number, geometry: SlabGeometry): number {
  let used = 0;
  for (let bit = 0; bit < geometry.usable; bit += 32) {
    const word = peek(board, addr + geometry.bitmapOffset + bit / 8);
    const bits = Math.min(32, geometry.usable - bit);
    used += popcount(bits === 32 ? word : word & ((1 << bits) - 1));
  }
  return used;
}

/** The set bits of a 32-bit word. */
function popcount(word: number): number {
  let count = 0;
  for (let w = word >>> 0; w !== 0; w &= w - 1) count++;
  return count;
}

/**
 * One bit of a slab's bitmap.
 * @param board the board
 * @param addr the slab page's address
 * @param geometry the pool's slab geometry
 * @param bit the bit
 * @returns 1 when set
 */
export function bitOf(board: Board, addr: number, geometry: SlabGeometry, bit: number): number {
  return (peek(board, addr + geometry.bitmapOffset + (bit >>> 5) * 4) >>> (bit & 31)) & 1;
}

/**
 * A pool's line of slabinfo, counted from its slabs' bitmaps.
 * @param board the board
 * @param layout the boot-time constants
 * @param pool the pool as {@link readPools} read it
 * @returns its statistics
 */
export function poolStatsOf(board: Board, layout: KoowaldahLayout, pool: PoolView): PoolStats {
  const { geometry } = pool;
  let activeObjs = 0;
  let emptySlabs = 0;
  for (const page of [...pool.active, ...pool.inactive]) {
    const used = slicesInUse(board, pageAddress(layout, page), geometry);
    activeObjs += used;
    if (used === 0) emptySlabs++;
  }
  const slabs = pool.active.length + pool.inactive.length;
  return {
    id: pool.id,
    address: pool.descriptor,
    recordBytes: PAGE_SIZE,
    name: pool.name,
    objSize: pool.requested,
    slotSize: geometry.slotSize,
    objsPerSlab: geometry.usable,
    pagesPerSlab: 1,
    activeObjs,
    totalObjs: slabs * geometry.usable,
    slabs,
    emptySlabs,
    bytesWasted: slabs * PAGE_SIZE - activeObjs * pool.requested,
    internal: pool.gallocIndex >= 0,
  };
}

/**
 * The page counts, like /proc/buddyinfo: free_pages from the zone record,
 * the piles per order from the free lists. One zone, named "boot".
 * @param board the board
 * @param layout the boot-time constants
 * @returns the page statistics
 */
export function pageStatsOf(board: Board, layout: KoowaldahLayout): PageStats {
  const freeByOrder = new Array<number>(MAX_ORDER).fill(0);
  for (const order of readFreeLists(board, layout, []).values()) freeByOrder[order]++;
  const counts = {
    total: layout.nrPages,
    reserved: layout.reservedPages,
    free: peek(board, layout.zone + Z_FREE_PAGES),
    freeByOrder,
  };
  return { ...counts, zones: [{ name: "boot", ...counts, freeByOrder: [...freeByOrder] }] };
}

/** Reads a NUL-padded ASCII name. */
function readName(board: Board, addr: number): string {
  let name = "";
  for (let i = 0; i < POOL_NAME_BYTES; i++) {
    const byte = (peek(board, addr + (i & ~3)) >>> ((i & 3) * 8)) & 0xFF;
    if (byte === 0) break;
    name += byte >= 0x20 && byte < 0x7F ? String.fromCharCode(byte) : "?";
  }
  return name;
}
