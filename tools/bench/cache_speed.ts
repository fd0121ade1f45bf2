/**
 * How fast the cache model is, on the bus traffic of pagepile's own
 * allocators: accesses per second of CacheModel.access alone, and what a
 * bus access costs without and with the model beside it (the second loop
 * calls both, as a board with a data cache does); and the same for
 * zeroing pages, a burst the board serves with fill32 and the model with
 * accessWords. The target downstream: a replay with the cache on takes at
 * most 1.3× the time without, so an access must cost tens of nanoseconds at
 * most. A replay spends most of its time outside the bus (parsing, checking,
 * the allocators' own logic), so its slowdown is far below the ratios of
 * these tight loops, which do nothing but bus accesses.
 *
 * The stream: 2^20 RAM accesses recorded from the bus after boot, under a
 * seeded mix of calls (galloc of kmalloc-like sizes, gfree, get_pages and
 * put_pages of orders 0 to 2), the same on every run; replayed over and over
 * up to the count asked for, the cache keeping its lines from one round to
 * the next.
 *
 * `deno run tools/bench/cache_speed.ts [ACCESSES]` prints a line per preset.
 * @module
 */

import { Board } from "../../hw/board.ts";
import { CacheModel } from "../../hw/cache/cache_model.ts";
import { CACHE_PRESETS, type CachePresetName } from "../../hw/cache/cache_presets.ts";
import { PAGE_SIZE, RAM_BASE, SYSINFO_BASE } from "../../hw/memory_map.ts";
import { boot } from "../../core/pagepile/boot.ts";
import { GFP_KERNEL } from "../../core/gfp.ts";
import { seededRandom } from "../fuzz/seeded_random.ts";

const MiB = 1024 * 1024;
const RAM_BYTES = 16 * MiB;
const STREAM_LENGTH = 1 << 20;
/** Bits of a stream entry's kind: bit 0 write, bits 1-3 width. */
const WRITE = 1;
const WIDTH_SHIFT = 1;
/** Pages zeroed per measurement of the burst loops. */
const PAGES_ZEROED = 20_000;
const WORDS_PER_PAGE = PAGE_SIZE / 4;

/** What one measurement found. */
export interface CacheSpeed {
  /** The preset measured. */
  preset: CachePresetName;
  /** Accesses made, in each loop. */
  accesses: number;
  /** CacheModel.access calls per second, alone. */
  accessesPerSecond: number;
  /** Nanoseconds per CacheModel.access call, alone. */
  nsPerAccess: number;
  /** Nanoseconds per bus access (read/write 8/16/32), without the model. */
  busNs: number;
  /** Nanoseconds per bus access with a CacheModel.access call beside it. */
  busWithCacheNs: number;
  /** Misses ÷ accesses on the stream. */
  missRate: number;
  /** Nanoseconds to zero a 4 KiB page with fill32, without the model. */
  zeroPageNs: number;
  /** The same, with a CacheModel.accessWords call beside it. */
  zeroPageWithCacheNs: number;
}

/** A stream of accesses: addresses, and kinds (write bit, width). */
interface Stream {
  addrs: Uint32Array;
  kinds: Uint8Array;
}

/**
 * Measures one preset: the model alone on the stream, the bus alone and
 * with the model beside it, and page zeroing both ways; each loop warmed up
 * first.
 * @param preset the cache preset
 * @param accesses accesses per loop (default 10^7)
 * @returns the figures
 * @example
 * ```ts
 * import { cacheSpeed } from "./cache_speed.ts";
 * const speed = cacheSpeed("cortex-m7-d", 100_000);
 * console.log(speed.accessesPerSecond > 0); // true
 * ```
 */
export function cacheSpeed(preset: CachePresetName, accesses = 10_000_000): CacheSpeed {
  const config = CACHE_PRESETS[preset];
  stream ??= allocatorStream();
  const board = new Board({ ramBytes: RAM_BYTES });
  const warmUp = Math.min(accesses, STREAM_LENGTH);
  timeCache(new CacheModel(config), stream, warmUp);
  timeBus(board, null, stream, warmUp);
  timeBus(board, new CacheModel(config), stream, warmUp);
  timeZeroing(board, null, PAGES_ZEROED / 10);
  timeZeroing(board, new CacheModel(config), PAGES_ZEROED / 10);

  const cache = new CacheModel(config);
  const seconds = timeCache(cache, stream, accesses);
  const counters = cache.counters();
  const perAccess = 1e9 / accesses;
  const perPage = 1e9 / PAGES_ZEROED;
  return {
    preset,
    accesses,
    accessesPerSecond: accesses / seconds,
    nsPerAccess: seconds * perAccess,
    busNs: timeBus(board, null, stream, accesses) * perAccess,
    busWithCacheNs: timeBus(board, new CacheModel(config), stream, accesses) * perAccess,
    missRate: counters.misses / counters.accesses,
    zeroPageNs: timeZeroing(board, null, PAGES_ZEROED) * perPage,
    zeroPageWithCacheNs: timeZeroing(board, new CacheModel(config), PAGES_ZEROED) * perPage,
  };
}

/** The stream, recorded on first use. */
let stream: Stream | undefined;

/**
 * A board that records the RAM accesses made through its bus once
 * `recording` is set, up to STREAM_LENGTH of them; a burst counts as its
 * words.
 */
class RecordingBoard extends Board {
  readonly addrs = new Uint32Array(STREAM_LENGTH);
  readonly kinds = new Uint8Array(STREAM_LENGTH);
  length = 0;
  recording = false;

