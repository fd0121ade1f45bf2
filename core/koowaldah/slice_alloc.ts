/**
 * The original's slice allocator (kernel/slice.c): pools of one-page slabs,
 * each slab with an in-use bitmap in its last bytes, and a whole page for
 * each pool's descriptor.
 *
 * A pool keeps two lists of slab pages, linked through their struct pages:
 * active (some slice free) and inactive (full). slice_alloc serves from the
 * first active page, scanning its bitmap bit by bit for a clear bit; a new
 * page hands out its last usable slice first. slice_free knows only the
 * slice's address: it walks the inactive list, then the active one,
 * comparing each page's address with the slice's page, so its cost grows
 * with the pool's pages. Nothing shrinks a pool but slice_pool_shrink.
 * @module
 */

import type { Board } from "../../hw/board.ts";
import { hex32 } from "../../hw/hex.ts";
import {
  CorruptionError,
  InvalidArgumentError,
  InvalidFreeError,
  PoolBusyError,
} from "../errors.ts";
import { GFP_ZERO } from "../gfp.ts";
import { listEmpty, listInit, listNext, listPushFront, listUnlink } from "./klist0.ts";
import { pageAddress, readPools, slicesInUse } from "./inspect.ts";
import {
  bitmapAllSet,
  bitmapAllUnset,
  bitmapClear,
  bitmapFill,
  bitmapSeekUnset,
  bitmapSet,
  bitmapZero,
} from "./bitmap.ts";
import {
  bitmapBytes,
  G_NEXT_POOL_ID,
  G_POOLS,
  type KoowaldahLayout,
  MAX_SLICE_OBJ_SIZE,
  P_ACTIVE,
  P_FLAGS,
  P_ID,
  P_INACTIVE,
  P_NAME,
  P_OBJ_SIZE,
  P_REQUESTED,
  P_SLICE_LIST,
  PAGE_SIZE,
  PageOwner,
  PG_LIST,
  POOL_NAME_BYTES,
} from "./layout.ts";
import type { PageAllocator } from "./page_alloc.ts";

/** A slice pool as the kernel hands it out: the address of its descriptor. */
export class SlicePool {
  /** The descriptor's address: the start of the pool's own page. */
  readonly descriptor: number;

  /** @param descriptor the descriptor's address */
  constructor(descriptor: number) {
    this.descriptor = descriptor;
  }
}

/** The slice allocator. Internal: the kernel exposes it with the document's names. */
export class SliceAllocator {
  readonly #bus: Board;
  readonly #pages: PageAllocator;
  readonly #layout: KoowaldahLayout;

  /**
   * @param bus the board the firmware runs on
   * @param pages the page allocator slabs and descriptors come from
   * @param layout the boot-time constants
   */
  constructor(bus: Board, pages: PageAllocator, layout: KoowaldahLayout) {
    this.#bus = bus;
    this.#pages = pages;
    this.#layout = layout;
  }

