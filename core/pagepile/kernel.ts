/**
 * The kernel's allocator API, with the names and semantics of the reference
 * document "Memory Management in Koowaldah".
 * @module
 */

import { readPageMap } from "./page_map.ts";
import { MAX_SLICE_SIZE } from "./slab_geometry.ts";
import { G_DEBUG_REPORTS } from "./layout.ts";
import type { Board } from "../../hw/board.ts";
import type { BootInfo } from "./boot.ts";
import type { GenericAllocator, GenericStats } from "./generic_alloc.ts";
import { PageOwner } from "./layout.ts";
import type { FreePile, PageAllocator } from "./page_alloc.ts";
import type { SliceAllocator, SlicePool } from "./slice_alloc.ts";
import type { VmAllocator } from "./vmalloc.ts";
import type {
  Firmware,
  FirmwareStats,
  PageMap,
  PageStats,
  PoolStats,
  SlicePoolOptions,
  VmallocOptions,
  VmStats,
} from "../firmware.ts";

/** Everything `stats()` reports: what every design reports, and more. */
export interface KernelStats extends FirmwareStats {
  /** The generic allocator's classes and large blocks. */
  generic: GenericStats;
  /** The virtual memory allocator's window and live areas, like /proc/vmallocinfo. */
  vm: VmStats;
}

/** The allocators boot brought up, for the Kernel to expose. */
export interface Allocators {
  /** The buddy page allocator. */
  pages: PageAllocator;
  /** The slice allocator. */
  slices: SliceAllocator;
  /** The generic allocator. */
  generic: GenericAllocator;
  /** The virtual memory allocator. */
  vm: VmAllocator;
}

/**
 * The running firmware, as `boot(board)` returns it. A "page" is the physical
 * address of a struct page in RAM; an "addr" is the physical address of the
 * page itself; NULL is 0. Allocations that cannot be served return 0 (a pool
 * creation, null). Misuse raises a {@link KernelError} subclass and changes
 * no allocator state.
 *
 * @example
 * ```ts
 * import { Board, boot, GFP_KERNEL } from "@pagepile/pagepile";
 * const k = boot(new Board({ ramBytes: 1024 * 1024 }));
 * const page = k.alloc_pages(GFP_KERNEL, 3); // 8 pages
 * const addr = k.page_to_addr(page);
 * console.log(k.addr_to_page(addr) === page); // true
 * k.free_pages(page);
 *
 * const pool = k.slice_pool_create(GFP_KERNEL, 40, { name: "inode" })!;
 * const slice = k.slice_alloc(pool);
 * k.slice_free(slice, pool);
 * k.slice_pool_recycle(pool);
 *
 * const block = k.galloc(GFP_KERNEL, 100); // from the 112-byte class
 * console.log(k.gsize(block)); // 112
 * k.gfree(block);
 * ```
 */
export class Kernel implements Firmware {
  /** The board the firmware runs on. */
  readonly board: Board;
  /** What the firmware read from the system-information registers. */
  readonly bootInfo: BootInfo;
  /** Whether it booted with the debug options. */
  readonly debug: boolean;
  /** Slices of a power-of-two size up to a page are aligned to their size. */
  readonly powerOfTwoAlign = true;
  /** The largest object a slice pool takes. */
  readonly maxSliceSize: number = MAX_SLICE_SIZE;
  readonly #pages: PageAllocator;
  readonly #slices: SliceAllocator;
  readonly #generic: GenericAllocator;
  readonly #vm: VmAllocator;

  /**
   * Use {@link boot} rather than this constructor.
   * @param board the board
   * @param bootInfo what boot read from the board
   * @param allocators the allocators boot brought up
   */
  constructor(board: Board, bootInfo: BootInfo, allocators: Allocators) {
    this.board = board;
    this.bootInfo = bootInfo;
    this.debug = bootInfo.debug;
    this.#pages = allocators.pages;
    this.#slices = allocators.slices;
    this.#generic = allocators.generic;
    this.#vm = allocators.vm;
  }

  /**
   * Allocates a pile of 2^order physically contiguous pages.
   * @param flags GFP flags: zone bits and GFP_ZERO
   * @param order 0..10
   * @returns the struct page of the pile's first page, or 0
   */
  alloc_pages(flags: number, order: number): number {
    return this.#pages.alloc(flags, order, PageOwner.PAGES);
  }

