/**
 * The page allocator: a buddy allocator over piles of 2^order pages, whose
 * whole state — the struct page array and each zone's free lists — lives in
 * board RAM and is reached only through the bus.
 *
 * The one idea it depends on: a pile of order n at page index i (i aligned to
 * 2^n) has its buddy at index i ^ 2^n. Freeing a pile merges it with its
 * buddy while the buddy is inside the same zone and its head is marked FREE
 * with the same order, then repeats one order up. Allocation takes the head
 * of the lowest non-empty free list of order >= n and splits it, giving the
 * upper halves back. So both cost O(MAX_ORDER) bus accesses, whatever the RAM
 * size or the length of any list.
 *
 * Hot piles: a pile the slice allocator gives back (an empty slab) is not
 * merged but kept on its zone's hot list for its order, free — counted in
 * the zone's free pages, handed out first to the next allocation of that
 * order — so that a slab that empties and one that is needed again soon
 * after cost a push and a pop, O(1), not a merge and a split. An allocation
 * the buddy lists cannot serve first merges every hot pile into them.
 * @module
 */

import type { Board } from "../../hw/board.ts";
import { firstBadByte, POISON_FREE, reportBug } from "./debug.ts";
import { formatAddress, hex32 } from "../../hw/hex.ts";
import {
  DoubleFreeError,
  InvalidAddressError,
  InvalidArgumentError,
  InvalidFreeError,
} from "../errors.ts";
import { GFP_ZERO, GFP_ZONE_MASK, gfpProblem } from "../gfp.ts";
import {
  FA_HEAD,
  flagsOrder,
  flagsOwner,
  flagsState,
  FREE_AREA_BYTES,
  G_HOT,
  G_ZONES,
  HOT_ORDERS,
  HOT_ZONE_BYTES,
  MAX_ORDER,
  NR_ORDERS,
  PAGE_STRUCT_BYTES,
  pageFlags,
  PageOwner,
  PageState,
  PG_FLAGS,
  PG_NEXT,
  PG_PREV,
  PG_PRIVATE,
  Z_FIRST_PAGE,
  Z_FREE_AREA,
  Z_NONEMPTY,
  Z_NR_FREE,
  Z_NR_PAGES,
  ZONE_BYTES,
} from "./layout.ts";
import type { PageStats } from "../firmware.ts";

/** Where a zone sits: its record in RAM and the page indexes it covers. */
export interface ZoneHandle {
  /** "DMA" or "Normal". */
  readonly name: string;
  /** Address of the zone record in RAM. */
  readonly record: number;
  /** Index of the zone's first page. */
  readonly first: number;
  /** Index one past the zone's last page. */
  readonly end: number;
}

/** A run's first private word (see allocRun): its length in pages. */
export const RUN_PAGES_MASK = 0xFFFF;
/** A run's first private word: the page after the run was allocated with it and kept apart. */
export const RUN_LAST_APART = 1 << 16;

/** Boot-time constants the page allocator works from (held in registers). */
export interface PageAllocatorLayout {
  /** Physical address of the first RAM byte. */
  readonly ramBase: number;
  /** Page size in bytes (a power of two). */
  readonly pageSize: number;
  /** Number of pages of RAM. */
  readonly nrPages: number;
  /** Address of the struct page array. */
  readonly memMap: number;
  /** Pages at the start of RAM held by the firmware. */
  readonly reservedPages: number;
  /** Zones in address order. */
  readonly zones: readonly ZoneHandle[];
}

/** A free pile as found on a free list. */
export interface FreePile {
  /** The zone's name. */
  zone: string;
  /** The pile's order. */
  order: number;
  /** Physical address of the pile's first page. */
  addr: number;
}

/** The buddy allocator. Internal: the Kernel exposes it with the document's names. */
export class PageAllocator {
  readonly #bus: Board;
  /** Boot-time constants. */
  readonly layout: PageAllocatorLayout;
  readonly #pageShift: number;
  /** Page poisoning (a boot option, held in a register): free pages hold POISON_FREE. */
  readonly #poison: boolean;
  readonly #memMapEnd: number;
  /** Zones to try, in order, for each value of the flags' zone bits. */
  readonly #zonelists: (readonly ZoneHandle[] | undefined)[];

  /**
   * @param bus the board the firmware runs on
   * @param layout the boot-time constants; mem_map must already hold the
   *   reserved pages and zeroed struct pages (see {@link formatZones})
   */
  constructor(bus: Board, layout: PageAllocatorLayout, poison = false) {
    this.#bus = bus;
    this.layout = layout;
    this.#poison = poison;
    this.#pageShift = Math.log2(layout.pageSize);
    this.#memMapEnd = layout.memMap + layout.nrPages * PAGE_STRUCT_BYTES;
    const dma = layout.zones.filter((z) => z.name === "DMA");
    const populated = [...layout.zones].reverse().filter((z) => z.end > z.first);
    this.#zonelists = [populated, dma, undefined, undefined];
  }

