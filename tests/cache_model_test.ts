// The cache model (hw/cache/): against the reference cache (tests/_reference_cache.ts)
// event for event on random access streams, on known patterns whose counts follow from
// the geometry, and the spec parser. A failing property prints fast-check's seed and
// path: give them to its fc.assert as `{ seed, path }` to replay the failure.

import fc from "fast-check";
import { assertEquals, assertThrows } from "./_assert.ts";
import { type Outcome, ReferenceCache } from "./_reference_cache.ts";
import {
  boardCacheCosts,
  CACHE_PRESETS,
  type CacheConfig,
  CacheConfigError,
  CacheModel,
  type CachePresetName,
  checkCacheConfig,
  formatCacheSpec,
  parseCacheSpec,
  type Replacement,
  type WritePolicy,
} from "../hw/cache/mod.ts";
import { RAM_BASE } from "../hw/memory_map.ts";

const KiB = 1024;

/**
 * Prices whose sums tell every outcome apart: an access's cycles say whether it missed
 * (tens), wrote a line back (hundreds) and wrote through (thousands), part by part.
 */
const DISTINCT_PRICES = {
  hitCycles: 1,
  missCycles: 10,
  writeBackCycles: 100,
  writeThroughCycles: 1000,
};

/** Small geometries, so that a short stream conflicts, evicts and wraps. */
const GEOMETRIES: { name: string; sizeBytes: number; ways: number; lineBytes: number }[] = [
  { name: "direct-mapped 256 B, 16 B lines", sizeBytes: 256, ways: 1, lineBytes: 16 },
  { name: "2-way 512 B, 32 B lines", sizeBytes: 512, ways: 2, lineBytes: 32 },
  { name: "4-way 128 B, 4 B lines", sizeBytes: 128, ways: 4, lineBytes: 4 },
  { name: "fully associative 256 B, 16 B lines", sizeBytes: 256, ways: 16, lineBytes: 16 },
  { name: "fully associative 512 B, 64 B lines", sizeBytes: 512, ways: 8, lineBytes: 64 },
];

type Op =
  | { kind: "access"; addr: number; isWrite: boolean; width: number }
  | { kind: "words"; addr: number; isWrite: boolean; words: number }
  | { kind: "flush" }
  | { kind: "invalidate" };

/**
 * Accesses over four times the cache's size from RAM_BASE, as the bus makes them
 * (widths 1, 2, 4, aligned) and some unaligned, a few at the top of the 32-bit space
 * (where a crossing access wraps to line 0), bursts of words, and now and then a flush or
 * invalidate.
 */
function opArbitrary(sizeBytes: number): fc.Arbitrary<Op> {
  const access = fc.record({
    kind: fc.constant("access" as const),
    addr: fc.oneof(
      { weight: 20, arbitrary: fc.integer({ min: RAM_BASE, max: RAM_BASE + 4 * sizeBytes - 1 }) },
      { weight: 1, arbitrary: fc.integer({ min: 0xFFFF_FFF0, max: 0xFFFF_FFFF }) },
    ),
    isWrite: fc.boolean(),
    width: fc.constantFrom(1, 2, 4),
    aligned: fc.boolean(),
  }).map(({ kind, addr, isWrite, width, aligned }): Op => ({
    kind,
    addr: aligned ? addr - (addr % width) : addr,
    isWrite,
    width,
  }));
  // Bursts, mostly word-aligned as the board's fill32 makes them.
  const words = fc.record({
    kind: fc.constant("words" as const),
    addr: fc.integer({ min: RAM_BASE, max: RAM_BASE + 4 * sizeBytes - 1 }),
    isWrite: fc.boolean(),
    words: fc.integer({ min: 0, max: 40 }),
    aligned: fc.boolean(),
  }).map(({ kind, addr, isWrite, words, aligned }): Op => ({
    kind,
    addr: aligned ? addr - (addr % 4) : addr,
    isWrite,
    words,
  }));
  return fc.oneof(
    { weight: 60, arbitrary: access },
    { weight: 3, arbitrary: words },
    { weight: 1, arbitrary: fc.constant({ kind: "flush" as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: "invalidate" as const }) },
  );
}

