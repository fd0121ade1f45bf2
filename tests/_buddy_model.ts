/**
 * An independent model of what a buddy allocator's free lists must hold,
 * computed from nothing but which pages are free: with eager merging, the
 * free piles are exactly the largest aligned blocks (order <= 10, inside one
 * zone) whose pages are all free. Tests compare the firmware's lists with it.
 */

import { type Kernel, MAX_ORDER, PAGE_SIZE } from "../mod.ts";

/** A zone as the model sees it: a name and a range of page indexes. */
export interface ModelZone {
  name: string;
  first: number;
  end: number;
}

/** Free pages and zone bounds of a board, tracked by the test itself. */
export class BuddyModel {
  readonly zones: ModelZone[];
  readonly ramBase: number;
  /** 1 where the page is free. */
  readonly free: Uint8Array;

  /** Starts from the state right after boot: all but the reserved pages free. */
  constructor(k: Kernel) {
    const stats = k.stats().pages;
    this.ramBase = k.bootInfo.ramBase;
    let first = 0;
    this.zones = stats.zones.map((z) => {
      const zone = { name: z.name, first, end: first + z.total };
      first += z.total;
      return zone;
    });
    this.free = new Uint8Array(stats.total).fill(1);
    this.free.fill(0, 0, stats.reserved);
  }

  /** Marks a pile allocated; throws if the firmware handed out something wrong. */
  allocate(addr: number, order: number, zoneNames: string[]): void {
    const index = this.indexOf(addr);
    const size = 1 << order;
    const zone = this.zones.find((z) => index >= z.first && index < z.end);
    if (zone === undefined || index + size > zone.end) {
      throw new Error(`pile at page ${index} of order ${order} is outside every zone`);
    }
    if (!zoneNames.includes(zone.name)) {
      throw new Error(`pile at page ${index} is in zone ${zone.name}, not in ${zoneNames}`);
    }
    if ((index - zone.first) % size !== 0) {
      throw new Error(`pile at page ${index} is not aligned to order ${order}`);
    }
    for (let i = index; i < index + size; i++) {
      if (!this.free[i]) throw new Error(`pile at page ${index} overlaps page ${i}, not free`);
      this.free[i] = 0;
    }
  }

  /** Marks a pile free again. */
  release(addr: number, order: number): void {
    const index = this.indexOf(addr);
    this.free.fill(1, index, index + (1 << order));
  }

  /** The free piles the firmware must hold, as sorted "zone order addr" strings. */
  expectedPiles(): string[] {
    const piles: string[] = [];
    for (const zone of this.zones) {
      let index = zone.first;
      while (index < zone.end) {
        if (!this.free[index]) {
          index++;
          continue;
        }
        let order = MAX_ORDER;
        while (!this.#isFreeBlock(zone, index, order)) order--;
        piles.push(pileKey(zone.name, order, this.ramBase + index * PAGE_SIZE));
        index += 1 << order;
      }
    }
    return piles.sort();
  }

  /** Whether the zone has a free, aligned block of 2^order pages. */
  hasFreeBlock(zoneName: string, order: number): boolean {
    const zone = this.zones.find((z) => z.name === zoneName)!;
    for (let index = zone.first; index + (1 << order) <= zone.end; index += 1 << order) {
      if (this.#isFreeBlock(zone, index, order)) return true;
    }
    return false;
  }

  indexOf(addr: number): number {
    return (addr - this.ramBase) / PAGE_SIZE;
  }

  #isFreeBlock(zone: ModelZone, index: number, order: number): boolean {
    const size = 1 << order;
    if ((index - zone.first) % size !== 0 || index + size > zone.end) return false;
    for (let i = index; i < index + size; i++) if (!this.free[i]) return false;
    return true;
  }
}

/** The firmware's free piles, as sorted "zone order addr" strings. */
export function actualPiles(k: Kernel): string[] {
  return k.freePiles().map((p) => pileKey(p.zone, p.order, p.addr)).sort();
}

function pileKey(zone: string, order: number, addr: number): string {
  return `${zone} order ${order} at 0x${addr.toString(16)}`;
}