  /**
   * Allocates a pile of 2^order pages.
   * @param flags GFP flags: zone bits and GFP_ZERO
   * @param order 0..MAX_ORDER
   * @param owner the PageOwner recorded in the pile's head
   * @returns the pile's first struct page, or 0 when no zone has a free pile
   *   large enough
   */
  alloc(flags: number, order: number, owner: number): number {
    const zonelist = this.#zonelist(flags);
    checkOrder(order);
    let page = this.#allocFromZones(zonelist, order, owner);
    // Short of memory: the hot piles are merged into the free lists, and
    // the allocation tried again. Only this path pays for it.
    if (page === 0 && this.drainHot() > 0) page = this.#allocFromZones(zonelist, order, owner);
    if (page === 0) return 0;
    if (this.#poison) this.#checkPoison(page, order);
    if (flags & GFP_ZERO) this.#zero(this.pageToAddr(page), order);
    return page;
  }

  #allocFromZones(zonelist: readonly ZoneHandle[], order: number, owner: number): number {
    for (const zone of zonelist) {
      const page = order < HOT_ORDERS ? this.#allocHot(zone, order, owner) : 0;
      if (page !== 0) return page;
      const split = this.#allocFromZone(zone, order, owner);
      if (split !== 0) return split;
    }
    return 0;
  }

