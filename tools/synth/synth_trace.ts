/**
 * A seeded generator of long allocation traces in pagepile's native format,
 * with the mix of a Linux kernel's (the tables of `linux_mix.ts`, measured on
 * the recorded traces): kmalloc/kfree, sixteen slab caches, page piles of
 * orders 0 to 3, and a few vmalloc areas.
 *
 * The model, one event per step:
 *
 * - The first steps create the slab pools, one each.
 * - A block is short-lived (most are, as in the recorded traces) or
 *   resident. A short-lived block is freed after a lifetime drawn
 *   log-uniformly from 1 to 4,095 events, taken from a heap ordered by due
 *   event; a step whose heap head is due frees it.
 * - Any other step allocates a short-lived block (7 in 13 of them: in the
 *   steady state 7 in 10 allocations are short-lived), or works on the
 *   resident set: it allocates when the live bytes are below a target and
 *   frees a resident block drawn uniformly when above, the chance of each
 *   rising with the gap, from 10% to 90%, so allocations and frees always
 *   interleave. The target is a slow wave: 4 periods (or `waves`) over the
 *   trace between a floor and a ceiling of live bytes, starting and ending
 *   at the floor.
 * - Keys are a counter in hex (`0x1`, `0x2`, ...): never reused, so unique
 *   among live blocks. Every free names a live block of its kind.
 *
 * Live bytes are counted as `boardSizeForTrace` counts them (objects rounded
 * up to 8 bytes, pages and vmalloc areas whole), so the peak reported is the
 * one a replay sizes its board from. Memory is the live blocks and a few
 * tables: bounded by the live set, whatever the number of events.
 * @module
 */

import { PAGE_SIZE } from "../../hw/memory_map.ts";
import { GFP_ZERO } from "../../core/gfp.ts";
import { NATIVE_HEADER } from "../../traces/native_format.ts";
import { ascii, AsciiChunk } from "./ascii_chunk.ts";
import { type Due, DueQueue } from "./due_queue.ts";
import {
  KIND_WEIGHTS,
  KMALLOC_SIZE_BANDS,
  KMALLOC_ZERO_PERCENT,
  kmallocBytes,
  PAGE_ORDER_WEIGHTS,
  PAGES_ZERO_PERCENT,
  SLAB_CACHES,
  VMALLOC_PAGE_BANDS,
  VMALLOC_WEIGHT,
} from "./linux_mix.ts";
import { Prng } from "./prng.ts";
import { WeightedTable } from "./weighted_table.ts";

const MiB = 1024 * 1024;

/** Options of {@link TraceSynth}. */
export interface SynthOptions {
  /** Seed of the random generator, an integer in [0, 2^32); default 1. */
  seed?: number;
  /** Live bytes the waves fall to; default 8 MiB. */
  floorBytes?: number;
  /** Live bytes the waves rise to; default 32 MiB (a replay sizes a 128 MiB board). */
  ceilingBytes?: number;
  /** Whether the trace has vmalloc areas (2 in 1,000 allocations); default true. */
  vmalloc?: boolean;
  /** Periods of the live bytes' wave over the trace, a whole number; default 4. */
  waves?: number;
}

/** The defaults of {@link SynthOptions}. */
export const SYNTH_DEFAULTS: Readonly<Required<SynthOptions>> = {
  seed: 1,
  floorBytes: 8 * MiB,
  ceilingBytes: 32 * MiB,
  vmalloc: true,
  waves: 4,
};

/**
 * Of the steps with no free due, those that allocate a short-lived block. In
 * the steady state a short-lived allocation S and its free are matched, and
 * resident allocations R and frees too; S / (S + R) = 7/10 gives
 * S / (S + 2R) = 7/13.
 */
const SHORT_LIVED_STEP_SHARE = 7 / 13;
/** Short lifetimes are 2^(12u) events, u uniform in [0, 1): 1 to 4,095. */
const SHORT_LIFETIME_LOG2 = 12;
/**
 * How hard the resident set is pulled to the target: the chance of an
 * allocation is 1/2 + GAIN × (target − live) / ceiling, within the bounds
 * below. At 8, a gap of 5% of the ceiling gives 90%.
 */
const GAIN = 8;
const MIN_ALLOC_CHANCE = 0.1;
const MAX_ALLOC_CHANCE = 0.9;
/** Bytes of whole lines per chunk handed out. */
const CHUNK_BYTES = 1 << 18;
/** Room for the longest line past CHUNK_BYTES (the longest is under 80 bytes). */
const LINE_ROOM = 256;

/** Kinds of blocks, and the index of each in the kind table. */
const GALLOC = 0;
const SLICE = 1;
const PAGES = 2;
const VMALLOC = 3;