  #record(addr: number, kind: number): void {
    if (!this.recording || this.length === STREAM_LENGTH || addr >= SYSINFO_BASE) return;
    this.addrs[this.length] = addr;
    this.kinds[this.length++] = kind;
  }

  override read8(addr: number): number {
    this.#record(addr, 1 << WIDTH_SHIFT);
    return super.read8(addr);
  }
  override read16(addr: number): number {
    this.#record(addr, 2 << WIDTH_SHIFT);
    return super.read16(addr);
  }
  override read32(addr: number): number {
    this.#record(addr, 4 << WIDTH_SHIFT);
    return super.read32(addr);
  }
  override write8(addr: number, value: number): void {
    this.#record(addr, WRITE | (1 << WIDTH_SHIFT));
    super.write8(addr, value);
  }
  override write16(addr: number, value: number): void {
    this.#record(addr, WRITE | (2 << WIDTH_SHIFT));
    super.write16(addr, value);
  }
  override write32(addr: number, value: number): void {
    this.#record(addr, WRITE | (4 << WIDTH_SHIFT));
    super.write32(addr, value);
  }
  override fill32(addr: number, words: number, value: number): void {
    for (let i = 0; i < words; i++) this.#record(addr + 4 * i, WRITE | (4 << WIDTH_SHIFT));
    super.fill32(addr, words, value);
  }
}

/** The stream the module comment describes, recorded. */
function allocatorStream(): Stream {
  const board = new RecordingBoard({ ramBytes: RAM_BYTES });
  const k = boot(board);
  const random = seededRandom(2024);
  const objects: number[] = [];
  const piles: number[] = [];
  board.recording = true;
  while (board.length < STREAM_LENGTH) {
    const pick = random();
    if (pick < 0.45 || objects.length === 0) {
      // kmalloc's sizes: mostly small, now and then up to 4 KiB.
      const size = random() < 0.8
        ? 8 + Math.floor(random() * 248)
        : Math.floor(random() * 4096) + 1;
      const addr = k.galloc(GFP_KERNEL, size);
      if (addr !== 0) objects.push(addr);
    } else if (pick < 0.9) {
      const at = Math.floor(random() * objects.length);
      k.gfree(objects[at]);
      objects[at] = objects[objects.length - 1];
      objects.pop();
    } else if (pick < 0.95 || piles.length === 0) {
      const addr = k.get_pages(GFP_KERNEL, Math.floor(random() * 3));
      if (addr !== 0) piles.push(addr);
    } else {
      k.put_pages(piles.pop()!);
    }
  }
  return { addrs: board.addrs, kinds: board.kinds };
}

/** Seconds `count` accesses of the stream take on the model alone. */
function timeCache(cache: CacheModel, stream: Stream, count: number): number {
  const { addrs, kinds } = stream;
  const start = performance.now();
  let cycles = 0;
  for (let i = 0; i < count; i++) {
    const j = i & (STREAM_LENGTH - 1);
    const kind = kinds[j];
    cycles += cache.access(addrs[j], (kind & WRITE) !== 0, kind >>> WIDTH_SHIFT);
  }
  const seconds = (performance.now() - start) / 1000;
  if (cycles === 0) throw new Error("the stream cost nothing");
  return seconds;
}

/** Seconds `count` accesses of the stream take on the bus, with `cache` beside it if given. */
function timeBus(board: Board, cache: CacheModel | null, stream: Stream, count: number): number {
  const { addrs, kinds } = stream;
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const j = i & (STREAM_LENGTH - 1);
    const addr = addrs[j];
    const kind = kinds[j];
    const width = kind >>> WIDTH_SHIFT;
    const isWrite = (kind & WRITE) !== 0;
    if (cache !== null) board.cycles += cache.access(addr, isWrite, width);
    if (isWrite) {
      if (width === 4) board.write32(addr, i);
      else if (width === 2) board.write16(addr, i);
      else board.write8(addr, i);
    } else if (width === 4) board.read32(addr);
    else if (width === 2) board.read16(addr);
    else board.read8(addr);
  }
  return (performance.now() - start) / 1000;
}

/**
 * Seconds zeroing `pages` pages takes with fill32, with `cache` told of
 * each burst if given: pages spread over RAM (a stride of 97 pages), as a
 * page allocator hands them out.
 */
function timeZeroing(board: Board, cache: CacheModel | null, pages: number): number {
  const ramPages = RAM_BYTES / PAGE_SIZE;
  const start = performance.now();
  for (let i = 0; i < pages; i++) {
    const addr = RAM_BASE + ((i * 97) % ramPages) * PAGE_SIZE;
    board.fill32(addr, WORDS_PER_PAGE, 0);
    if (cache !== null) board.cycles += cache.accessWords(addr, WORDS_PER_PAGE, true);
  }
  return (performance.now() - start) / 1000;
}

if (import.meta.main) {
  const accesses = Number(Deno.args[0] ?? 10_000_000);
  console.log(
    `${accesses.toLocaleString("en-US")} accesses of pagepile's allocators per loop; ` +
      `${PAGES_ZEROED.toLocaleString("en-US")} pages zeroed`,
  );
  for (const preset of Object.keys(CACHE_PRESETS) as CachePresetName[]) {
    const s = cacheSpeed(preset, accesses);
    const ns = (n: number): string => n.toFixed(1);
    console.log(
      `${preset.padEnd(13)} ${(s.accessesPerSecond / 1e6).toFixed(1).padStart(6)} M accesses/s` +
        ` (${ns(s.nsPerAccess)} ns), miss rate ${(100 * s.missRate).toFixed(1)}%;` +
        ` bus access ${ns(s.busNs)} ns, with the model ${ns(s.busWithCacheNs)} ns;` +
        ` zeroing a page ${ns(s.zeroPageNs / 1000)} us, with the model` +
        ` ${ns(s.zeroPageWithCacheNs / 1000)} us`,
    );
  }
}
