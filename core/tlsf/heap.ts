/**
 * The TLSF heap: free blocks on segregated lists found through two bitmaps,
 * boundary tags, immediate coalescing, and areas of pages from pagepile's
 * page allocator that the heap grows by and gives back. Records: layout.ts;
 * the size-to-list map: size_index.ts.
 *
 * Allocation finds a fitting free block with at most three bitmap reads and
 * two find-first-sets, takes it off its list, and splits off the rest as a
 * new free block. Free reads the block's size word, the next block's (it
 * starts where this one ends) and, when PREV_FREE says the block below is
 * free, that block's boundary tag; it merges with both free neighbours and
 * puts the result on its list. No step loops over blocks or lists, so each
 * call makes a bounded number of bus accesses (design.ts counts them).
 * @module
 */

import type { Board } from "../../hw/board.ts";
import { PAGE_SIZE } from "../../hw/memory_map.ts";
import { GFP_KERNEL } from "../gfp.ts";
import type { Kernel } from "../pagepile/kernel.ts";
import {
  AREA_OVERHEAD,
  B_NEXT_FREE,
  B_PAYLOAD,
  B_PREV_FREE,
  B_PREV_PHYS,
  B_SIZE,
  C_AREAS,
  C_FL_BITMAP,
  C_HEADS,
  C_SL_BITMAPS,
  CONTROL_BYTES,
  FREE,
  LIST_COUNT,
  MAX_BLOCK,
  MIN_AREA_BYTES,
  MIN_AREA_ORDER,
  MIN_BLOCK,
  PREV_FREE,
  S_BYTES,
  S_NEXT,
  S_PREV,
  SIZE_MASK,
  SL_COUNT,
  SL_LOG2,
} from "./layout.ts";
import { blockSizeFor, listOf, lowestBit, searchList } from "./size_index.ts";

/** What the heap asks of pagepile's page allocator: piles by address. */
export type PageSource = Pick<Kernel, "get_pages" | "put_pages">;

/** A TLSF heap whose control block is at a fixed address; the handle holds nothing else. */
export class TlsfHeap {
  readonly #bus: Board;
  readonly #pages: PageSource;
  /** The control block's address: the only thing kept outside RAM. */
  readonly control: number;

  /**
   * A heap over a control block {@link format} laid out.
   * @param bus the board
   * @param pages where areas come from and go back to
   * @param control the control block's address
   */
  constructor(bus: Board, pages: PageSource, control: number) {
    this.#bus = bus;
    this.#pages = pages;
    this.control = control;
  }

  /** Clears the control block: no area, no pool, every list empty. */
  format(): void {
    this.#bus.fill32(this.control, CONTROL_BYTES / 4, 0);
  }

  /**
   * Allocates a block with at least `bytes` usable bytes, 8-aligned. When no
   * free block fits, the heap grows by an area first.
   * @param bytes bytes asked for, 1 or more
   * @returns the payload's address, or 0 when memory is short
   */
  alloc(bytes: number): number {
    const size = blockSizeFor(bytes);
    if (size > MAX_BLOCK) return 0;
    const list = searchList(size);
    // A rounded size past the last list fits no listed block, but may fit a new area.
    let block = list < LIST_COUNT ? this.#takeFitting(list) : 0;
    if (block === 0) block = this.#grow(size);
    if (block === 0) return 0;
    this.#use(block, size);
    return block + B_PAYLOAD;
  }