  /** slice_init: empties the list of pools; pool ids start at 1. */
  init(): void {
    listInit(this.#bus, this.#layout.globals + G_POOLS);
    this.#bus.write32(this.#layout.globals + G_NEXT_POOL_ID, 1);
  }

  /**
   * slice_pool_create: takes a page for the descriptor and links it on the
   * list of pools.
   * @param flags kept for the pool; GFP_ZERO makes slice_alloc zero each slice
   * @param objSize bytes per object: 1..MAX_SLICE_OBJ_SIZE, rounded up to 4
   * @param name a name for statistics; default "pool-ID"
   * @returns the descriptor's address, or 0 when the size is too large or no page is free
   */
  create(flags: number, objSize: number, name?: string): number {
    const bus = this.#bus;
    if (!Number.isInteger(objSize) || objSize < 1) {
      throw new InvalidArgumentError(`object size ${objSize} is not a positive integer`);
    }
    // The original stops the kernel (bug()) here.
    if (objSize > MAX_SLICE_OBJ_SIZE) return 0;
    // Only the zone bits go to the page allocator: a descriptor page is not zeroed.
    const page = this.#pages.alloc(flags & ~GFP_ZERO, 0, PageOwner.DESCRIPTOR);
    if (page === 0) return 0;
    const pool = this.#pages.pageToAddr(page);
    listInit(bus, pool + P_SLICE_LIST);
    listInit(bus, pool + P_INACTIVE);
    listInit(bus, pool + P_ACTIVE);
    bus.write32(pool + P_OBJ_SIZE, (objSize + 3) & ~3);
    bus.write32(pool + P_FLAGS, flags);
    listPushFront(bus, pool + P_SLICE_LIST, this.#layout.globals + G_POOLS);
    // Additions: an id, the size asked for and a name, for statistics.
    const id = bus.read32(this.#layout.globals + G_NEXT_POOL_ID);
    bus.write32(this.#layout.globals + G_NEXT_POOL_ID, id + 1);
    bus.write32(pool + P_ID, id);
    bus.write32(pool + P_REQUESTED, objSize);
    const bytes = new Uint8Array(POOL_NAME_BYTES);
    bytes.set(new TextEncoder().encode(name ?? `pool-${id}`).subarray(0, POOL_NAME_BYTES));
    const words = new Uint32Array(bytes.buffer);
    for (let i = 0; i < words.length; i++) bus.write32(pool + P_NAME + i * 4, words[i]);
    return pool;
  }

  /**
   * slice_alloc: a slice from the first active page, the first clear bit of
   * its bitmap; the page moves to the inactive list when that was its last.
   * Without an active page, a new page: its bitmap set for every slice,
   * cleared for the usable ones, and its last usable slice handed out.
   * @param pool the pool's descriptor
   * @returns the slice's address, or 0 when no page is free
   */
  alloc(pool: number): number {
    const bus = this.#bus;
    const nobjs = Math.floor(PAGE_SIZE / this.#objSize(pool));
    let slice: number;
    if (listEmpty(bus, pool + P_ACTIVE)) {
      // The original asks for a page with flags 0, whatever the pool's.
      const page = this.#pages.alloc(0, 0, PageOwner.SLAB);
      if (page === 0) return 0;
      const addr = this.#pages.pageToAddr(page);
      const bitmap = addr + PAGE_SIZE - bitmapBytes(nobjs);
      bitmapFill(bus, bitmap, nobjs);
      const usable = this.#usable(pool, nobjs);
      bitmapZero(bus, bitmap, usable);
      bitmapSet(bus, bitmap, usable - 1);
      listPushFront(bus, page + PG_LIST, pool + P_ACTIVE);
      slice = addr + (usable - 1) * this.#objSize(pool);
    } else {
      const page = listNext(bus, pool + P_ACTIVE) - PG_LIST;
      const addr = this.#pages.pageToAddr(page);
      const bitmap = addr + PAGE_SIZE - bitmapBytes(nobjs);
      const number = bitmapSeekUnset(bus, bitmap, nobjs);
      // bug_on() in the original.
      if (number === -1) {
        throw new CorruptionError(
          `slice_alloc: active page ${hex32(addr)} has no free slice`,
          addr,
        );
      }
      bitmapSet(bus, bitmap, number);
      if (bitmapAllSet(bus, bitmap, nobjs)) {
        listUnlink(bus, page + PG_LIST);
        listPushFront(bus, page + PG_LIST, pool + P_INACTIVE);
      }
      slice = addr + number * this.#objSize(pool);
    }
    // Not in the original, whose flags only choose a zone.
    if (bus.read32(pool + P_FLAGS) & GFP_ZERO) bus.fill32(slice, this.#objSize(pool) / 4, 0);
    return slice;
  }

  /**
   * slice_free: finds the slice's page by walking the pool's inactive list,
   * then its active list, comparing page addresses (4 reads a page), and
   * clears the slice's bit; a page found on the inactive list moves to the
   * front of the active one. A slice on no page of the pool stops the
   * original kernel; here it is refused.
   * @param slice the slice's address
   * @param pool the pool's descriptor
   */
  free(slice: number, pool: number): void {
    const bus = this.#bus;
    const nobjs = Math.floor(PAGE_SIZE / this.#objSize(pool));
    const addr = (slice & ~(PAGE_SIZE - 1)) >>> 0;
    const inactive = pool + P_INACTIVE;
    for (let node = listNext(bus, inactive); node !== inactive; node = listNext(bus, node)) {
      if (this.#pages.pageToAddr(node - PG_LIST) === addr) {
        listUnlink(bus, node);
        listPushFront(bus, node, pool + P_ACTIVE);
        const index = Math.floor((slice - addr) / this.#objSize(pool));
        bitmapClear(bus, addr + PAGE_SIZE - bitmapBytes(nobjs), index);
        return;
      }
    }
    const active = pool + P_ACTIVE;
    for (let node = listNext(bus, active); node !== active; node = listNext(bus, node)) {
      if (this.#pages.pageToAddr(node - PG_LIST) === addr) {
        const index = Math.floor((slice - addr) / this.#objSize(pool));
        bitmapClear(bus, addr + PAGE_SIZE - bitmapBytes(nobjs), index);
        return;
      }
    }
    throw new InvalidFreeError(
      `slice_free: ${hex32(slice)} is on no page of pool ${hex32(pool)}`,
      slice,
    );
  }

  /**
   * slice_pool_shrink: gives back every active page whose usable slices are
   * all free.
   * @param pool the pool's descriptor
   * @returns the pages given back
   */
  shrink(pool: number): number {
    const bus = this.#bus;
    const active = pool + P_ACTIVE;
    let given = 0;
    let node = listNext(bus, active);
    while (node !== active) {
      const nobjs = Math.floor(PAGE_SIZE / this.#objSize(pool));
      const page = node - PG_LIST;
      const bitmap = this.#pages.pageToAddr(page) + PAGE_SIZE - bitmapBytes(nobjs);
      if (bitmapAllUnset(bus, bitmap, this.#usable(pool, nobjs))) {
        const empty = node;
        node = listNext(bus, node);
        listUnlink(bus, empty);
        this.#pages.free(page);
        given++;
      } else {
        node = listNext(bus, node);
      }
    }
    return given;
  }

  /**
   * slice_pool_recycle: shrinks the pool and gives its descriptor page
   * back. With a live slice the original stops the kernel (on a full page
   * before shrinking, on a partial one after); here it throws at the same points.
   * @param pool the pool's descriptor
   */
  recycle(pool: number): void {
    const bus = this.#bus;
    if (!listEmpty(bus, pool + P_INACTIVE)) this.#busy(pool);
    this.shrink(pool);
    if (!listEmpty(bus, pool + P_ACTIVE)) this.#busy(pool);
    // Not in the original, which leaves the freed page on the list of pools.
    listUnlink(bus, pool + P_SLICE_LIST);
    this.#pages.free(this.#pages.addrToPage(pool));
  }

  /** pool->obj_size: a read each time the source names it. */
  #objSize(pool: number): number {
    return this.#bus.read32(pool + P_OBJ_SIZE);
  }

  /**
   * The slices of a page left to hand out once the bitmap has taken the
   * page's end: `nobjs` less those it overlaps when the tail gap is too
   * small. Reads obj_size as often as the source does (once, or four times).
   */
  #usable(pool: number, nobjs: number): number {
    const bitmap = bitmapBytes(nobjs);
    if (bitmap <= PAGE_SIZE - nobjs * this.#objSize(pool)) return nobjs;
    const consumed = bitmap - (PAGE_SIZE - nobjs * this.#objSize(pool));
    return nobjs -
      (Math.floor(consumed / this.#objSize(pool)) + (consumed % this.#objSize(pool) ? 1 : 0));
  }

  /** Refuses a recycle: counts the live slices (through the debug port) for the message. */
  #busy(pool: number): never {
    const problems: string[] = [];
    const view = readPools(this.#bus, this.#layout, problems).find((p) => p.descriptor === pool);
    let live = 0;
    for (const page of [...view?.active ?? [], ...view?.inactive ?? []]) {
      live += slicesInUse(this.#bus, pageAddress(this.#layout, page), view!.geometry);
    }
    throw new PoolBusyError(
      `slice_pool_recycle: pool ${hex32(pool)} has ${live} live slices`,
      pool,
      live,
    );
  }
}
