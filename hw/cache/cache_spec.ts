/**
 * Cache specs as a command line takes them (`--cache SPEC`): a preset's
 * name, comma-separated `key=value` pairs, or a preset's name followed by
 * pairs that change some of its fields.
 *
 * ```
 * cortex-m7-d
 * cortex-m7-d,ways=8,repl=fifo
 * size=16K,ways=4,line=32,policy=wb,alloc=yes,repl=lru,hit=1,miss=10,writeback=10
 * ```
 *
 * | key          | value                                      | default                   |
 * |--------------|--------------------------------------------|---------------------------|
 * | size         | bytes; K, KB, KiB ×1024; M, MB, MiB ×1024² | required without a preset |
 * | ways         | 1, 2, 4, ... or `full`                     | required without a preset |
 * | line         | bytes, as size                             | required without a preset |
 * | policy       | `wb` write-back, `wt` write-through        | wb                        |
 * | alloc        | `yes` or `no`: a write miss allocates      | yes                       |
 * | repl         | `lru`, `fifo` or `random`                  | lru                       |
 * | seed         | random's seed, 0 to 2^32 − 1               | 1 (repl=random only)      |
 * | hit          | cycles of every access                     | the board's rule          |
 * | miss         | cycles a line fill adds                    | the board's rule          |
 * | writeback    | cycles of a dirty line written back        | the board's rule          |
 * | writethrough | cycles a write past the cache adds         | the board's rule          |
 *
 * Defaults are Dinero IV's (write-back, write-allocate, LRU); the board's
 * rule is cache_costs.ts's. A price not
 * given is the preset's when the line size is the preset's, and otherwise
 * the board's rule for the line size: so `cortex-m7-d,line=64` costs what
 * a 64-byte line costs. `ways=full` is one set, as many ways as lines.
 * @module
 */

import {
  type CacheConfig,
  CacheConfigError,
  checkCacheConfig,
  type Replacement,
  type WritePolicy,
} from "./cache_config.ts";
import { boardCacheCosts } from "./cache_costs.ts";
import { CACHE_PRESETS, type CachePresetName, isCachePresetName } from "./cache_presets.ts";

/** Each key of a spec, and the configuration field it sets. */
const KEY_FIELDS = {
  size: "sizeBytes",
  ways: "ways",
  line: "lineBytes",
  policy: "writePolicy",
  alloc: "writeAllocate",
  repl: "replacement",
  seed: "seed",
  hit: "hitCycles",
  miss: "missCycles",
  writeback: "writeBackCycles",
  writethrough: "writeThroughCycles",
} as const satisfies Record<string, keyof CacheConfig>;

type SpecKey = keyof typeof KEY_FIELDS;

const POLICIES: Record<string, WritePolicy> = {
  "wb": "write-back",
  "write-back": "write-back",
  "wt": "write-through",
  "write-through": "write-through",
};
const ALLOCATES: Record<string, boolean> = { yes: true, no: false };
const REPLACEMENTS: Record<string, Replacement> = { lru: "lru", fifo: "fifo", random: "random" };
/** Units of a size, binary as cache sizes always are. */
const BYTE_UNITS: Record<string, number> = {
  "": 1,
  "k": 1024,
  "kb": 1024,
  "kib": 1024,
  "m": 1024 ** 2,
  "mb": 1024 ** 2,
  "mib": 1024 ** 2,
};

/**
 * Reads a cache spec (see the module comment for its keys).
 * @param spec a preset's name, `key=value` pairs, or both
 * @returns the configuration, checked
 * @throws {CacheConfigError} with a one-line message that names the key
 * (or the preset) at fault, e.g. `cache spec: ways=3 must be a power of two
 * from 1 to the 512 lines the cache holds`
 * @example
 * ```ts
 * import { parseCacheSpec } from "./cache_spec.ts";
 * const config = parseCacheSpec("cortex-m7-d,ways=8");
 * console.log(config.sizeBytes, config.ways, config.missCycles); // 16384 8 10
 * ```
 */
export function parseCacheSpec(spec: string): CacheConfig {
  if (spec.trim() === "") fail("empty (give a preset's name, or size, ways and line)");
  const items = spec.split(",").map((item) => item.trim());
  let presetName: CachePresetName | undefined;
  if (items[0] !== "" && !items[0].includes("=")) {
    if (!isCachePresetName(items[0])) {
      fail(`unknown preset "${items[0]}" (presets: ${Object.keys(CACHE_PRESETS).join(", ")})`);
    }
    presetName = items.shift() as CachePresetName;
  }
  const given = givenValues(items, presetName === undefined);
  const preset = presetName === undefined ? undefined : CACHE_PRESETS[presetName];
  // Without a preset, givenValues made sure size, ways and line are given.
  const sizeBytes = given.size === undefined ? preset!.sizeBytes : byteSize("size", given.size);
  const lineBytes = given.line === undefined ? preset!.lineBytes : byteSize("line", given.line);
  const ways = given.ways === undefined
    ? preset!.ways
    : given.ways === "full"
    ? sizeBytes / lineBytes
    : wholeNumber("ways", given.ways);
  const prices = preset !== undefined && lineBytes === preset.lineBytes
    ? preset
    : boardCacheCosts(lineBytes);
  const config: CacheConfig = {
    sizeBytes,
    ways,
    lineBytes,
    writePolicy: choice("policy", given.policy, POLICIES) ?? preset?.writePolicy ?? "write-back",
    writeAllocate: choice("alloc", given.alloc, ALLOCATES) ?? preset?.writeAllocate ?? true,
    replacement: choice("repl", given.repl, REPLACEMENTS) ?? preset?.replacement ?? "lru",
    hitCycles: given.hit === undefined ? prices.hitCycles : wholeNumber("hit", given.hit),
    missCycles: given.miss === undefined ? prices.missCycles : wholeNumber("miss", given.miss),
    writeBackCycles: given.writeback === undefined
      ? prices.writeBackCycles
      : wholeNumber("writeback", given.writeback),
    writeThroughCycles: given.writethrough === undefined
      ? prices.writeThroughCycles
      : wholeNumber("writethrough", given.writethrough),
  };
  if (given.seed !== undefined) {
    if (config.replacement !== "random") fail(`seed=${given.seed} is only read by repl=random`);
    config.seed = wholeNumber("seed", given.seed);
  } else if (preset?.seed !== undefined && config.replacement === "random") {
    config.seed = preset.seed;
  }

  try {
    checkCacheConfig(config);
  } catch (error) {
    if (!(error instanceof CacheConfigError) || error.field === undefined) throw error;
    const key = (Object.keys(KEY_FIELDS) as SpecKey[]).find((k) => KEY_FIELDS[k] === error.field)!;
    const value = given[key] ??
      `${String(config[error.field])} (from ${presetName ?? "the defaults"})`;
    fail(`${key}=${value} ${error.problem}`, error.field, error.problem);
  }
  return config;
}