/** The fixed parts of the lines, as bytes. */
const TEXT = {
  header: ascii(NATIVE_HEADER + "\n"),
  galloc: ascii("galloc "),
  sliceAlloc: ascii("slice_alloc "),
  allocPages: ascii("alloc_pages "),
  vmalloc: ascii("vmalloc "),
  /** The free op of each kind, indexed by kind. */
  frees: [ascii("gfree "), ascii("slice_free "), ascii("free_pages "), ascii("vfree ")],
  plainFlags: ascii(" 0 "),
  zeroFlags: ascii(` ${GFP_ZERO} `),
  linuxBytes: ascii(" linux_bytes="),
  /** Per cache, its name after a space: the pool operand of slice lines. */
  pools: SLAB_CACHES.map((cache) => ascii(" " + cache.name)),
  /** Per cache, its whole creation line. */
  poolCreations: SLAB_CACHES.map((cache) =>
    ascii(`slice_pool_create ${cache.name} 0 ${cache.size} name=${cache.name}\n`)
  ),
};

const NEWLINE = 10;
const SPACE = 32;

/** A live block. */
interface Block extends Due {
  /** GALLOC, SLICE, PAGES or VMALLOC. */
  kind: number;
  /** Its key: the counter's value when it was allocated. */
  key: number;
  /** A slice's cache, an index into SLAB_CACHES; -1 for the other kinds. */
  cache: number;
  /** Live bytes it counts for. */
  bytes: number;
}

/**
 * Generates a native trace of a given number of events from a seed.
 * Iterating it yields the trace as chunks of whole lines, ASCII bytes (the
 * first begins with the format's header line), about 256 KiB each, each in
 * an array of its own; the same events, options and seed give the same
 * bytes. It can be iterated once.
 */
export class TraceSynth implements Iterable<Uint8Array> {
  readonly #events: number;
  readonly #floor: number;
  readonly #ceiling: number;
  readonly #waves: number;
  readonly #rng: Prng;
  readonly #kinds: WeightedTable;
  readonly #kmallocBands: WeightedTable;
  readonly #caches: WeightedTable;
  readonly #orders: WeightedTable;
  readonly #vmallocBands: WeightedTable;
  readonly #out = new AsciiChunk(CHUNK_BYTES + LINE_ROOM);
  /** Resident blocks, in no order: a free swaps the last into the hole. */
  readonly #resident: Block[] = [];
  readonly #shortLived = new DueQueue<Block>();
  #step = 0;
  #nextKey = 1;
  #live = 0;
  #peak = 0;