/** The cycles the reference's outcomes of one access add up to. */
function cyclesOf(outcomes: Outcome[]): number {
  return outcomes.reduce((sum, outcome) => sum + outcome.cycles, 0);
}

/** Runs `ops` on both caches, comparing each op's cycles, the counters and the lines touched. */
function runBoth(config: CacheConfig, ops: Op[]): void {
  const model = new CacheModel(config);
  const reference = new ReferenceCache(config);
  ops.forEach((op, i) => {
    const at = `op ${i} (${JSON.stringify(op)})`;
    if (op.kind === "access") {
      const cycles = model.access(op.addr, op.isWrite, op.width);
      assertEquals(cycles, cyclesOf(reference.access(op.addr, op.isWrite, op.width)), at);
      for (const addr of [op.addr, (op.addr + op.width - 1) >>> 0]) {
        assertEquals(model.lineState(addr), reference.lineState(addr), `${at}: line of ${addr}`);
      }
    } else if (op.kind === "words") {
      let expected = 0;
      for (let i = 0; i < op.words; i++) {
        expected += cyclesOf(reference.access((op.addr + 4 * i) >>> 0, op.isWrite, 4));
      }
      assertEquals(model.accessWords(op.addr, op.words, op.isWrite), expected, at);
    } else if (op.kind === "flush") {
      assertEquals(model.flush(), reference.flush(), at);
    } else {
      model.invalidate();
      reference.invalidate();
    }
    const counters = reference.counters();
    assertEquals(model.counters(), counters, at);
    assertEquals(
      [model.accesses, model.misses, model.writeBacks],
      [counters.accesses, counters.misses, counters.writeBacks],
      at,
    );
  });
  // Every line either could have touched, in the end.
  const lines = [];
  for (let addr = RAM_BASE; addr < RAM_BASE + 4 * config.sizeBytes; addr += config.lineBytes) {
    lines.push(addr);
  }
  lines.push(0, 0xFFFF_FFF0, 0xFFFF_FFFC);
  for (const addr of lines) assertEquals(model.lineState(addr), reference.lineState(addr));
}

for (const writePolicy of ["write-back", "write-through"] as WritePolicy[]) {
  for (const writeAllocate of [true, false]) {
    for (const replacement of ["lru", "fifo", "random"] as Replacement[]) {
      const policies = `${writePolicy}, ${
        writeAllocate ? "" : "no "
      }write-allocate, ${replacement}`;
      Deno.test(`CacheModel matches the reference access for access (${policies})`, () => {
        for (const geometry of GEOMETRIES) {
          const config: CacheConfig = {
            sizeBytes: geometry.sizeBytes,
            ways: geometry.ways,
            lineBytes: geometry.lineBytes,
            writePolicy,
            writeAllocate,
            replacement,
            seed: replacement === "random" ? 12345 : undefined,
            ...DISTINCT_PRICES,
          };
          try {
            fc.assert(
              fc.property(
                fc.array(opArbitrary(geometry.sizeBytes), {
                  minLength: 1,
                  maxLength: 300,
                  size: "max",
                }),
                (ops) => runBoth(config, ops),
              ),
              { numRuns: 40 },
            );
          } catch (error) {
            throw new Error(`${geometry.name}: ${(error as Error).message}`, { cause: error });
          }
        }
      });
    }
  }
}

/** Accesses `stride` bytes apart over `bytes` bytes from `from`, `passes` times over. */
function sweep(
  cache: CacheModel,
  options: { from: number; bytes: number; stride: number; passes: number; write?: boolean },
): void {
  for (let pass = 0; pass < options.passes; pass++) {
    for (let offset = 0; offset < options.bytes; offset += options.stride) {
      cache.access(options.from + offset, options.write ?? false);
    }
  }
}

const PRESET_NAMES = Object.keys(CACHE_PRESETS) as CachePresetName[];

/** The presets and, as configurations, the corner geometries: one way, one set. */
const SWEPT: { name: string; config: CacheConfig }[] = [
  ...PRESET_NAMES.map((name) => ({ name, config: CACHE_PRESETS[name] })),
  {
    name: "direct-mapped 4 KiB",
    config: { ...CACHE_PRESETS["cortex-m7-d"], sizeBytes: 4 * KiB, ways: 1 },
  },
  {
    name: "fully associative 2 KiB",
    config: { ...CACHE_PRESETS["cortex-m7-d"], sizeBytes: 2 * KiB, ways: 64 },
  },
];

