/**
 * What a board shows of its cache: the model's configuration, counters and
 * line states, read-only. The model itself (which prices accesses and
 * changes with each) stays the board's: a design that could call it would
 * warm lines the bus never charged.
 * @module
 */

import type { CacheConfig } from "./cache_config.ts";
import type { CacheCounters, CacheLineState, CacheModel } from "./cache_model.ts";

/**
 * A read-only view of a board's cache model.
 * @example
 * ```ts
 * import { Board } from "../board.ts";
 * import { parseCacheSpec } from "./mod.ts";
 * const board = new Board({ ramBytes: 64 * 1024, cache: { data: parseCacheSpec("cortex-m7-d") } });
 * board.read32(board.ramBase);
 * console.log(board.dataCache!.misses, "access" in board.dataCache!); // 1 false
 * ```
 */
export class CacheView {
  readonly #model: CacheModel;

  /**
   * Shows `model`.
   * @param model the board's cache model
   */
  constructor(model: CacheModel) {
    this.#model = model;
  }

  /** The cache's geometry, policies and costs. */
  get config(): Readonly<CacheConfig> {
    return this.#model.config;
  }

  /** Accesses so far (see CacheModel.accesses). */
  get accesses(): number {
    return this.#model.accesses;
  }

  /** Misses so far. */
  get misses(): number {
    return this.#model.misses;
  }

  /** Dirty lines written back so far. */
  get writeBacks(): number {
    return this.#model.writeBacks;
  }

  /**
   * Every counter so far.
   * @returns a fresh object of them
   */
  counters(): CacheCounters {
    return this.#model.counters();
  }

  /**
   * Whether the line holding `addr` is absent, clean or dirty.
   * @param addr a physical address
   * @returns its line's state
   */
  lineState(addr: number): CacheLineState {
    return this.#model.lineState(addr);
  }
}
