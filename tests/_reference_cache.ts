/**
 * A cache written out the slow, obvious way, only to check CacheModel
 * against: each set an array of line objects searched one by one, LRU and
 * FIFO as an explicit list of the set's lines from oldest to newest, every
 * case of an access spelled out with what it costs.
 *
 * It follows the same documented rules as the model (hw/cache/): an invalid
 * way fills first, lowest first; random replacement draws way
 * floor(s × ways / 2^32) after stepping s ← (1664525 s + 1013904223) mod
 * 2^32 from the seed; an access that crosses a line boundary is two
 * accesses, one per line.
 */

import type { CacheConfig, CacheCounters, CacheLineState } from "../hw/cache/mod.ts";

/** One line the cache holds. */
interface Line {
  /** The line's number: its address divided by the line size. */
  number: number;
  dirty: boolean;
}

/** One set: its ways by position, and its lines from oldest to newest. */
interface CacheSet {
  ways: (Line | null)[];
  /** LRU: by last use; FIFO and random: by fill. */
  age: Line[];
}

/** What one access (or one part of a crossing access) did. */
export interface Outcome {
  hit: boolean;
  /** A line was brought in from RAM. */
  filled: boolean;
  /** A dirty line was written back to make room. */
  wroteBack: boolean;
  /** The write went to RAM past the cache. */
  wroteThrough: boolean;
  cycles: number;
}

/** The reference cache. */
export class ReferenceCache {
  readonly #config: CacheConfig;
  readonly #sets: CacheSet[] = [];
  #random: number;
  readonly #counters: CacheCounters = {
    accesses: 0,
    reads: 0,
    writes: 0,
    hits: 0,
    misses: 0,
    readMisses: 0,
    writeMisses: 0,
    fills: 0,
    writeBacks: 0,
    writeThroughs: 0,
    bytesFromMemory: 0,
    bytesToMemory: 0,
    cycles: 0,
  };

  constructor(config: CacheConfig) {
    this.#config = config;
    this.#random = config.seed ?? 1;
    this.invalidate();
  }

  /** The outcomes of an access: one, or two when it crosses into the next line. */
  access(addr: number, isWrite: boolean, width: number): Outcome[] {
    const lineBytes = this.#config.lineBytes;
    const firstLine = Math.floor(addr / lineBytes);
    const lastLine = Math.floor((addr + width - 1) / lineBytes);
    if (firstLine === lastLine) return [this.#accessLine(firstLine, isWrite, width)];
    const bytesInFirst = lastLine * lineBytes - addr;
    const lines = 2 ** 32 / lineBytes;
    return [
      this.#accessLine(firstLine, isWrite, bytesInFirst),
      this.#accessLine(lastLine % lines, isWrite, width - bytesInFirst),
    ];
  }

  #accessLine(number: number, isWrite: boolean, bytes: number): Outcome {
    const c = this.#config;
    const set = this.#setOf(number);
    const line = set.ways.find((l) => l !== null && l.number === number) ?? null;
    const outcome: Outcome = {
      hit: line !== null,
      filled: false,
      wroteBack: false,
      wroteThrough: false,
      cycles: c.hitCycles,
    };
    this.#counters.accesses++;
    if (isWrite) this.#counters.writes++;
    else this.#counters.reads++;

    if (line !== null) {
      this.#counters.hits++;
      if (c.replacement === "lru") {
        set.age.splice(set.age.indexOf(line), 1);
        set.age.push(line);
      }
      if (isWrite && c.writePolicy === "write-back") line.dirty = true;
      if (isWrite && c.writePolicy === "write-through") this.#writeThrough(outcome, bytes);
    } else {
      this.#counters.misses++;
      if (isWrite) this.#counters.writeMisses++;
      else this.#counters.readMisses++;
      if (isWrite && !c.writeAllocate) {
        this.#writeThrough(outcome, bytes);
      } else {
        this.#fill(set, number, outcome);
        const filled = set.age[set.age.length - 1];
        if (isWrite && c.writePolicy === "write-back") filled.dirty = true;
        if (isWrite && c.writePolicy === "write-through") this.#writeThrough(outcome, bytes);
      }
    }
    this.#counters.cycles += outcome.cycles;
    return outcome;
  }

  /** Brings line `number` into `set`, evicting (and writing back) a line if the set is full. */
  #fill(set: CacheSet, number: number, outcome: Outcome): void {
    const c = this.#config;
    let way = set.ways.indexOf(null);
    if (way === -1) {
      if (c.replacement === "random") {
        this.#random = (this.#random * 1664525 + 1013904223) % 2 ** 32;
        way = Math.floor((this.#random * c.ways) / 2 ** 32);
      } else {
        way = set.ways.indexOf(set.age[0]);
      }
      const victim = set.ways[way]!;
      set.age.splice(set.age.indexOf(victim), 1);
      if (victim.dirty) {
        outcome.wroteBack = true;
        outcome.cycles += c.writeBackCycles;
        this.#counters.writeBacks++;
        this.#counters.bytesToMemory += c.lineBytes;
      }
    }
    const line: Line = { number, dirty: false };
    set.ways[way] = line;
    set.age.push(line);
    outcome.filled = true;
    outcome.cycles += c.missCycles;
    this.#counters.fills++;
    this.#counters.bytesFromMemory += c.lineBytes;
  }

  #writeThrough(outcome: Outcome, bytes: number): void {
    outcome.wroteThrough = true;
    outcome.cycles += this.#config.writeThroughCycles;
    this.#counters.writeThroughs++;
    this.#counters.bytesToMemory += bytes;
  }

  #setOf(number: number): CacheSet {
    const sets = this.#config.sizeBytes / (this.#config.ways * this.#config.lineBytes);
    return this.#sets[number % sets];
  }

  /** Writes every dirty line back; returns the cycles. */
  flush(): number {
    let cycles = 0;
    for (const set of this.#sets) {
      for (const line of set.ways) {
        if (line !== null && line.dirty) {
          line.dirty = false;
          cycles += this.#config.writeBackCycles;
          this.#counters.writeBacks++;
          this.#counters.bytesToMemory += this.#config.lineBytes;
        }
      }
    }
    this.#counters.cycles += cycles;
    return cycles;
  }

  /** Drops every line. */
  invalidate(): void {
    const c = this.#config;
    this.#sets.length = 0;
    for (let i = 0; i < c.sizeBytes / (c.ways * c.lineBytes); i++) {
      this.#sets.push({ ways: new Array(c.ways).fill(null), age: [] });
    }
  }

  /** The state of the line holding `addr`. */
  lineState(addr: number): CacheLineState {
    const number = Math.floor(addr / this.#config.lineBytes);
    const line = this.#setOf(number).ways.find((l) => l !== null && l.number === number);
    if (line === undefined || line === null) return "absent";
    return line.dirty ? "dirty" : "clean";
  }

  /** A copy of the counters. */
  counters(): CacheCounters {
    return { ...this.#counters };
  }
}