  /**
   * Frees a block, merged at once with its free neighbours. When that makes
   * an area of more than MIN_AREA_BYTES wholly free (a block over 64 KiB
   * made the heap take it), the area goes back to the page allocator at once.
   * @param payload what {@link alloc} returned
   */
  free(payload: number): void {
    const bus = this.#bus;
    let block = payload - B_PAYLOAD;
    const word = bus.read32(block + B_SIZE);
    let size = word & SIZE_MASK;
    const next = block + size;
    const nextWord = bus.read32(next + B_SIZE);
    if ((nextWord & FREE) !== 0) {
      this.#remove(next, listOf(nextWord & SIZE_MASK));
      size += nextWord & SIZE_MASK;
    }
    if ((word & PREV_FREE) !== 0) {
      const prev = bus.read32(block + B_PREV_PHYS);
      const prevSize = bus.read32(prev + B_SIZE) & SIZE_MASK;
      this.#remove(prev, listOf(prevSize));
      block = prev;
      size += prevSize;
    }
    const above = block + size;
    const aboveWord = bus.read32(above + B_SIZE);
    if ((aboveWord & SIZE_MASK) === 0) {
      // The sentinel: the block is wholly free if it spans the area.
      const bytes = bus.read32(above + S_BYTES);
      if (bytes > MIN_AREA_BYTES && size === bytes - AREA_OVERHEAD) {
        this.#unlinkArea(above);
        this.#pages.put_pages(block);
        return;
      }
    }
    // The block below is used now (or there is none): PREV_FREE stays clear.
    bus.write32(block + B_SIZE, size | FREE);
    bus.write32(above + B_SIZE, aboveWord | PREV_FREE);
    bus.write32(above + B_PREV_PHYS, block);
    this.#insert(block, listOf(size));
  }

  /**
   * Bytes a live block takes from the heap, its size word included.
   * @param payload what {@link alloc} returned
   * @returns the block's size
   */
  blockSize(payload: number): number {
    return this.#bus.read32(payload - B_PAYLOAD + B_SIZE) & SIZE_MASK;
  }

  /**
   * Gives every wholly free area back to the page allocator: one whose first
   * block is free and spans it. Walks the list of areas, O(areas).
   * @returns the pages given back
   */
  shrink(): number {
    const bus = this.#bus;
    let given = 0;
    let sentinel = bus.read32(this.control + C_AREAS);
    while (sentinel !== 0) {
      const next = bus.read32(sentinel + S_NEXT);
      const bytes = bus.read32(sentinel + S_BYTES);
      const span = bytes - AREA_OVERHEAD;
      const start = sentinel - span;
      if (bus.read32(start + B_SIZE) === (span | FREE)) {
        this.#remove(start, listOf(span));
        this.#unlinkArea(sentinel);
        this.#pages.put_pages(start);
        given += bytes / PAGE_SIZE;
      }
      sentinel = next;
    }
    return given;
  }

  /**
   * Takes the head of the first non-empty list at or above `list` off it:
   * the second-level bitmap of `list`'s first level, masked from `list` on;
   * if that is empty, the first-level bitmap masked above it, and the
   * second-level bitmap of the first level found.
   * @returns the block, or 0 when every such list is empty
   */
  #takeFitting(list: number): number {
    const bus = this.#bus;
    let fl = list >>> SL_LOG2;
    let slMap = bus.read32(this.#slBitmap(fl)) & (~0 << (list & (SL_COUNT - 1)));
    if (slMap === 0) {
      const flMap = bus.read32(this.control + C_FL_BITMAP) & (~0 << (fl + 1));
      if (flMap === 0) return 0;
      fl = lowestBit(flMap);
      slMap = bus.read32(this.#slBitmap(fl));
    }
    const found = fl * SL_COUNT + lowestBit(slMap);
    const block = bus.read32(this.#head(found));
    this.#remove(block, found);
    return block;
  }

  /**
   * Hands out free block `block`, already off its list, as a used block of
   * `size` bytes: what is left, if it can be a block, becomes a free block
   * above it; otherwise the whole block is used.
   */
  #use(block: number, size: number): void {
    const bus = this.#bus;
    // A free block's PREV_FREE is clear: the block below it is used.
    const whole = bus.read32(block + B_SIZE) & SIZE_MASK;
    const rest = whole - size;
    if (rest >= MIN_BLOCK) {
      bus.write32(block + B_SIZE, size);
      bus.write32(block + size + B_SIZE, rest | FREE);
      // The block above keeps PREV_FREE; its boundary tag now names the rest.
      bus.write32(block + whole + B_PREV_PHYS, block + size);
      this.#insert(block + size, listOf(rest));
    } else {
      bus.write32(block + B_SIZE, whole);
      const above = bus.read32(block + whole + B_SIZE);
      bus.write32(block + whole + B_SIZE, above & ~PREV_FREE);
    }
  }

  /**
   * Takes an area from the page allocator with room for a block of `size`:
   * 2^MIN_AREA_ORDER pages or the fewest that hold it, or, when the page
   * allocator cannot give that many, down to the fewest; pushes it on the
   * list of areas and lays it out as one free block (on no list) before its
   * sentinel.
   * @returns the free block, or 0 when no pile is to be had
   */
  #grow(size: number): number {
    const bus = this.#bus;
    let fewest = 0;
    while ((PAGE_SIZE << fewest) < size + AREA_OVERHEAD) fewest++;
    let order = Math.max(fewest, MIN_AREA_ORDER);
    let area = this.#pages.get_pages(GFP_KERNEL, order);
    while (area === 0 && order > fewest) area = this.#pages.get_pages(GFP_KERNEL, --order);
    if (area === 0) return 0;
    const bytes = PAGE_SIZE << order;
    const sentinel = area + bytes - AREA_OVERHEAD;
    const head = bus.read32(this.control + C_AREAS);
    bus.write32(sentinel + S_NEXT, head);
    bus.write32(sentinel + S_PREV, 0);
    if (head !== 0) bus.write32(head + S_PREV, sentinel);
    bus.write32(this.control + C_AREAS, sentinel);
    bus.write32(sentinel + S_BYTES, bytes);
    bus.write32(area + B_SIZE, (sentinel - area) | FREE);
    bus.write32(sentinel + B_PREV_PHYS, area);
    bus.write32(sentinel + B_SIZE, PREV_FREE); // size 0, used
    return area;
  }

