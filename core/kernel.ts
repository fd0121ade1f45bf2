/**
 * The kernel's allocator API, with the names and semantics of the reference
 * document "Memory Management in Koowaldah".
 * @module
 */

import type { Board } from "../hw/board.ts";
import type { BootInfo } from "./boot.ts";
import { InvalidFreeError } from "./errors.ts";
import { PageOwner } from "./layout.ts";
import type { FreePile, PageAllocator, PageStats } from "./page_alloc.ts";
import { hex32 } from "../hw/hex.ts";

/** Everything `stats()` reports. */
export interface KernelStats {
  /** The page allocator's counts, like /proc/buddyinfo. */
  pages: PageStats;
}

/**
 * The running firmware, as `boot(board)` returns it. A "page" is the physical
 * address of a struct page in RAM; an "addr" is the physical address of the
 * page itself; NULL is 0. Allocations that cannot be served return 0. Misuse
 * raises a {@link KernelError} subclass and changes no allocator state.
 *
 * @example
 * ```ts
 * import { Board, boot, GFP_KERNEL } from "@pagepile/pagepile";
 * const k = boot(new Board({ ramBytes: 1024 * 1024 }));
 * const page = k.alloc_pages(GFP_KERNEL, 3); // 8 pages
 * const addr = k.page_to_addr(page);
 * console.log(k.addr_to_page(addr) === page); // true
 * k.free_pages(page);
 * ```
 */
export class Kernel {
  /** The board the firmware runs on. */
  readonly board: Board;
  /** What the firmware read from the system-information registers. */
  readonly bootInfo: BootInfo;
  readonly #pages: PageAllocator;

  /**
   * Use {@link boot} rather than this constructor.
   * @param board the board
   * @param bootInfo what boot read from the board
   * @param pages the page allocator boot brought up
   */
  constructor(board: Board, bootInfo: BootInfo, pages: PageAllocator) {
    this.board = board;
    this.bootInfo = bootInfo;
    this.#pages = pages;
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
    const page = this.#pages.addrToPage(addr);
    if (this.#pages.pageToAddr(page) !== addr) {
      throw new InvalidFreeError(
        `address ${hex32(addr)} is not page-aligned, so it starts no pile`,
        addr,
      );
    }
    this.#pages.free(page, PageOwner.PAGES);
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

  /** The allocators' statistics, read from their state in RAM. */
  stats(): KernelStats {
    return { pages: this.#pages.stats() };
  }

  /** Every free pile, as the free lists in RAM hold them. */
  freePiles(): FreePile[] {
    return this.#pages.freePiles();
  }

  /**
   * Checks every allocator's invariants against its state in RAM.
   * @returns a description of each broken invariant; empty when all hold
   */
  audit(): string[] {
    return this.#pages.audit();
  }
}
