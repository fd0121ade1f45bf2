/**
 * The slice allocator: pools of equal-sized slices carved from slabs, which
 * are piles from the page allocator. All of its state is in board RAM: pool
 * records (from the pool of pools), and each slab's metadata in its head's
 * struct page — pool, free list, in-use count, bump index, in-use bitmap.
 *
 * The one idea it depends on: a slab is a pile, so the struct page of any
 * slice's page leads to the slab's head (a tail page points to it), and the
 * head leads to the pool. Freeing is therefore O(1): no list is searched.
 * The in-use bitmap makes "already free" a one-bit question, so a double free
 * is refused, never half-done.
 *
 * A slab's size follows its pool's population. A pool holding few slices
 * would pin a whole page, or several (real traces have dozens of caches of
 * a few objects each), so until a pool holds a slab's worth of small slabs
 * (four of chunks its objects fill: see slab_geometry.ts smallSlabs) its
 * new slab is a small one: a chunk, a quarter of a chunk page which up
 * to four pools share, for objects a chunk holds; an order-0 page for larger
 * objects whose pool's slabs are 2 pages or more. A chunk keeps its head,
 * laid out as a slab head's struct page, in its own last CHUNK_HEAD_BYTES,
 * and its page's struct page says which chunks are slabs; so a chunk is a
 * slab like any other to every path but the few that find or give back one,
 * and its slices are found in O(1) too: the page, its chunk bit, the head
 * at the chunk's end. Chunk heads live in RAM pages, above mem_map: that is
 * how a slab handle says which it is. At the other end, a busy pool's new
 * slabs are large ones, of a higher order that wastes less, once the tails
 * of the slabs it holds add up to two large slabs (slab_geometry.ts
 * largeSlabs); a slab's counts word says which kind it is.
 * @module
 */

import type { Board } from "../../hw/board.ts";
import { formatAddress, hex32 } from "../../hw/hex.ts";
import {
  CorruptionError,
  DoubleFreeError,
  InvalidAddressError,
  InvalidArgumentError,
  InvalidFreeError,
  PoolBusyError,
} from "../errors.ts";
import { GFP_ZERO, GFP_ZONE_MASK } from "../gfp.ts";
import {
  CHUNK_HEAD_BYTES,
  chunkHeadAddress,
  CHUNKS_HELD_SHIFT,
  CHUNKS_LENT_DMA,
  CHUNKS_PER_PAGE,
  flagsOrder,
  flagsOwner,
  flagsState,
  G_CHUNK_PAGES,
  G_LENT_CHUNK_PAGES,
  G_NEXT_POOL_ID,
  G_POOL_OF_POOLS,
  G_POOLS,
  P_BITMAP_OFFSET,
  P_FLAGS,
  P_GFP,
  P_ID,
  P_LARGE_SLABS,
  P_MAGIC,
  P_NAME,
  P_NEXT,
  P_NR_SLABS,
  P_OBJ_SIZE,
  P_PARTIAL,
  P_PREV,
  P_SLAB_SHAPE,
  P_SLOT_SIZE,
  P_SMALL_SLABS,
  PAGE_STRUCT_BYTES,
  pageFlags,
  PageOwner,
  PageState,
  PG_CHUNK_MASK,
  PG_FLAGS,
  PG_NEXT,
  PG_PREV,
  PG_SLAB_BITMAP,
  PG_SLAB_BUMP,
  PG_SLAB_CHUNKS,
  PG_SLAB_FREELIST,
  PG_SLAB_INUSE,
  PG_SLAB_POOL,
  POOL_BYTES,
  POOL_INTERNAL,
  POOL_NAME_BYTES,
  poolMagic,
} from "./layout.ts";
import { readAscii, writeAscii } from "../ascii_field.ts";
import type { PageAllocator } from "./page_alloc.ts";
import {
  bitmapWords,
  largeSlabs,
  MAX_SLICE_SIZE,
  shapeObjs,
  shapeOrder,
  slabGeometry,
  slabShape,
  SMALL_HELD_ONE,
  SMALL_PAGE_SLABS,
  smallSlabs,
  smallSlabsHeld,
  smallSlabsLimit,
  STRUCT_PAGE_BITMAP_SLICES,
} from "./slab_geometry.ts";
import {
  type DebugSlot,
  debugSlot,
  firstBadByte,
  ownerText,
  PG_SLAB_DEBUG,
  POISON_FREE,
  RED_ACTIVE,
  RED_INACTIVE,
  RED_ZONE_BYTES,
  reportBug,
  SLAB_DEBUG,
} from "./debug.ts";
import type { PoolStats } from "../firmware.ts";

/**
 * A handle on a slice pool: the address of its record in board RAM and the
 * pool's id. The record is the pool; the handle only names it. The id makes
 * a handle kept after its pool was recycled stale for good, even when a new
 * pool takes the same record.
 */
export class SlicePool {
  /** Physical address of the pool record. */
  readonly address: number;
  /** The pool's id, as slabinfo shows it. */
  readonly id: number;

  /**
   * Names pool `id` at the record at `address`; `slice_pool_create` makes these.
   * @param address the record's physical address
   * @param id the pool's id
   */
  constructor(address: number, id: number) {
    this.address = address;
    this.id = id;
  }
}

/** Geometry of the pool of pools, whose slices are pool records. */
const POOL_OF_POOLS_NAME = "pool-of-pools";

/** The slice allocator. Internal: the Kernel exposes it with the document's names. */
export class SliceAllocator {
  readonly #bus: Board;
  readonly #pages: PageAllocator;
  readonly #globals: number;
  readonly #pageSize: number;
  /** Bytes of a chunk: a page / CHUNKS_PER_PAGE. */
  readonly #chunkBytes: number;
  /** End of mem_map: a slab handle at or above it is a chunk's head. */
  readonly #memMapEnd: number;
  /** The debug boot option (a register): every pool created gets the debug options. */
  readonly #debugAll: boolean;
  /** The flags of the page #slabHeadOf read last: a register, not state. */
  #pageFlags = 0;
  /** The chunk mask #slabAt read last, for #freeChunk: a register, not state. */
  #chunkMask = 0;
  /** What #liveIndex read for #release: registers, not state. */
  #slabCount = 0;
  #bitmapAt = 0;
  #bitmapBits = 0;
  /** What #newSlab read for #allocFromNewSlab (the new slab's slices, the pool's gfp flags): registers. */
  #newObjs = 0;
  #newGfp = 0;
  /** The pool of pools, whose record is in the kernel globals. */
  readonly poolOfPools: SlicePool;

  /**
   * @param bus the board
   * @param pages the page allocator slabs come from
   * @param globals address of the kernel globals
   * @param pageSize the page size
   */
  constructor(
    bus: Board,
    pages: PageAllocator,
    globals: number,
    pageSize: number,
    debugAll = false,
  ) {
    this.#debugAll = debugAll;
    this.#bus = bus;
    this.#pages = pages;
    this.#globals = globals;
    this.#pageSize = pageSize;
    this.#chunkBytes = pageSize / CHUNKS_PER_PAGE;
    this.#memMapEnd = pages.layout.memMap + pages.layout.nrPages * PAGE_STRUCT_BYTES;
    // The pool of pools is the first pool format() lays out: id 1.
    this.poolOfPools = new SlicePool(globals + G_POOL_OF_POOLS, 1);
  }

