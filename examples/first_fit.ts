/**
 * An example design to copy: one address-ordered first-fit heap with
 * boundary tags and coalescing (FreeRTOS heap_4, K&R malloc), serving the
 * page, slice and generic allocators from the same blocks; no vmalloc.
 *
 * All of its state lives in board RAM and is reached through the bus: the
 * firmware object holds only the board and the address of its globals.
 * Copied elsewhere, import from "@pagepile/pagepile" instead of "../mod.ts";
 * then `deno task replay TRACE --design ./first_fit.ts`.
 *
 * RAM: the first page holds the globals, the rest is the heap.
 * ```
 * RAM_BASE + 0x00  globals
 *                  0x00 heap start    0x04 heap end     0x08 first free block
 *                  0x0C free blocks   0x10 free pages   0x14 used blocks
 *                  0x18 first pool    0x1C next pool id
 * RAM_BASE + 4096  the heap: blocks, one after another, to the end of RAM
 * ```
 * block (8-byte aligned, its size a multiple of 8 and at least MIN_BLOCK):
 * ```
 * 0x00 size | USED   bytes of the block, header included; bit 0 set while handed out
 * 0x04 prev size     bytes of the block just below it, 0 for the first: the boundary
 *                    tag that lets a free find its lower neighbour in one read
 * 0x08 payload       what the caller gets; a free block keeps its links here:
 *                    0x08 next free block, 0x0C previous free block (address order)
 * ```
 * pool record (the payload of a heap block, POOL_BYTES):
 * ```
 * 0x00 id   0x04 object size   0x08 live slices   0x0C next pool   0x10 name, 32 bytes
 * ```
 * The object size word's top bit (POOL_ZERO) says the pool was created with
 * GFP_ZERO: every slice it hands out is zeroed.
 * Invariants, which audit() checks: the blocks tile the heap; each prev size
 * is the size of the block below; the free list holds exactly the free
 * blocks, in address order; no two free blocks touch (a free merges them);
 * the globals' counts match the blocks.
 *
 * A "page" is simply its pile's address: a pile is a heap block whose payload
 * is aligned to its size, so page_to_addr is the identity. A page is free
 * when it lies wholly in a free block, clear of the block's header and links.
 * The design trusts its callers: no misuse is detected (pagepile's is).
 *
 * Costs: an allocation walks the free list, O(free blocks); a free is O(1)
 * when a neighbour is free, and otherwise walks the list to its place.
 * @module
 */

import {
  type Board,
  type Design,
  type Firmware,
  type FirmwareStats,
  GFP_ZERO,
  hex32,
  type KernelPart,
  MAX_ORDER,
  PoolBusyError,
  type PoolHandle,
  type PoolStats,
  type SlicePoolOptions,
  SYSINFO_BASE,
  SYSINFO_PAGE_SIZE,
  SYSINFO_RAM_BASE,
  SYSINFO_RAM_SIZE,
  ZERO_SIZE_PTR,
} from "../mod.ts";

const PAGE = 4096;
const [G_HEAP_START, G_HEAP_END, G_FREE_LIST, G_FREE_BLOCKS] = [0x00, 0x04, 0x08, 0x0C];
const [G_FREE_PAGES, G_USED_BLOCKS, G_POOLS, G_NEXT_POOL_ID] = [0x10, 0x14, 0x18, 0x1C];
const [B_SIZE, B_PREV_SIZE, B_NEXT_FREE, B_PREV_FREE] = [0x00, 0x04, 0x08, 0x0C];
const [P_ID, P_OBJ_SIZE, P_LIVE, P_NEXT, P_NAME] = [0x00, 0x04, 0x08, 0x0C, 0x10];
const NAME_BYTES = 32;
/** In a pool record's object size word: the pool zeroes its slices (sizes stay far below it). */
const POOL_ZERO = 0x8000_0000;
const POOL_BYTES = P_NAME + NAME_BYTES;
/** Block header bytes: the payload starts this far into its block. */
const HEADER = 8;
/** The smallest block: a header and a free block's two links. */
const MIN_BLOCK = 16;
const USED = 1;

