/**
 * The original's generic allocator (kernel/galloc.c): nine slice pools whose
 * slices carry a 4-byte chunk header before a payload of 4 << i bytes, and
 * whole piles of pages for anything larger.
 *
 * galloc rounds the size up to 4 bytes, then picks pool i = ceil(log2(size
 * / 4)): slots of 8, 12, 20, 36, 68, 132, 260, 516 and 1028 bytes for
 * payloads of 4 B to 1 KiB. Larger requests take the pile of 2^k pages with
 * k = ceil(log2(pages of size + 4)), the header at its start. The header
 * (origin, info) is all gfree needs: which pool (info = its index), or which
 * order of pile.
 * @module
 */

import type { Board } from "../../hw/board.ts";
import { hex32 } from "../../hw/hex.ts";
import { InvalidArgumentError, InvalidFreeError } from "../errors.ts";
import { GFP_ZERO } from "../gfp.ts";
import {
  CHUNK_HEADER_BYTES,
  CI_INFO,
  CI_ORIGIN,
  G_GALLOC_POOLS,
  GALLOC_MIN_CHUNK,
  GALLOC_POOLS,
  type KoowaldahLayout,
  ORIGIN_PAGES,
  ORIGIN_SLICE,
  PAGE_SIZE,
  PageOwner,
} from "./layout.ts";
import type { PageAllocator } from "./page_alloc.ts";
import type { SliceAllocator } from "./slice_alloc.ts";

/**
 * The original's log2: the smallest k with 2^k >= n (0 for n <= 1).
 * @param n a positive integer
 * @returns ceil(log2(n))
 */
export function ceilLog2(n: number): number {
  let k = 0;
  while (2 ** k < n) k++;
  return k;
}

/**
 * The slot size of galloc pool i: its payload, 4 << i bytes, and the header.
 * @param i 0..8
 * @returns bytes per slice of the pool
 */
export function gallocSlotSize(i: number): number {
  return (GALLOC_MIN_CHUNK << i) + CHUNK_HEADER_BYTES;
}

/** The generic allocator. Internal: the kernel exposes it with the document's names. */
export class GenericAllocator {
  readonly #bus: Board;
  readonly #pages: PageAllocator;
  readonly #slices: SliceAllocator;
  readonly #pools: number;

  /**
   * @param bus the board the firmware runs on
   * @param pages the page allocator, for large chunks
   * @param slices the slice allocator, for the pools
   * @param layout the boot-time constants
   */
  constructor(bus: Board, pages: PageAllocator, slices: SliceAllocator, layout: KoowaldahLayout) {
    this.#bus = bus;
    this.#pages = pages;
    this.#slices = slices;
    this.#pools = layout.globals + G_GALLOC_POOLS;
  }

  /** galloc_init: creates the nine pools (their descriptors take a page each). */
  init(): void {
    for (let i = 0; i < GALLOC_POOLS; i++) {
      const pool = this.#slices.create(0, gallocSlotSize(i), `galloc-${GALLOC_MIN_CHUNK << i}`);
      if (pool === 0) throw new Error("galloc_init: failed to allocate slice pool");
      this.#bus.write32(this.#pools + i * 4, pool);
    }
  }

  /**
   * galloc: a chunk from pool ceil(log2(size / 4)), or from pages when no
   * pool is that large or the pool has no page left.
   * @param flags GFP flags: GFP_ZERO zeroes the chunk (the zone bits are ignored: one zone)
   * @param size bytes; 0 counts as 4
   * @returns the chunk's address (after its header), or 0
   */
  alloc(flags: number, size: number): number {
    if (!Number.isInteger(size) || size < 0) {
      throw new InvalidArgumentError(`galloc size ${size} is not a byte count`);
    }
    const rounded = Math.ceil(Math.max(size, GALLOC_MIN_CHUNK) / GALLOC_MIN_CHUNK) *
      GALLOC_MIN_CHUNK;
    const chunk = this.#fromSlice(flags, rounded);
    return chunk !== 0 ? chunk : this.#fromPages(flags, rounded);
  }

  /**
   * gfree: reads the chunk's header and gives the chunk back to its pool,
   * or its pile to the page allocator. A header of neither origin stops the
   * original kernel; here it is refused.
   * @param chunk an address galloc returned; 0 does nothing
   */
  free(chunk: number): void {
    if (chunk === 0) return;
    const header = chunk - CHUNK_HEADER_BYTES;
    switch (this.#bus.read8(header + CI_ORIGIN)) {
      case ORIGIN_SLICE:
        this.#slices.free(
          header,
          this.#bus.read32(this.#pools + this.#bus.read16(header + CI_INFO) * 4),
        );
        return;
      case ORIGIN_PAGES:
        this.#pages.free(this.#pages.addrToPage(header));
        return;
      default:
        throw new InvalidFreeError(`gfree: ${hex32(chunk)} has no chunk header`, chunk);
    }
  }

  /**
   * The bytes a live chunk may use, from its header: the pool's payload, or
   * the pile's bytes, less the header. Not in the original.
   * @param chunk an address galloc returned
   * @returns its usable size
   */
  size(chunk: number): number {
    return this.taken(chunk) - CHUNK_HEADER_BYTES;
  }

  /**
   * The bytes a live chunk takes, from its header: its pool's slot, or its
   * pile. Not in the original.
   * @param chunk an address galloc returned
   * @returns its size with its header
   */
  taken(chunk: number): number {
    const header = chunk - CHUNK_HEADER_BYTES;
    const origin = this.#bus.read8(header + CI_ORIGIN);
    const info = this.#bus.read16(header + CI_INFO);
    return origin === ORIGIN_SLICE ? gallocSlotSize(info) : PAGE_SIZE << info;
  }

  /**
   * Shrinks the nine pools (slice_pool_shrink on each). Not in the original.
   * @returns the pages given back
   */
  shrink(): number {
    let given = 0;
    for (let i = 0; i < GALLOC_POOLS; i++) {
      given += this.#slices.shrink(this.#bus.read32(this.#pools + i * 4));
    }
    return given;
  }

  /** galloc_from_slice: 0 when no pool is that large (the original's `>` meant `>=`). */
  #fromSlice(flags: number, size: number): number {
    const i = ceilLog2(size / GALLOC_MIN_CHUNK);
    if (i >= GALLOC_POOLS) return 0;
    const header = this.#slices.alloc(this.#bus.read32(this.#pools + i * 4));
    if (header === 0) return 0;
    this.#bus.write8(header + CI_ORIGIN, ORIGIN_SLICE);
    this.#bus.write16(header + CI_INFO, i);
    const chunk = header + CHUNK_HEADER_BYTES;
    // Not in the original, whose flags only choose a zone.
    if (flags & GFP_ZERO) this.#bus.fill32(chunk, (GALLOC_MIN_CHUNK << i) / 4, 0);
    return chunk;
  }

  /** galloc_from_pages: the header at the start of a pile (get_pages zeroes it for GFP_ZERO). */
  #fromPages(flags: number, size: number): number {
    const order = ceilLog2(Math.ceil((size + CHUNK_HEADER_BYTES) / PAGE_SIZE));
    // get_pages: the original dereferences NULL when alloc_pages fails.
    const page = this.#pages.alloc(flags, order, PageOwner.GALLOC);
    if (page === 0) return 0;
    const header = this.#pages.pageToAddr(page);
    this.#bus.write8(header + CI_ORIGIN, ORIGIN_PAGES);
    this.#bus.write16(header + CI_INFO, order);
    return header + CHUNK_HEADER_BYTES;
  }
}