  /**
   * Same as {@link alloc_pages}, but returns the first page's address.
   * @param flags GFP flags
   * @param order 0..10
   * @returns the pile's physical address, or 0
   */
  get_pages(flags: number, order: number): number {
    const page = this.alloc_pages(flags, order);
    return page === 0 ? 0 : this.#pages.pageToAddr(page);
  }

  /**
   * Allocates exactly one page.
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
   * Frees a pile allocated with {@link alloc_pages} or {@link get_pages}.
   * @param page the struct page of the pile's first page
   */
  free_pages(page: number): void {
    this.#pages.free(page, PageOwner.PAGES);
  }

  /**
   * Frees a pile, given its first page's address.
   * @param addr the pile's physical address
   */
  put_pages(addr: number): void {
    this.#pages.free(this.#pages.pageStarting(addr, "pile"), PageOwner.PAGES);
  }

  /**
   * Identical to {@link free_pages}; exists for completeness.
   * @param page a struct page
   */
  free_page(page: number): void {
    this.free_pages(page);
  }

  /**
   * Identical to {@link put_pages}; exists for completeness.
   * @param addr a page address
   */
  put_page(addr: number): void {
    this.put_pages(addr);
  }

  /**
   * The address of the page a struct page describes.
   * @param page a struct page
   * @returns the page's physical address
   */
  page_to_addr(page: number): number {
    return this.#pages.pageToAddr(page);
  }

  /**
   * The struct page describing the page that holds `addr`.
   * @param addr any physical address in RAM
   * @returns the struct page
   */
  addr_to_page(addr: number): number {
    return this.#pages.addrToPage(addr);
  }

  /**
   * Creates a pool to allocate slices of `obj_size` bytes from. Slices are
   * aligned to 8 bytes (4 for sizes under 8), and a power-of-two size up to
   * the page size to itself.
   * @param flags GFP flags for the pool's slabs; GFP_ZERO makes every slice zeroed
   * @param obj_size 1..32768 bytes
   * @param options a name for statistics
   * @returns the pool's handle, or null when no memory is left for its record
   */
  slice_pool_create(
    flags: number,
    obj_size: number,
    options: SlicePoolOptions = {},
  ): SlicePool | null {
    return this.#slices.createPool(flags, obj_size, options.name, options.debug);
  }

  /**
   * Destroys a pool, giving back all its memory, record included. Refused
   * with a {@link PoolBusyError} (which says how many) while slices are live.
   * @param pool the pool
   */
  slice_pool_recycle(pool: SlicePool): void {
    this.#slices.recycle(pool);
  }

  /**
   * Gets a slice from the pool.
   * @param pool the pool
   * @param owner a 32-bit tag a debug pool keeps with the slice and prints in
   *   its reports (a caller's address, as SLUB keeps one); ignored otherwise
   * @returns the slice's address, or 0 when no memory is left for a new slab
   */
  slice_alloc(pool: SlicePool, owner = 0): number {
    return this.#slices.alloc(pool, owner);
  }

  /**
   * Returns a slice to its pool. O(1): the slab is found through the
   * slice's struct page. Refused, changing nothing, when the slice is not a
   * live slice of this pool.
   * @param slice the slice's address
   * @param pool the pool it came from
   */
  slice_free(slice: number, pool: SlicePool): void {
    this.#slices.free(pool, slice);
  }

  /**
   * Gives the pool's slabs with no live slice back to the page allocator:
   * none, since a slab goes back as it empties (onto the page allocator's
   * hot list). The pool is checked all the same.
   * @param pool the pool
   * @returns the number of pages given back: 0
   */
  slice_pool_shrink(pool: SlicePool): number {
    this.#slices.checkPool(pool);
    return 0;
  }

  /**
   * Allocates `size` bytes: up to 8192 from a size class, larger as whole
   * pages. `galloc(flags, 0)` returns ZERO_SIZE_PTR (0x10): not NULL, no
   * block, and any access through it faults; `gfree` accepts it.
   * @param flags GFP flags: zone bits (GFP_DMA for DMA memory) and GFP_ZERO
   * @param size bytes
   * @param owner with the debug boot option, a 32-bit tag kept with a class
   *   block and printed in its reports; ignored otherwise
   * @returns the block's address, or 0 when memory is short
   */
  galloc(flags: number, size: number, owner = 0): number {
    return this.#generic.alloc(flags, size, owner);
  }

