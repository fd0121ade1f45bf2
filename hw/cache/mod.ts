/**
 * The cache model: an optional cache between the bus's users and RAM
 * (`reference/cache-models.md`), as configurations, presets of real cores,
 * a spec parser for command lines, and the model that prices each access.
 *
 * @example
 * ```ts
 * import { CacheModel, parseCacheSpec } from "./mod.ts";
 * const cache = new CacheModel(parseCacheSpec("cortex-m7-d"));
 * let cycles = 0;
 * for (let pass = 0; pass < 2; pass++) {
 *   for (let addr = 0x4000_0000; addr < 0x4000_1000; addr += 4) {
 *     cycles += cache.access(addr, false);
 *   }
 * }
 * // 4 KiB read twice: 128 misses of 11 cycles, then 1,920 hits of 1
 * console.log(cycles, cache.counters().misses); // 3328 128
 * ```
 * @module
 */

export {
  type CacheConfig,
  CacheConfigError,
  checkCacheConfig,
  type Replacement,
  type WritePolicy,
} from "./cache_config.ts";
export { boardCacheCosts, type CacheCosts } from "./cache_costs.ts";
export { type CacheCounters, type CacheLineState, CacheModel } from "./cache_model.ts";
export { CacheView } from "./cache_view.ts";
export { CACHE_PRESETS, type CachePresetName, isCachePresetName } from "./cache_presets.ts";
export { formatCacheSpec, parseCacheSpec } from "./cache_spec.ts";