  /** Boot: an empty list of pools, and the pool of pools on it. */
  format(): void {
    this.#bus.write32(this.#globals + G_POOLS, 0);
    this.#bus.write32(this.#globals + G_NEXT_POOL_ID, 1);
    this.#bus.write32(this.#globals + G_CHUNK_PAGES, 0);
    this.#bus.write32(this.#globals + G_CHUNK_PAGES + 4, 0);
    this.#bus.write32(this.#globals + G_LENT_CHUNK_PAGES, 0);
    this.#bus.write32(this.#globals + G_LENT_CHUNK_PAGES + 4, 0);
    this.initPool(this.poolOfPools.address, 0, POOL_BYTES, POOL_OF_POOLS_NAME, POOL_INTERNAL);
  }

  /**
   * Creates a pool whose record comes from the pool of pools.
   * @returns its handle, or null when no page is left for the record
   */
  createPool(
    flags: number,
    objSize: number,
    name: string | undefined,
    debug: boolean = this.#debugAll,
  ): SlicePool | null {
    this.#pages.checkFlags(flags);
    checkObjSize(objSize);
    const record = this.allocFrom(this.poolOfPools.address);
    if (record === 0) return null;
    const id = this.initPool(record, flags | (debug ? SLAB_DEBUG : 0), objSize, name, 0);
    return new SlicePool(record, id);
  }

