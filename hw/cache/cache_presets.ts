/**
 * Caches of real cores, named after the core and side they model. Each
 * takes its geometry and policies from the figure of
 * `reference/cache-models.md` its comment cites, and its prices from the
 * board's rule (cache_costs.ts): hit 1, then fill and write-back
 * 10 cycles for 32-byte lines and 18 for 64-byte ones, write-through 2.
 *
 * An instruction cache never writes: its instance is fed only fetches.
 * Its write policy says what a write would do if one reached it anyway:
 * write-through without allocating, so that the write costs one memory
 * write and leaves the cache as it was. Its prices, as every preset's,
 * take RAM to be behind it; in front of a slower memory (flash with wait
 * states), spread `boardCacheCosts(lineBytes, thatMemorysCycles)` over it.
 * @module
 */

import type { CacheConfig } from "./cache_config.ts";
import { boardCacheCosts } from "./cache_costs.ts";

const KiB = 1024;

/** The names of the {@link CACHE_PRESETS}. */
export type CachePresetName =
  | "cortex-m7-d"
  | "cortex-m7-i"
  | "u74-d"
  | "u74-i"
  | "cortex-a53-d";

/**
 * The presets, by name (prices: hit, miss, write-back, write-through):
 *
 * | name         | size   | ways | line | writes         | replacement | hit/miss/wb/wt |
 * |--------------|--------|------|------|----------------|-------------|----------------|
 * | cortex-m7-d  | 16 KiB | 4    | 32   | back, allocate | LRU         | 1/10/10/2      |
 * | cortex-m7-i  | 16 KiB | 2    | 32   | (through, no)  | LRU         | 1/10/10/2      |
 * | u74-d        | 32 KiB | 8    | 64   | back, allocate | LRU         | 1/18/18/2      |
 * | u74-i        | 32 KiB | 4    | 64   | (through, no)  | LRU         | 1/18/18/2      |
 * | cortex-a53-d | 32 KiB | 4    | 64   | back, allocate | random      | 1/18/18/2      |
 *
 * @example
 * ```ts
 * import { CACHE_PRESETS } from "./cache_presets.ts";
 * const m7 = CACHE_PRESETS["cortex-m7-d"];
 * console.log(m7.sizeBytes / (m7.ways * m7.lineBytes)); // 128 sets
 * ```
 */
export const CACHE_PRESETS: Readonly<Record<CachePresetName, Readonly<CacheConfig>>> = Object
  .freeze({
    // Cortex-M7 L1 data cache as an STM32F76x or STM32H7 ships it: 16 KB
    // (F3), 4-way with 32-byte lines, 128 sets (F1: CMSIS-Core M7 cache
    // doc; Microchip SAM E70/V71 configuration tables). Write-back,
    // write-allocate: the ARMv7-M default for SRAM at 0x2000_0000 (F2: ARM
    // DDI0489F §5.9, §3.3.8), where an allocator's data lives. The sources
    // do not name the M7's replacement policy; LRU is Cachegrind's and gem5's
    // (A2).
    "cortex-m7-d": Object.freeze({
      sizeBytes: 16 * KiB,
      ways: 4,
      lineBytes: 32,
      writePolicy: "write-back",
      writeAllocate: true,
      replacement: "lru",
      ...boardCacheCosts(32),
    }),
    // Cortex-M7 L1 instruction cache of the same parts: 16 KB (F3), 2-way,
    // 32-byte lines (F1).
    "cortex-m7-i": Object.freeze({
      sizeBytes: 16 * KiB,
      ways: 2,
      lineBytes: 32,
      writePolicy: "write-through",
      writeAllocate: false,
      replacement: "lru",
      ...boardCacheCosts(32),
    }),
    // SiFive U74 (HiFive Unmatched) L1 data cache as gem5's riscvmatched
    // board models it: 32 KiB, 8-way (F8: gem5.org riscvmatched_cache; the
    // U74 manual 20G1 later reduced it to 4-way), 64-byte lines (gem5's
    // cache line; SiFive's E31 I-cache lines are 64 B too, F8). Write-back,
    // write-allocate, LRU: gem5's classic cache and its default LRURP (A2).
    "u74-d": Object.freeze({
      sizeBytes: 32 * KiB,
      ways: 8,
      lineBytes: 64,
      writePolicy: "write-back",
      writeAllocate: true,
      replacement: "lru",
      ...boardCacheCosts(64),
    }),
    // SiFive U74 L1 instruction cache: 32 KiB, 4-way (F8, gem5.org
    // riscvmatched_cache), 64-byte lines as the data side.
    "u74-i": Object.freeze({
      sizeBytes: 32 * KiB,
      ways: 4,
      lineBytes: 64,
      writePolicy: "write-through",
      writeAllocate: false,
      replacement: "lru",
      ...boardCacheCosts(64),
    }),
    // Cortex-A53 L1 data cache: 4-way, 64-byte lines, pseudo-random
    // replacement (F6: ARM DDI0500D p.2-5, DDI0500G §2.1.7); of its 8 to
    // 64 KB, 32 KiB, the size of gem5's A53-class in-order "HPI" L1D (F9:
    // configs/common/cores/arm/HPI.py). Write-back, write-allocate as gem5's
    // classic cache (A2). Seed 1: the same evictions on every run.
    "cortex-a53-d": Object.freeze({
      sizeBytes: 32 * KiB,
      ways: 4,
      lineBytes: 64,
      writePolicy: "write-back",
      writeAllocate: true,
      replacement: "random",
      seed: 1,
      ...boardCacheCosts(64),
    }),
  });

/**
 * Whether `name` names one of the {@link CACHE_PRESETS}.
 * @param name any text
 * @returns true for a preset's name
 * @example
 * ```ts
 * import { isCachePresetName } from "./cache_presets.ts";
 * console.log(isCachePresetName("cortex-m7-d"), isCachePresetName("m7")); // true false
 * ```
 */
export function isCachePresetName(name: string): name is CachePresetName {
  return Object.hasOwn(CACHE_PRESETS, name);
}
