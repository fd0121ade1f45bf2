/**
 * The cache model: which lines a cache holds, what each access costs, and
 * the counters a simulator reports (Dinero IV's, `reference/cache-models.md`
 * A2). It holds tags, not data: RAM stays the one copy of every byte, and
 * the model only says what the access would have cost and what it moved.
 *
 * State, one slot per line, slot `set × ways + way`, in typed arrays:
 *
 * ```
 * tags[slot]    line number (addr >>> log2(line)) held, or -1 when invalid
 * dirty[slot]   1 when the line was written and not yet written back
 * stamps[slot]  LRU: clock at its last access; FIFO: clock at its fill;
 *               0 when invalid (the clock's first stamp is 1)
 * newest[set]   the slot of the set's last hit or fill
 * ```
 *
 * Invariants: a line number sits in at most one slot, and only in a slot of
 * its own set (line & (sets − 1)); an invalid slot is clean; stamps are
 * distinct among the valid slots of a set (the clock only goes up); under
 * LRU, when `tags[newest[set]]` is valid, no other slot of the set has a
 * newer stamp.
 *
 * An access to the line in its set's `newest` slot (most of them: code reads
 * a record's fields in turn, or goes back and forth between records in
 * different sets) costs a compare and a counter increment: a hit with
 * nothing to reorder, since under LRU that line is already the most
 * recently used of its set, and under FIFO and random a hit reorders
 * nothing. Any other, a scan of its set. Nothing is allocated.
 * @module
 */

import { type CacheConfig, checkCacheConfig } from "./cache_config.ts";

/**
 * What a model has counted since it was built, as Dinero IV reports a
 * cache. `cycles` is always accesses × hit + fills × miss + writeBacks ×
 * write-back + writeThroughs × write-through (the prices of the config).
 */
export interface CacheCounters {
  /** Accesses (Dinero's "demand fetches"): reads + writes. */
  accesses: number;
  /** Read accesses. */
  reads: number;
  /** Write accesses. */
  writes: number;
  /** Accesses whose line was in the cache: accesses − misses. */
  hits: number;
  /** Accesses whose line was not: readMisses + writeMisses. */
  misses: number;
  /** Reads whose line was not in the cache (each fills it). */
  readMisses: number;
  /** Writes whose line was not in the cache (each fills it if the cache write-allocates). */
  writeMisses: number;
  /** Lines brought in from RAM. */
  fills: number;
  /** Dirty lines written back to RAM: on eviction, and by flush(). */
  writeBacks: number;
  /**
   * Writes sent to RAM past the cache: every write of a write-through cache,
   * and every write miss of a cache that does not write-allocate.
   */
  writeThroughs: number;
  /** Bytes read from RAM: fills × line. */
  bytesFromMemory: number;
  /** Bytes written to RAM: writeBacks × line, plus the bytes of every write-through. */
  bytesToMemory: number;
  /** Bus cycles charged, the sum of what access() and flush() returned. */
  cycles: number;
}

/** What the model knows of the line holding an address. */
export type CacheLineState = "absent" | "clean" | "dirty";

// Counter slots of the model's Float64Array (exact to 2^53 events); reads and
// writes, counted on every access, are plain fields instead (#reads, #writes).
const READ_MISSES = 0;
const WRITE_MISSES = 1;
const FILLS = 2;
const WRITE_BACKS = 3;
const WRITE_THROUGHS = 4;
const THROUGH_BYTES = 5;
const COUNTER_SLOTS = 6;

/** The tag of an invalid slot: no line number is negative. */
const INVALID = -1;

/**
 * A cache between the bus's users and RAM, as a cost model: `access()` once
 * per bus access says what that access costs in bus cycles, keeps the set's
 * lines as the policies say, and counts. Deterministic: the same accesses
 * from the same config give the same costs and counters, on every run.
 *
 * Addresses are 32-bit physical addresses. An access covers `width` bytes
 * (1 to the line size; the bus's are 1, 2 or 4) from `addr`; one that
 * crosses into the next line (an unaligned access that straddles a
 * boundary) is served as two accesses, one per line, as a core splits it,
 * and counted as two.
 *
 * To attribute what happened to one call into the firmware, read the
 * `accesses`, `misses` and `writeBacks` getters before and after it (no
 * object is built), or take `counters()` before and `countersSince()`
 * after for every counter.
 *
 * @example
 * ```ts
 * import { CacheModel } from "./cache_model.ts";
 * import { CACHE_PRESETS } from "./cache_presets.ts";
 * const cache = new CacheModel(CACHE_PRESETS["cortex-m7-d"]);
 * console.log(cache.access(0x4000_0000, false)); // 11: a miss, hit 1 + fill 10
 * console.log(cache.access(0x4000_0004, true)); // 1: a hit in the same line, now dirty
 * const before = cache.counters();
 * cache.access(0x4000_0020, false); // the next line: a miss
 * console.log(cache.countersSince(before).misses); // 1
 * console.log(cache.flush()); // 10: the dirty line written back
 * ```
 */