Deno.test("CacheModel misses every access of a stride through twice its size, under LRU", () => {
  for (const { name, config } of SWEPT) {
    const cache = new CacheModel({ ...config, replacement: "lru" });
    // Each set sees 2 × ways lines in turn: LRU always evicts the one needed next.
    sweep(cache, {
      from: RAM_BASE,
      bytes: 2 * config.sizeBytes,
      stride: config.lineBytes,
      passes: 3,
    });
    const c = cache.counters();
    assertEquals(c.accesses, 3 * 2 * config.sizeBytes / config.lineBytes, name);
    assertEquals([c.misses, c.hits, c.fills, c.writeBacks], [c.accesses, 0, c.accesses, 0], name);
  }
});

Deno.test("CacheModel hits every access to a working set that fits, after the first pass", () => {
  for (const { name, config } of SWEPT) {
    for (const replacement of ["lru", "fifo", "random"] as Replacement[]) {
      const cache = new CacheModel({ ...config, replacement });
      const lines = config.sizeBytes / config.lineBytes;
      // Every word of the cache's size: one miss per line, whatever the policy evicts,
      // for the set of each line fills exactly.
      sweep(cache, { from: RAM_BASE, bytes: config.sizeBytes, stride: 4, passes: 1 });
      assertEquals(cache.counters().misses, lines, `${name}, ${replacement}`);
      const before = cache.counters();
      sweep(cache, { from: RAM_BASE, bytes: config.sizeBytes, stride: 4, passes: 2 });
      // Writes hit too, lines being there, whether writes allocate or not.
      sweep(cache, { from: RAM_BASE, bytes: config.sizeBytes, stride: 4, passes: 1, write: true });
      const after = cache.countersSince(before);
      assertEquals([after.misses, after.fills], [0, 0], `${name}, ${replacement}`);
      assertEquals(after.hits, after.accesses);
    }
  }
});

Deno.test("CacheModel writes a dirty line back once, when it is evicted", () => {
  const cache = new CacheModel(CACHE_PRESETS["cortex-m7-d"]);
  // 16 KiB, 4-way, 32 B lines: 128 sets, so addresses 4 KiB apart share a set (A1).
  const setStride = 4 * KiB;
  assertEquals(cache.access(RAM_BASE, true), 1 + 10, "write miss: fill, then written");
  assertEquals(cache.lineState(RAM_BASE), "dirty");
  for (let i = 1; i < 4; i++) assertEquals(cache.access(RAM_BASE + i * setStride, false), 11);
  assertEquals(cache.counters().writeBacks, 0, "the set is full, nothing evicted yet");
  // The fifth line of the set evicts the least recently used: the dirty one.
  assertEquals(cache.access(RAM_BASE + 4 * setStride, false), 1 + 10 + 10);
  assertEquals(cache.lineState(RAM_BASE), "absent");
  assertEquals(cache.counters().writeBacks, 1);
  // The line comes back clean, and leaves again without a write-back.
  for (let i = 0; i < 20; i++) cache.access(RAM_BASE + (i % 6) * setStride, false);
  const c = cache.counters();
  assertEquals([c.writeBacks, c.bytesToMemory, c.bytesFromMemory], [1, 32, c.fills * 32]);
});

Deno.test("CacheModel.flush() writes each dirty line back once and keeps the lines clean", () => {
  const cache = new CacheModel(CACHE_PRESETS["u74-d"]);
  for (let i = 0; i < 10; i++) cache.access(RAM_BASE + i * 64, true, 4);
  cache.access(RAM_BASE + 4, true, 2); // a second write to a dirty line
  cache.access(RAM_BASE + 64 * 20, false); // a clean line
  assertEquals(cache.flush(), 10 * 18);
  assertEquals(cache.counters().writeBacks, 10);
  assertEquals(cache.lineState(RAM_BASE), "clean");
  assertEquals(cache.flush(), 0, "nothing dirty is left");
  assertEquals(cache.access(RAM_BASE, false), 1, "still cached");
  const c = cache.counters();
  assertEquals(c.cycles, 10 * 19 + 1 + 19 + 10 * 18 + 1);
});

