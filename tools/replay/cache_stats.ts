/**
 * Cache figures of a replay: per kind of operation, the data cache's
 * accesses, misses and dirty write-backs of each call (p50, p99, max and
 * totals), and each cache's totals over the whole replay as Dinero IV
 * reports them (misses split read and write, bytes from and to memory).
 * @module
 */

import type { CacheCounters } from "../../hw/cache/cache_model.ts";
import type { CacheView } from "../../hw/cache/cache_view.ts";
import { formatCacheSpec } from "../../hw/cache/cache_spec.ts";
import { CycleStats } from "./cycle_stats.ts";

/** One count per call (accesses, misses or write-backs) of one kind of operation. */
export interface CacheCountFigures {
  /** Over every call. */
  total: number;
  /** Per call: the median. */
  p50: number;
  /** Per call: the 99th percentile. */
  p99: number;
  /** Per call: the most. */
  max: number;
}

/** The data cache's figures of one kind of operation, per call. */
export interface CacheOpFigures {
  /** Accesses that reached the cache. */
  accesses: CacheCountFigures;
  /** Of those, the ones whose line was not in the cache. */
  misses: CacheCountFigures;
  /** Dirty lines written back to memory (evicted by the call's fills). */
  writeBacks: CacheCountFigures;
}

/** What one cache did over a replay. */
export interface CacheSideFigures {
  /** Its configuration, as a spec `--cache` takes. */
  spec: string;
  /**
   * Its counters over the whole replay: the design's boot and its calls
   * (the replay's own checks bypass the caches).
   */
  totals: CacheCounters;
}

/**
 * A replay's cache figures (ReplayResult.cache): the data cache's per kind
 * of operation and in total; the instruction cache's totals, for a design
 * that runs on the board's CPU with one.
 */
export interface CacheFigures {
  /** The data cache, and per kind of operation what the Kernel calls did in it. */
  data: CacheSideFigures & { ops: Record<string, CacheOpFigures> };
  /** The instruction cache, for a design on the CPU; absent otherwise. */
  instruction?: CacheSideFigures;
}

/**
 * Collects a data cache's counts per call of one kind of operation, as
 * CycleStats collects its cycles.
 */
export class CacheOpStats {
  readonly #accesses = new CycleStats();
  readonly #misses = new CycleStats();
  readonly #writeBacks = new CycleStats();
  #totals = [0, 0, 0];

  /** Adds one call's counts, and the trace line it came from. */
  add(accesses: number, misses: number, writeBacks: number, line: number): void {
    this.#accesses.add(accesses, line);
    this.#misses.add(misses, line);
    this.#writeBacks.add(writeBacks, line);
    this.#totals[0] += accesses;
    this.#totals[1] += misses;
    this.#totals[2] += writeBacks;
  }

  /** The figures so far. */
  figures(): CacheOpFigures {
    const figures = (stats: CycleStats, total: number): CacheCountFigures => {
      const { p50, p99, max } = stats.figures().cycles;
      return { total, p50, p99, max };
    };
    return {
      accesses: figures(this.#accesses, this.#totals[0]),
      misses: figures(this.#misses, this.#totals[1]),
      writeBacks: figures(this.#writeBacks, this.#totals[2]),
    };
  }
}

/**
 * What a cache did over a replay, as a report shows it.
 * @param cache the cache
 * @returns its spec and its counters
 */
export function cacheSide(cache: CacheView): CacheSideFigures {
  return { spec: formatCacheSpec(cache.config), totals: cache.counters() };
}