  /**
   * Lays out a pool record at `record` and puts it on the list of all pools.
   * Used for created pools and for the firmware's static ones.
   * @param name the pool's name; `pool-<id>` when undefined
   * @returns the pool's id
   */
  initPool(
    record: number,
    flags: number,
    objSize: number,
    name: string | undefined,
    poolFlags: number,
  ): number {
    const bus = this.#bus;
    // A debug slot holds the object, its red zone and its owner tag.
    const slotBytes = flags & SLAB_DEBUG ? debugSlot(objSize).bytes : objSize;
    const geometry = slabGeometry(slotBytes, this.#pageSize);
    const idAddr = this.#globals + G_NEXT_POOL_ID;
    const id = bus.read32(idAddr);
    bus.write32(idAddr, id + 1);
    const fields: [number, number][] = [
      [P_MAGIC, poolMagic(record, id)],
      [P_OBJ_SIZE, objSize],
      [P_SLOT_SIZE, geometry.slotSize],
      [P_SLAB_SHAPE, slabShape(geometry.order, geometry.objs)],
      [P_LARGE_SLABS, largeSlabs(geometry, this.#pageSize)],
      [P_BITMAP_OFFSET, geometry.bitmapOffset],
      [P_GFP, flags],
      [P_FLAGS, poolFlags],
      [P_PARTIAL, 0],
      // A debug slot's red zones are checked through its page's flags, which
      // a chunk page's pools share: debug pools take no chunks.
      [P_SMALL_SLABS, flags & SLAB_DEBUG ? 0 : smallSlabs(geometry, this.#pageSize)],
      [P_NR_SLABS, 0],
      [P_ID, id],
    ];
    for (const [offset, value] of fields) bus.write32(record + offset, value);
    writeAscii(bus, record + P_NAME, POOL_NAME_BYTES, name ?? `pool-${id}`);
    // Link at the head of the list of all pools.
    const head = bus.read32(this.#globals + G_POOLS);
    bus.write32(record + P_NEXT, head);
    bus.write32(record + P_PREV, 0);
    if (head !== 0) bus.write32(head + P_PREV, record);
    bus.write32(this.#globals + G_POOLS, record);
    return id;
  }

  /**
   * Hands out a slice: from a partial slab, else an empty one, else a new slab.
   * @returns the slice's address, or 0 when no page is left for a new slab
   */
  alloc(pool: SlicePool, owner = 0): number {
    return this.allocFrom(this.checkPool(pool), owner);
  }

  /**
   * {@link alloc} from a record already checked.
   * @param owner the owner tag a debug pool keeps with the slice
   */
  allocFrom(record: number, owner = 0): number {
    const bus = this.#bus;
    const slab = bus.read32(record + P_PARTIAL);
    if (slab === 0) return this.#allocFromNewSlab(record, owner);
    const slot = bus.read32(record + P_SLOT_SIZE);
    const count = bus.read32(slab + PG_SLAB_INUSE);
    const objs = slabObjs(count);
    const base = this.#baseOf(slab);
    let slice = bus.read32(slab + PG_SLAB_FREELIST);
    const reused = slice !== 0;
    if (reused) {
      const next = bus.read32(slice);
      if (next !== 0 && !isSliceOf(next, base, slot, objs)) {
        throw new CorruptionError(
          `slab ${hex32(base)}: the free slice ${hex32(slice)} links to ${hex32(next)}, ` +
            `not a slice of the slab (was it written after it was freed?)`,
          slice,
        );
      }
      bus.write32(slab + PG_SLAB_FREELIST, next);
    } else {
      const bump = bus.read32(slab + PG_SLAB_BUMP);
      slice = base + bump * slot;
      bus.write32(slab + PG_SLAB_BUMP, bump + 1);
    }
    const index = (slice - base) / slot;
    const word = this.#bitmapWord(record, slab, base, index, objs);
    bus.write32(word, bus.read32(word) | (1 << (index & 31)));
    bus.write32(slab + PG_SLAB_INUSE, count + 1);
    if ((count & 0xFFFF) + 1 === objs) this.#unlink(record + P_PARTIAL, slab);
    const gfp = bus.read32(record + P_GFP);
    if (gfp & SLAB_DEBUG) return this.#debugAlloc(record, slice, reused, gfp, owner);
    if (gfp & GFP_ZERO) bus.fill32(slice, slot / 4, 0);
    return slice;
  }

  /**
   * {@link allocFrom} when no slab of the pool has a free slice: its first
   * slice, from a new slab that #newSlab lays out with that slice already
   * taken (its counts, bump index and bitmap written once, as a first
   * allocation would leave them), so that nothing just written is read back;
   * a slab of one slice is full at once and goes on no list.
   */
  #allocFromNewSlab(record: number, owner: number): number {
    const bus = this.#bus;
    const slab = this.#newSlab(record);
    if (slab === 0) return 0;
    // Onto the partial list, which allocFrom found empty.
    if (this.#newObjs > 1) this.#pushOnEmpty(record + P_PARTIAL, slab);
    const gfp = this.#newGfp;
    const slice = this.#baseOf(slab);
    if (gfp & SLAB_DEBUG) return this.#debugAlloc(record, slice, false, gfp, owner);
    if (gfp & GFP_ZERO) bus.fill32(slice, bus.read32(record + P_SLOT_SIZE) / 4, 0);
    return slice;
  }

  /**
   * Takes a slice back. Refused, changing nothing, when the slice is not a
   * slice boundary of a slab of this pool, or is already free.
   */
  free(pool: SlicePool, slice: number): void {
    this.freeTo(this.checkPool(pool), slice);
  }

  /** {@link free} to a record already checked. */
  freeTo(record: number, addr: number): void {
    const slab = this.#slabOf(addr);
    this.#checkOwnPool(record, slab, addr);
    this.freeFromSlab(record, slab, addr);
  }

  /**
   * {@link free} of `addr` from `slab`, a slab of pool `record` that the
   * caller found holding it ({@link slabHolding}, {@link slabPool}): what
   * the generic allocator's free does, which finds the pool from the slab.
   */
  freeFromSlab(record: number, slab: number, addr: number): void {
    // A debug pool's slice is its slot's object, a red zone into the slot.
    const debug = (this.#pageFlags & PG_SLAB_DEBUG) !== 0;
    const slot = debug ? addr - RED_ZONE_BYTES : addr;
    const index = this.#liveIndex(record, slab, slot, addr);
    if (debug) this.#debugFree(record, slot);
    this.#release(record, slab, slot, index);
  }

  /** The slab head of the page holding `addr` (an address in RAM), or 0 when it is in no slab. */
  slabHolding(addr: number): number {
    return this.#slabAt(addr);
  }

  /** The pool record a slab head belongs to. */
  slabPool(slab: number): number {
    return this.#bus.read32(slab + PG_SLAB_POOL);
  }

  /**
   * The pool record of the slab that holds `addr`, or 0 when `addr` is in no
   * slab. Reads the page's struct page and, for a tail page, its head.
   */
  poolOf(addr: number): number {
    const slab = this.slabHolding(addr);
    return slab === 0 ? 0 : this.slabPool(slab);
  }

  /**
   * Checks that `addr` is a live slice of the slab-holding pool `record`
   * (which {@link poolOf} found) and returns the pool's slot size.
   */
  liveSliceSize(record: number, addr: number): number {
    const slab = this.#slabOf(addr);
    const debug = (this.#pageFlags & PG_SLAB_DEBUG) !== 0;
    this.#liveIndex(record, slab, debug ? addr - RED_ZONE_BYTES : addr, addr);
    // A debug slot's usable bytes end where its right red zone starts.
    if (debug) return debugSlot(this.#bus.read32(record + P_OBJ_SIZE)).objectBytes;
    return this.#bus.read32(record + P_SLOT_SIZE);
  }

  /**
   * Destroys a pool with no live slice: gives back its slabs and its record.
   * Refused with {@link PoolBusyError} while slices are live.
   */
  recycle(pool: SlicePool): void {
    const record = this.checkPool(pool);
    const bus = this.#bus;
    if (bus.read32(record + P_FLAGS) !== 0) {
      throw new InvalidArgumentError(
        `pool ${this.#describe(record)} belongs to the firmware and cannot be recycled`,
        record,
      );
    }
    // An empty slab goes back at once: a pool that holds a slab has a live slice.
    if (
      bus.read32(record + P_NR_SLABS) !== 0 ||
      smallSlabsHeld(bus.read32(record + P_SMALL_SLABS)) !== 0
    ) {
      const live = this.liveSlices(record);
      throw new PoolBusyError(
        `pool ${this.#describe(record)} still has ${live} live slice${live === 1 ? "" : "s"}; ` +
          `free them before recycling it`,
        record,
        live,
      );
    }
    const next = bus.read32(record + P_NEXT);
    const prev = bus.read32(record + P_PREV);
    if (prev !== 0) bus.write32(prev + P_NEXT, next);
    else bus.write32(this.#globals + G_POOLS, next);
    if (next !== 0) bus.write32(next + P_PREV, prev);
    bus.write32(record + P_MAGIC, 0);
    this.freeTo(this.poolOfPools.address, record);
  }

  /** Whether a live pool record has any of the pool flags in `mask`. */
  hasFlags(record: number, mask: number): boolean {
    return (this.#bus.read32(record + P_FLAGS) & mask) !== 0;
  }

  /** "'name' (id N)", for messages about a pool record. */
  describe(record: number): string {
    return this.#describe(record);
  }

  /** Every pool on the list of all pools, newest first. */
  pools(): number[] {
    const records: number[] = [];
    for (
      let r = this.#bus.read32(this.#globals + G_POOLS);
      r !== 0;
      r = this.#bus.read32(r + P_NEXT)
    ) {
      records.push(r);
    }
    return records;
  }

  /** The figures of one pool, read from its record and its partial slabs. */
  poolStats(record: number): PoolStats {
    const bus = this.#bus;
    const objSize = bus.read32(record + P_OBJ_SIZE);
    const held = this.#held(record);
    const activeObjs = this.#live(record, held);
    return {
      id: bus.read32(record + P_ID),
      address: record,
      recordBytes: POOL_BYTES,
      name: this.#name(record),
      objSize,
      slotSize: bus.read32(record + P_SLOT_SIZE),
      objsPerSlab: held.objsPerSlab,
      pagesPerSlab: held.pagesPerSlab,
      activeObjs,
      totalObjs: held.objs,
      slabs: held.slabs,
      emptySlabs: 0, // an empty slab goes back at once
      bytesWasted: held.bytes - activeObjs * objSize,
      internal: bus.read32(record + P_FLAGS) !== 0,
    };
  }

  /**
   * The slices of pool `record` handed out and not freed: the slices its
   * slabs hold less the free ones of its partial slabs (a full slab has
   * none). No count of them is kept; see layout.ts.
   */
  liveSlices(record: number): number {
    return this.#live(record, this.#held(record));
  }

  /** {@link liveSlices} of a pool whose slabs #held has read. */
  #live(record: number, held: { slabs: number; objs: number }): number {
    return held.objs - this.#freeOnPartial(record, held.slabs);
  }

  /** The slabs a pool holds, of its own order, large and small: how many, their slices and bytes. */
  #held(record: number): {
    slabs: number;
    objs: number;
    bytes: number;
    objsPerSlab: number;
    pagesPerSlab: number;
  } {
    const bus = this.#bus;
    const shape = bus.read32(record + P_SLAB_SHAPE);
    const objsPerSlab = shapeObjs(shape);
    const order = shapeOrder(shape);
    const large = bus.read32(record + P_LARGE_SLABS);
    const nrSlabs = bus.read32(record + P_NR_SLABS);
    const slabs = nrSlabs & 0xFFFF;
    const larges = nrSlabs >>> 16;
    const smallSlabs = bus.read32(record + P_SMALL_SLABS);
    const small = smallSlabsHeld(smallSlabs);
    const smallBytes = smallSlabs & SMALL_PAGE_SLABS ? this.#pageSize : this.#chunkBytes;
    return {
      slabs: slabs + larges + small,
      objs: slabs * objsPerSlab + larges * shapeObjs(large) +
        small * (smallSlabs & SMALL_OBJS_MASK),
      bytes: slabs * (this.#pageSize << order) +
        larges * (this.#pageSize << shapeOrder(large)) + small * smallBytes,
      objsPerSlab,
      pagesPerSlab: 1 << order,
    };
  }

  /**
   * The free slices of a pool's partial slabs, from their counts words. The
   * walk stops after `slabs` slabs, the most the list can hold (the audit
   * reports a list that is longer or loops).
   */
  #freeOnPartial(record: number, slabs: number): number {
    const bus = this.#bus;
    let free = 0;
    let slab = bus.read32(record + P_PARTIAL);
    for (let n = 0; slab !== 0 && n < slabs; n++) {
      const count = bus.read32(slab + PG_SLAB_INUSE);
      free += slabObjs(count) - (count & 0xFFFF);
      slab = bus.read32(slab + PG_NEXT);
    }
    return free;
  }

  /**
   * Checks every pool against its slabs: list membership and counts, each
   * slab's in-use count against its bitmap and free list, and every slab page
   * in mem_map belonging to a live pool.
   */
  audit(piles: { page: number; order: number; owner: number }[], problems: string[]): void {
    const bus = this.#bus;
    const slabHeads = new Map<number, number>(); // slab head -> its pool record
    const tail = pageFlags(PageState.NONE, 0, PageOwner.SLAB);
    const chunkPages = new Set<number>(); // chunk pages with a free chunk
    for (const { page, order, owner } of piles) {
      if (owner !== PageOwner.SLAB) continue;
      if (bus.read32(page + PG_FLAGS) & PG_SLAB_CHUNKS) {
        const mask = bus.read32(page + PG_CHUNK_MASK);
        // Held chunks are the first ones, none of them a slab.
        const held = heldBits(mask);
        const known = ALL_CHUNKS | (ALL_CHUNKS << CHUNKS_HELD_SHIFT) | CHUNKS_LENT_DMA;
        if (
          (mask & ALL_CHUNKS) === 0 && held === 0 || (mask & ~known) !== 0 ||
          held === ALL_CHUNKS || (held & (held + 1)) !== 0 || (held & mask) !== 0 ||
          (held === 0 && (mask & CHUNKS_LENT_DMA) !== 0)
        ) {
          problems.push(
            `chunk page ${hex32(this.#pages.pageToAddr(page))}: chunk mask ${hex32(mask)}`,
          );
          continue;
        }
        if (takenBits(mask) !== ALL_CHUNKS) chunkPages.add(page);
        for (let chunk = 0; chunk < CHUNKS_PER_PAGE; chunk++) {
          if ((mask & (1 << chunk)) === 0) continue;
          const head = this.#chunkHead(page, chunk);
          slabHeads.set(head, bus.read32(head + PG_SLAB_POOL));
        }
        continue;
      }
      slabHeads.set(page, bus.read32(page + PG_SLAB_POOL));
      for (let i = 1; i < 1 << order; i++) {
        const p = page + i * PAGE_STRUCT_BYTES;
        const headDebug = bus.read32(page + PG_FLAGS) & PG_SLAB_DEBUG;
        if (
          bus.read32(p + PG_FLAGS) !== (tail | headDebug) || bus.read32(p + PG_SLAB_POOL) !== page
        ) {
          problems.push(
            `slab ${
              hex32(this.#pages.pageToAddr(page))
            }: tail page ${i} does not point to its head`,
          );
        }
      }
    }
    const seen = new Map<number, number[]>(); // record -> its slabs found on mem_map
    for (const [slab, record] of slabHeads) {
      const slabs = seen.get(record);
      if (slabs === undefined) seen.set(record, [slab]);
      else slabs.push(slab);
    }
    for (const record of this.pools()) {
      const name = `pool ${this.#describe(record)}`;
      if (bus.read32(record + P_MAGIC) !== poolMagic(record, bus.read32(record + P_ID))) {
        problems.push(`${name}: bad magic`);
        continue;
      }
      const slot = bus.read32(record + P_SLOT_SIZE);
      const nrSlabs = bus.read32(record + P_NR_SLABS);
      const own = seen.get(record) ?? [];
      const kinds = new Map(own.map((slab) => [slab, this.#slabKind(slab)]));
      const held = (kind: number) => own.filter((slab) => kinds.get(slab) === kind).length;
      const counters: [string, number, number][] = [
        ["nr_slabs", nrSlabs & 0xFFFF, held(0)],
        ["nr_large", nrSlabs >>> 16, held(LARGE_SLAB)],
        ["nr_small", smallSlabsHeld(bus.read32(record + P_SMALL_SLABS)), held(SMALL_SLAB)],
      ];
      for (const [what, says, holds] of counters) {
        if (says !== holds) problems.push(`${name}: ${what} says ${says}, mem_map holds ${holds}`);
      }
      seen.delete(record);
      let active = 0;
      const objsOf = new Map([
        [0, shapeObjs(bus.read32(record + P_SLAB_SHAPE))],
        [LARGE_SLAB, shapeObjs(bus.read32(record + P_LARGE_SLABS))],
        [SMALL_SLAB, bus.read32(record + P_SMALL_SLABS) & SMALL_OBJS_MASK],
      ]);
      for (const slab of own) {
        const count = bus.read32(slab + PG_SLAB_INUSE);
        const inuse = count & 0xFFFF;
        const objs = objsOf.get(kinds.get(slab)!);
        const slabName = `${name} slab ${hex32(this.#baseOf(slab))}`;
        active += inuse;
        if (inuse === 0) problems.push(`${slabName} is empty but kept`);
        if (objs === undefined) {
          problems.push(`${slabName} is marked both small and large`);
          continue;
        }
        if (slabObjs(count) !== objs) {
          problems.push(
            `${slabName} says it holds ${slabObjs(count)} slices, its pool's are of ${objs}`,
          );
          continue;
        }
        this.#auditSlab(record, slab, objs, slot, inuse, slabName, problems);
      }
      // What stats report: the slices held less the partial slabs' free ones.
      const live = this.liveSlices(record);
      if (live !== active) {
        problems.push(`${name}: stats would say ${live} live slices, its slabs hold ${active}`);
      }
      this.#auditList(
        record + P_PARTIAL,
        (count) => (count & 0xFFFF) > 0 && (count & 0xFFFF) < slabObjs(count),
        `${name} partial list`,
        slabHeads,
        record,
        problems,
      );
    }
    for (const record of seen.keys()) {
      problems.push(`slabs in mem_map belong to ${hex32(record)}, which is not a live pool`);
    }
    this.#auditChunkLists(chunkPages, problems);
  }

  /**
   * Checks the lists of chunk pages with a free chunk: each holds chunk
   * pages neither full nor empty, linked both ways, a large block's last
   * page on the lent pages' list of its zone and no other page there, and
   * together they hold every such page mem_map has (`chunkPages`).
   */
  #auditChunkLists(chunkPages: Set<number>, problems: string[]): void {
    const bus = this.#bus;
    for (const zone of [0, CHUNKS_LENT_DMA]) {
      for (const lent of [false, true]) {
        const head = this.#chunkList(zone) + (lent ? LENT_LIST : 0);
        let prev = 0;
        for (let page = bus.read32(head); page !== 0; page = bus.read32(page + PG_NEXT)) {
          if (!chunkPages.delete(page)) {
            problems.push(`the chunk page list holds ${hex32(page)}, not a chunk page with room`);
            break;
          }
          if (bus.read32(page + PG_PREV) !== prev) {
            problems.push(`the chunk page list: ${hex32(page)} has a wrong prev link`);
          }
          // A lent page holds chunks of its block, and says whether it is on the DMA list.
          const mask = bus.read32(page + PG_CHUNK_MASK);
          const held = heldBits(mask);
          if (lent ? held === 0 || (mask & CHUNKS_LENT_DMA) !== zone : held !== 0) {
            problems.push(
              `the chunk page list: ${hex32(page)} is on the wrong list (mask ${hex32(mask)})`,
            );
          }
          prev = page;
        }
      }
    }
    for (const page of chunkPages) {
      problems.push(
        `chunk page ${hex32(this.#pages.pageToAddr(page))} has a free chunk but is on no list`,
      );
    }
  }

  #auditSlab(
    record: number,
    slab: number,
    objs: number,
    slot: number,
    inuse: number,
    name: string,
    problems: string[],
  ): void {
    const bus = this.#bus;
    const base = this.#baseOf(slab);
    const bump = bus.read32(slab + PG_SLAB_BUMP);
    let set = 0;
    for (let i = 0; i < objs; i++) {
      if (bus.read32(this.#bitmapWord(record, slab, base, i, objs)) & (1 << (i & 31))) {
        set++;
        if (i >= bump) {
          problems.push(`${name}: slice ${i} is marked in use but was never handed out`);
        }
      }
    }
    if (set !== inuse) problems.push(`${name}: inuse says ${inuse}, the bitmap has ${set}`);
    let free = 0;
    for (let s = bus.read32(slab + PG_SLAB_FREELIST); s !== 0; s = bus.read32(s)) {
      if (!isSliceOf(s, base, slot, objs) || free > objs) {
        problems.push(`${name}: the free list holds ${hex32(s)}, not a slice of the slab`);
        return;
      }
      const i = (s - base) / slot;
      if (bus.read32(this.#bitmapWord(record, slab, base, i, objs)) & (1 << (i & 31))) {
        problems.push(`${name}: the free list holds slice ${i}, which is marked in use`);
      }
      free++;
    }
    if (free + (objs - bump) + inuse !== objs) {
      problems.push(
        `${name}: ${free} on the free list + ${
          objs - bump
        } never used + ${inuse} in use != ${objs}`,
      );
    }
    if (bus.read32(record + P_GFP) & SLAB_DEBUG) {
      const layout = debugSlot(bus.read32(record + P_OBJ_SIZE));
      for (let i = 0; i < bump; i++) {
        const live =
          (bus.read32(this.#bitmapWord(record, slab, base, i, objs)) & (1 << (i & 31))) !== 0;
        const found = this.#debugCheck(layout, base + i * slot, live);
        if (found !== "") problems.push(`${name}: ${found}`);
      }
    }
  }

  /**
   * Checks a debug slot: a live one's red zones; a free one's red zones (but
   * the slot's first word, the free-list link) and the poison in its object.
   * @returns what is wrong, or ""
   */
  #debugCheck(layout: DebugSlot, slot: number, live: boolean): string {
    const bus = this.#bus;
    const slice = hex32(slot + layout.object);
    // The owner tag is read only to report.
    const owner = (): string => ownerText(bus.read32(slot + layout.tag));
    const red = live ? RED_ACTIVE : RED_INACTIVE;
    const skip = live ? 0 : 4;
    const left = firstBadByte(bus, slot + skip, (RED_ZONE_BYTES - skip) / 4, red);
    if (left !== -1) {
      return `red zone before slice ${slice} overwritten at ${hex32(left)} (${
        live ? "" : "last "
      }${owner()})`;
    }
    const right = firstBadByte(bus, slot + layout.right, RED_ZONE_BYTES / 4, red);
    if (right !== -1) {
      return `red zone after slice ${slice} overwritten at ${hex32(right)} (${
        live ? "" : "last "
      }${owner()})`;
    }
    if (live) return "";
    const poison = firstBadByte(bus, slot + layout.object, layout.objectBytes / 4, POISON_FREE);
    if (poison !== -1) {
      return `use after free: poison overwritten at ${
        hex32(poison)
      } (slice ${slice}, last ${owner()})`;
    }
    return "";
  }

  /**
   * A debug pool hands out `slot`: checks it if it was freed before, arms its
   * red zones and tag, and zeroes the object for a GFP_ZERO pool.
   * @returns the slice: the slot's object
   */
  #debugAlloc(record: number, slot: number, reused: boolean, gfp: number, owner: number): number {
    const bus = this.#bus;
    const layout = debugSlot(bus.read32(record + P_OBJ_SIZE));
    if (reused) {
      const found = this.#debugCheck(layout, slot, false);
      if (found !== "") reportBug(bus, this.#globals, `pool ${this.#describe(record)}: ${found}`);
    }
    if (gfp & GFP_ZERO) bus.fill32(slot + layout.object, layout.objectBytes / 4, 0);
    bus.fill32(slot, RED_ZONE_BYTES / 4, RED_ACTIVE);
    bus.fill32(slot + layout.right, RED_ZONE_BYTES / 4, RED_ACTIVE);
    bus.write32(slot + layout.tag, owner >>> 0);
    return slot + layout.object;
  }

  /** A debug pool takes `slot` back: checks its red zones (repairing them), then poisons it. */
  #debugFree(record: number, slot: number): void {
    const bus = this.#bus;
    const layout = debugSlot(bus.read32(record + P_OBJ_SIZE));
    const found = this.#debugCheck(layout, slot, true);
    if (found !== "") {
      reportBug(bus, this.#globals, `pool ${this.#describe(record)}: ${found}; repaired`);
    }
    // The slot's first word is left to the free-list link.
    bus.write32(slot + 4, RED_INACTIVE);
    bus.fill32(slot + layout.object, layout.objectBytes / 4, POISON_FREE);
    bus.fill32(slot + layout.right, RED_ZONE_BYTES / 4, RED_INACTIVE);
  }

  #auditList(
    head: number,
    fits: (count: number) => boolean,
    name: string,
    slabHeads: Map<number, number>,
    record: number,
    problems: string[],
  ): void {
    const bus = this.#bus;
    let prev = 0;
    let n = 0;
    for (let slab = bus.read32(head); slab !== 0; slab = bus.read32(slab + PG_NEXT)) {
      if (slabHeads.get(slab) !== record || n++ > slabHeads.size) {
        problems.push(`${name} holds ${hex32(slab)}, not a slab of the pool`);
        return;
      }
      if (!fits(bus.read32(slab + PG_SLAB_INUSE))) {
        problems.push(`${name} holds ${hex32(slab)}, whose in-use count does not belong there`);
      }
      if (bus.read32(slab + PG_PREV) !== prev) {
        problems.push(`${name}: ${hex32(slab)} has a wrong prev link`);
      }
      prev = slab;
    }
  }

  /**
   * Takes a new slab and lays it out with its first slice taken, leaving its
   * slices and the pool's gfp flags in #newObjs and #newGfp; 0 when no page
   * is left. A pool with no slab of its own order takes a small one while it
   * holds fewer than its small slabs allow (a chunk, or an order-0 page for a
   * pool of larger slabs); one holding as many slabs as its large-slabs word
   * says takes a large slab, when the page allocator has such a pile; else a
   * pile of its order.
   */
  #newSlab(record: number): number {
    const bus = this.#bus;
    const nrSlabs = bus.read32(record + P_NR_SLABS);
    if (nrSlabs === 0) {
      const smallSlabs = bus.read32(record + P_SMALL_SLABS);
      if (smallSlabsHeld(smallSlabs) < smallSlabsLimit(smallSlabs)) {
        const objs = smallSlabs & SMALL_OBJS_MASK;
        const slab = smallSlabs & SMALL_PAGE_SLABS
          ? this.#newPageSlab(record, 0, objs, SMALL_SLAB, 0)
          : this.#newChunk(record, objs);
        if (slab === 0) return 0;
        bus.write32(record + P_SMALL_SLABS, smallSlabs + SMALL_HELD_ONE);
        return slab;
      }
    }
    const large = bus.read32(record + P_LARGE_SLABS);
    if (large !== 0 && (nrSlabs & 0xFFFF) + (nrSlabs >>> 16) >= large >>> 20) {
      // Large slabs keep their bits in the struct page, as the pool's do.
      const slab = this.#newPageSlab(record, shapeOrder(large), shapeObjs(large), LARGE_SLAB, 0);
      if (slab !== 0) {
        bus.write32(record + P_NR_SLABS, nrSlabs + 0x10000);
        return slab;
      }
      // No pile that large: one of the pool's own order may still be had.
    }
    const shape = bus.read32(record + P_SLAB_SHAPE);
    const objs = shapeObjs(shape);
    const slab = this.#newPageSlab(
      record,
      shapeOrder(shape),
      objs,
      0,
      objs > STRUCT_PAGE_BITMAP_SLICES ? bus.read32(record + P_BITMAP_OFFSET) : 0,
    );
    if (slab !== 0) bus.write32(record + P_NR_SLABS, nrSlabs + 1);
    return slab;
  }

  /**
   * Takes a pile of `order` for pool `record` and lays it out as a slab of
   * `objs` slices (`kind`: SMALL_SLAB, LARGE_SLAB or 0, kept in its counts word), its
   * bitmap at `bitmapOffset` (0: in the head's struct page); 0 when none.
   */
  #newPageSlab(
    record: number,
    order: number,
    objs: number,
    kind: number,
    bitmapOffset: number,
  ): number {
    const bus = this.#bus;
    const gfp = bus.read32(record + P_GFP);
    const slab = this.#pages.alloc(gfp & GFP_ZONE_MASK, order, PageOwner.SLAB);
    if (slab === 0) return 0;
    this.#newGfp = gfp;
    this.#newObjs = objs;
    const debug = gfp & SLAB_DEBUG ? PG_SLAB_DEBUG : 0;
    if (debug) bus.write32(slab + PG_FLAGS, bus.read32(slab + PG_FLAGS) | debug);
    const tail = pageFlags(PageState.NONE, 0, PageOwner.SLAB) | debug;
    for (let i = 1; i < 1 << order; i++) {
      const page = slab + i * PAGE_STRUCT_BYTES;
      bus.write32(page + PG_FLAGS, tail);
      bus.write32(page + PG_SLAB_POOL, slab);
    }
    bus.write32(slab + PG_SLAB_POOL, record);
    bus.write32(slab + PG_SLAB_FREELIST, 0);
    // Its first slice, slice 0, taken (see #allocFromNewSlab).
    bus.write32(slab + PG_SLAB_INUSE, (((objs << 16) | kind) + 1) >>> 0);
    bus.write32(slab + PG_SLAB_BUMP, 1);
    bus.write32(slab + PG_SLAB_BITMAP, bitmapOffset === 0 ? 1 : 0);
    if (bitmapOffset !== 0) {
      const bitmap = this.#pages.pageToAddr(slab) + bitmapOffset;
      for (let i = 0; i < bitmapWords(objs); i++) bus.write32(bitmap + i * 4, i === 0 ? 1 : 0);
    }
    return slab;
  }

  /**
   * Takes a free chunk for pool `record`: from the first chunk page with
   * room on its list, else from a new chunk page. O(1): a chunk page that
   * fills leaves its list at its head.
   * @param objs the slices a chunk of the pool holds
   * @returns the chunk's head, laid out as an empty slab; 0 when no page is left
   */
  #newChunk(record: number, objs: number): number {
    const bus = this.#bus;
    const gfp = bus.read32(record + P_GFP);
    const zone = gfp & GFP_ZONE_MASK;
    let list = this.#chunkList(zone);
    let page = bus.read32(list);
    let mask = 0;
    if (page === 0) {
      // No chunk page with room: a lent one, before a new page.
      page = bus.read32(list + LENT_LIST);
      if (page !== 0) list += LENT_LIST;
    }
    if (page === 0) {
      page = this.#pages.alloc(zone, 0, PageOwner.SLAB);
      if (page === 0) return 0;
      bus.write32(
        page + PG_FLAGS,
        pageFlags(PageState.ALLOCATED, 0, PageOwner.SLAB) | PG_SLAB_CHUNKS,
      );
      this.#pushOnEmpty(list, page);
    } else {
      mask = bus.read32(page + PG_CHUNK_MASK);
    }
    // The lowest chunk neither a slab nor held by a large block.
    const taken = takenBits(mask);
    const chunk = 31 - Math.clz32(~taken & (taken + 1));
    mask |= 1 << chunk;
    bus.write32(page + PG_CHUNK_MASK, mask);
    if ((taken | (1 << chunk)) === ALL_CHUNKS) {
      // Full: off its list, of which it is the head.
      const next = bus.read32(page + PG_NEXT);
      bus.write32(list, next);
      if (next !== 0) bus.write32(next + PG_PREV, 0);
    }
    const head = this.#chunkHead(page, chunk);
    bus.write32(head + PG_SLAB_POOL, record);
    bus.write32(head + PG_SLAB_FREELIST, 0);
    // Its first slice taken (see #allocFromNewSlab).
    bus.write32(head + PG_SLAB_INUSE, (((objs << 16) | SMALL_SLAB) + 1) >>> 0);
    bus.write32(head + PG_SLAB_BUMP, 1);
    bus.write32(head + PG_SLAB_BITMAP, 1);
    this.#newGfp = gfp;
    this.#newObjs = objs;
    return head;
  }

  /**
   * Gives back the chunk whose head is `head`, a slab of pool `record` that
   * emptied: its page goes back on its list when it was full, and to the
   * page allocator's hot list when it was its last chunk.
   */
  #freeChunk(record: number, head: number): void {
    const bus = this.#bus;
    const chunkAddr = head + CHUNK_HEAD_BYTES - this.#chunkBytes;
    const page = this.#pages.addrToPage(chunkAddr);
    const chunk = (chunkAddr - this.#pages.pageToAddr(page)) / this.#chunkBytes;
    // The page's chunk mask, as #slabAt read it finding this slab.
    const mask = this.#chunkMask;
    const left = mask & ~(1 << chunk);
    if (left === 0) {
      // Its last chunk: it was on its list (it was not full). Unlinked as
      // #unlink does, but the list's address (a read of the pool's gfp) is
      // found only when the page heads its list.
      const next = bus.read32(page + PG_NEXT);
      const prev = bus.read32(page + PG_PREV);
      if (prev !== 0) bus.write32(prev + PG_NEXT, next);
      else bus.write32(this.#chunkList(bus.read32(record + P_GFP) & GFP_ZONE_MASK), next);
      if (next !== 0) bus.write32(next + PG_PREV, prev);
      this.#pages.freeHot(page, PageOwner.SLAB);
      return;
    }
    bus.write32(page + PG_CHUNK_MASK, left);
    if (takenBits(mask) === ALL_CHUNKS) {
      // Full before: back on its list, linked as slabs are (next, prev): a
      // page still lent on the lent pages' list.
      const lent = heldBits(mask) !== 0 ? LENT_LIST : 0;
      this.#push(this.#chunkList(bus.read32(record + P_GFP) & GFP_ZONE_MASK) + lent, page);
    }
  }

  /**
   * Makes the page of struct page `page`, the last page of a large block
   * that reaches into its first `held` chunks (1 to CHUNKS_PER_PAGE - 1), a
   * chunk page whose other chunks the chunk slabs take: it goes on the
   * lent pages' list of the pools of the block's zone bits `zone`. O(1).
   */
  lendTail(page: number, held: number, zone: number): void {
    const bus = this.#bus;
    bus.write32(
      page + PG_FLAGS,
      pageFlags(PageState.ALLOCATED, 0, PageOwner.SLAB) | PG_SLAB_CHUNKS,
    );
    const list = zone === 0 ? 0 : CHUNKS_LENT_DMA;
    bus.write32(page + PG_CHUNK_MASK, (((1 << held) - 1) << CHUNKS_HELD_SHIFT) | list);
    this.#push(this.#chunkList(zone) + LENT_LIST, page);
  }

  /**
   * Takes back the chunks a large block held on its last page, lent by
   * {@link lendTail}, as the block is freed: the page goes back to the page
   * allocator's hot list when no chunk of it is a slab, else stays a chunk
   * page as any, moved from the lent pages' list (if it was on it: it was
   * not full) to the chunk pages'. O(1).
   */
  takeBackTail(page: number): void {
    const bus = this.#bus;
    const mask = bus.read32(page + PG_CHUNK_MASK);
    const slabs = mask & ALL_CHUNKS;
    const list = this.#chunkList(mask & CHUNKS_LENT_DMA);
    if (slabs === 0) {
      this.#unlink(list + LENT_LIST, page); // on its list: it had a free chunk
      this.#pages.freeHot(page, PageOwner.SLAB);
      return;
    }
    bus.write32(page + PG_CHUNK_MASK, slabs);
    if (takenBits(mask) !== ALL_CHUNKS) {
      this.#unlink(list + LENT_LIST, page);
    }
    this.#push(list, page);
  }

  /** How many chunks a large block holds on the chunk page `page`, its last page: 0 when none. */
  heldChunks(page: number): number {
    // The held chunks are the first ones: their bits are the low ones.
    const mask = this.#bus.read32(page + PG_CHUNK_MASK);
    return 32 - Math.clz32(heldBits(mask));
  }

  /**
   * The list of chunk pages with room for pools of the zone bits `zone` (a
   * register sum): 0 names GFP_KERNEL pools', any other value GFP_DMA's (a
   * lent page's CHUNKS_LENT_DMA bit among them). The lent pages' list of the
   * same pools is LENT_LIST past it.
   */
  #chunkList(zone: number): number {
    return this.#globals + G_CHUNK_PAGES + (zone === 0 ? 0 : 4);
  }

  /** The head of chunk `chunk` of the chunk page `page`: the chunk's last bytes. */
  #chunkHead(page: number, chunk: number): number {
    return chunkHeadAddress(this.#pages.pageToAddr(page), chunk, this.#pageSize);
  }

  /** The address of a slab's first slice. */
  #baseOf(slab: number): number {
    return slab >= this.#memMapEnd
      ? slab + CHUNK_HEAD_BYTES - this.#chunkBytes
      : this.#pages.pageToAddr(slab);
  }

  /**
   * Frees a slice known to be live at `index`, moving its slab between
   * lists. #liveIndex, just before, left the slab's counts word, its bitmap
   * word's address and that word in registers.
   */
  #release(record: number, slab: number, slice: number, index: number): void {
    const bus = this.#bus;
    const count = this.#slabCount;
    const objs = slabObjs(count);
    const inuse = (count & 0xFFFF) - 1;
    bus.write32(this.#bitmapAt, this.#bitmapBits & ~(1 << (index & 31)));
    bus.write32(slice, bus.read32(slab + PG_SLAB_FREELIST));
    bus.write32(slab + PG_SLAB_FREELIST, slice);
    bus.write32(slab + PG_SLAB_INUSE, count - 1);
    if (inuse + 1 !== objs) {
      // It was partial.
      if (inuse === 0) {
        this.#unlink(record + P_PARTIAL, slab);
        this.#giveBack(record, slab);
      }
    } else if (inuse === 0) {
      this.#giveBack(record, slab); // a one-slice slab goes from full to empty
    } else {
      this.#push(record + P_PARTIAL, slab);
    }
  }

  /**
   * An empty slab goes back to the page allocator at once, onto its hot
   * list: free, counted so, and the first pile the next allocation of its
   * order takes — the slab this pool or another needs next, most often.
   * Its tail pages keep their marks; #slabHeadOf checks a tail's head.
   */
  #giveBack(record: number, slab: number): void {
    const bus = this.#bus;
    if (slab >= this.#memMapEnd) this.#freeChunk(record, slab);
    else this.#pages.freeHot(slab, PageOwner.SLAB);
    // Its kind, as the counts word #liveIndex read says.
    const kind = (this.#slabCount & SLAB_KIND_MASK) >>> 0;
    const counter = record + (kind === SMALL_SLAB ? P_SMALL_SLABS : P_NR_SLABS);
    const one = kind === SMALL_SLAB ? SMALL_HELD_ONE : kind === LARGE_SLAB ? 0x10000 : 1;
    bus.write32(counter, bus.read32(counter) - one);
  }

  /** A slab's kind for the audit: SMALL_SLAB (every chunk is), LARGE_SLAB or 0. */
  #slabKind(slab: number): number {
    if (slab >= this.#memMapEnd) return SMALL_SLAB;
    return (this.#bus.read32(slab + PG_SLAB_INUSE) & SLAB_KIND_MASK) >>> 0;
  }

  /** The slab head holding `addr`; refused when `addr` is in no slab. */
  #slabOf(addr: number): number {
    const slab = this.#slabAt(addr);
    if (slab === 0) {
      const where = this.#pageFlags & PG_SLAB_CHUNKS ? "its chunk" : "its page";
      throw new InvalidFreeError(`${hex32(addr)} is not a slice: ${where} is in no slab`, addr);
    }
    return slab;
  }

  /**
   * The slab holding `addr`, or 0: its page's slab, or on a chunk page the
   * head of its chunk while that chunk is a slab.
   */
  #slabAt(addr: number): number {
    const page = this.#pages.addrToPage(addr);
    const slab = this.#slabHeadOf(page);
    if (slab === 0 || (this.#pageFlags & PG_SLAB_CHUNKS) === 0) return slab;
    const chunk = Math.floor((addr - this.#pages.pageToAddr(page)) / this.#chunkBytes);
    this.#chunkMask = this.#bus.read32(page + PG_CHUNK_MASK);
    if ((this.#chunkMask & (1 << chunk)) === 0) return 0;
    return this.#chunkHead(page, chunk);
  }

  /**
   * The slab head of a page: itself, its head for a tail page, or 0. A tail
   * page keeps its mark after its slab went back (only the head's flags
   * change), so a tail's head is believed only while it heads a live slab
   * that reaches the tail.
   */
  #slabHeadOf(page: number): number {
    const bus = this.#bus;
    const flags = bus.read32(page + PG_FLAGS);
    this.#pageFlags = flags;
    if (flagsOwner(flags) !== PageOwner.SLAB) return 0;
    if (flagsState(flags) === PageState.ALLOCATED) return page;
    if (flagsState(flags) !== PageState.NONE) return 0;
    const head = bus.read32(page + PG_SLAB_POOL);
    const headFlags = bus.read32(head + PG_FLAGS);
    const live = flagsOwner(headFlags) === PageOwner.SLAB &&
      flagsState(headFlags) === PageState.ALLOCATED && head < page &&
      page - head < PAGE_STRUCT_BYTES << flagsOrder(headFlags);
    return live ? head : 0;
  }

  #checkOwnPool(record: number, slab: number, slice: number): void {
    const owner = this.#bus.read32(slab + PG_SLAB_POOL);
    if (owner !== record) {
      throw new InvalidFreeError(
        `slice ${hex32(slice)} belongs to pool ${this.#describe(owner)}, not to pool ${
          this.#describe(record)
        }`,
        slice,
      );
    }
  }

  /**
   * The index of a live slot in its slab; refused if `start` is not a slot's
   * start or the slot is not live. `slice`, what the caller passed (for a debug
   * pool, a red zone past `start`), is what the messages name.
   */
  #liveIndex(record: number, slab: number, start: number, slice: number): number {
    const bus = this.#bus;
    const slot = bus.read32(record + P_SLOT_SIZE);
    this.#slabCount = bus.read32(slab + PG_SLAB_INUSE);
    const objs = slabObjs(this.#slabCount);
    const base = this.#baseOf(slab);
    if (!isSliceOf(start, base, slot, objs)) {
      throw new InvalidFreeError(
        `${hex32(slice)} is not at a slice boundary of pool ${this.#describe(record)} ` +
          `(slab ${hex32(base)}, ${slot}-byte slots, ${objs} slices)`,
        slice,
      );
    }
    const index = (start - base) / slot;
    this.#bitmapAt = this.#bitmapWord(record, slab, base, index, objs);
    this.#bitmapBits = bus.read32(this.#bitmapAt);
    if ((this.#bitmapBits & (1 << (index & 31))) === 0) {
      throw new DoubleFreeError(
        `double free: slice ${hex32(slice)} of pool ${this.#describe(record)} is not in use`,
        slice,
      );
    }
    return index;
  }

  /**
   * The address of the bitmap word holding slice `index`'s bit in `slab`, of
   * `objs` slices: a slab of 32 or fewer (every chunk, small and large slab)
   * keeps its bits in its head, a larger one in its last words, at the
   * pool's bitmap offset (see slabGeometry). Told by `objs`, which the
   * caller read with the slab's counts: no read of the pool's record for a
   * slab whose bits are in its head.
   */
  #bitmapWord(record: number, slab: number, base: number, index: number, objs: number): number {
    if (objs <= STRUCT_PAGE_BITMAP_SLICES) return slab + PG_SLAB_BITMAP;
    return base + this.#bus.read32(record + P_BITMAP_OFFSET) + (index >>> 5) * 4;
  }

  /** Checks a handle names a live pool record; returns the record's address. */
  checkPool(pool: SlicePool): number {
    const record = pool?.address;
    if (
      !Number.isInteger(record) || record < this.#globals || record > this.#globals + this.#ramEnd()
    ) {
      throw new InvalidAddressError(
        `${formatAddress(record)} is not a pool record address`,
        record,
      );
    }
    if (this.#bus.read32(record + P_MAGIC) !== poolMagic(record, pool.id)) {
      throw new InvalidArgumentError(
        `${hex32(record)} is not a live pool with id ${pool.id} (recycled, or never created)`,
        record,
      );
    }
    return record;
  }

  #ramEnd(): number {
    return this.#pages.layout.nrPages * this.#pageSize - POOL_BYTES;
  }

  #push(head: number, slab: number): void {
    const bus = this.#bus;
    const first = bus.read32(head);
    bus.write32(slab + PG_NEXT, first);
    bus.write32(slab + PG_PREV, 0);
    if (first !== 0) bus.write32(first + PG_PREV, slab);
    bus.write32(head, slab);
  }

  /**
   * {@link #push} onto a list its caller just read empty: `slab` its only
   * member, the head not read again.
   */
  #pushOnEmpty(head: number, slab: number): void {
    const bus = this.#bus;
    bus.write32(slab + PG_NEXT, 0);
    bus.write32(slab + PG_PREV, 0);
    bus.write32(head, slab);
  }

  #unlink(head: number, slab: number): void {
    const bus = this.#bus;
    const next = bus.read32(slab + PG_NEXT);
    const prev = bus.read32(slab + PG_PREV);
    if (prev !== 0) bus.write32(prev + PG_NEXT, next);
    else bus.write32(head, next);
    if (next !== 0) bus.write32(next + PG_PREV, prev);
    // The slab's own links are left as they are: it is full or going back,
    // on no list, and #push writes both before it is on one again.
  }

  #name(record: number): string {
    return readAscii(this.#bus, record + P_NAME, POOL_NAME_BYTES);
  }

  #describe(record: number): string {
    return `'${this.#name(record)}' (id ${this.#bus.read32(record + P_ID)})`;
  }
}

/** From a chunk page list's head to the head of the lent pages' list of the same pools. */
const LENT_LIST = G_LENT_CHUNK_PAGES - G_CHUNK_PAGES;
/** A chunk page's mask with every chunk taken. */
const ALL_CHUNKS = (1 << CHUNKS_PER_PAGE) - 1;

/** The chunks of a chunk page's mask held by a large block, a bit each as its slabs' (see PG_CHUNK_MASK). */
function heldBits(mask: number): number {
  return (mask >>> CHUNKS_HELD_SHIFT) & ALL_CHUNKS;
}

/** The chunks of a chunk page's mask that are taken: slabs, or held by a large block. */
function takenBits(mask: number): number {
  return (mask | heldBits(mask)) & ALL_CHUNKS;
}
/** A counts word's slab is small: a chunk, or an order-0 slab of a pool of larger ones. */
const SMALL_SLAB = 0x8000_0000;
/** A counts word's slab is large: one of a busy pool's larger slabs. */
const LARGE_SLAB = 0x4000_0000;
/** A counts word's kind bits: SMALL_SLAB, LARGE_SLAB, or neither for a slab of its pool's order. */
const SLAB_KIND_MASK = 0xC000_0000;
/** The slices of a small slab, in a pool's small-slabs word. */
const SMALL_OBJS_MASK = 0x7FFF;

/** The slices a slab holds, from its counts word (PG_SLAB_INUSE). */
function slabObjs(count: number): number {
  return (count >>> 16) & 0x3FFF;
}

function isSliceOf(addr: number, base: number, slot: number, objs: number): boolean {
  const offset = addr - base;
  return Number.isInteger(offset) && offset >= 0 && offset % slot === 0 && offset / slot < objs;
}

function checkObjSize(objSize: number): void {
  if (!Number.isInteger(objSize) || objSize < 1 || objSize > MAX_SLICE_SIZE) {
    throw new InvalidArgumentError(`object size ${objSize} is out of range 1..${MAX_SLICE_SIZE}`);
  }
}
