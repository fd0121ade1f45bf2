/**
 * Slice pools on the TLSF heap: a pool is a record in a heap block, and
 * each slice a heap block of the pool's object size. So a slice costs what
 * a galloc of its size costs, bounded the same way, and a freed slice merges
 * back into the heap at once: a pool holds no memory beyond its live slices
 * and its record, and there is nothing for slice_pool_shrink to give back.
 * (design.ts says why not slabs.)
 * @module
 */

import type { Board } from "../../hw/board.ts";
import { hex32 } from "../../hw/hex.ts";
import { InvalidArgumentError, PoolBusyError } from "../errors.ts";
import type { PoolStats } from "../firmware.ts";
import { GFP_ZERO } from "../gfp.ts";
import type { TlsfHeap } from "./heap.ts";
import {
  BLOCK_OVERHEAD,
  C_NEXT_POOL_ID,
  C_POOLS,
  MAX_BLOCK,
  P_GFP,
  P_ID,
  P_LIVE,
  P_NAME,
  P_NEXT,
  P_OBJ_SIZE,
  P_PREV,
  POOL_BYTES,
  POOL_NAME_BYTES,
} from "./layout.ts";
import { blockSizeFor } from "./size_index.ts";

/** The largest object a pool takes: what the largest block holds. */
export const MAX_OBJ_SIZE = MAX_BLOCK - BLOCK_OVERHEAD;

/** A pool as drivers hold it: the address of its record. */
export class TlsfPool {
  /**
   * @param record the pool record's address (a heap block's payload)
   */
  constructor(readonly record: number) {}
}

/** The pools: records linked from the control block, slices from the heap. */
export class SlicePools {
  readonly #bus: Board;
  readonly #heap: TlsfHeap;

  /**
   * @param bus the board
   * @param heap the heap that holds records and slices
   */
  constructor(bus: Board, heap: TlsfHeap) {
    this.#bus = bus;
    this.#heap = heap;
  }

  /**
   * Creates a pool: a record from the heap, pushed on the list of pools.
   * @param flags gfp flags; GFP_ZERO makes every slice zeroed
   * @param objSize bytes per slice, 1 to MAX_OBJ_SIZE
   * @param name for statistics; default "pool-ID"
   * @returns the pool, or null when the heap has no room for its record
   */
  create(flags: number, objSize: number, name: string | undefined): TlsfPool | null {
    if (!Number.isInteger(objSize) || objSize < 1 || objSize > MAX_OBJ_SIZE) {
      throw new InvalidArgumentError(
        `slice_pool_create: object size ${objSize} is not 1-${MAX_OBJ_SIZE}`,
      );
    }
    const bus = this.#bus;
    const record = this.#heap.alloc(POOL_BYTES);
    if (record === 0) return null;
    const control = this.#heap.control;
    const id = bus.read32(control + C_NEXT_POOL_ID);
    bus.write32(control + C_NEXT_POOL_ID, id + 1);
    bus.write32(record + P_ID, id);
    bus.write32(record + P_OBJ_SIZE, objSize);
    bus.write32(record + P_GFP, flags);
    bus.write32(record + P_LIVE, 0);
    const text = name ?? `pool-${id}`;
    // Four characters a word, little-endian; past the end charCodeAt is NaN, which & makes NUL.
    for (let i = 0; i < POOL_NAME_BYTES; i += 4) {
      let word = 0;
      for (let j = 3; j >= 0; j--) word = (word << 8) | (text.charCodeAt(i + j) & 0x7F);
      bus.write32(record + P_NAME + i, word);
    }
    const head = bus.read32(control + C_POOLS);
    bus.write32(record + P_NEXT, head);
    bus.write32(record + P_PREV, 0);
    if (head !== 0) bus.write32(head + P_PREV, record);
    bus.write32(control + C_POOLS, record);
    return new TlsfPool(record);
  }

  /**
   * Unlinks a pool with no live slice and frees its record; refused with a
   * PoolBusyError while slices are live.
   * @param pool the pool
   */
  recycle(pool: TlsfPool): void {
    const bus = this.#bus;
    const record = pool.record;
    const live = bus.read32(record + P_LIVE);
    if (live > 0) {
      throw new PoolBusyError(`pool ${hex32(record)} has ${live} live slices`, record, live);
    }
    const next = bus.read32(record + P_NEXT);
    const prev = bus.read32(record + P_PREV);
    if (next !== 0) bus.write32(next + P_PREV, prev);
    bus.write32(prev !== 0 ? prev + P_NEXT : this.#heap.control + C_POOLS, next);
    this.#heap.free(record);
  }

  /**
   * Gets a slice: a heap block of the pool's object size, zeroed if the
   * pool was created with GFP_ZERO.
   * @param pool the pool
   * @returns the slice's address, or 0 when memory is short
   */
  alloc(pool: TlsfPool): number {
    const bus = this.#bus;
    const record = pool.record;
    const objSize = bus.read32(record + P_OBJ_SIZE);
    const slice = this.#heap.alloc(objSize);
    if (slice === 0) return 0;
    bus.write32(record + P_LIVE, bus.read32(record + P_LIVE) + 1);
    if ((bus.read32(record + P_GFP) & GFP_ZERO) !== 0) {
      bus.fill32(slice, Math.ceil(objSize / 4), 0);
    }
    return slice;
  }

  /**
   * Frees a slice back to the heap.
   * @param pool the pool it came from
   * @param slice the slice's address
   */
  free(pool: TlsfPool, slice: number): void {
    const bus = this.#bus;
    this.#heap.free(slice);
    bus.write32(pool.record + P_LIVE, bus.read32(pool.record + P_LIVE) - 1);
  }

  /**
   * The records of every pool, newest first, read through the debug port.
   * @returns their addresses
   */
  records(): number[] {
    const records: number[] = [];
    const bus = this.#bus;
    for (
      let record = bus.debugRead32(this.#heap.control + C_POOLS);
      record > 0;
      record = bus.debugRead32(record + P_NEXT)
    ) {
      records.push(record);
    }
    return records;
  }

  /**
   * A pool's line of slabinfo, read through the debug port. A heap has no
   * slabs: each slice is a block of its own, counted as a slab of one
   * object on no whole page (objsPerSlab 1, pagesPerSlab 0), and its slot
   * is the block, size word and rounding included.
   * @param record the pool's record
   * @returns its figures
   */
  stats(record: number): PoolStats {
    const bus = this.#bus;
    const objSize = bus.debugRead32(record + P_OBJ_SIZE);
    const live = bus.debugRead32(record + P_LIVE);
    const slotSize = blockSizeFor(objSize);
    let name = "";
    for (let i = 0; i < POOL_NAME_BYTES; i++) {
      const byte = (bus.debugRead32(record + P_NAME + (i & ~3)) >>> ((i & 3) * 8)) & 0xFF;
      if (byte === 0) break;
      name += String.fromCharCode(byte);
    }
    return {
      id: bus.debugRead32(record + P_ID),
      address: record,
      recordBytes: POOL_BYTES,
      name,
      objSize,
      slotSize,
      objsPerSlab: 1,
      pagesPerSlab: 0,
      activeObjs: live,
      totalObjs: live,
      slabs: live,
      emptySlabs: 0,
      bytesWasted: live * (slotSize - objSize),
      internal: false,
    };
  }
}
