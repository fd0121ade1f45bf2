/**
 * A cache's configuration: geometry, policies and prices, and the checks a
 * configuration must pass before a model is built from it.
 *
 * Geometry, as Cachegrind and Dinero IV take it (`reference/cache-models.md`
 * A2): a size, a number of ways and a line size. The cache holds
 * size / line lines in size / (ways × line) sets; an address's line number
 * is `addr >>> log2(line)`, its set the low bits of that number (bit
 * selection). Every quantity is a power of two, so the sets are too, and the
 * size is always a multiple of ways × line. One way is a direct-mapped
 * cache; as many ways as lines, a fully associative one.
 * @module
 */

import type { CacheCosts } from "./cache_costs.ts";

/**
 * When a write reaches RAM: at once ("write-through"), or when its dirty
 * line leaves the cache ("write-back").
 */
export type WritePolicy = "write-back" | "write-through";

/**
 * Which line of a full set a miss evicts: the least recently used ("lru"),
 * the first filled ("fifo", which is round-robin while lines are only ever
 * invalidated all at once), or a way drawn from a seeded generator
 * ("random"). Every one is deterministic. A set with an invalid line fills
 * that line first, the lowest way first, whatever the policy.
 */
export type Replacement = "lru" | "fifo" | "random";

/** Largest cache accepted: 64 MiB, larger than any cache `cache-models.md` cites. */
const CACHE_MAX_BYTES = 64 * 1024 * 1024;
/** Smallest line accepted: 4 bytes, so that an aligned 32-bit access fits one line. */
const CACHE_MIN_LINE_BYTES = 4;

/**
 * Everything a cache model needs: geometry (see the module comment),
 * policies and the four prices of {@link CacheCosts}.
 */
export interface CacheConfig extends CacheCosts {
  /** Capacity in bytes: a power of two, 4 bytes to 64 MiB. */
  sizeBytes: number;
  /** Associativity: a power of two, 1 (direct-mapped) to the number of lines. */
  ways: number;
  /** Line size in bytes: a power of two, at least 4, at most the size. */
  lineBytes: number;
  /** When writes reach RAM. */
  writePolicy: WritePolicy;
  /**
   * Whether a write miss brings the line in (fetching it, then writing it)
   * or goes to RAM past the cache, leaving the cache as it was.
   */
  writeAllocate: boolean;
  /** Which line a miss evicts from a full set. */
  replacement: Replacement;
  /**
   * The random generator's seed, a 32-bit unsigned integer (default 1);
   * only "random" replacement reads it.
   */
  seed?: number;
}

/**
 * A configuration, or a spec of one, that fails the checks. `field` names
 * the field that is wrong, when one is, and `problem` says what is wrong
 * with it in words that follow its name and value ("must be a power of
 * two ..."), so that a spec parser can name its own key instead.
 *
 * @example
 * ```ts
 * import { CacheConfigError, checkCacheConfig } from "./cache_config.ts";
 * import { CACHE_PRESETS } from "./cache_presets.ts";
 * try {
 *   checkCacheConfig({ ...CACHE_PRESETS["cortex-m7-d"], ways: 3 });
 * } catch (e) {
 *   console.log(e instanceof CacheConfigError && e.message);
 *   // cache config: ways 3 must be a power of two from 1 to the 512 lines the cache holds
 * }
 * ```
 */
export class CacheConfigError extends Error {
  /** The configuration field that is wrong, if the error is about one. */
  readonly field: keyof CacheConfig | undefined;
  /** What is wrong with that field's value; the whole message otherwise. */
  readonly problem: string;

  /**
   * Describes what is wrong.
   * @param message the error's one-line message
   * @param field the field that is wrong, if any
   * @param problem what is wrong with its value (default: the message)
   */
  constructor(message: string, field?: keyof CacheConfig, problem: string = message) {
    super(message);
    this.name = "CacheConfigError";
    this.field = field;
    this.problem = problem;
  }
}

/**
 * Checks a configuration: the geometry (size, line, then the ways against
 * them), the policies, then the prices; the first wrong field throws.
 * @param config the configuration
 * @throws {CacheConfigError} naming the first field that is wrong
 * @example
 * ```ts
 * import { checkCacheConfig } from "./cache_config.ts";
 * import { CACHE_PRESETS } from "./cache_presets.ts";
 * checkCacheConfig(CACHE_PRESETS["u74-d"]); // passes: returns nothing
 * ```
 */
export function checkCacheConfig(config: CacheConfig): void {
  const { sizeBytes, ways, lineBytes } = config;
  if (!isPowerOfTwo(sizeBytes) || sizeBytes < CACHE_MIN_LINE_BYTES || sizeBytes > CACHE_MAX_BYTES) {
    throw bad("sizeBytes", sizeBytes, "must be a power of two from 4 bytes to 64 MiB");
  }
  if (!isPowerOfTwo(lineBytes) || lineBytes < CACHE_MIN_LINE_BYTES) {
    throw bad("lineBytes", lineBytes, "must be a power of two of at least 4 bytes");
  }
  if (lineBytes > sizeBytes) {
    throw bad("lineBytes", lineBytes, `must not exceed the size (${sizeBytes} bytes)`);
  }
  const lines = sizeBytes / lineBytes;
  if (!isPowerOfTwo(ways) || ways > lines) {
    throw bad("ways", ways, `must be a power of two from 1 to the ${lines} lines the cache holds`);
  }
  if (config.writePolicy !== "write-back" && config.writePolicy !== "write-through") {
    throw bad("writePolicy", config.writePolicy, "must be write-back or write-through");
  }
  if (typeof config.writeAllocate !== "boolean") {
    throw bad("writeAllocate", config.writeAllocate, "must be true or false");
  }
  if (!REPLACEMENTS.includes(config.replacement)) {
    throw bad("replacement", config.replacement, "must be lru, fifo or random");
  }
  const seed = config.seed;
  if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32)) {
    throw bad("seed", seed, "must be a whole number from 0 to 2^32 - 1");
  }
  for (const field of COST_FIELDS) {
    const cycles = config[field];
    if (!Number.isSafeInteger(cycles) || cycles < 0) {
      throw bad(field, cycles, "must be a whole number of cycles, 0 or more");
    }
  }
}

/** The error for `field`, whose value is `value`, with what is wrong with it. */
function bad(field: keyof CacheConfig, value: unknown, problem: string): CacheConfigError {
  return new CacheConfigError(`cache config: ${field} ${String(value)} ${problem}`, field, problem);
}

const REPLACEMENTS: readonly Replacement[] = ["lru", "fifo", "random"];
const COST_FIELDS = ["hitCycles", "missCycles", "writeBackCycles", "writeThroughCycles"] as const;

/** Whether `n` is 1, 2, 4, ... (an integer power of two, however large). */
function isPowerOfTwo(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 1 && 2 ** Math.round(Math.log2(n)) === n;
}