  /**
   * How many problems the debug options found since boot: red zones
   * overwritten, poison overwritten in freed slices or pages. Each is printed
   * on the console (`board.console.text()`), starting "pagepile: BUG ".
   * @example
   * ```ts
   * import { Board, boot, GFP_KERNEL } from "@pagepile/pagepile";
   * const k = boot(new Board({ ramBytes: 1024 * 1024 }), { debug: true });
   * const block = k.galloc(GFP_KERNEL, 24, 7);
   * k.board.write8(block + 24, 0); // one byte past a 24-byte block
   * k.gfree(block);
   * console.log(k.debugReports()); // 1
   * ```
   */
  debugReports(): number {
    return this.board.read32(this.bootInfo.ramBase + G_DEBUG_REPORTS);
  }

  /**
   * Frees a block from {@link galloc}. NULL and ZERO_SIZE_PTR are accepted
   * and do nothing; anything else that does not start a live block is refused.
   * @param addr the block's address
   */
  gfree(addr: number): void {
    this.#generic.free(addr);
  }

  /**
   * The usable size of a live block: its class size, or its pages' bytes.
   * @param addr the block's address
   * @returns bytes the caller may use (0 for ZERO_SIZE_PTR)
   */
  gsize(addr: number): number {
    return this.#generic.size(addr);
  }

  /**
   * Merges the page allocator's hot piles (the slabs given back as they
   * emptied) into its free lists, so that large piles form again, and gives
   * back, when no vmalloc area is live, the virtual memory allocator's tree
   * and page directory.
   * @returns the pages merged and given back
   */
  gshrink(): number {
    return this.#vm.shrink() + this.#pages.drainHot();
  }

  /**
   * Maps `size` bytes of physically scattered pages at consecutive virtual
   * addresses in the vmalloc window, followed by an unmapped guard page.
   * Virtual accesses go through the MMU: `board.vread32(addr)`.
   * @param size bytes (rounded up to whole pages)
   * @param options a caller tag for vmallocinfo
   * @returns the area's first virtual address, or 0 when memory or window
   *   space is short (then nothing stays taken) or size is 0
   */
  vmalloc(size: number, options: VmallocOptions = {}): number {
    return this.#vm.alloc(size, options.caller ?? "");
  }

  /**
   * Unmaps an area, flushes it from the TLB and gives every page back.
   * Refused, changing nothing, unless `vaddr` starts a live area.
   * @param vaddr the area's first virtual address
   */
  vfree(vaddr: number): void {
    this.#vm.free(vaddr);
  }

  /** The allocators' statistics, read from their state in RAM. */
  stats(): KernelStats {
    return {
      pages: this.#pages.stats(),
      slices: this.#slices.pools().map((record) => this.#slices.poolStats(record)),
      generic: this.#generic.stats(),
      vm: this.#vm.stats(),
    };
  }

  /** The page counts alone, as `stats().pages` has them, without reading every pool. */
  pageStats(): PageStats {
    return this.#pages.stats();
  }

  /**
   * Pages the allocators hold, for any caller or for their own slabs: all
   * pages but the free ones and the firmware's. Two bus reads.
   */
  pagesInUse(): number {
    return this.#pages.usedPages();
  }

  /**
   * One pool's figures, as `stats().slices` has them, without reading the others.
   * @param pool a live pool
   * @returns its line of slabinfo
   */
  poolStats(pool: SlicePool): PoolStats {
    return this.#slices.poolStats(this.#slices.checkPool(pool));
  }

  /**
   * Who holds each page of RAM, read through the board's debug port: no bus
   * cycles, nothing changed. The replay report draws it.
   * @returns runs of pages with the same holder, tiling RAM
   * @example
   * ```ts
   * import { Board, boot, GFP_KERNEL } from "@pagepile/pagepile";
   * const k = boot(new Board({ ramBytes: 1024 * 1024 }));
   * k.alloc_pages(GFP_KERNEL, 2);
   * const map = k.pageMap();
   * console.log(map.holders.some((h) => h.label === "alloc_pages, order 2")); // true
   * ```
   */
  pageMap(): PageMap {
    return readPageMap(this.board, this.#pages.layout);
  }

  /** Every free pile, as the free lists in RAM hold them. */
  freePiles(): FreePile[] {
    return this.#pages.freePiles();
  }

  /**
   * Checks every allocator's invariants against its state in RAM: buddy
   * tiling and free lists, slab lists, counts and bitmaps, large-block counts.
   * @returns a description of each broken invariant; empty when all hold
   */
  audit(): string[] {
    const problems = this.#pages.audit();
    const piles = this.#pages.allocatedPiles();
    this.#slices.audit(piles, problems);
    this.#generic.audit(piles, problems);
    this.#vm.audit(problems);
    return problems;
  }
}
