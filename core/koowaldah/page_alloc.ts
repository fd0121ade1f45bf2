/**
 * The original's page allocator (kernel/page_alloc.c): a buddy allocator
 * over one zone, whose state — the struct page array and the zone's free
 * lists — lives in board RAM.
 *
 * The idea it depends on: a free pile of order n at index i can merge with
 * the pile of the same order 2^n pages before it, when that one starts at an
 * index aligned to 2^(n+1), or with the one 2^n pages after it, when i is so
 * aligned. Nothing in a struct page says "free", so free_pages finds the
 * buddy by walking the free list of order n from its start, comparing
 * addresses: its cost grows with the length of that list. Allocation takes
 * the first pile of the lowest non-empty level >= n and splits it, putting
 * the lower halves on the front of the lower levels and handing out the top
 * piece.
 * @module
 */

import type { Board } from "../../hw/board.ts";
import { CONSOLE_TX } from "../../hw/console_uart.ts";
import { CONSOLE_BASE } from "../../hw/memory_map.ts";
import { GFP_ZERO } from "../gfp.ts";
import {
  listEmpty,
  listInit,
  listNext,
  listPushBack,
  listPushFront,
  listUnlink,
} from "./klist0.ts";
import {
  allocLevel,
  G_ZONE_LIST,
  idxOrder,
  type KoowaldahLayout,
  MAX_ORDER,
  NOPAGE_ADDR,
  ORDER_MASK,
  OWNER_SHIFT,
  PAGE_SHIFT,
  PAGE_SIZE,
  PAGE_STRUCT_BYTES,
  PG_AREA_LIST,
  PG_INDEX,
  PG_LIST,
  PG_ORDER,
  PG_VIRT,
  PG_ZONE,
  Z_BASE,
  Z_FREE_PAGES,
  Z_LIST,
  Z_TOTAL_PAGES,
} from "./layout.ts";

/** The buddy allocator. Internal: the kernel exposes it with the document's names. */
export class PageAllocator {
  readonly #bus: Board;
  /** Boot-time constants. */
  readonly layout: KoowaldahLayout;

  /**
   * @param bus the board the firmware runs on
   * @param layout the boot-time constants
   */
  constructor(bus: Board, layout: KoowaldahLayout) {
    this.#bus = bus;
    this.layout = layout;
  }

  /**
   * mem_zone_init: writes every struct page, empties the free lists, and
   * puts the pages after the consumed ones on them, each pile as large as
   * its index's alignment and the pages left allow, at the back of its
   * level. Then links the zone on the list of zones.
   */
  init(): void {
    const bus = this.#bus;
    const { ramBase, nrPages, reservedPages, zone, globals } = this.layout;
    bus.write32(zone + Z_BASE, ramBase);
    bus.write32(zone + Z_TOTAL_PAGES, nrPages);
    for (let index = 0; index < nrPages; index++) {
      const page = ramBase + index * PAGE_STRUCT_BYTES;
      listInit(bus, page + PG_LIST);
      listInit(bus, page + PG_AREA_LIST);
      bus.write32(page + PG_ORDER, 0);
      bus.write32(page + PG_ZONE, zone);
      bus.write32(page + PG_INDEX, index);
      bus.write32(page + PG_VIRT, NOPAGE_ADDR);
    }
    for (let order = 0; order < MAX_ORDER; order++) listInit(bus, allocLevel(zone, order));
    listInit(bus, zone + Z_LIST);
    bus.write32(zone + Z_FREE_PAGES, nrPages - reservedPages);
    for (let index = reservedPages; index < nrPages;) {
      let order = idxOrder(index);
      while (1 << order > nrPages - index) order--;
      const page = ramBase + index * PAGE_STRUCT_BYTES;
      bus.write32(page + PG_ORDER, order);
      listPushBack(bus, page + PG_LIST, allocLevel(zone, order));
      index += 1 << order;
    }
    listInit(bus, globals + G_ZONE_LIST);
    listPushFront(bus, zone + Z_LIST, globals + G_ZONE_LIST);
  }

  /**
   * __alloc_pages: takes the first pile of the lowest non-empty level >=
   * order, puts its lower halves on the front of the levels below, and hands
   * out the top piece. A failure prints the original's line on the console.
   * @param flags GFP flags: GFP_ZERO zeroes the pile (the zone bits are ignored: one zone)
   * @param order the pile's order; MAX_ORDER or more fails
   * @param owner the PageOwner tag written with the order
   * @returns the pile's first struct page, or 0
   */
  alloc(flags: number, order: number, owner: number): number {
    const bus = this.#bus;
    const zone = this.layout.zone;
    let level = order;
    for (;; level++) {
      if (level >= MAX_ORDER) {
        this.#print(`Page allocation of order ${order} failed!\n`);
        return 0;
      }
      if (!listEmpty(bus, allocLevel(zone, level))) break;
    }
    let pile = listNext(bus, allocLevel(zone, level)) - PG_LIST;
    listUnlink(bus, listNext(bus, allocLevel(zone, level)));
    while (level-- > order) {
      bus.write32(pile + PG_ORDER, level);
      listPushFront(bus, pile + PG_LIST, allocLevel(zone, level));
      pile += (1 << level) * PAGE_STRUCT_BYTES;
    }
    bus.write32(pile + PG_ORDER, order | (owner << OWNER_SHIFT));
    // Not in the original, which never updates free_pages after boot.
    bus.write32(zone + Z_FREE_PAGES, bus.read32(zone + Z_FREE_PAGES) - (1 << order));
    if (flags & GFP_ZERO) bus.fill32(this.pageToAddr(pile), (PAGE_SIZE << order) / 4, 0);
    return pile;
  }