Deno.test("CacheModel.invalidate() drops every line, dirty ones unwritten, and counts nothing", () => {
  const cache = new CacheModel(CACHE_PRESETS["cortex-m7-d"]);
  cache.access(RAM_BASE, true);
  cache.access(RAM_BASE + 32, false);
  const before = cache.counters();
  cache.invalidate();
  assertEquals(cache.counters(), before);
  assertEquals([cache.lineState(RAM_BASE), cache.lineState(RAM_BASE + 32)], ["absent", "absent"]);
  assertEquals(cache.access(RAM_BASE, false), 11, "a miss, and no write-back of the dropped line");
  assertEquals(cache.flush(), 0);
});

Deno.test("CacheModel, write-through without write-allocate, never allocates on a write", () => {
  const config: CacheConfig = {
    ...CACHE_PRESETS["cortex-m7-d"],
    writePolicy: "write-through",
    writeAllocate: false,
  };
  const cache = new CacheModel(config);
  for (let i = 0; i < 100; i++) {
    assertEquals(cache.access(RAM_BASE + i * 8, true, i % 2 === 0 ? 4 : 1), 1 + 2);
  }
  let c = cache.counters();
  assertEquals([c.writeMisses, c.fills, c.writeThroughs, c.bytesToMemory], [100, 0, 100, 250]);
  for (let i = 0; i < 100; i++) assertEquals(cache.lineState(RAM_BASE + i * 8), "absent");
  // A read allocates; a write hit then goes through and leaves the line clean.
  assertEquals(cache.access(RAM_BASE, false), 11);
  assertEquals(cache.access(RAM_BASE, true), 1 + 2);
  assertEquals(cache.lineState(RAM_BASE), "clean");
  assertEquals(cache.flush(), 0);
  c = cache.counters();
  assertEquals([c.writes - c.writeMisses, c.writeBacks], [1, 0]);
});

Deno.test("CacheModel, write-through with write-allocate, fills on a write miss and stays clean", () => {
  const cache = new CacheModel({ ...CACHE_PRESETS["cortex-m7-d"], writePolicy: "write-through" });
  assertEquals(cache.access(RAM_BASE, true), 1 + 10 + 2);
  assertEquals(cache.lineState(RAM_BASE), "clean");
  assertEquals(cache.access(RAM_BASE + 4, false), 1);
});

Deno.test("CacheModel, write-back without write-allocate, writes a missed write past the cache", () => {
  const cache = new CacheModel({ ...CACHE_PRESETS["cortex-m7-d"], writeAllocate: false });
  assertEquals(cache.access(RAM_BASE, true, 2), 1 + 2);
  assertEquals(cache.lineState(RAM_BASE), "absent");
  assertEquals(cache.access(RAM_BASE, false), 11);
  assertEquals(cache.access(RAM_BASE, true), 1, "a write hit only dirties the line");
  assertEquals(cache.lineState(RAM_BASE), "dirty");
  const c = cache.counters();
  assertEquals([c.writeThroughs, c.bytesToMemory], [1, 2]);
});

Deno.test("CacheModel serves an access that crosses a line as two, one per line", () => {
  const cache = new CacheModel(CACHE_PRESETS["cortex-m7-d"]);
  // The last 2 bytes of one 32-byte line and the first 2 of the next.
  assertEquals(cache.access(RAM_BASE + 30, false, 4), 2 * 11);
  assertEquals(cache.access(RAM_BASE + 31, false, 2), 2 * 1);
  assertEquals(cache.access(RAM_BASE + 28, false, 4), 1, "an aligned word never crosses");
  const c = cache.counters();
  assertEquals([c.accesses, c.misses], [5, 2]);
});

Deno.test("CacheModel.accessWords() zeroes a page for what its words would cost one by one", () => {
  const words = new CacheModel(CACHE_PRESETS["cortex-m7-d"]);
  const oneByOne = new CacheModel(CACHE_PRESETS["cortex-m7-d"]);
  let expected = 0;
  for (let i = 0; i < 1024; i++) expected += oneByOne.access(RAM_BASE + 4 * i, true);
  // 128 lines, each a write miss that fills (1 + 10) then 7 hits (1 each).
  assertEquals(words.accessWords(RAM_BASE, 1024, true), 128 * (11 + 7));
  assertEquals(expected, 128 * (11 + 7));
  assertEquals(words.counters(), oneByOne.counters());
  assertEquals(words.lineState(RAM_BASE + 4092), "dirty");
});