  /** Pops the zone's first hot pile of `order`, if it has one, and hands it out. */
  #allocHot(zone: ZoneHandle, order: number, owner: number): number {
    const bus = this.#bus;
    const area = this.#hotArea(zone, order);
    const page = bus.read32(area);
    if (page === 0) return 0;
    bus.write32(area, bus.read32(page + PG_NEXT));
    bus.write32(page + PG_FLAGS, pageFlags(PageState.ALLOCATED, order, owner));
    const nrFree = zone.record + Z_NR_FREE;
    bus.write32(nrFree, bus.read32(nrFree) - (1 << order));
    return page;
  }

  /**
   * Frees an allocated pile (of an order below HOT_ORDERS) without merging
   * it: it goes on its zone's hot list, free, for the next allocation of
   * its order. O(1). Refused as {@link free} refuses.
   * @param page the pile's first struct page
   * @param owner the PageOwner the pile must have been allocated for
   */
  freeHot(page: number, owner: number): void {
    this.#checkPageStruct(page);
    const bus = this.#bus;
    const flags = bus.read32(page + PG_FLAGS);
    this.#checkFreeable(page, flags, owner);
    const order = flagsOrder(flags);
    const zone = this.#zoneOf(this.#indexOf(page));
    if (order >= HOT_ORDERS) {
      this.#freeToZone(zone, this.#indexOf(page), order);
      return;
    }
    if (this.#poison) {
      bus.fill32(this.pageToAddr(page), (this.layout.pageSize << order) / 4, POISON_FREE);
    }
    const area = this.#hotArea(zone, order);
    bus.write32(page + PG_FLAGS, pageFlags(PageState.FREE, order, PageOwner.HOT));
    bus.write32(page + PG_NEXT, bus.read32(area));
    bus.write32(area, page);
    const nrFree = zone.record + Z_NR_FREE;
    bus.write32(nrFree, bus.read32(nrFree) + (1 << order));
  }

  /**
   * Merges every hot pile into the free lists, as if it had been freed
   * there: what an allocation the free lists cannot serve does first.
   * @returns the pages merged
   */
  drainHot(): number {
    const bus = this.#bus;
    let pages = 0;
    for (const zone of this.layout.zones) {
      for (let order = 0; order < HOT_ORDERS; order++) {
        const area = this.#hotArea(zone, order);
        for (let page = bus.read32(area); page !== 0; page = bus.read32(area)) {
          bus.write32(area, bus.read32(page + PG_NEXT));
          // Its pages stay counted free: #freeToZone counts them again.
          const nrFree = zone.record + Z_NR_FREE;
          bus.write32(nrFree, bus.read32(nrFree) - (1 << order));
          this.#freeToZone(zone, this.#indexOf(page), order);
          pages += 1 << order;
        }
      }
    }
    return pages;
  }

  /** The address of the head of a zone's hot list of `order`. */
  #hotArea(zone: ZoneHandle, order: number): number {
    const index = (zone.record - this.layout.ramBase - G_ZONES) / ZONE_BYTES;
    return this.layout.ramBase + G_HOT + index * HOT_ZONE_BYTES + order * 4;
  }

  /**
   * The hot piles of a zone's list of `order`, walked from its head (no
   * count is kept: a push and a pop stay 4 accesses). The walk stops after
   * as many piles as the zone has pages, so a corrupted cycle cannot hang it.
   */
  #hotPiles(zone: ZoneHandle, order: number): number[] {
    const piles: number[] = [];
    let page = this.#bus.read32(this.#hotArea(zone, order));
    for (let n = zone.end - zone.first; page !== 0 && n > 0; n--) {
      piles.push(page);
      page = this.#isPageStruct(page) ? this.#bus.read32(page + PG_NEXT) : 0;
    }
    return piles;
  }

  /**
   * The piles of a zone's free list of `order`, walked from its head. The
   * walk stops after as many piles as the zone has pages, so a corrupted
   * cycle cannot hang it.
   */
  #freeListPiles(zone: ZoneHandle, order: number): number[] {
    const piles: number[] = [];
    let page = this.#bus.read32(freeArea(zone, order) + FA_HEAD);
    for (let n = zone.end - zone.first; page !== 0 && n > 0; n--) {
      piles.push(page);
      page = this.#isPageStruct(page) ? this.#bus.read32(page + PG_NEXT) : 0;
    }
    return piles;
  }

  /** Refuses flags with unknown bits or naming no zone. */
  checkFlags(flags: number): void {
    this.#zonelist(flags);
  }

  /**
   * Every allocated pile, walking mem_map: its first struct page, order and
   * owner. O(pages) bus reads; for audits.
   */
  allocatedPiles(): { page: number; order: number; owner: number }[] {
    const piles: { page: number; order: number; owner: number }[] = [];
    for (let index = 0; index < this.layout.nrPages; index++) {
      const page = this.#pageAt(index);
      const flags = this.#bus.read32(page + PG_FLAGS);
      if (flagsState(flags) === PageState.ALLOCATED) {
        piles.push({ page, order: flagsOrder(flags), owner: flagsOwner(flags) });
      }
    }
    return piles;
  }

  /**
   * Frees an allocated pile, merging it with its free buddies.
   * @param page the pile's first struct page
   * @param owner the PageOwner the pile must have been allocated for
   */
  free(page: number, owner: number): void {
    this.#checkPageStruct(page);
    const flags = this.#bus.read32(page + PG_FLAGS);
    this.#checkFreeable(page, flags, owner);
    const order = flagsOrder(flags);
    const index = this.#indexOf(page);
    if (this.#poison) {
      this.#bus.fill32(this.pageToAddr(page), (this.layout.pageSize << order) / 4, POISON_FREE);
    }
    this.#freeToZone(this.#zoneOf(index), index, order);
  }

  /**
   * Page poisoning: fills every free page with POISON_FREE, at boot, so that
   * the first allocation of each page can be checked too.
   */
  poisonFreePages(): void {
    for (const pile of this.freePiles()) {
      this.#bus.fill32(pile.addr, (this.layout.pageSize << pile.order) / 4, POISON_FREE);
    }
  }

  /** Reports (and repairs nothing: it is about to be handed out) a pile written after its free. */
  #checkPoison(page: number, order: number): void {
    const addr = this.pageToAddr(page);
    const bad = firstBadByte(this.#bus, addr, (this.layout.pageSize << order) / 4, POISON_FREE);
    if (bad !== -1) {
      reportBug(
        this.#bus,
        this.layout.ramBase,
        `page poison overwritten at ${hex32(bad)} (order-${order} pile ${hex32(addr)}): ` +
          "written after it was freed",
      );
    }
  }

  /**
   * Allocates exactly `pages` contiguous pages (1..2^MAX_ORDER), as Linux's
   * alloc_pages_exact: takes a pile of the next power of two, keeps a run of
   * aligned piles of the sizes of `pages`' binary digits, largest first, and
   * gives the rest back. O(MAX_ORDER). When no pile that large is free, the
   * run is cut from the first stretch of adjacent free piles long enough (see
   * {@link #takeStretch}): what would otherwise fail for fragmentation. The
   * run's first struct page records its length in its first private word
   * (RUN_PAGES_MASK; the other piles' hold 0).
   * @param lastApart keep the last page out of the run: the run is `pages` - 1
   *   pages (RUN_LAST_APART set beside its length), and the page after it an
   *   order-0 pile whose struct page the caller writes, as its own, before
   *   anything reads it; with GFP_ZERO only the run is zeroed
   * @returns the run's first struct page, or 0
   */
  allocRun(flags: number, pages: number, owner: number, lastApart = false): number {
    const order = Math.ceil(Math.log2(pages));
    const page = this.alloc(flags & ~GFP_ZERO, order, owner);
    let first: number;
    let end: number;
    if (page !== 0) {
      first = this.#indexOf(page);
      end = first + (1 << order);
    } else {
      const stretch = this.#takeStretch(this.#zonelist(flags), pages);
      if (stretch === undefined) return 0;
      [first, end] = stretch;
    }
    const bus = this.#bus;
    const run = lastApart ? pages - 1 : pages;
    const word = lastApart ? run | RUN_LAST_APART : run;
    for (const [index, o] of tile(first, first + run, 0)) {
      bus.write32(this.#pageAt(index) + PG_FLAGS, pageFlags(PageState.ALLOCATED, o, owner));
      bus.write32(this.#pageAt(index) + PG_PRIVATE, index === first ? word : 0);
    }
    const zone = this.#zoneOf(first);
    for (const [index, o] of tile(first + pages, end, 0)) this.#freeToZone(zone, index, o);
    if (flags & GFP_ZERO) this.#zero(this.#addrAt(first), 0, run);
    return this.#pageAt(first);
  }

  /**
   * The first stretch of adjacent free piles holding `pages` pages, taken
   * off the free lists (its pages no longer counted free), as [first page
   * index, index past its last pile]. Each free pile of an order below the
   * run's power of two is tried as a stretch's start, from the highest
   * order down, and the piles after it are read until one is not free.
   * O(free piles x pages) reads: paid only by a run no single pile can hold.
   */
  #takeStretch(zonelist: readonly ZoneHandle[], pages: number): [number, number] | undefined {
    const bus = this.#bus;
    for (const zone of zonelist) {
      for (let order = Math.ceil(Math.log2(pages)) - 1; order >= 0; order--) {
        for (const page of this.#freeListPiles(zone, order)) {
          const first = this.#indexOf(page);
          let end = first + (1 << order);
          while (end - first < pages && end < zone.end) {
            const flags = bus.read32(this.#pageAt(end) + PG_FLAGS);
            if (flags !== pageFlags(PageState.FREE, flagsOrder(flags), PageOwner.NONE)) break;
            end += 1 << flagsOrder(flags);
          }
          if (end - first < pages) continue;
          for (let index = first; index < end;) {
            const o = flagsOrder(bus.read32(this.#pageAt(index) + PG_FLAGS));
            if (this.#poison) this.#checkPoison(this.#pageAt(index), o);
            this.#unlink(zone, this.#pageAt(index), o);
            bus.write32(this.#pageAt(index) + PG_FLAGS, 0);
            index += 1 << o;
          }
          const nrFree = zone.record + Z_NR_FREE;
          bus.write32(nrFree, bus.read32(nrFree) - (end - first));
          return [first, end];
        }
      }
    }
    return undefined;
  }

  /**
   * The first private word of the run `page` starts, checked as
   * {@link freeRun} checks it: its length (RUN_PAGES_MASK) and whether its
   * last page was kept apart (RUN_LAST_APART).
   */
  runWord(page: number, owner: number): number {
    this.#checkPageStruct(page);
    this.#checkFreeable(page, this.#bus.read32(page + PG_FLAGS), owner);
    const word = this.#bus.read32(page + PG_PRIVATE);
    if (word === 0) {
      throw new InvalidFreeError(
        `${hex32(this.pageToAddr(page))} lies inside a larger block: it starts none`,
        page,
      );
    }
    return word;
  }

  /**
   * Frees a run that {@link allocRun} made, pile by pile (each merges with
   * its buddies); a page it kept apart is the caller's to free.
   * @returns the run's first private word, as {@link runWord} reads it
   */
  freeRun(page: number, owner: number): number {
    const word = this.runWord(page, owner);
    const pages = word & RUN_PAGES_MASK;
    const first = this.#indexOf(page);
    if (this.#poison) {
      this.#bus.fill32(this.pageToAddr(page), (pages * this.layout.pageSize) / 4, POISON_FREE);
    }
    const zone = this.#zoneOf(first);
    for (const [index, o] of tile(first, first + pages, 0)) this.#freeToZone(zone, index, o);
    return word;
  }

  /** The physical address of the page a struct page describes. */
  pageToAddr(page: number): number {
    this.#checkPageStruct(page);
    return this.layout.ramBase + (this.#indexOf(page) << this.#pageShift);
  }

  /**
   * The struct page of the page that `addr` starts; refused when `addr` is
   * not page-aligned (it then starts no `what`) or outside RAM.
   */
  pageStarting(addr: number, what: string): number {
    const page = this.addrToPage(addr);
    if (this.pageToAddr(page) !== addr) {
      throw new InvalidFreeError(
        `${hex32(addr)} is not page-aligned, so it does not start a ${what}`,
        addr,
      );
    }
    return page;
  }

  /** The struct page of the page that holds `addr` (any byte of it). */
  addrToPage(addr: number): number {
    const { ramBase, nrPages, memMap } = this.layout;
    const offset = addr - ramBase;
    if (!Number.isInteger(addr) || offset < 0 || (offset >> this.#pageShift) >= nrPages) {
      throw new InvalidAddressError(
        `address ${formatAddress(addr)} is outside RAM (${hex32(ramBase)}-${
          hex32(ramBase + nrPages * this.layout.pageSize - 1)
        })`,
        addr,
      );
    }
    return memMap + (offset >> this.#pageShift) * PAGE_STRUCT_BYTES;
  }

  /** Page counts, in total and per zone, read from the zone records. */
  stats(): PageStats {
    const bus = this.#bus;
    const zones = this.layout.zones.map((zone) => {
      const freeByOrder: number[] = [];
      for (let order = 0; order < NR_ORDERS; order++) {
        const hot = order < HOT_ORDERS ? this.#hotPiles(zone, order).length : 0;
        freeByOrder.push(this.#freeListPiles(zone, order).length + hot);
      }
      const total = bus.read32(zone.record + Z_NR_PAGES);
      const first = bus.read32(zone.record + Z_FIRST_PAGE);
      return {
        name: zone.name,
        total,
        reserved: Math.max(0, Math.min(total, this.layout.reservedPages - first)),
        free: bus.read32(zone.record + Z_NR_FREE),
        freeByOrder,
      };
    });
    const sum = (key: "total" | "reserved" | "free"): number =>
      zones.reduce((n, z) => n + z[key], 0);
    return {
      total: sum("total"),
      reserved: sum("reserved"),
      free: sum("free"),
      freeByOrder: Array.from(
        { length: NR_ORDERS },
        (_, order) => zones.reduce((n, z) => n + z.freeByOrder[order], 0),
      ),
      zones,
    };
  }

  /** Pages handed out (allocated, to anyone but the firmware): one read per zone. */
  usedPages(): number {
    let free = 0;
    for (const zone of this.layout.zones) free += this.#bus.read32(zone.record + Z_NR_FREE);
    return this.layout.nrPages - this.layout.reservedPages - free;
  }

  /** Every free pile, walking each zone's free lists and hot lists from their heads. */
  freePiles(): FreePile[] {
    const piles: FreePile[] = [];
    for (const zone of this.layout.zones) {
      for (let order = 0; order < NR_ORDERS; order++) {
        for (const page of this.#freeListPiles(zone, order)) {
          piles.push({ zone: zone.name, order, addr: this.pageToAddr(page) });
        }
        if (order >= HOT_ORDERS) continue;
        for (const hot of this.#hotPiles(zone, order)) {
          piles.push({ zone: zone.name, order, addr: this.pageToAddr(hot) });
        }
      }
    }
    return piles;
  }

  /**
   * Checks every invariant of the buddy state and returns what is broken
   * (nothing, when all holds): the piles tile each zone exactly, each aligned
   * to its order; every free pile is on the list of its order and nothing else
   * is; list links and counts agree; each zone's free page count is right.
   */
  audit(): string[] {
    const problems: string[] = [];
    for (const zone of this.layout.zones) this.#auditZone(zone, problems);
    if (this.#poison && problems.length === 0) {
      // Every free page must still hold its poison.
      for (const pile of this.freePiles()) {
        const words = (this.layout.pageSize << pile.order) / 4;
        const bad = firstBadByte(this.#bus, pile.addr, words, POISON_FREE);
        if (bad !== -1) {
          problems.push(
            `free order-${pile.order} pile ${hex32(pile.addr)}: page poison overwritten at ${
              hex32(bad)
            } (written after it was freed)`,
          );
        }
      }
    }
    return problems;
  }

  #auditZone(zone: ZoneHandle, problems: string[]): void {
    const bus = this.#bus;
    const freeHeads = new Set<number>();
    const piles = Array.from({ length: NR_ORDERS }, () => 0);
    const hotHeads = new Set<number>();
    const hotPiles = Array.from({ length: NR_ORDERS }, () => 0);
    let freePages = 0;
    let index = zone.first;
    while (index < zone.end) {
      const page = this.#pageAt(index);
      const flags = bus.read32(page + PG_FLAGS);
      const state = flagsState(flags);
      const order = state === PageState.RESERVED ? 0 : flagsOrder(flags);
      const where = `zone ${zone.name} page ${index} (${hex32(this.#addrAt(index))})`;
      if (state === PageState.NONE) {
        problems.push(`${where} is not covered by any pile`);
        index++;
        continue;
      }
      const size = 1 << order;
      if (order > MAX_ORDER || (index - zone.first) % size !== 0 || index + size > zone.end) {
        problems.push(
          `${where} heads a pile of order ${order} that is misaligned or overruns the zone`,
        );
        index++;
        continue;
      }
      for (let i = 1; i < size; i++) {
        if (flagsState(bus.read32(this.#pageAt(index + i) + PG_FLAGS)) !== PageState.NONE) {
          problems.push(
            `${where}: page ${index + i} inside its order-${order} pile is marked as a head`,
          );
        }
      }
      if (state === PageState.FREE && flagsOwner(flags) === PageOwner.HOT) {
        hotHeads.add(page);
        hotPiles[order]++;
        freePages += size;
      } else if (state === PageState.FREE) {
        freeHeads.add(page);
        piles[order]++;
        freePages += size;
        const buddy = index ^ size;
        if (order < MAX_ORDER && buddy >= zone.first && buddy < zone.end) {
          const buddyFlags = bus.read32(this.#pageAt(buddy) + PG_FLAGS);
          if (buddyFlags === pageFlags(PageState.FREE, order, PageOwner.NONE)) {
            problems.push(
              `${where}: free pile of order ${order} and its free buddy were not merged`,
            );
          }
        }
      }
      index += size;
    }
    const nrFree = bus.read32(zone.record + Z_NR_FREE);
    if (nrFree !== freePages) {
      problems.push(`zone ${zone.name}: nr_free says ${nrFree} pages, the piles hold ${freePages}`);
    }
    for (let order = 0; order < NR_ORDERS; order++) {
      this.#auditList(zone, order, piles[order], freeHeads, problems);
    }
    if (freeHeads.size !== 0) {
      problems.push(`zone ${zone.name}: ${freeHeads.size} free piles are on no free list`);
    }
    for (let order = 0; order < NR_ORDERS; order++) {
      if (order >= HOT_ORDERS) {
        if (hotPiles[order] !== 0) problems.push(`zone ${zone.name}: a hot pile of order ${order}`);
        continue;
      }
      this.#auditHotList(zone, order, hotPiles[order], hotHeads, problems);
    }
    if (hotHeads.size !== 0) {
      problems.push(`zone ${zone.name}: ${hotHeads.size} hot piles are on no hot list`);
    }
  }

  #auditHotList(
    zone: ZoneHandle,
    order: number,
    expected: number,
    hotHeads: Set<number>,
    problems: string[],
  ): void {
    const bus = this.#bus;
    const list = `zone ${zone.name} order-${order} hot list`;
    let page = bus.read32(this.#hotArea(zone, order));
    for (let n = 0; page !== 0; n++) {
      if (n >= expected || !this.#isPageStruct(page) || !hotHeads.delete(page)) {
        problems.push(`${list} holds ${hex32(page)}, which is not one of its hot piles (a cycle?)`);
        return;
      }
      if (flagsOrder(bus.read32(page + PG_FLAGS)) !== order) {
        problems.push(`${list} holds ${hex32(page)}, a hot pile of another order`);
      }
      page = bus.read32(page + PG_NEXT);
    }
  }

  #auditList(
    zone: ZoneHandle,
    order: number,
    expected: number,
    freeHeads: Set<number>,
    problems: string[],
  ): void {
    const bus = this.#bus;
    const area = freeArea(zone, order);
    const list = `zone ${zone.name} order-${order} free list`;
    const nonempty = (bus.read32(zone.record + Z_NONEMPTY) >>> order) & 1;
    if (nonempty !== (bus.read32(area + FA_HEAD) === 0 ? 0 : 1)) {
      problems.push(`${list}: its nonempty bit is ${nonempty}, its head says otherwise`);
    }
    let prev = 0;
    let page = bus.read32(area + FA_HEAD);
    for (let n = 0; page !== 0; n++) {
      if (n > expected) {
        problems.push(`${list} is longer than its ${expected} piles (a cycle?)`);
        return;
      }
      if (!this.#isPageStruct(page) || !freeHeads.delete(page)) {
        problems.push(
          `${list} holds ${hex32(page)}, which is not a free pile of order ${order} in this zone`,
        );
        return;
      }
      if (bus.read32(page + PG_PREV) !== prev) {
        problems.push(`${list}: ${hex32(page)} has a wrong prev link`);
      }
      if (flagsOrder(bus.read32(page + PG_FLAGS)) !== order) {
        problems.push(`${list} holds ${hex32(page)}, a free pile of another order`);
      }
      prev = page;
      page = bus.read32(page + PG_NEXT);
    }
  }

  /**
   * Takes a pile of `order` from the zone's free lists: the first pile of
   * the lowest order >= `order` whose list holds one (one read of the
   * nonempty bits finds it), split down to `order`.
   */
  #allocFromZone(zone: ZoneHandle, order: number, owner: number): number {
    const bus = this.#bus;
    const nonempty = bus.read32(zone.record + Z_NONEMPTY);
    const orders = (nonempty >>> order) << order;
    if (orders === 0) return 0;
    let found = 31 - Math.clz32(orders & -orders); // the lowest set bit
    const head = freeArea(zone, found) + FA_HEAD;
    const page = bus.read32(head);
    // The pile heads its list: it leaves it as its first.
    const next = bus.read32(page + PG_NEXT);
    bus.write32(head, next);
    let bits = nonempty;
    if (next !== 0) bus.write32(next + PG_PREV, 0);
    else bits &= ~(1 << found);
    // Split: keep the lower half, give the upper half back, one order down.
    // Every list below `found` is empty, so each upper half becomes its
    // list's only pile: no head to read first.
    while (found > order) {
      found--;
      const half = page + (PAGE_STRUCT_BYTES << found);
      bus.write32(half + PG_FLAGS, pageFlags(PageState.FREE, found, PageOwner.NONE));
      bus.write32(half + PG_NEXT, 0);
      bus.write32(half + PG_PREV, 0);
      bus.write32(freeArea(zone, found) + FA_HEAD, half);
      bits |= 1 << found;
    }
    if (bits !== nonempty) bus.write32(zone.record + Z_NONEMPTY, bits);
    bus.write32(page + PG_FLAGS, pageFlags(PageState.ALLOCATED, order, owner));
    const nrFree = zone.record + Z_NR_FREE;
    bus.write32(nrFree, bus.read32(nrFree) - (1 << order));
    return page;
  }

  /**
   * Frees a pile of `order` at page `index`: merges it with its free buddy
   * while it has one, then pushes it. The zone's nonempty bits are read and
   * written once at the end, when a list emptied or filled (as an
   * allocation's splits do): a merge of n levels that empties n lists costs
   * 2 accesses for the bits, not 2n.
   */
  #freeToZone(zone: ZoneHandle, index: number, order: number): void {
    const bus = this.#bus;
    const pages = 1 << order;
    let emptied = 0;
    bus.write32(this.#pageAt(index) + PG_FLAGS, 0);
    while (order < MAX_ORDER) {
      const buddy = index ^ (1 << order);
      if (buddy < zone.first || buddy + (1 << order) > zone.end) break;
      const buddyPage = this.#pageAt(buddy);
      const buddyFlags = bus.read32(buddyPage + PG_FLAGS);
      if (buddyFlags !== pageFlags(PageState.FREE, order, PageOwner.NONE)) break;
      if (this.#unlinkFree(zone, buddyPage, order)) emptied |= 1 << order;
      bus.write32(buddyPage + PG_FLAGS, 0);
      index = Math.min(index, buddy);
      order++;
    }
    const filled = this.#pushFree(zone, this.#pageAt(index), order) ? 1 << order : 0;
    if ((emptied | filled) !== 0) {
      const word = zone.record + Z_NONEMPTY;
      bus.write32(word, (bus.read32(word) & ~emptied) | filled);
    }
    const nrFree = zone.record + Z_NR_FREE;
    bus.write32(nrFree, bus.read32(nrFree) + pages);
  }

  /**
   * Marks `page` as a free pile of `order` and puts it at the head of its
   * list. Leaves the nonempty bits to the caller.
   * @returns whether the list was empty (its nonempty bit is to be set)
   */
  #pushFree(zone: ZoneHandle, page: number, order: number): boolean {
    const bus = this.#bus;
    const area = freeArea(zone, order);
    const head = bus.read32(area + FA_HEAD);
    bus.write32(page + PG_FLAGS, pageFlags(PageState.FREE, order, PageOwner.NONE));
    bus.write32(page + PG_NEXT, head);
    bus.write32(page + PG_PREV, 0);
    if (head !== 0) bus.write32(head + PG_PREV, page);
    bus.write32(area + FA_HEAD, page);
    return head === 0;
  }

  /** Takes `page` off the free list of `order`; O(1) through its prev link. */
  #unlink(zone: ZoneHandle, page: number, order: number): void {
    if (this.#unlinkFree(zone, page, order)) this.#clearNonempty(zone, order);
  }

  /**
   * {@link #unlink} but for the nonempty bits, left to the caller.
   * @returns whether `page` was its list's only pile (its bit is to be cleared)
   */
  #unlinkFree(zone: ZoneHandle, page: number, order: number): boolean {
    const bus = this.#bus;
    const area = freeArea(zone, order);
    const next = bus.read32(page + PG_NEXT);
    const prev = bus.read32(page + PG_PREV);
    if (prev !== 0) bus.write32(prev + PG_NEXT, next);
    else bus.write32(area + FA_HEAD, next);
    if (next !== 0) bus.write32(next + PG_PREV, prev);
    return next === 0 && prev === 0;
  }

  /** Clears the zone's nonempty bit of `order`. */
  #clearNonempty(zone: ZoneHandle, order: number): void {
    const bus = this.#bus;
    const word = zone.record + Z_NONEMPTY;
    bus.write32(word, bus.read32(word) & ~(1 << order));
  }

  /** Zeroes 2^order pages at `addr` (or `pages` pages, when given). */
  #zero(addr: number, order: number, pages = 1 << order): void {
    this.#bus.fill32(addr, (this.layout.pageSize * pages) / 4, 0);
  }

  #zonelist(flags: number): readonly ZoneHandle[] {
    const problem = gfpProblem(flags);
    if (problem !== "") throw new InvalidArgumentError(problem);
    // Zones 0 and 1 always have a list (DMA's may be empty): gfpProblem refused 2 and 3.
    return this.#zonelists[flags & GFP_ZONE_MASK]!;
  }

  #checkFreeable(page: number, flags: number, owner: number): void {
    const state = flagsState(flags);
    if (state === PageState.ALLOCATED && flagsOwner(flags) === owner) return;
    const what = `struct page ${hex32(page)} (page ${hex32(this.pageToAddr(page))})`;
    if (state === PageState.FREE) {
      throw new DoubleFreeError(`double free: ${what} heads a free pile`, page);
    }
    if (state === PageState.RESERVED) {
      throw new InvalidFreeError(`${what} holds the firmware's own structures`, page);
    }
    if (state === PageState.NONE) {
      const pile = this.#enclosingPile(this.#indexOf(page));
      const inside = pile === undefined
        ? ""
        : ` (it lies inside the ${pile.free ? "free" : "allocated"} order-${pile.order} pile at ${
          hex32(this.#addrAt(pile.index))
        })`;
      if (pile?.free) throw new DoubleFreeError(`double free: ${what} is free${inside}`, page);
      throw new InvalidFreeError(`${what} does not start an allocated pile${inside}`, page);
    }
    throw new InvalidFreeError(
      `${what} starts a pile held by ${ownerName(flagsOwner(flags))}, not by ${ownerName(owner)}`,
      page,
    );
  }

  /**
   * The pile whose interior holds page `index`: its head is the nearest page
   * below, aligned to some order, that heads a pile reaching past `index`.
   * O(MAX_ORDER) reads; used only to explain a refused free.
   */
  #enclosingPile(index: number): { index: number; order: number; free: boolean } | undefined {
    const zone = this.#zoneOf(index);
    for (let order = 1; order <= MAX_ORDER; order++) {
      const head = zone.first + ((index - zone.first) & ~((1 << order) - 1));
      const flags = this.#bus.read32(this.#pageAt(head) + PG_FLAGS);
      const state = flagsState(flags);
      if (state === PageState.NONE) continue;
      if (state === PageState.RESERVED || head + (1 << flagsOrder(flags)) <= index) {
        return undefined;
      }
      return { index: head, order: flagsOrder(flags), free: state === PageState.FREE };
    }
    return undefined;
  }

  #checkPageStruct(page: number): void {
    if (!this.#isPageStruct(page)) {
      throw new InvalidAddressError(
        `${formatAddress(page)} is not a struct page: mem_map holds ${this.layout.nrPages} of ` +
          `${PAGE_STRUCT_BYTES} bytes at ${hex32(this.layout.memMap)}-${
            hex32(this.#memMapEnd - 1)
          }`,
        page,
      );
    }
  }

  #isPageStruct(page: number): boolean {
    return Number.isInteger(page) && page >= this.layout.memMap && page < this.#memMapEnd &&
      (page - this.layout.memMap) % PAGE_STRUCT_BYTES === 0;
  }

  #indexOf(page: number): number {
    return (page - this.layout.memMap) / PAGE_STRUCT_BYTES;
  }

  #pageAt(index: number): number {
    return this.layout.memMap + index * PAGE_STRUCT_BYTES;
  }

  #addrAt(index: number): number {
    return this.layout.ramBase + (index << this.#pageShift);
  }

  #zoneOf(index: number): ZoneHandle {
    return this.layout.zones.find((z) => index >= z.first && index < z.end)!;
  }
}