export class CacheModel {
  /** The configuration, checked and frozen. */
  readonly config: Readonly<CacheConfig>;

  readonly #lineShift: number;
  readonly #lineBytes: number;
  readonly #offsetMask: number;
  readonly #setMask: number;
  readonly #ways: number;
  readonly #writeBack: boolean;
  readonly #writeAllocate: boolean;
  /** Whether a hit refreshes its stamp (LRU); FIFO and random stamp fills only. */
  readonly #stampHits: boolean;
  readonly #randomVictim: boolean;
  readonly #hitCycles: number;
  readonly #missCycles: number;
  readonly #writeBackCycles: number;
  readonly #writeThroughCycles: number;

  readonly #tags: Int32Array;
  readonly #dirty: Uint8Array;
  readonly #stamps: Float64Array;
  /** Last stamp given; exact to 2^53, so it never wraps. */
  #clock = 0;
  /**
   * Per set, the slot of its last hit or fill (see the module's invariants).
   * Starts at each set's first slot, and invalidate() leaves it: a slot
   * whose tag is invalid matches no line.
   */
  readonly #newest: Int32Array;
  /** State of the victim generator, a 32-bit LCG (see #randomWay). */
  #random: number;
  readonly #counts = new Float64Array(COUNTER_SLOTS);
  /**
   * Reads and writes served: fields, not slots of #counts, since every
   * access counts one (a field's increment is cheaper than a typed array's).
   */
  #reads = 0;
  #writes = 0;

  /**
   * Builds an empty cache: every line invalid, every counter 0.
   * @param config the configuration; see {@link CacheConfig}
   * @throws {CacheConfigError} when the configuration fails checkCacheConfig
   */
  constructor(config: CacheConfig) {
    checkCacheConfig(config);
    this.config = Object.freeze({ ...config });
    const lines = config.sizeBytes / config.lineBytes;
    this.#lineShift = Math.log2(config.lineBytes);
    this.#lineBytes = config.lineBytes;
    this.#offsetMask = config.lineBytes - 1;
    this.#setMask = lines / config.ways - 1;
    this.#ways = config.ways;
    this.#writeBack = config.writePolicy === "write-back";
    this.#writeAllocate = config.writeAllocate;
    this.#stampHits = config.replacement === "lru";
    this.#randomVictim = config.replacement === "random";
    this.#hitCycles = config.hitCycles;
    this.#missCycles = config.missCycles;
    this.#writeBackCycles = config.writeBackCycles;
    this.#writeThroughCycles = config.writeThroughCycles;
    this.#tags = new Int32Array(lines).fill(INVALID);
    this.#dirty = new Uint8Array(lines);
    this.#stamps = new Float64Array(lines);
    this.#newest = new Int32Array(lines / config.ways).map((_, set) => set * config.ways);
    this.#random = config.seed ?? 1;
  }

