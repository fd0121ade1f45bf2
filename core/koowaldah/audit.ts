/**
 * The audit: checks the allocators' state in RAM against itself, read
 * through the debug port (see inspect.ts). The free lists against the piles
 * that tile the zone and the zone's free count; every pool's page lists
 * against the piles tagged as slabs and descriptors; every slab's bitmap
 * against the list it is on; galloc's pools and page chunks against their
 * records and headers.
 * @module
 */

import type { Board } from "../../hw/board.ts";
import { hex32 } from "../../hw/hex.ts";
import {
  CI_INFO,
  CI_ORIGIN,
  GALLOC_POOLS,
  type KoowaldahLayout,
  ORIGIN_PAGES,
  PAGE_SIZE,
  PAGE_STRUCT_BYTES,
  PageOwner,
  Z_BASE,
  Z_FREE_PAGES,
  Z_TOTAL_PAGES,
} from "./layout.ts";
import {
  bitOf,
  gallocPools,
  pageAddress,
  type PoolView,
  readFreeLists,
  readPiles,
  readPools,
  slicesInUse,
} from "./inspect.ts";
import { gallocSlotSize } from "./generic_alloc.ts";

/**
 * Checks every invariant of the page, slice and generic allocators.
 * @param board the board, read through its debug port
 * @param layout the boot-time constants
 * @returns a description of each broken invariant; empty when all hold
 */
export function audit(board: Board, layout: KoowaldahLayout): string[] {
  const problems: string[] = [];
  const zone = layout.zone;
  if (board.debugRead32(zone + Z_BASE) !== layout.ramBase) problems.push("zone base changed");
  if (board.debugRead32(zone + Z_TOTAL_PAGES) !== layout.nrPages) {
    problems.push("zone size changed");
  }
  const free = readFreeLists(board, layout, problems);
  const piles = readPiles(board, layout, free, problems);
  let freePages = 0;
  for (const order of free.values()) freePages += 1 << order;
  const counted = board.debugRead32(zone + Z_FREE_PAGES);
  if (counted !== freePages) {
    problems.push(`zone free_pages is ${counted}, the free lists hold ${freePages}`);
  }

  // Who each pile handed out should belong to, by the head's struct page.
  const owners = new Map<number, number>();
  for (const pile of piles) {
    if (!pile.free) owners.set(layout.ramBase + pile.index * PAGE_STRUCT_BYTES, pile.owner);
  }
  const pools = readPools(board, layout, problems);
  const claimed = new Set<number>();
  const claim = (page: number, owner: number, what: string): void => {
    if (owners.get(page) !== owner) {
      problems.push(`${what} (page ${pageIndex(layout, page)}) is not a page handed out for it`);
    }
    if (claimed.has(page)) {
      problems.push(`${what} (page ${pageIndex(layout, page)}) is listed twice`);
    }
    claimed.add(page);
  };
  for (const pool of pools) {
    const descriptorPage = layout.ramBase +
      ((pool.descriptor - layout.ramBase) / PAGE_SIZE) * PAGE_STRUCT_BYTES;
    claim(descriptorPage, PageOwner.DESCRIPTOR, `descriptor of pool ${hex32(pool.descriptor)}`);
    checkPool(board, layout, pool, problems);
    for (const page of [...pool.active, ...pool.inactive]) {
      claim(page, PageOwner.SLAB, `slab of pool ${hex32(pool.descriptor)}`);
    }
  }
  for (const [page, owner] of owners) {
    const index = pageIndex(layout, page);
    if ((owner === PageOwner.SLAB || owner === PageOwner.DESCRIPTOR) && !claimed.has(page)) {
      problems.push(`page ${index} is tagged as a pool's but no live pool lists it`);
    }
  }
  for (const pile of piles) {
    if (pile.free || pile.owner !== PageOwner.GALLOC) continue;
    // The header's word: origin in byte CI_ORIGIN, info in the half-word at CI_INFO.
    const header = board.debugRead32(layout.ramBase + pile.index * PAGE_SIZE);
    if (
      ((header >>> (CI_ORIGIN * 8)) & 0xFF) !== ORIGIN_PAGES ||
      (header >>> (CI_INFO * 8)) !== pile.order
    ) {
      problems.push(`galloc chunk at page ${pile.index} has a wrong header`);
    }
  }
  const galloc = gallocPools(board, layout);
  for (let i = 0; i < GALLOC_POOLS; i++) {
    const pool = pools.find((p) => p.descriptor === galloc[i]);
    if (pool === undefined) problems.push(`galloc_sp[${i}] is not a live pool`);
    else if (pool.geometry.slotSize !== gallocSlotSize(i)) {
      problems.push(`galloc_sp[${i}] holds ${pool.geometry.slotSize}-byte slices`);
    }
  }
  return problems;
}

/** A pool's size and the bitmaps of its slabs against the lists they are on. */
function checkPool(
  board: Board,
  layout: KoowaldahLayout,
  pool: PoolView,
  problems: string[],
): void {
  const what = `pool ${hex32(pool.descriptor)}`;
  const { geometry } = pool;
  if (geometry.slotSize % 4 !== 0 || geometry.slotSize < pool.requested) {
    problems.push(`${what}: ${geometry.slotSize}-byte slices for ${pool.requested}-byte objects`);
  }
  const slabs = [...pool.active, ...pool.inactive];
  for (const page of slabs) {
    const addr = pageAddress(layout, page);
    for (let bit = geometry.usable; bit < geometry.perPage; bit++) {
      if (bitOf(board, addr, geometry, bit) === 0) {
        problems.push(`${what}: slab ${hex32(addr)} hands out slice ${bit}, under its bitmap`);
        break;
      }
    }
  }
  for (const page of pool.active) {
    const addr = pageAddress(layout, page);
    if (slicesInUse(board, addr, geometry) === geometry.usable) {
      problems.push(`${what}: slab ${hex32(addr)} is full but on the active list`);
    }
  }
  for (const page of pool.inactive) {
    const addr = pageAddress(layout, page);
    if (slicesInUse(board, addr, geometry) !== geometry.usable) {
      problems.push(`${what}: slab ${hex32(addr)} has a free slice but is on the inactive list`);
    }
  }
}

function pageIndex(layout: KoowaldahLayout, page: number): number {
  return (page - layout.ramBase) / PAGE_STRUCT_BYTES;
}
