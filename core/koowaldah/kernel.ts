/**
 * The original Koowaldah allocators' API, with the reference document's
 * names, as the firmware of the design `koowaldah` (see design.ts for what
 * it changes from the original, and why).
 * @module
 */

import type { Board } from "../../hw/board.ts";
import { InvalidArgumentError } from "../errors.ts";
import { audit } from "./audit.ts";
import type { GenericAllocator } from "./generic_alloc.ts";
import { pageStatsOf, poolStatsOf, readPools } from "./inspect.ts";
import { type KoowaldahLayout, MAX_ORDER, MAX_SLICE_OBJ_SIZE, PageOwner } from "./layout.ts";
import type { PageAllocator } from "./page_alloc.ts";
import { readPageMap } from "./page_map.ts";
import { type SliceAllocator, SlicePool } from "./slice_alloc.ts";
import type {
  Firmware,
  FirmwareStats,
  KernelPart,
  PageMap,
  PageStats,
  PoolStats,
  SlicePoolOptions,
} from "../firmware.ts";

/** The allocators boot brought up, for the kernel to expose. */
export interface KoowaldahAllocators {
  /** The buddy page allocator. */
  pages: PageAllocator;
  /** The slice allocator. */
  slices: SliceAllocator;
  /** galloc. */
  generic: GenericAllocator;
}

/**
 * The running firmware of the design `koowaldah`. A "page" is the address
 * of a struct page in RAM, an "addr" the address of the page itself; NULL
 * is 0. It refuses almost nothing: a double free corrupts its lists, as in
 * the original. It has no vmalloc (no vmalloc or vfree method).
 * @example
 * ```ts
 * import { Board, DESIGNS, GFP_KERNEL } from "@pagepile/pagepile";
 * const koowaldah = DESIGNS.find((d) => d.name === "koowaldah")!;
 * const k = koowaldah.boot(new Board({ ramBytes: 1024 * 1024 }));
 * const pool = k.slice_pool_create(GFP_KERNEL, 40)!;
 * const slice = k.slice_alloc(pool);
 * k.slice_free(slice, pool);
 * k.slice_pool_recycle(pool);
 * ```
 */
export class KoowaldahKernel implements Firmware {
  /** The board the firmware runs on. */
  readonly board: Board;
  /** The original has no virtual memory allocator. */
  readonly unsupported: readonly KernelPart[] = ["vmalloc"];
  /** It has no debug options. */
  readonly debug = false;
  /** Slices and chunks are aligned to 4 bytes only (galloc's header is 4 bytes). */
  readonly align = 4;
  /**
   * A slice of a power-of-two size is aligned to its size: slices sit at
   * multiples of their size from the start of a one-page slab.
   */
  readonly powerOfTwoAlign = true;
  /** The largest object a slice pool takes: half a page less the bitmap's word. */
  readonly maxSliceSize: number = MAX_SLICE_OBJ_SIZE;
  readonly #layout: KoowaldahLayout;
  readonly #pages: PageAllocator;
  readonly #slices: SliceAllocator;
  readonly #generic: GenericAllocator;

  /**
   * Use `koowaldahDesign.boot` rather than this constructor.
   * @param board the board
   * @param layout the boot-time constants
   * @param allocators the allocators boot brought up
   */
  constructor(board: Board, layout: KoowaldahLayout, allocators: KoowaldahAllocators) {
    this.board = board;
    this.#layout = layout;
    this.#pages = allocators.pages;
    this.#slices = allocators.slices;
    this.#generic = allocators.generic;
  }

  /**
   * Allocates a pile of 2^order contiguous pages, aligned to its size.
   * @param flags GFP_ZERO zeroes it; the zone bits are ignored (one zone)
   * @param order 0..10
   * @returns the struct page of the pile's first page, or 0
   */
  alloc_pages(flags: number, order: number): number {
    if (!Number.isInteger(order) || order < 0 || order >= MAX_ORDER) {
      throw new InvalidArgumentError(`order ${order} is out of range 0..${MAX_ORDER - 1}`);
    }
    return this.#pages.alloc(flags, order, PageOwner.PAGES);
  }

  /**
   * Same as {@link alloc_pages}, but returns the first page's address.
   * @param flags GFP flags
   * @param order 0..10
   * @returns the pile's address, or 0
   */
  get_pages(flags: number, order: number): number {
    const page = this.alloc_pages(flags, order);
    return page === 0 ? 0 : this.#pages.pageToAddr(page);
  }

  /**
   * Allocates one page.
   * @param flags GFP flags
   * @returns its struct page, or 0
   */
  alloc_page(flags: number): number {
    return this.alloc_pages(flags, 0);
  }

  /**
   * Allocates one page.
   * @param flags GFP flags
   * @returns its address, or 0
   */
  get_page(flags: number): number {
    return this.get_pages(flags, 0);
  }

  /**
   * Frees a pile from {@link alloc_pages}: walks the free list of its order
   * for its buddy, and again one order up after each merge.
   * @param page the struct page of its first page
   */
  free_pages(page: number): void {
    this.#pages.free(page);
  }