Deno.test("CacheModel.countersSince() attributes accesses, misses and write-backs to a stretch", () => {
  const cache = new CacheModel(CACHE_PRESETS["cortex-m7-d"]);
  cache.access(RAM_BASE, true);
  const before = cache.counters();
  let cycles = 0;
  for (let i = 1; i <= 4; i++) cycles += cache.access(RAM_BASE + i * 4 * KiB, false);
  const during = cache.countersSince(before);
  assertEquals(during, {
    accesses: 4,
    reads: 4,
    writes: 0,
    hits: 0,
    misses: 4,
    readMisses: 4,
    writeMisses: 0,
    fills: 4,
    writeBacks: 1,
    writeThroughs: 0,
    bytesFromMemory: 128,
    bytesToMemory: 32,
    cycles,
  });
  assertEquals(cycles, 4 * 11 + 10);
  assertEquals(before.accesses, 1, "a snapshot does not move");
  // The getters a driver reads around each call, without building objects.
  assertEquals([cache.accesses, cache.misses, cache.writeBacks], [5, 5, 1]);
});

Deno.test("CacheModel with random replacement evicts the same lines for the same seed, others for another", () => {
  /** The cycles of each access of a stream that thrashes a 4-way set. */
  const costs = (seed: number): number[] => {
    const cache = new CacheModel({ ...CACHE_PRESETS["cortex-a53-d"], seed });
    const random = fc.sample(fc.integer({ min: 0, max: 7 }), { numRuns: 2000, seed: 7 });
    return random.map((i) => cache.access(RAM_BASE + i * 8 * KiB, false));
  };
  assertEquals(costs(1), costs(1));
  assertEquals(costs(1).join() === costs(2).join(), false);
  assertEquals(new CacheModel(CACHE_PRESETS["cortex-a53-d"]).config.seed, 1);
});

Deno.test("the cache presets are the cited geometries, priced by the board's rule", () => {
  const table = PRESET_NAMES.map((name) => {
    const p = CACHE_PRESETS[name];
    return [
      name,
      p.sizeBytes / KiB,
      p.ways,
      p.lineBytes,
      p.writePolicy,
      p.writeAllocate,
      p.replacement,
      [p.hitCycles, p.missCycles, p.writeBackCycles, p.writeThroughCycles].join("/"),
    ].join(" ");
  });
  assertEquals(table, [
    "cortex-m7-d 16 4 32 write-back true lru 1/10/10/2",
    "cortex-m7-i 16 2 32 write-through false lru 1/10/10/2",
    "u74-d 32 8 64 write-back true lru 1/18/18/2",
    "u74-i 32 4 64 write-through false lru 1/18/18/2",
    "cortex-a53-d 32 4 64 write-back true random 1/18/18/2",
  ]);
  for (const name of PRESET_NAMES) {
    checkCacheConfig(CACHE_PRESETS[name]);
    assertEquals(Object.isFrozen(CACHE_PRESETS[name]), true);
  }
  // The rule: one RAM access's worth, then one per 64-bit beat; narrow lines take one beat.
  assertEquals(boardCacheCosts(4), {
    hitCycles: 1,
    missCycles: 4,
    writeBackCycles: 4,
    writeThroughCycles: 2,
  });
  assertEquals(boardCacheCosts(128).missCycles, 34);
  // Behind a slower memory, each beat pays that memory's access.
  assertEquals(boardCacheCosts(32, 4), {
    hitCycles: 1,
    missCycles: 20,
    writeBackCycles: 20,
    writeThroughCycles: 4,
  });
});