  /**
   * free_pages: merges the pile with a buddy found by walking the free list
   * of its order from the front, and again one order up, until no buddy is
   * on the list; then puts it on the front of its level. A walk that finds
   * no buddy reads every node of the list: one read each.
   * @param page the pile's first struct page
   */
  free(page: number): void {
    const bus = this.#bus;
    const zone = bus.read32(page + PG_ZONE);
    let order: number;
    let pages = 0; // the pile's pages, from the order the first pass reads
    do {
      order = bus.read32(page + PG_ORDER) & ORDER_MASK;
      pages ||= 1 << order;
      const level = allocLevel(zone, order);
      const distance = (1 << order) * PAGE_STRUCT_BYTES;
      for (let node = listNext(bus, level); node !== level; node = listNext(bus, node)) {
        const neighbour = node - PG_LIST;
        // A neighbour on the left must be aligned to order + 1 to merge with us...
        if (
          page - neighbour === distance && idxOrder(bus.read32(neighbour + PG_INDEX)) > order
        ) {
          listUnlink(bus, node);
          page = neighbour;
          this.#incrementOrder(page);
          break;
        }
        // ...and we must be, to merge with a neighbour on the right.
        if (neighbour - page === distance && idxOrder(bus.read32(page + PG_INDEX)) > order) {
          listUnlink(bus, node);
          this.#incrementOrder(page);
          break;
        }
      }
    } while (
      (bus.read32(page + PG_ORDER) & ORDER_MASK) < MAX_ORDER &&
      order !== (bus.read32(page + PG_ORDER) & ORDER_MASK)
    );
    listPushFront(
      bus,
      page + PG_LIST,
      allocLevel(zone, bus.read32(page + PG_ORDER) & ORDER_MASK),
    );
    if (!listEmpty(bus, page + PG_AREA_LIST)) listUnlink(bus, page + PG_AREA_LIST);
    // Not in the original, which never updates free_pages after boot.
    bus.write32(zone + Z_FREE_PAGES, bus.read32(zone + Z_FREE_PAGES) + pages);
  }

  /**
   * page_to_addr: zone->base + index * PAGE_SIZE. 3 reads.
   * @param page a struct page
   * @returns the page's address
   */
  pageToAddr(page: number): number {
    const bus = this.#bus;
    return bus.read32(bus.read32(page + PG_ZONE) + Z_BASE) +
      bus.read32(page + PG_INDEX) * PAGE_SIZE;
  }

  /**
   * addr_to_page: walks the list of zones for the one holding `addr`, and
   * indexes its struct page array (which starts at the zone's base).
   * @param addr a physical address
   * @returns its struct page, or 0 when no zone holds it
   */
  addrToPage(addr: number): number {
    const bus = this.#bus;
    const head = this.layout.globals + G_ZONE_LIST;
    for (let node = listNext(bus, head); node !== head; node = listNext(bus, node)) {
      const zone = node - Z_LIST;
      // The original tests addr > base, rejecting the zone's first address.
      if (
        addr >= bus.read32(zone + Z_BASE) &&
        addr < bus.read32(zone + Z_BASE) + bus.read32(zone + Z_TOTAL_PAGES) * PAGE_SIZE
      ) {
        return bus.read32(zone + Z_BASE) +
          ((addr - bus.read32(zone + Z_BASE)) >>> PAGE_SHIFT) * PAGE_STRUCT_BYTES;
      }
    }
    return 0;
  }

  /** Pages handed out: total - consumed - free. One read. */
  pagesInUse(): number {
    const { nrPages, reservedPages, zone } = this.layout;
    return nrPages - reservedPages - this.#bus.read32(zone + Z_FREE_PAGES);
  }

  /** pg->private.order++: a read and a write (the owner tag rides along). */
  #incrementOrder(page: number): void {
    this.#bus.write32(page + PG_ORDER, this.#bus.read32(page + PG_ORDER) + 1);
  }

  /** kprintf: the bytes to the console's transmit register. */
  #print(text: string): void {
    for (const byte of new TextEncoder().encode(text)) {
      this.#bus.write32(CONSOLE_BASE + CONSOLE_TX, byte);
    }
  }
}
