/**
 * The firmware of the design `tlsf` (design.ts says what it is and what
 * each call costs): the generic allocator and the slice pools on a TLSF
 * heap, pages and vmalloc from pagepile's Kernel, through its public
 * methods, which the heap also grows by.
 * @module
 */

import type { Board } from "../../hw/board.ts";
import { InvalidArgumentError } from "../errors.ts";
import {
  type Firmware,
  type FirmwareStats,
  type PageMap,
  type PageStats,
  type PoolHandle,
  type PoolStats,
  type SlicePoolOptions,
  type VmallocOptions,
  ZERO_SIZE_PTR,
} from "../firmware.ts";
import { GFP_ZERO } from "../gfp.ts";
import type { Kernel } from "../pagepile/kernel.ts";
import { TlsfHeap } from "./heap.ts";
import { auditHeap, heapAreas } from "./inspect.ts";
import { BLOCK_OVERHEAD } from "./layout.ts";
import { relabelPageMap } from "./page_map.ts";
import { MAX_OBJ_SIZE, SlicePools, type TlsfPool } from "./slice_pools.ts";

/**
 * The running firmware of the design `tlsf`. It trusts its callers, as the
 * reference TLSF does: a double free or a foreign address corrupts the heap
 * (the audit then says where); only a pool recycled with live slices is
 * refused, with a PoolBusyError.
 */
export class TlsfKernel implements Firmware {
  /** The board the firmware runs on. */
  readonly board: Board;
  /** Every block's payload is 8-aligned: blocks and their sizes are multiples of 8. */
  readonly align = 8;
  /** The largest object a pool takes: what the largest block (one 4 MiB area) holds. */
  readonly maxSliceSize: number = MAX_OBJ_SIZE;
  readonly #kernel: Kernel;
  readonly #heap: TlsfHeap;
  readonly #pools: SlicePools;

  /**
   * Use `tlsfDesign.boot` rather than this constructor.
   * @param kernel pagepile's Kernel, booted on the board
   * @param control the address of a page for the control block, which this lays out
   */
  constructor(kernel: Kernel, control: number) {
    this.board = kernel.board;
    this.#kernel = kernel;
    this.#heap = new TlsfHeap(kernel.board, kernel, control);
    this.#heap.format();
    this.#pools = new SlicePools(kernel.board, this.#heap);
  }

  /** pagepile's page allocator. */
  alloc_pages(flags: number, order: number): number {
    return this.#kernel.alloc_pages(flags, order);
  }
  /** pagepile's page allocator. */
  free_pages(page: number): void {
    this.#kernel.free_pages(page);
  }
  /** pagepile's: a page is the address of its struct page. */
  page_to_addr(page: number): number {
    return this.#kernel.page_to_addr(page);
  }
  /** pagepile's. */
  addr_to_page(addr: number): number {
    return this.#kernel.addr_to_page(addr);
  }

  /** A pool record in a heap block; GFP_ZERO in `flags` zeroes every slice. */
  slice_pool_create(
    flags: number,
    obj_size: number,
    options: SlicePoolOptions = {},
  ): TlsfPool | null {
    return this.#pools.create(flags, obj_size, options.name);
  }
  /** Frees the record; refused with a PoolBusyError while slices are live. */
  slice_pool_recycle(pool: PoolHandle): void {
    this.#pools.recycle(pool as TlsfPool);
  }
  /** A heap block of the pool's object size. */
  slice_alloc(pool: PoolHandle): number {
    return this.#pools.alloc(pool as TlsfPool);
  }
  /** Back to the heap, merged at once. */
  slice_free(slice: number, pool: PoolHandle): void {
    this.#pools.free(pool as TlsfPool, slice);
  }
  /** A freed slice went back to the heap at once: nothing to give back. */
  slice_pool_shrink(): number {
    return 0;
  }

  /**
   * A heap block of at least `size` bytes, 8-aligned; zeroed with GFP_ZERO.
   * The zone bits are ignored: there is one heap.
   */
  galloc(flags: number, size: number): number {
    if (!Number.isInteger(size) || size < 0) {
      throw new InvalidArgumentError(`galloc: size ${size} is no number of bytes`);
    }
    if (size === 0) return ZERO_SIZE_PTR;
    const block = this.#heap.alloc(size);
    if (block !== 0 && (flags & GFP_ZERO) !== 0) this.board.fill32(block, Math.ceil(size / 4), 0);
    return block;
  }
  /** Back to the heap, merged at once; NULL and ZERO_SIZE_PTR do nothing. */
  gfree(addr: number): void {
    if (addr !== 0 && addr !== ZERO_SIZE_PTR) this.#heap.free(addr);
  }
  /** The block's size less its size word. */
  gsize(addr: number): number {
    return addr === ZERO_SIZE_PTR ? 0 : this.#heap.blockSize(addr) - BLOCK_OVERHEAD;
  }
  /** The block's size: its usable bytes and its size word. */
  gtaken(addr: number): number {
    return addr === ZERO_SIZE_PTR ? 0 : this.#heap.blockSize(addr);
  }
  /** pagepile's gshrink (its vmalloc's pools and tree), then the heap's wholly free areas. */
  gshrink(): number {
    return this.#kernel.gshrink() + this.#heap.shrink();
  }

  /** pagepile's virtual memory allocator. */
  vmalloc(size: number, options?: VmallocOptions): number {
    return this.#kernel.vmalloc(size, options);
  }
  /** pagepile's virtual memory allocator. */
  vfree(vaddr: number): void {
    this.#kernel.vfree(vaddr);
  }

  /**
   * pagepile's page and vmalloc figures (the heap's areas are pages in
   * use); the pools, then pagepile's own pools that hold slabs (those of
   * its vmalloc's records).
   */
  stats(): FirmwareStats {
    const kernel = this.#kernel.stats();
    return {
      pages: kernel.pages,
      slices: [
        ...this.#pools.records().map((record) => this.#pools.stats(record)),
        ...kernel.slices.filter((pool) => pool.slabs > 0),
      ],
      vm: kernel.vm,
    };
  }
  /** pagepile's page counts alone. */
  pageStats(): PageStats {
    return this.#kernel.pageStats();
  }
  /** A pool's figures, read through the debug port. */
  poolStats(pool: PoolHandle): PoolStats {
    return this.#pools.stats((pool as TlsfPool).record);
  }
  /** pagepile's count: the heap's areas and control page are pages in use. */
  pagesInUse(): number {
    return this.#kernel.pagesInUse();
  }
  /** pagepile's audit, and the heap's (inspect.ts). */
  audit(): string[] {
    return [...this.#kernel.audit(), ...auditHeap(this.board, this.#heap.control)];
  }
  /** pagepile's map, the heap's piles named as such. */
  pageMap(): PageMap {
    const areas = heapAreas(this.board, this.#heap.control);
    return relabelPageMap(this.#kernel.pageMap(), areas, this.#heap.control);
  }
}