Deno.test("parseCacheSpec() reads presets, full specs, and presets with changes", () => {
  for (const name of PRESET_NAMES) {
    assertEquals(parseCacheSpec(name), { ...CACHE_PRESETS[name] });
    assertEquals(parseCacheSpec(formatCacheSpec(CACHE_PRESETS[name])), { ...CACHE_PRESETS[name] });
  }
  assertEquals(
    parseCacheSpec(
      "size=16K,ways=4,line=32,policy=wb,alloc=yes,repl=lru,hit=1,miss=10,writeback=10",
    ),
    { ...CACHE_PRESETS["cortex-m7-d"] },
  );
  // Defaults: write-back, write-allocate, LRU, the board's prices for the line.
  assertEquals(parseCacheSpec("size=16384,ways=4,line=32"), { ...CACHE_PRESETS["cortex-m7-d"] });
  assertEquals(parseCacheSpec(" size = 1KiB , ways = full , line = 16 "), {
    sizeBytes: 1024,
    ways: 64,
    lineBytes: 16,
    writePolicy: "write-back",
    writeAllocate: true,
    replacement: "lru",
    ...boardCacheCosts(16),
  });
  assertEquals(
    parseCacheSpec("size=1M,ways=1,line=64,policy=write-through,alloc=no").sizeBytes,
    1 << 20,
  );
  assertEquals(parseCacheSpec("cortex-m7-d,ways=8,repl=fifo"), {
    ...CACHE_PRESETS["cortex-m7-d"],
    ways: 8,
    replacement: "fifo",
  });
  // A new line size takes the rule's prices for it, unless given.
  assertEquals(parseCacheSpec("cortex-m7-d,line=64"), {
    ...CACHE_PRESETS["cortex-m7-d"],
    lineBytes: 64,
    ...boardCacheCosts(64),
  });
  assertEquals(parseCacheSpec("cortex-m7-d,line=64,miss=30").missCycles, 30);
  assertEquals(parseCacheSpec("cortex-a53-d,seed=99").seed, 99);
  assertEquals(parseCacheSpec("size=4K,ways=2,line=32,repl=random").seed, undefined);
});

Deno.test("formatCacheSpec() writes every configuration so that parseCacheSpec() reads it back", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 2, max: 26 }),
      fc.integer({ min: 2, max: 12 }),
      fc.nat(),
      fc.constantFrom<WritePolicy>("write-back", "write-through"),
      fc.boolean(),
      fc.constantFrom<Replacement>("lru", "fifo", "random"),
      fc.array(fc.nat({ max: 1000 }), { minLength: 5, maxLength: 5 }),
      (sizeLog, lineLog, waysPick, writePolicy, writeAllocate, replacement, numbers) => {
        const lineBytes = 2 ** Math.min(lineLog, sizeLog);
        const lines = 2 ** sizeLog / lineBytes;
        const config: CacheConfig = {
          sizeBytes: 2 ** sizeLog,
          ways: 2 ** (waysPick % (Math.log2(lines) + 1)),
          lineBytes,
          writePolicy,
          writeAllocate,
          replacement,
          hitCycles: numbers[0],
          missCycles: numbers[1],
          writeBackCycles: numbers[2],
          writeThroughCycles: numbers[3],
        };
        if (replacement === "random") config.seed = numbers[4];
        assertEquals(parseCacheSpec(formatCacheSpec(config)), config);
      },
    ),
  );
});