  /**
   * Frees a pile, given its first page's address.
   * @param addr the pile's address
   */
  put_pages(addr: number): void {
    this.#pages.free(this.#pages.addrToPage(addr));
  }

  /**
   * Identical to {@link free_pages}.
   * @param page a struct page
   */
  free_page(page: number): void {
    this.free_pages(page);
  }

  /**
   * Identical to {@link put_pages}.
   * @param addr a page's address
   */
  put_page(addr: number): void {
    this.put_pages(addr);
  }

  /**
   * The address of the page a struct page describes.
   * @param page a struct page
   * @returns the page's address
   */
  page_to_addr(page: number): number {
    return this.#pages.pageToAddr(page);
  }

  /**
   * The struct page of the page holding `addr`.
   * @param addr a physical address
   * @returns the struct page, or 0 when it is not in RAM
   */
  addr_to_page(addr: number): number {
    return this.#pages.addrToPage(addr);
  }

  /**
   * Creates a pool of one-page slabs; its descriptor takes a page.
   * @param flags GFP_ZERO makes every slice zeroed; the zone bits are ignored
   * @param obj_size 1..2044 bytes (rounded up to 4)
   * @param options a name for statistics
   * @returns the pool, or null when obj_size is over 2044 or no page is free
   */
  slice_pool_create(
    flags: number,
    obj_size: number,
    options: SlicePoolOptions = {},
  ): SlicePool | null {
    const descriptor = this.#slices.create(flags, obj_size, options.name);
    return descriptor === 0 ? null : new SlicePool(descriptor);
  }

  /**
   * Shrinks a pool and gives its descriptor page back. Throws a
   * PoolBusyError while slices are live (the original stops the kernel).
   * @param pool the pool
   */
  slice_pool_recycle(pool: SlicePool): void {
    this.#slices.recycle(pool.descriptor);
  }

  /**
   * Gets a slice: the first clear bit of the first active page's bitmap.
   * @param pool the pool
   * @returns the slice's address, or 0 when no page is free
   */
  slice_alloc(pool: SlicePool): number {
    return this.#slices.alloc(pool.descriptor);
  }

  /**
   * Returns a slice, finding its page by walking the pool's page lists.
   * @param slice the slice's address
   * @param pool the pool it came from
   */
  slice_free(slice: number, pool: SlicePool): void {
    this.#slices.free(slice, pool.descriptor);
  }

  /**
   * Gives back the pool's active pages with no live slice.
   * @param pool the pool
   * @returns the pages given back
   */
  slice_pool_shrink(pool: SlicePool): number {
    return this.#slices.shrink(pool.descriptor);
  }

  /**
   * Allocates `size` bytes after a 4-byte header: from the pool of the next
   * power of two (4 B to 1 KiB), or from pages.
   * @param flags GFP_ZERO zeroes the chunk; the zone bits are ignored
   * @param size bytes (0 gets a 4-byte chunk)
   * @returns the chunk's address, or 0
   */
  galloc(flags: number, size: number): number {
    return this.#generic.alloc(flags, size);
  }

  /**
   * Frees a chunk from {@link galloc}, as its header says; NULL does nothing.
   * @param addr the chunk's address
   */
  gfree(addr: number): void {
    this.#generic.free(addr);
  }

  /**
   * The bytes a live chunk may use.
   * @param addr the chunk's address
   * @returns its usable size
   */
  gsize(addr: number): number {
    return this.#generic.size(addr);
  }

  /**
   * The bytes a live chunk takes: its slot (header included), or its pile.
   * @param addr the chunk's address
   * @returns bytes taken from the pool or the page allocator
   */
  gtaken(addr: number): number {
    return this.#generic.taken(addr);
  }

  /**
   * Shrinks galloc's nine pools.
   * @returns the pages given back
   */
  gshrink(): number {
    return this.#generic.shrink();
  }

  /** The page counts and every pool's figures, read through the debug port. */
  /** The page counts alone, read through the debug port. */
  pageStats(): PageStats {
    return pageStatsOf(this.board, this.#layout);
  }

  stats(): FirmwareStats {
    return {
      pages: pageStatsOf(this.board, this.#layout),
      slices: readPools(this.board, this.#layout, []).map((pool) =>
        poolStatsOf(this.board, this.#layout, pool)
      ),
    };
  }

  /**
   * One pool's figures, read through the debug port.
   * @param pool a live pool
   * @returns its line of slabinfo
   */
  poolStats(pool: SlicePool): PoolStats {
    const view = readPools(this.board, this.#layout, []).find((p) =>
      p.descriptor === pool.descriptor
    );
    if (view === undefined) {
      throw new InvalidArgumentError("poolStats: the pool is not on the list of pools");
    }
    return poolStatsOf(this.board, this.#layout, view);
  }

  /** Pages handed out, to callers and to the allocators' own use: one bus read. */
  pagesInUse(): number {
    return this.#pages.pagesInUse();
  }

  /** Checks the allocators' invariants, through the debug port. */
  audit(): string[] {
    return audit(this.board, this.#layout);
  }

  /** Who holds each page, through the debug port. */
  pageMap(): PageMap {
    return readPageMap(this.board, this.#layout);
  }
}
