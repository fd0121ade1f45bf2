/**
 * Memory over a replay, for the report's pictures: samples of live bytes,
 * footprint and free piles per order against the event number, in bounded
 * memory; and who held each page at the footprint's peak.
 * @module
 */

import { PAGE_SIZE } from "../../hw/memory_map.ts";
import type { PageMap } from "../../core/firmware.ts";

/** What a timeline reads of the design, through whatever guards and checks its calls. */
export interface TimelineSource {
  /** The board's RAM, in bytes. */
  readonly ramBytes: number;
  /** Who holds each page now; null for a design that cannot tell. */
  pageMap(): PageMap | null;
  /** Bytes of the pages the allocators hold now. */
  footprintBytes(): number;
  /** Free piles per order now, all zones together. */
  freeByOrder(): number[];
}

/** Samples kept at most; when full, every other one is dropped and the interval doubles. */
const MAX_SAMPLES = 1024;

/** Memory against the event number, sampled at a fixed interval of events. */
export interface MemorySeries {
  /** Events between two samples. */
  every: number;
  /** The event number (1 = the trace's first event) of each sample. */
  event: number[];
  /** The trace line of each sample's event. */
  line: number[];
  /** Live requested bytes: objects as requested, page allocations whole, vmalloc areas. */
  requestedBytes: number[];
  /** Bytes of the pages the allocators held. */
  footprintBytes: number[];
  /** Free piles per order (all zones together), `freeByOrder[sample][order]`. */
  freeByOrder: number[][];
}

/** What the report draws, collected during a replay. */
export interface ReplayPictures {
  /** When the allocators held the most pages. */
  peak: {
    /** The trace line of the allocation that reached the peak. */
    line: number;
    /** The footprint then, in bytes. */
    footprintBytes: number;
  };
  /**
   * Who held each page at the peak, or near it: the map is read again only
   * when the footprint has grown by a 256th of RAM since the last read (see
   * MemoryTimeline), so it may be from an earlier line, with a footprint at
   * most that much below the peak's. Null for a design that cannot tell (no
   * pageMap).
   */
  peakMap: PageMap | null;
  /** When peakMap was read: the line after which, and the footprint then. */
  peakMapAt: {
    /** The trace line of the allocation that reached the map's footprint. */
    line: number;
    /** The footprint the map shows, in bytes. */
    footprintBytes: number;
  };
  /** Who held each page at the end of the trace; null as peakMap. */
  endMap: PageMap | null;
  /** Memory over the trace. */
  series: MemorySeries;
}

/**
 * Collects the pictures of one replay. The peak's page map is taken lazily:
 * an allocation that raises the footprint marks a peak, and the map is read
 * before the next event that can lower it. Between the two only allocations
 * run, which cannot lower the footprint, so the map read is the peak's; and a
 * climb of many allocations costs one read.
 *
 * A trace whose footprint creeps up through thousands of peaks, each followed
 * by a free (fs: 8,261), would read the map at each, and reading it walks
 * every pile: that made --report cost 60% of the replay. So a new peak is
 * read only when it is a 256th of RAM above the last map read (a 128 MiB
 * board: 512 KiB). Invariant: the map's footprint is within that step below
 * the true peak's, and at most 256 maps are read in a replay. The peak's line
 * and footprint themselves stay exact.
 */
export class MemoryTimeline {
  readonly #source: TimelineSource;
  #every = 1;
  readonly #series: MemorySeries;
  #peakFootprint = -1;
  #peakLine = 0;
  #peakPending = false;
  #peakMap: PageMap | null = null;
  /** The footprint and line of #peakMap; -1 before the first read. */
  #mapFootprint = -1;
  #mapLine = 0;
  /** Bytes the footprint must grow past #mapFootprint before the map is read again. */
  readonly #mapStep: number;

  /** @param source what the design being replayed into says of its memory */
  constructor(source: TimelineSource) {
    this.#source = source;
    this.#mapStep = Math.max(PAGE_SIZE, Math.floor(source.ramBytes / 256));
    this.#series = {
      every: 1,
      event: [],
      line: [],
      requestedBytes: [],
      footprintBytes: [],
      freeByOrder: [],
    };
  }

  /** After an allocation: the footprint it left, and its line. */
  allocated(footprintBytes: number, line: number): void {
    if (footprintBytes > this.#peakFootprint) {
      this.#peakFootprint = footprintBytes;
      this.#peakLine = line;
      if (this.#mapFootprint < 0 || footprintBytes >= this.#mapFootprint + this.#mapStep) {
        this.#peakPending = true;
      }
    }
  }

  /** Before an event that may give pages back: reads the peak's map if one is pending. */
  beforeRelease(): void {
    if (!this.#peakPending) return;
    this.#peakMap = this.#source.pageMap();
    this.#mapFootprint = this.#peakFootprint;
    this.#mapLine = this.#peakLine;
    this.#peakPending = false;
  }

  /** After each event: samples every `every` events. */
  afterEvent(event: number, line: number, requestedBytes: number): void {
    if (event % this.#every !== 0) return;
    const s = this.#series;
    if (s.event.length === MAX_SAMPLES) this.#halve();
    if (event % this.#every !== 0) return;
    s.event.push(event);
    s.line.push(line);
    s.requestedBytes.push(requestedBytes);
    s.footprintBytes.push(this.#source.footprintBytes());
    s.freeByOrder.push(this.#source.freeByOrder());
  }

  /** The pictures, the end's map read now. */
  finish(): ReplayPictures {
    this.beforeRelease();
    const endMap = this.#source.pageMap();
    return {
      peak: { line: this.#peakLine, footprintBytes: Math.max(this.#peakFootprint, 0) },
      peakMap: this.#peakMap ?? endMap,
      peakMapAt: this.#peakMap === null
        ? { line: this.#peakLine, footprintBytes: Math.max(this.#peakFootprint, 0) }
        : { line: this.#mapLine, footprintBytes: this.#mapFootprint },
      endMap,
      series: { ...this.#series, every: this.#every },
    };
  }

  /** Keeps the samples at even multiples of the interval, and doubles it. */
  #halve(): void {
    this.#every *= 2;
    const s = this.#series;
    const keep = s.event.map((event) => event % this.#every === 0);
    for (const list of [s.event, s.line, s.requestedBytes, s.footprintBytes, s.freeByOrder]) {
      let w = 0;
      for (let r = 0; r < list.length; r++) if (keep[r]) list[w++] = list[r];
      list.length = w;
    }
  }
}
