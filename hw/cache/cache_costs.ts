/**
 * What a cache costs on this board, in bus cycles: the four prices a cache
 * model charges, and the one rule every preset, and every spec that leaves a
 * price out, takes them from.
 *
 * The board's unit is an uncached access over the bus: RAM_ACCESS_CYCLES
 * (2) for RAM, of any width, an address phase and a data phase with no
 * wait state. A cache hit never reaches the bus. The rule takes the M7 on
 * an STM32H7, where a 64-bit AXI runs at half the core clock
 * (`reference/cache-models.md` F3), so one beat costs 2 core cycles, what
 * an uncached access costs here. From there:
 *
 * | price               | cycles                          | 32-byte line | 64-byte line |
 * |---------------------|---------------------------------|--------------|--------------|
 * | hit                 | 1                               | 1            | 1            |
 * | miss (line fill)    | (1 + line / 8) × RAM_ACCESS     | 10           | 18           |
 * | dirty line written  | (1 + line / 8) × RAM_ACCESS     | 10           | 18           |
 * | write-through write | RAM_ACCESS                      | 2            | 2            |
 *
 * (RAM_ACCESS is RAM_ACCESS_CYCLES; boardCacheCosts takes another memory's
 * access cost in its place, for a cache in front of a slower memory.)
 *
 * - A hit is served inside the core in one cycle, with no wait state (F5:
 *   "zero wait state" on hit; A1), half of what the same access costs
 *   without a cache.
 * - A line fill is one access's worth for the request and arbitration, then
 *   one access's worth per 64-bit beat: 4 beats of a 32-byte line make 10,
 *   the low end of A1's estimate for the M7 on STM32H7 ("4 beats × 2 core
 *   cycles + bus/arbiter latency ≈ 10–16"), and 8 beats of a 64-byte line
 *   make 18. No ARM document gives the M7's miss
 *   penalty (A1), so the rule keeps to the one that can be derived.
 * - Writing a dirty line back moves the same beats the other way.
 * - A write that goes past the cache (every write of a write-through cache,
 *   and a write miss that does not allocate) is one uncached write, as today.
 *
 * So a stream that always hits costs half what it costs without the cache,
 * and one that misses on every access costs several times more: a cache
 * pays only where there is locality.
 * @module
 */

import { RAM_ACCESS_CYCLES } from "../timing.ts";

/** Width of the bus between the cache and memory, in bytes: the M7's 64-bit AXI. */
const BUS_BEAT_BYTES = 8;
/** A hit: one core cycle, no wait state. */
const HIT_CYCLES = 1;

/**
 * The four prices of a cache, in bus cycles, all whole numbers ≥ 0. Every
 * access pays `hitCycles` (the lookup); a miss that brings a line in adds
 * `missCycles`; evicting or flushing a dirty line adds `writeBackCycles`; a
 * write sent to RAM past the cache adds `writeThroughCycles`. A model's
 * cycles are therefore accesses × hit + fills × miss + write-backs ×
 * write-back + write-throughs × write-through.
 */
export interface CacheCosts {
  /** Cycles of every access: the lookup, and all of a hit. */
  hitCycles: number;
  /** Cycles added by a miss that fills a line from RAM. */
  missCycles: number;
  /** Cycles of writing one dirty line back to RAM (on eviction or flush). */
  writeBackCycles: number;
  /**
   * Cycles added by a write that goes to RAM past the cache: each write of a
   * write-through cache, and each write miss of a cache that does not
   * allocate on a write.
   */
  writeThroughCycles: number;
}

/**
 * The prices the rule of this module gives a cache of `lineBytes`-byte
 * lines on this board: hit 1, fill and write-back (1 + lineBytes / 8) ×
 * the memory's access cycles, write-through one memory access. Lines
 * narrower than the bus take one beat. The memory behind the cache is RAM
 * unless `memoryCycles` says otherwise: an instruction cache in front of a
 * slower memory (flash with wait states) pays that memory's access per beat.
 * @param lineBytes the line size in bytes
 * @param memoryCycles cycles of one uncached access to the memory behind the
 *   cache (default RAM_ACCESS_CYCLES, 2)
 * @returns the four prices
 * @example
 * ```ts
 * import { boardCacheCosts } from "./cache_costs.ts";
 * const costs = boardCacheCosts(32);
 * console.log(costs.hitCycles, costs.missCycles, costs.writeThroughCycles); // 1 10 2
 * console.log(boardCacheCosts(32, 4).missCycles); // 20: 5 accesses of a 4-cycle memory
 * ```
 */
export function boardCacheCosts(
  lineBytes: number,
  memoryCycles: number = RAM_ACCESS_CYCLES,
): CacheCosts {
  const beats = Math.max(1, Math.ceil(lineBytes / BUS_BEAT_BYTES));
  const lineCycles = (1 + beats) * memoryCycles;
  return {
    hitCycles: HIT_CYCLES,
    missCycles: lineCycles,
    writeBackCycles: lineCycles,
    writeThroughCycles: memoryCycles,
  };
}