/**
 * Lays out the zone records and puts every page not held by the firmware on
 * the free lists, as the largest aligned piles that fit in each zone. Piles are
 * pushed from the top of each zone down, so the lowest address of each order
 * is handed out first.
 */
export function formatZones(bus: Board, layout: PageAllocatorLayout): void {
  const allocator = new PageAllocator(bus, layout);
  for (const zone of layout.zones) {
    bus.write32(zone.record + Z_FIRST_PAGE, zone.first);
    bus.write32(zone.record + Z_NR_PAGES, zone.end - zone.first);
    bus.write32(zone.record + Z_NR_FREE, 0);
    bus.write32(zone.record + Z_NONEMPTY, 0);
    for (let order = 0; order < NR_ORDERS; order++) {
      bus.write32(freeArea(zone, order) + FA_HEAD, 0);
    }
    const hot = zone.record - layout.ramBase - G_ZONES;
    const hotLists = layout.ramBase + G_HOT + (hot / ZONE_BYTES) * HOT_ZONE_BYTES;
    bus.fill32(hotLists, HOT_ZONE_BYTES / 4, 0);
    const start = Math.max(zone.first, layout.reservedPages);
    for (const [index, order] of tile(start, zone.end, zone.first).reverse()) {
      // Mark the head allocated, then free it: the one path that keeps lists right.
      bus.write32(
        layout.memMap + index * PAGE_STRUCT_BYTES + PG_FLAGS,
        pageFlags(PageState.ALLOCATED, order, PageOwner.PAGES),
      );
      allocator.free(layout.memMap + index * PAGE_STRUCT_BYTES, PageOwner.PAGES);
    }
  }
}