  /**
   * Serves one access: finds its line in its set, fills it on a miss
   * (evicting, and writing back if dirty, the line the replacement policy
   * picks), marks it dirty on a write-back write, and counts.
   * @param addr the physical address of the access's first byte
   * @param isWrite whether the access writes
   * @param width bytes accessed, 1 to the line size (default 4)
   * @returns the bus cycles the access costs
   */
  access(addr: number, isWrite: boolean, width = 4): number {
    const line = addr >>> this.#lineShift;
    if ((addr & this.#offsetMask) + width > this.#lineBytes) {
      return this.#straddle(line, addr, isWrite, width);
    }
    const slot = this.#newest[line & this.#setMask];
    if (this.#tags[slot] !== line) return this.#accessLine(line, isWrite, width);
    // The line of its set's last hit or fill: a hit, with nothing to reorder.
    // (What a hit does, spelled out here so that this method stays small
    // enough for the board's bus methods to take in whole.)
    if (!isWrite) {
      this.#reads++;
      return this.#hitCycles;
    }
    return this.#writeHit(slot, width);
  }

  /**
   * An access that straddles two lines: each part is an access of its own
   * (the line after the last of the 32-bit space is line 0).
   */
  #straddle(line: number, addr: number, isWrite: boolean, width: number): number {
    const inLine = this.#lineBytes - (addr & this.#offsetMask);
    const next = (line + 1) & (0xFFFF_FFFF >>> this.#lineShift);
    return this.#accessLine(line, isWrite, inLine) +
      this.#accessLine(next, isWrite, width - inLine);
  }

  /**
   * Serves a burst of `words` 32-bit accesses at `addr`, `addr + 4`, ...
   * (as the board's fill32 makes): it costs and counts exactly what as many
   * `access(addr + 4 × i, isWrite, 4)` calls would, but looks each line up
   * once. After the first word of a line, the others are the same line
   * again: hits if that word left the line in the cache, else write misses
   * that go past it, as the first did.
   * @param addr the physical address of the first word
   * @param words how many words; 0 or less serves nothing
   * @param isWrite whether the burst writes
   * @returns the bus cycles the burst costs
   */
  accessWords(addr: number, words: number, isWrite: boolean): number {
    let cycles = 0;
    const wordsPerLine = this.#lineBytes >>> 2;
    const allocates = isWrite && this.#writeBack && this.#writeAllocate;
    for (let i = 0; i < words;) {
      const at = (addr + 4 * i) >>> 0;
      // Words wholly in this line from `at` (none when the word straddles
      // two, which access() splits), up to the burst's end.
      const fit = (this.#lineBytes - (at & this.#offsetMask)) >>> 2;
      if (allocates && fit === wordsPerLine && words - i >= wordsPerLine) {
        // Whole lines from here, written into a write-back, write-allocate
        // cache (a page being zeroed): one pass of #writeLines.
        const lines = Math.floor((words - i) / wordsPerLine);
        cycles += this.#writeLines(at >>> this.#lineShift, lines);
        i += lines * wordsPerLine;
        continue;
      }
      const run = fit === 0 ? 1 : fit < words - i ? fit : words - i;
      cycles += this.access(at, isWrite, 4);
      if (run > 1) {
        // The word just served left its line in the cache, in its set's
        // newest slot, unless it was a write that did not allocate.
        const line = at >>> this.#lineShift;
        const held = this.#tags[this.#newest[line & this.#setMask]] === line;
        cycles += this.#again(run - 1, isWrite, held);
      }
      i += run;
    }
    return cycles;
  }

  /**
   * Writes every word of `count` consecutive lines from line number `first`
   * in a write-back, write-allocate cache; costs and counts what as many
   * 4-byte write accesses would. Each line is what access() makes of its
   * first word (the line of its set's last hit or fill: a hit with nothing to reorder;
   * else a scan of its set that hits or fills the slot #accessLine would,
   * writing back a dirty victim) and then hits on the others. The
   * same work as #accessLine and #again line by line, in one loop that
   * keeps the counts in locals: a page being zeroed is 64 to 128 lines, most
   * of them misses.
   */
  #writeLines(first: number, count: number): number {
    const tags = this.#tags;
    const stamps = this.#stamps;
    const dirty = this.#dirty;
    const newest = this.#newest;
    const ways = this.#ways;
    const setMask = this.#setMask;
    const lineMask = 0xFFFF_FFFF >>> this.#lineShift;
    const wordsPerLine = this.#lineBytes >>> 2;
    const stampHits = this.#stampHits;
    const randomVictim = this.#randomVictim;
    let clock = this.#clock;
    let fills = 0;
    let writeBacks = 0;
    for (let n = 0; n < count; n++) {
      // The line after the last of the 32-bit space is line 0.
      const line = (first + n) & lineMask;
      const set = line & setMask;
      let slot = newest[set];
      if (tags[slot] === line) {
        dirty[slot] = 1;
        continue;
      }
      const base = set * ways;
      const end = base + ways;
      slot = base;
      let victim = base;
      let oldest = stamps[base];
      for (; slot < end; slot++) {
        if (tags[slot] === line) break;
        const stamp = stamps[slot];
        if (stamp < oldest) {
          oldest = stamp;
          victim = slot;
        }
      }
      if (slot < end) {
        if (stampHits) stamps[slot] = ++clock;
      } else {
        slot = randomVictim && oldest !== 0 ? base + this.#randomWay() : victim;
        if (dirty[slot] === 1) writeBacks++;
        fills++;
        tags[slot] = line;
        stamps[slot] = ++clock;
      }
      dirty[slot] = 1;
      newest[set] = slot;
    }
    this.#clock = clock;
    const counts = this.#counts;
    this.#writes += count * wordsPerLine;
    counts[WRITE_MISSES] += fills;
    counts[FILLS] += fills;
    counts[WRITE_BACKS] += writeBacks;
    return count * wordsPerLine * this.#hitCycles + fills * this.#missCycles +
      writeBacks * this.#writeBackCycles;
  }

  /**
   * Counts `times` more 4-byte accesses to the line the last access touched,
   * `held` when it left that line in the cache (else it was a write that did
   * not allocate, and missed); returns their cycles. A hit again needs no
   * lookup and, being newest, no LRU refresh.
   */
  #again(times: number, isWrite: boolean, held: boolean): number {
    const counts = this.#counts;
    if (!isWrite) {
      this.#reads += times;
      return times * this.#hitCycles;
    }
    this.#writes += times;
    if (!held) counts[WRITE_MISSES] += times;
    else if (this.#writeBack) return times * this.#hitCycles;
    counts[WRITE_THROUGHS] += times;
    counts[THROUGH_BYTES] += 4 * times;
    return times * (this.#hitCycles + this.#writeThroughCycles);
  }

  /**
   * One access of `bytes` bytes to line number `line`, found by a scan of its
   * set. The same pass finds the slot a miss would fill: the first with the
   * smallest stamp, which is the first invalid slot when there is one (an
   * invalid slot's stamp is 0, below every valid one's: the clock's first
   * stamp is 1, and every fill stamps, whatever the policy). So a miss
   * costs one scan, not a second over the stamps.
   */
  #accessLine(line: number, isWrite: boolean, bytes: number): number {
    const tags = this.#tags;
    const stamps = this.#stamps;
    const base = (line & this.#setMask) * this.#ways;
    const end = base + this.#ways;
    let victim = base;
    let oldest = stamps[base];
    for (let slot = base; slot < end; slot++) {
      if (tags[slot] === line) return this.#hit(line, slot, isWrite, bytes);
      const stamp = stamps[slot];
      if (stamp < oldest) {
        oldest = stamp;
        victim = slot;
      }
    }
    return this.#miss(line, base, victim, isWrite, bytes);
  }

  /** A hit on line number `line`, in `slot`. */
  #hit(line: number, slot: number, isWrite: boolean, bytes: number): number {
    this.#newest[line & this.#setMask] = slot;
    if (this.#stampHits) this.#stamps[slot] = ++this.#clock;
    if (!isWrite) {
      this.#reads++;
      return this.#hitCycles;
    }
    return this.#writeHit(slot, bytes);
  }

  /** A write of `bytes` that hits the line in `slot`: counts it, and dirties the line or writes through. */
  #writeHit(slot: number, bytes: number): number {
    this.#writes++;
    if (this.#writeBack) {
      this.#dirty[slot] = 1;
      return this.#hitCycles;
    }
    return this.#hitCycles + this.#writeThrough(bytes);
  }

  /**
   * A miss on line number `line`, whose set's slots start at `base`;
   * `oldest` is its slot with the first smallest stamp (see #accessLine).
   * The fill takes that slot, or in a full set under random replacement a
   * drawn way: drawn here, after a write that does not allocate has
   * returned, so that only fills draw.
   */
  #miss(line: number, base: number, oldest: number, isWrite: boolean, bytes: number): number {
    const counts = this.#counts;
    if (isWrite) {
      this.#writes++;
      counts[WRITE_MISSES]++;
      // A write that does not allocate goes to RAM and leaves the cache as it was.
      if (!this.#writeAllocate) {
        return this.#hitCycles + this.#writeThrough(bytes);
      }
    } else {
      this.#reads++;
      counts[READ_MISSES]++;
    }
    const slot = this.#randomVictim && this.#stamps[oldest] !== 0
      ? base + this.#randomWay()
      : oldest;
    let cycles = this.#hitCycles + this.#missCycles;
    if (this.#dirty[slot] === 1) {
      counts[WRITE_BACKS]++;
      cycles += this.#writeBackCycles;
    }
    counts[FILLS]++;
    this.#newest[line & this.#setMask] = slot;
    this.#tags[slot] = line;
    this.#stamps[slot] = ++this.#clock;
    // A write-allocate write fetches the line, then writes it as a hit would.
    const dirty = isWrite && this.#writeBack;
    this.#dirty[slot] = dirty ? 1 : 0;
    if (isWrite && !dirty) cycles += this.#writeThrough(bytes);
    return cycles;
  }

  /**
   * A way drawn for random replacement: the generator steps s ← (1664525 ×
   * s + 1013904223) mod 2^32 (Numerical Recipes' LCG, from the config's
   * seed), and the way is the top log2(ways) bits of s, floor(s × ways /
   * 2^32) (an LCG's low bits repeat with short periods; its top bits do not).
   */
  #randomWay(): number {
    this.#random = (Math.imul(this.#random, 1664525) + 1013904223) >>> 0;
    return Math.floor((this.#random / 2 ** 32) * this.#ways);
  }

  /** Counts a write of `bytes` sent to RAM past the cache; returns its cycles. */
  #writeThrough(bytes: number): number {
    this.#counts[WRITE_THROUGHS]++;
    this.#counts[THROUGH_BYTES] += bytes;
    return this.#writeThroughCycles;
  }

  /**
   * Writes every dirty line back to RAM (a "clean" of the whole cache, as
   * firmware does before handing memory to a DMA), counting each. The lines
   * stay in the cache, clean.
   * @returns the bus cycles it costs: dirty lines × write-back
   */
  flush(): number {
    const dirty = this.#dirty;
    let lines = 0;
    for (let slot = 0; slot < dirty.length; slot++) {
      if (dirty[slot] === 1) {
        dirty[slot] = 0;
        lines++;
      }
    }
    this.#counts[WRITE_BACKS] += lines;
    return lines * this.#writeBackCycles;
  }

  /**
   * Drops every line, dirty ones included, without writing anything back
   * (as an invalidate does on hardware); costs nothing and counts nothing.
   * The counters and the random generator go on as they were.
   */
  invalidate(): void {
    this.#tags.fill(INVALID);
    this.#dirty.fill(0);
    this.#stamps.fill(0);
  }

  /**
   * What the cache holds for the line of `addr`, without counting an
   * access or touching the replacement state: for tests and inspectors.
   * @param addr any address in the line
   * @returns "absent", "clean" or "dirty"
   */
  lineState(addr: number): CacheLineState {
    const line = addr >>> this.#lineShift;
    const base = (line & this.#setMask) * this.#ways;
    for (let slot = base; slot < base + this.#ways; slot++) {
      if (this.#tags[slot] === line) return this.#dirty[slot] === 1 ? "dirty" : "clean";
    }
    return "absent";
  }

  /**
   * The counters since the model was built, as a plain object (a snapshot:
   * later accesses do not change it).
   * @returns the counters
   */
  counters(): CacheCounters {
    const c = this.#counts;
    const lineBytes = this.#lineBytes;
    const accesses = this.#reads + this.#writes;
    const misses = c[READ_MISSES] + c[WRITE_MISSES];
    return {
      accesses,
      reads: this.#reads,
      writes: this.#writes,
      hits: accesses - misses,
      misses,
      readMisses: c[READ_MISSES],
      writeMisses: c[WRITE_MISSES],
      fills: c[FILLS],
      writeBacks: c[WRITE_BACKS],
      writeThroughs: c[WRITE_THROUGHS],
      bytesFromMemory: c[FILLS] * lineBytes,
      bytesToMemory: c[WRITE_BACKS] * lineBytes + c[THROUGH_BYTES],
      cycles: accesses * this.#hitCycles + c[FILLS] * this.#missCycles +
        c[WRITE_BACKS] * this.#writeBackCycles + c[WRITE_THROUGHS] * this.#writeThroughCycles,
    };
  }

  /**
   * The counters since a snapshot `counters()` took: what happened in
   * between, e.g. during one call into the firmware.
   * @param before an earlier snapshot of this model's counters
   * @returns each counter's increase since `before`
   */
  countersSince(before: CacheCounters): CacheCounters {
    const now = this.counters();
    return {
      accesses: now.accesses - before.accesses,
      reads: now.reads - before.reads,
      writes: now.writes - before.writes,
      hits: now.hits - before.hits,
      misses: now.misses - before.misses,
      readMisses: now.readMisses - before.readMisses,
      writeMisses: now.writeMisses - before.writeMisses,
      fills: now.fills - before.fills,
      writeBacks: now.writeBacks - before.writeBacks,
      writeThroughs: now.writeThroughs - before.writeThroughs,
      bytesFromMemory: now.bytesFromMemory - before.bytesFromMemory,
      bytesToMemory: now.bytesToMemory - before.bytesToMemory,
      cycles: now.cycles - before.cycles,
    };
  }

  /**
   * Accesses so far, as counters().accesses, without building the object:
   * a driver that attributes accesses to each call reads it before and
   * after, as it reads the board's cycles.
   */
  get accesses(): number {
    return this.#reads + this.#writes;
  }

  /** Misses so far, as counters().misses, without building the object. */
  get misses(): number {
    return this.#counts[READ_MISSES] + this.#counts[WRITE_MISSES];
  }

  /** Dirty lines written back so far, as counters().writeBacks, without building the object. */
  get writeBacks(): number {
    return this.#counts[WRITE_BACKS];
  }
}