/**
 * The design "first-fit": boot it on a board fresh from power-on.
 * @example
 * ```ts
 * import { Board, GFP_KERNEL } from "@pagepile/pagepile";
 * import { design } from "./first_fit.ts";
 * const firmware = design.boot(new Board({ ramBytes: 1024 * 1024 }));
 * const block = firmware.galloc(GFP_KERNEL, 100);
 * console.log(firmware.gsize(block), firmware.audit()); // 104 []
 * ```
 */
export const design: Design = {
  name: "first-fit",
  summary: "one address-ordered first-fit heap with boundary tags and coalescing; no vmalloc",
  boot(board: Board): Firmware {
    return new FirstFit(board);
  },
};

/** A pool as drivers hold it: the address of its record. */
class Pool {
  constructor(readonly record: number) {}
}

class FirstFit implements Firmware {
  readonly board: Board;
  readonly unsupported: readonly KernelPart[] = ["vmalloc"];
  /** Where the globals are: the only thing kept outside RAM. */
  readonly #g: number;

  /** Asks the board for its RAM, and lays out the globals and one free block spanning the heap. */
  constructor(board: Board) {
    this.board = board;
    if (board.read32(SYSINFO_BASE + SYSINFO_PAGE_SIZE) !== PAGE) {
      throw new Error("first-fit needs 4 KiB pages");
    }
    this.#g = board.read32(SYSINFO_BASE + SYSINFO_RAM_BASE);
    const start = this.#g + PAGE;
    const end = this.#g + board.read32(SYSINFO_BASE + SYSINFO_RAM_SIZE);
    for (let field = 0; field <= G_NEXT_POOL_ID; field += 4) this.#put(field, 0);
    this.#put(G_HEAP_START, start);
    this.#put(G_HEAP_END, end);
    board.write32(start + B_PREV_SIZE, 0);
    this.#setBlock(start, end - start, 0);
    this.#linkAfter(0, start);
  }

  // Generic allocator: blocks of the heap, 8-byte aligned.
  galloc(flags: number, size: number): number {
    if (size === 0) return ZERO_SIZE_PTR;
    return this.#zeroed(flags, this.#alloc(size, 8), size);
  }
  gfree(addr: number): void {
    if (addr !== 0 && addr !== ZERO_SIZE_PTR) this.#free(addr);
  }
  gsize(addr: number): number {
    return addr === ZERO_SIZE_PTR ? 0 : this.#size(addr - HEADER) - HEADER;
  }
  /** What a block takes from the heap: its payload and its header. */
  gtaken(addr: number): number {
    return addr === ZERO_SIZE_PTR ? 0 : this.#size(addr - HEADER);
  }
  /** The heap keeps no empty pages aside: there is nothing to give back. */
  gshrink(): number {
    return 0;
  }

  // Page allocator: a pile is a block whose payload is aligned to its size.
  alloc_pages(flags: number, order: number): number {
    const bytes = PAGE << order;
    return this.#zeroed(flags, this.#alloc(bytes, bytes), bytes);
  }
  free_pages(page: number): void {
    this.#free(page);
  }
  page_to_addr(page: number): number {
    return page;
  }
  addr_to_page(addr: number): number {
    return addr - addr % PAGE;
  }