Deno.test("parseCacheSpec() refuses a bad spec with one line that names the key", () => {
  const cases: [string, string][] = [
    ["", "cache spec: empty (give a preset's name, or size, ways and line)"],
    [
      "cortex-m8",
      'cache spec: unknown preset "cortex-m8" (presets: cortex-m7-d, cortex-m7-i, u74-d, u74-i, cortex-a53-d)',
    ],
    [
      "size=16K,ways=4,line=32,colour=blue",
      'cache spec: unknown key "colour" (keys: size, ways, line, policy, alloc, repl, seed, hit, ' +
      "miss, writeback, writethrough)",
    ],
    ["size=16K,ways=4", "cache spec: line is missing (without a preset, give size, ways and line)"],
    ["cortex-m7-d,,ways=2", "cache spec: an empty item (items are separated by single commas)"],
    [
      "cortex-m7-d,u74-d",
      'cache spec: "u74-d" is not key=value (only the first item may be a preset\'s name)',
    ],
    ["cortex-m7-d,ways=2,ways=4", "cache spec: ways is given twice"],
    [
      "size=17K,ways=4,line=32",
      "cache spec: size=17K must be a power of two from 4 bytes to 64 MiB",
    ],
    [
      "size=128M,ways=4,line=32",
      "cache spec: size=128M must be a power of two from 4 bytes to 64 MiB",
    ],
    [
      "size=16Q,ways=4,line=32",
      "cache spec: size=16Q is not a size in bytes (e.g. 16K, 16KiB or 16384)",
    ],
    ["size=16K,ways=4,line=2", "cache spec: line=2 must be a power of two of at least 4 bytes"],
    ["size=16K,ways=4,line=32K", "cache spec: line=32K must not exceed the size (16384 bytes)"],
    [
      "size=16K,ways=3,line=32",
      "cache spec: ways=3 must be a power of two from 1 to the 512 lines the cache holds",
    ],
    [
      "size=16K,ways=1024,line=32",
      "cache spec: ways=1024 must be a power of two from 1 to the 512 lines the cache holds",
    ],
    ["size=16K,ways=four,line=32", "cache spec: ways=four is not a whole number"],
    [
      "cortex-m7-d,size=64",
      "cache spec: ways=4 (from cortex-m7-d) must be a power of two from 1 to the 2 lines the cache holds",
    ],
    [
      "cortex-m7-d,policy=wx",
      "cache spec: policy=wx is not one of wb, write-back, wt, write-through",
    ],
    ["cortex-m7-d,alloc=maybe", "cache spec: alloc=maybe is not one of yes, no"],
    ["cortex-m7-d,repl=plru", "cache spec: repl=plru is not one of lru, fifo, random"],
    ["cortex-m7-d,seed=3", "cache spec: seed=3 is only read by repl=random"],
    [
      "cortex-a53-d,seed=4294967296",
      "cache spec: seed=4294967296 must be a whole number from 0 to 2^32 - 1",
    ],
    ["cortex-m7-d,hit=-1", "cache spec: hit=-1 is not a whole number"],
    ["cortex-m7-d,miss=1.5", "cache spec: miss=1.5 is not a whole number"],
    ["cortex-m7-d,writeback=", "cache spec: writeback= is not a whole number"],
    [
      "cortex-m7-d,writethrough=99999999999999999999",
      "cache spec: writethrough=99999999999999999999 must be a whole number of cycles, 0 or more",
    ],
  ];
  for (const [spec, message] of cases) {
    const error = assertThrows(() => parseCacheSpec(spec), CacheConfigError);
    assertEquals(error.message, message, spec);
    assertEquals(error.message.includes("\n"), false);
  }
});

Deno.test("CacheModel refuses a configuration that fails the checks, naming the field", () => {
  const m7 = CACHE_PRESETS["cortex-m7-d"];
  const cases: [Partial<CacheConfig>, string][] = [
    [
      { sizeBytes: 3000 },
      "cache config: sizeBytes 3000 must be a power of two from 4 bytes to 64 MiB",
    ],
    [{ lineBytes: 0 }, "cache config: lineBytes 0 must be a power of two of at least 4 bytes"],
    [
      { ways: 0 },
      "cache config: ways 0 must be a power of two from 1 to the 512 lines the cache holds",
    ],
    [
      { ways: 1.5 },
      "cache config: ways 1.5 must be a power of two from 1 to the 512 lines the cache holds",
    ],
    [
      { writePolicy: "write-around" as WritePolicy },
      "cache config: writePolicy write-around must be write-back or write-through",
    ],
    [
      { replacement: "mru" as Replacement },
      "cache config: replacement mru must be lru, fifo or random",
    ],
    [{ seed: -1 }, "cache config: seed -1 must be a whole number from 0 to 2^32 - 1"],
    [{ hitCycles: NaN }, "cache config: hitCycles NaN must be a whole number of cycles, 0 or more"],
    [
      { writeBackCycles: -2 },
      "cache config: writeBackCycles -2 must be a whole number of cycles, 0 or more",
    ],
  ];
  for (const [change, message] of cases) {
    const error = assertThrows(() => new CacheModel({ ...m7, ...change }), CacheConfigError);
    assertEquals(error.message, message);
    assertEquals(error.field, Object.keys(change)[0]);
  }
});