/**
 * Writes a configuration as a spec that parseCacheSpec reads back to the
 * same configuration: every key, sizes in K or M where they divide, `seed`
 * only with random replacement.
 * @param config a configuration
 * @returns its spec
 * @example
 * ```ts
 * import { formatCacheSpec } from "./cache_spec.ts";
 * import { CACHE_PRESETS } from "./cache_presets.ts";
 * console.log(formatCacheSpec(CACHE_PRESETS["cortex-m7-d"]));
 * // size=16K,ways=4,line=32,policy=wb,alloc=yes,repl=lru,hit=1,miss=10,writeback=10,writethrough=2
 * ```
 */
export function formatCacheSpec(config: Readonly<CacheConfig>): string {
  const pairs = [
    `size=${formatBytes(config.sizeBytes)}`,
    `ways=${config.ways}`,
    `line=${formatBytes(config.lineBytes)}`,
    `policy=${config.writePolicy === "write-back" ? "wb" : "wt"}`,
    `alloc=${config.writeAllocate ? "yes" : "no"}`,
    `repl=${config.replacement}`,
  ];
  if (config.replacement === "random" && config.seed !== undefined) {
    pairs.push(`seed=${config.seed}`);
  }
  pairs.push(
    `hit=${config.hitCycles}`,
    `miss=${config.missCycles}`,
    `writeback=${config.writeBackCycles}`,
    `writethrough=${config.writeThroughCycles}`,
  );
  return pairs.join(",");
}

/**
 * The `key=value` items of a spec (after its preset, if any), by key.
 * @param items the items
 * @param geometryRequired whether size, ways and line must be among them (no preset)
 */
function givenValues(items: string[], geometryRequired: boolean): Partial<Record<SpecKey, string>> {
  const given: Partial<Record<SpecKey, string>> = {};
  for (const item of items) {
    const equals = item.indexOf("=");
    if (equals === -1) {
      fail(
        item === ""
          ? "an empty item (items are separated by single commas)"
          : `"${item}" is not key=value (only the first item may be a preset's name)`,
      );
    }
    const key = item.slice(0, equals).trim();
    if (!Object.hasOwn(KEY_FIELDS, key)) {
      fail(`unknown key "${key}" (keys: ${Object.keys(KEY_FIELDS).join(", ")})`);
    }
    if (given[key as SpecKey] !== undefined) fail(`${key} is given twice`);
    given[key as SpecKey] = item.slice(equals + 1).trim();
  }
  if (geometryRequired) {
    for (const key of ["size", "ways", "line"] as const) {
      if (given[key] === undefined) {
        fail(`${key} is missing (without a preset, give size, ways and line)`);
      }
    }
  }
  return given;
}

/** `text` as a byte count (digits, then K, KiB, M or MiB in any case, or nothing). */
function byteSize(key: SpecKey, text: string): number {
  const match = /^(\d+)\s*([a-z]*)$/i.exec(text);
  const unit = match === null ? undefined : BYTE_UNITS[match[2].toLowerCase()];
  if (match === null || unit === undefined) {
    fail(`${key}=${text} is not a size in bytes (e.g. 16K, 16KiB or 16384)`);
  }
  return Number(match[1]) * unit;
}

/** `text` as a whole number (digits only). */
function wholeNumber(key: SpecKey, text: string): number {
  if (!/^\d+$/.test(text)) fail(`${key}=${text} is not a whole number`);
  return Number(text);
}

/** The value `text` names among `choices`, or undefined when no text was given. */
function choice<T>(
  key: SpecKey,
  text: string | undefined,
  choices: Record<string, T>,
): T | undefined {
  if (text === undefined) return undefined;
  if (!Object.hasOwn(choices, text)) {
    fail(`${key}=${text} is not one of ${Object.keys(choices).join(", ")}`);
  }
  return choices[text];
}

/** A size as a spec writes it: M or K when it divides, else bytes. */
function formatBytes(bytes: number): string {
  if (bytes % 1024 ** 2 === 0) return `${bytes / 1024 ** 2}M`;
  if (bytes % 1024 === 0) return `${bytes / 1024}K`;
  return String(bytes);
}

/** Throws the spec's error: one line, prefixed so that a user knows what it is about. */
function fail(message: string, field?: keyof CacheConfig, problem?: string): never {
  throw new CacheConfigError(`cache spec: ${message}`, field, problem ?? message);
}