/**
 * Splits [start, end) into the largest piles aligned relative to `base`, from
 * `start` up: the free RAM of a zone at boot; a run's piles (from a pile
 * aligned to the run's power of two: its binary digits, largest first) and
 * the pages given back after it.
 */
function tile(start: number, end: number, base: number): [number, number][] {
  const piles: [number, number][] = [];
  let index = start;
  while (index < end) {
    let order = MAX_ORDER;
    while ((index - base) % (1 << order) !== 0 || index + (1 << order) > end) order--;
    piles.push([index, order]);
    index += 1 << order;
  }
  return piles;
}

function freeArea(zone: ZoneHandle, order: number): number {
  return zone.record + Z_FREE_AREA + order * FREE_AREA_BYTES;
}

function checkOrder(order: number): void {
  if (!Number.isInteger(order) || order < 0 || order > MAX_ORDER) {
    throw new InvalidArgumentError(`order ${order} is out of range 0..${MAX_ORDER}`);
  }
}

function ownerName(owner: number): string {
  const names: Record<number, string> = {
    [PageOwner.NONE]: "nobody",
    [PageOwner.FIRMWARE]: "the firmware",
    [PageOwner.PAGES]: "the page allocator's callers",
    [PageOwner.SLAB]: "the slice allocator",
    [PageOwner.GENERIC]: "the generic allocator",
    [PageOwner.VMALLOC]: "a vmalloc area",
    [PageOwner.PAGETABLE]: "the MMU's page tables",
    [PageOwner.VMAP_TREE]: "the vmalloc area tree",
    [PageOwner.HOT]: "nobody (a hot pile)",
  };
  return names[owner] ?? `owner ${owner}`;
}