  // Slice allocator: a pool is a record in the heap; each slice is a block of its own.
  slice_pool_create(flags: number, obj_size: number, options: SlicePoolOptions = {}): Pool | null {
    const record = this.#alloc(POOL_BYTES, 8);
    if (record === 0) return null;
    const id = this.#get(G_NEXT_POOL_ID);
    this.#put(G_NEXT_POOL_ID, id + 1);
    const sizeWord = (obj_size | ((flags & GFP_ZERO) !== 0 ? POOL_ZERO : 0)) >>> 0;
    for (const [field, value] of [[P_ID, id], [P_OBJ_SIZE, sizeWord], [P_LIVE, 0]]) {
      this.board.write32(record + field, value);
    }
    this.board.write32(record + P_NEXT, this.#get(G_POOLS));
    this.#put(G_POOLS, record);
    const name = options.name ?? `pool-${id}`;
    for (let i = 0; i < NAME_BYTES; i++) {
      this.board.write8(record + P_NAME + i, i < name.length ? name.charCodeAt(i) & 0x7F : 0);
    }
    return new Pool(record);
  }
  slice_pool_recycle(pool: PoolHandle): void {
    const record = (pool as Pool).record;
    const live = this.board.read32(record + P_LIVE);
    if (live > 0) {
      throw new PoolBusyError(`pool ${hex32(record)} has ${live} live slices`, record, live);
    }
    // Unlink the record from the list of pools (a short walk: pools are few).
    let link = this.#g + G_POOLS;
    while (this.board.read32(link) !== record) link = this.board.read32(link) + P_NEXT;
    this.board.write32(link, this.board.read32(record + P_NEXT));
    this.#free(record);
  }
  slice_alloc(pool: PoolHandle): number {
    const record = (pool as Pool).record;
    const sizeWord = this.board.read32(record + P_OBJ_SIZE);
    const size = (sizeWord & ~POOL_ZERO) >>> 0;
    const slice = this.#alloc(size, 8);
    if (slice === 0) return 0;
    this.board.write32(record + P_LIVE, this.board.read32(record + P_LIVE) + 1);
    if ((sizeWord & POOL_ZERO) !== 0) this.board.fill32(slice, Math.ceil(size / 4), 0);
    return slice;
  }
  slice_free(slice: number, pool: PoolHandle): void {
    const record = (pool as Pool).record;
    this.#free(slice);
    this.board.write32(record + P_LIVE, this.board.read32(record + P_LIVE) - 1);
  }
  /** Freed slices went back to the heap at once: nothing to give back. */
  slice_pool_shrink(): number {
    return 0;
  }

  /**
   * Page counts as a buddy allocator would print them: each free block's run
   * of whole free pages is cut into aligned piles of up to 2^MAX_ORDER pages.
   */
  stats(): FirmwareStats {
    const freeByOrder = new Array(MAX_ORDER + 1).fill(0);
    for (let block = this.#get(G_FREE_LIST); block !== 0; block = this.#nextFree(block)) {
      let page = Math.ceil((block + MIN_BLOCK) / PAGE);
      const end = Math.floor((block + this.#size(block)) / PAGE);
      while (page < end) {
        let order = MAX_ORDER;
        while (page % (1 << order) !== 0 || page + (1 << order) > end) order--;
        freeByOrder[order]++;
        page += 1 << order;
      }
    }
    const total = (this.#get(G_HEAP_END) - this.#g) / PAGE;
    const reserved = (this.#get(G_HEAP_START) - this.#g) / PAGE;
    const counts = { total, reserved, free: this.#get(G_FREE_PAGES), freeByOrder };
    const slices: PoolStats[] = [];
    let record = this.#get(G_POOLS);
    while (record !== 0) {
      slices.push(this.poolStats(new Pool(record)));
      record = this.board.read32(record + P_NEXT);
    }
    return { pages: { ...counts, zones: [{ name: "Normal", ...counts }] }, slices };
  }

  /** A heap has no slabs: each slice is a block of its own, counted as a slab of one. */
  poolStats(pool: PoolHandle): PoolStats {
    const address = (pool as Pool).record;
    const id = this.board.read32(address + P_ID);
    const objSize = (this.board.read32(address + P_OBJ_SIZE) & ~POOL_ZERO) >>> 0;
    const live = this.board.read32(address + P_LIVE);
    let name = "";
    for (let i = 0; i < NAME_BYTES; i++) {
      const char = this.board.read8(address + P_NAME + i);
      if (char === 0) break;
      name += String.fromCharCode(char);
    }
    // What each slice takes from the heap: its block, header included.
    const slotSize = HEADER + Math.max(roundUp(objSize, 8), MIN_BLOCK - HEADER);
    return {
      id,
      address,
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

  /** All pages but the reserved ones and the free ones: three reads, no walk. */
  pagesInUse(): number {
    return (this.#get(G_HEAP_END) - this.#get(G_HEAP_START)) / PAGE - this.#get(G_FREE_PAGES);
  }

  /** Walks the heap block by block, and the free list along with it. */
  audit(): string[] {
    const problems: string[] = [];
    const end = this.#get(G_HEAP_END);
    let [free, used, pages] = [0, 0, 0];
    // The block below this one, and the free list's next block and the one before it.
    let [below, belowFree] = [0, false];
    let [listed, listedBelow] = [this.#get(G_FREE_LIST), 0];
    for (let block = this.#get(G_HEAP_START); block !== end; block += below) {
      const size = this.#size(block);
      const isFree = this.#isFree(block);
      if (size < MIN_BLOCK || size % 8 !== 0 || block + size > end) {
        return [...problems, `block ${hex32(block)} has a bad size, ${size}`];
      }
      const tag = this.board.read32(block + B_PREV_SIZE);
      if (tag !== below) problems.push(`block ${hex32(block)}: prev size ${tag}, not ${below}`);
      if (isFree && belowFree) problems.push(`free block ${hex32(block)} touches the one below`);
      if (isFree) {
        // The free list must name this very block next: address order, nothing missing.
        if (listed !== block) problems.push(`free list: ${hex32(listed)} where ${hex32(block)} is`);
        if (this.board.read32(block + B_PREV_FREE) !== listedBelow) {
          problems.push(`free block ${hex32(block)}: wrong link to the previous free block`);
        }
        [listed, listedBelow] = [this.#nextFree(block), block];
        free++;
        pages += freePagesIn(block, size);
      } else {
        used++;
      }
      [below, belowFree] = [size, isFree];
    }
    if (listed !== 0) problems.push(`free list goes on past the last block, to ${hex32(listed)}`);
    const counts: [string, number, number][] = [
      ["free blocks", G_FREE_BLOCKS, free],
      ["free pages", G_FREE_PAGES, pages],
      ["used blocks", G_USED_BLOCKS, used],
    ];
    for (const [name, field, count] of counts) {
      const kept = this.#get(field);
      if (kept !== count) problems.push(`the globals count ${kept} ${name}; the heap has ${count}`);
    }
    return problems;
  }

  /**
   * First fit: the first free block, in address order, with room for a
   * payload of `bytes` at an `align`-aligned address. O(free blocks).
   * @returns the payload's address, or 0
   */
  #alloc(bytes: number, align: number): number {
    const need = Math.max(roundUp(bytes, 8), MIN_BLOCK - HEADER);
    for (let block = this.#get(G_FREE_LIST); block !== 0; block = this.#nextFree(block)) {
      let payload = roundUp(block + HEADER, align);
      // What is left before the new block must be nothing, or a block of its own.
      if (payload - HEADER - block > 0 && payload - HEADER - block < MIN_BLOCK) payload += align;
      if (payload + need <= block + this.#size(block)) return this.#carve(block, payload, need);
    }
    return 0;
  }

  /** Cuts a used block out of free block `free`; what lies before and after it stays free. */
  #carve(free: number, payload: number, bytes: number): number {
    const end = free + this.#size(free);
    const block = payload - HEADER;
    let after = this.board.read32(free + B_PREV_FREE);
    this.#unlink(free);
    if (block > free) {
      this.#setBlock(free, block - free, 0);
      this.#linkAfter(after, free);
      after = free;
    }
    const tail = end - (payload + bytes);
    // A tail too small for a block of its own goes with the used block.
    this.#setBlock(block, tail < MIN_BLOCK ? end - block : HEADER + bytes, USED);
    if (tail >= MIN_BLOCK) {
      this.#setBlock(payload + bytes, tail, 0);
      this.#linkAfter(after, payload + bytes);
    }
    this.#put(G_USED_BLOCKS, this.#get(G_USED_BLOCKS) + 1);
    return payload;
  }

  /**
   * Frees a block, merged with its free neighbours: the one above starts
   * where it ends, the one below is found by the boundary tag. Only a block
   * with no free neighbour walks the free list to find its place.
   */
  #free(payload: number): void {
    let block = payload - HEADER;
    let size = this.#size(block);
    let after = -1;
    const above = block + size;
    if (above < this.#get(G_HEAP_END) && this.#isFree(above)) {
      after = this.board.read32(above + B_PREV_FREE);
      this.#unlink(above);
      size += this.#size(above);
    }
    const belowSize = this.board.read32(block + B_PREV_SIZE);
    if (belowSize !== 0 && this.#isFree(block - belowSize)) {
      block -= belowSize;
      after = this.board.read32(block + B_PREV_FREE);
      this.#unlink(block);
      size += belowSize;
    }
    if (after === -1) {
      after = 0;
      for (let f = this.#get(G_FREE_LIST); f !== 0 && f < block; f = this.#nextFree(f)) after = f;
    }
    this.#setBlock(block, size, 0);
    this.#linkAfter(after, block);
    this.#put(G_USED_BLOCKS, this.#get(G_USED_BLOCKS) - 1);
  }

  /** Puts free block `block` on the free list after `prev` (0: first), and counts it. */
  #linkAfter(prev: number, block: number): void {
    const next = prev === 0 ? this.#get(G_FREE_LIST) : this.#nextFree(prev);
    this.board.write32(block + B_NEXT_FREE, next);
    this.board.write32(block + B_PREV_FREE, prev);
    if (prev === 0) this.#put(G_FREE_LIST, block);
    else this.board.write32(prev + B_NEXT_FREE, block);
    if (next !== 0) this.board.write32(next + B_PREV_FREE, block);
    this.#count(block, +1);
  }

  /** Takes free block `block` off the free list, and uncounts it. */
  #unlink(block: number): void {
    const [next, prev] = [this.#nextFree(block), this.board.read32(block + B_PREV_FREE)];
    if (prev === 0) this.#put(G_FREE_LIST, next);
    else this.board.write32(prev + B_NEXT_FREE, next);
    if (next !== 0) this.board.write32(next + B_PREV_FREE, prev);
    this.#count(block, -1);
  }

  /** Adds a free block to the globals' counts (sign +1), or takes it away (-1). */
  #count(block: number, sign: number): void {
    this.#put(G_FREE_BLOCKS, this.#get(G_FREE_BLOCKS) + sign);
    const pages = freePagesIn(block, this.#size(block));
    this.#put(G_FREE_PAGES, this.#get(G_FREE_PAGES) + sign * pages);
  }

  /** Writes a block's size word, and the boundary tag of the block above it. */
  #setBlock(block: number, size: number, used: number): void {
    this.board.write32(block + B_SIZE, size | used);
    if (block + size < this.#get(G_HEAP_END)) this.board.write32(block + size + B_PREV_SIZE, size);
  }

  #zeroed(flags: number, addr: number, bytes: number): number {
    if (addr !== 0 && (flags & GFP_ZERO) !== 0) this.board.fill32(addr, Math.ceil(bytes / 4), 0);
    return addr;
  }
  #size(block: number): number {
    return this.board.read32(block + B_SIZE) & ~USED;
  }
  #isFree(block: number): boolean {
    return (this.board.read32(block + B_SIZE) & USED) === 0;
  }
  #nextFree(block: number): number {
    return this.board.read32(block + B_NEXT_FREE);
  }
  #get(field: number): number {
    return this.board.read32(this.#g + field);
  }
  #put(field: number, value: number): void {
    this.board.write32(this.#g + field, value);
  }
}

/** Whole pages inside a free block, clear of its header and links. */
function freePagesIn(block: number, size: number): number {
  return Math.max(0, Math.floor((block + size) / PAGE) - Math.ceil((block + MIN_BLOCK) / PAGE));
}

function roundUp(value: number, align: number): number {
  return Math.ceil(value / align) * align;
}