  /** Takes the area whose sentinel is `sentinel` off the list of areas. */
  #unlinkArea(sentinel: number): void {
    const bus = this.#bus;
    const next = bus.read32(sentinel + S_NEXT);
    const prev = bus.read32(sentinel + S_PREV);
    if (next !== 0) bus.write32(next + S_PREV, prev);
    bus.write32(prev !== 0 ? prev + S_NEXT : this.control + C_AREAS, next);
  }

  /** Pushes free block `block` on list `list`; the list's bits are set if it was empty. */
  #insert(block: number, list: number): void {
    const bus = this.#bus;
    const head = bus.read32(this.#head(list));
    bus.write32(block + B_NEXT_FREE, head);
    bus.write32(block + B_PREV_FREE, 0);
    if (head !== 0) bus.write32(head + B_PREV_FREE, block);
    bus.write32(this.#head(list), block);
    if (head === 0) {
      const fl = list >>> SL_LOG2;
      const slBitmap = this.#slBitmap(fl);
      bus.write32(slBitmap, bus.read32(slBitmap) | (1 << (list & (SL_COUNT - 1))));
      const flBitmap = this.control + C_FL_BITMAP;
      bus.write32(flBitmap, bus.read32(flBitmap) | (1 << fl));
    }
  }

  /** Unlinks free block `block` from list `list`; the list's bits are cleared if it empties. */
  #remove(block: number, list: number): void {
    const bus = this.#bus;
    const next = bus.read32(block + B_NEXT_FREE);
    const prev = bus.read32(block + B_PREV_FREE);
    if (next !== 0) bus.write32(next + B_PREV_FREE, prev);
    if (prev !== 0) {
      bus.write32(prev + B_NEXT_FREE, next);
      return;
    }
    bus.write32(this.#head(list), next);
    if (next !== 0) return;
    const fl = list >>> SL_LOG2;
    const slBitmap = this.#slBitmap(fl);
    const slMap = bus.read32(slBitmap) & ~(1 << (list & (SL_COUNT - 1)));
    bus.write32(slBitmap, slMap);
    if (slMap === 0) {
      const flBitmap = this.control + C_FL_BITMAP;
      bus.write32(flBitmap, bus.read32(flBitmap) & ~(1 << fl));
    }
  }

  #head(list: number): number {
    return this.control + C_HEADS + list * 4;
  }

  #slBitmap(fl: number): number {
    return this.control + C_SL_BITMAPS + fl * 4;
  }
}