  /**
   * Sets up a trace of `events` events (pool creations included; the
   * header line is not an event).
   * @param events how many events, a whole number
   * @param options seed, live-byte floor and ceiling, vmalloc
   * @throws {RangeError} when an argument is out of range
   * @example
   * ```ts
   * import { TraceSynth } from "./synth_trace.ts";
   * const synth = new TraceSynth(100_000, { seed: 7 });
   * const path = await Deno.makeTempFile({ suffix: ".trace" });
   * const file = await Deno.open(path, { write: true });
   * await ReadableStream.from(synth).pipeTo(file.writable); // closes the file
   * console.log(`${synth.eventsWritten} events, peak ${synth.peakLiveBytes} live bytes`);
   * await Deno.remove(path);
   * ```
   */
  constructor(events: number, options: SynthOptions = {}) {
    const { seed, floorBytes, ceilingBytes, vmalloc, waves } = { ...SYNTH_DEFAULTS, ...options };
    if (!Number.isSafeInteger(waves) || waves < 1) {
      throw new RangeError(`waves ${waves} is not a whole number from 1`);
    }
    if (!Number.isSafeInteger(events) || events < 0) {
      throw new RangeError(`events ${events} is not a whole number`);
    }
    if (!(floorBytes >= 0 && ceilingBytes >= floorBytes && ceilingBytes > 0)) {
      throw new RangeError(
        `the live-byte floor ${floorBytes} and ceiling ${ceilingBytes} need 0 <= floor <= ceiling`,
      );
    }
    this.#events = events;
    this.#floor = floorBytes;
    this.#ceiling = ceilingBytes;
    this.#waves = waves;
    this.#rng = new Prng(seed);
    this.#kinds = new WeightedTable([
      KIND_WEIGHTS.galloc,
      KIND_WEIGHTS.slice,
      KIND_WEIGHTS.pages,
      vmalloc ? VMALLOC_WEIGHT : 0,
    ]);
    this.#kmallocBands = new WeightedTable(KMALLOC_SIZE_BANDS.map((band) => band[2]));
    this.#caches = new WeightedTable(SLAB_CACHES.map((cache) => cache.weight));
    this.#orders = new WeightedTable(PAGE_ORDER_WEIGHTS);
    this.#vmallocBands = new WeightedTable(VMALLOC_PAGE_BANDS.map((band) => band[2]));
  }

  /** Events generated so far. */
  get eventsWritten(): number {
    return this.#step;
  }

  /** Live bytes now (objects rounded up to 8, pages and areas whole). */
  get liveBytes(): number {
    return this.#live;
  }

  /** The most live bytes so far. */
  get peakLiveBytes(): number {
    return this.#peak;
  }

  /** The trace, in chunks of whole lines. */
  *[Symbol.iterator](): Generator<Uint8Array> {
    const out = this.#out;
    if (this.#step === 0) out.text(TEXT.header);
    while (this.#step < this.#events) {
      this.#writeEvent();
      if (out.length >= CHUNK_BYTES) yield out.take();
    }
    if (out.length > 0) yield out.take();
  }

  /** Writes the next event's line. */
  #writeEvent(): void {
    const step = this.#step++;
    if (step < SLAB_CACHES.length) return this.#out.text(TEXT.poolCreations[step]);
    const rng = this.#rng;
    const first = this.#shortLived.peek();
    if (first !== undefined && first.due <= step) return this.#free(this.#shortLived.pop());
    if (rng.next() < SHORT_LIVED_STEP_SHARE) {
      return this.#allocate(step + Math.floor(2 ** (rng.next() * SHORT_LIFETIME_LOG2)));
    }
    const resident = this.#resident;
    const gap = (this.#target(step) - this.#live) / this.#ceiling;
    const allocChance = Math.min(MAX_ALLOC_CHANCE, Math.max(MIN_ALLOC_CHANCE, 0.5 + GAIN * gap));
    if (resident.length === 0 || rng.next() < allocChance) return this.#allocate(Infinity);
    const at = rng.below(resident.length);
    const block = resident[at];
    resident[at] = resident[resident.length - 1];
    resident.pop();
    this.#free(block);
  }

  /** Live bytes the resident set is steered to at a step: a cosine wave from the floor. */
  #target(step: number): number {
    const phase = (2 * Math.PI * this.#waves * step) / this.#events;
    return this.#floor + (this.#ceiling - this.#floor) * (1 - Math.cos(phase)) / 2;
  }

  /**
   * Allocates a block of a kind drawn from the mix, and writes its line.
   * @param due the step it is freed at (short-lived), or Infinity (resident)
   */
  #allocate(due: number): void {
    const rng = this.#rng;
    const out = this.#out;
    const key = this.#nextKey++;
    const block: Block = { kind: this.#kinds.pick(rng.next()), key, cache: -1, bytes: 0, due };
    switch (block.kind) {
      case GALLOC: {
        const [min, max] = KMALLOC_SIZE_BANDS[this.#kmallocBands.pick(rng.next())];
        const size = min + rng.below(max - min + 1);
        block.bytes = roundUp8(size);
        out.text(TEXT.galloc);
        out.hex(key);
        out.text(rng.below(100) < KMALLOC_ZERO_PERCENT ? TEXT.zeroFlags : TEXT.plainFlags);
        out.decimal(size);
        out.text(TEXT.linuxBytes);
        out.decimal(kmallocBytes(size));
        break;
      }
      case SLICE: {
        block.cache = this.#caches.pick(rng.next());
        block.bytes = roundUp8(SLAB_CACHES[block.cache].size);
        out.text(TEXT.sliceAlloc);
        out.hex(key);
        out.text(TEXT.pools[block.cache]);
        break;
      }
      case PAGES: {
        const order = this.#orders.pick(rng.next());
        block.bytes = PAGE_SIZE << order;
        out.text(TEXT.allocPages);
        out.hex(key);
        out.text(rng.below(100) < PAGES_ZERO_PERCENT ? TEXT.zeroFlags : TEXT.plainFlags);
        out.decimal(order);
        break;
      }
      case VMALLOC: {
        const [min, max] = VMALLOC_PAGE_BANDS[this.#vmallocBands.pick(rng.next())];
        block.bytes = (min + rng.below(max - min + 1)) * PAGE_SIZE;
        out.text(TEXT.vmalloc);
        out.hex(key);
        out.char(SPACE);
        out.decimal(block.bytes);
      }
    }
    out.char(NEWLINE);
    if (due === Infinity) this.#resident.push(block);
    else this.#shortLived.push(block);
    this.#live += block.bytes;
    if (this.#live > this.#peak) this.#peak = this.#live;
  }

  /** Frees a block taken out of the resident set or the short-lived heap, and writes its line. */
  #free(block: Block): void {
    const out = this.#out;
    this.#live -= block.bytes;
    out.text(TEXT.frees[block.kind]);
    out.hex(block.key);
    if (block.kind === SLICE) out.text(TEXT.pools[block.cache]);
    out.char(NEWLINE);
  }
}

function roundUp8(bytes: number): number {
  return Math.ceil(bytes / 8) * 8;
}
