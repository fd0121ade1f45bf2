/**
 * The design `tlsf`: its worst-case bus accesses per call, as
 * core/tlsf/design.ts states them, on fragmented heaps of 10 and of 10,000
 * free blocks; the blocks it hands out; its audit, page map and pools.
 */

import { assertEquals, assertThrows } from "./_assert.ts";
import { seededRandom } from "./_helpers.ts";
import {
  Board,
  type Firmware,
  GFP_KERNEL,
  GFP_ZERO,
  hex32,
  Kernel,
  PoolBusyError,
  type PoolHandle,
  RAM_ACCESS_CYCLES,
  tlsfDesign,
  ZERO_SIZE_PTR,
} from "../mod.ts";

const MiB = 1024 * 1024;

/** Worst-case bus accesses per call, from core/tlsf/design.ts's table. */
const WORST = { galloc: 23, gfree: 31, slice_alloc: 27, slice_free: 33 };

/** The largest bus-cycle figure each kind of call took, and how many calls were measured. */
class MaxCycles {
  readonly max: Record<string, number> = {};
  measured = 0;
  readonly #k: Firmware;

  constructor(k: Firmware) {
    this.#k = k;
  }

  /** Runs `call`, keeping its cycles under `name` unless it grew or shrank the heap. */
  time<T>(name: string, call: () => T): T {
    const pages = this.#k.pagesInUse();
    const before = this.#k.board.cycles;
    const result = call();
    const cycles = this.#k.board.cycles - before;
    if (this.#k.pagesInUse() !== pages) throw new Error(`${name} took or gave back pages`);
    this.max[name] = Math.max(this.max[name] ?? 0, cycles);
    this.measured++;
    return result;
  }
}

/**
 * Boots tlsf on 64 MiB and makes its heap fragmented: 2n blocks of 8 to 207
 * bytes (blocks of 16 to 216, all on first level 0), then every other one
 * freed, so that n free blocks lie each between two used ones. The area the
 * last blocks came from keeps a large free block at its end, alone on its
 * first level; the areas before it end in a free block of under 512 bytes.
 */
function fragmentedHeap(n: number): Firmware {
  const k = tlsfDesign.boot(new Board({ ramBytes: 64 * MiB }));
  const blocks: number[] = [];
  for (let i = 0; i < 2 * n; i++) blocks.push(k.galloc(GFP_KERNEL, 8 + (i * 37) % 200));
  for (let i = 0; i < blocks.length; i += 2) k.gfree(blocks[i]);
  assertEquals(k.audit(), []);
  return k;
}

/**
 * Calls of every kind the worst case has: small requests that hit a list of
 * their own size; larger ones (first level 2 and up, empty here) that find
 * the large free block through the first-level bitmap, take it alone off its
 * list (clearing both bitmaps) and put the rest back on the emptied list;
 * and frees that merge with a free block on each side, each alone on its
 * first level, up to the area's sentinel.
 */
function measureGeneric(k: Firmware): MaxCycles {
  const m = new MaxCycles(k);
  for (let size = 1; size < 2000; size += 13) {
    const block = m.time("galloc", () => k.galloc(GFP_KERNEL, size));
    m.time("gfree", () => k.gfree(block));
  }
  // a, b and c follow one another; c's free merges it with the large block
  // above it, and b's merges a, b, c and that block into one.
  const [a, b, c] = [520, 600, 700].map((size) =>
    m.time("galloc", () => k.galloc(GFP_KERNEL, size))
  );
  for (const block of [a, c, b]) m.time("gfree", () => k.gfree(block));
  return m;
}

/** The same calls through slice pools, a pool per size. */
function measureSlices(k: Firmware): MaxCycles {
  const m = new MaxCycles(k);
  const pool = (size: number): PoolHandle => k.slice_pool_create(GFP_KERNEL, size)!;
  for (let size = 1; size < 2000; size += 97) {
    const p = pool(size);
    const slice = m.time("slice_alloc", () => k.slice_alloc(p));
    m.time("slice_free", () => k.slice_free(slice, p));
  }
  const pools = [520, 600, 700].map(pool);
  const slices = pools.map((p) => m.time("slice_alloc", () => k.slice_alloc(p)));
  for (const i of [0, 2, 1]) m.time("slice_free", () => k.slice_free(slices[i], pools[i]));
  return m;
}

Deno.test("tlsf: galloc and gfree cost the stated worst case on heaps of 10 and of 10,000 free blocks", () => {
  const small = measureGeneric(fragmentedHeap(10));
  const large = measureGeneric(fragmentedHeap(10_000));
  assertEquals([small.measured, large.measured], [314, 314]);
  assertEquals(large.max, small.max);
  assertEquals(small.max, {
    galloc: WORST.galloc * RAM_ACCESS_CYCLES,
    gfree: WORST.gfree * RAM_ACCESS_CYCLES,
  });
});

Deno.test("tlsf: slice_alloc and slice_free cost the stated worst case on heaps of 10 and of 10,000 free blocks", () => {
  const small = measureSlices(fragmentedHeap(10));
  const large = measureSlices(fragmentedHeap(10_000));
  assertEquals(large.max, small.max);
  assertEquals(small.max, {
    slice_alloc: WORST.slice_alloc * RAM_ACCESS_CYCLES,
    slice_free: WORST.slice_free * RAM_ACCESS_CYCLES,
  });
});

Deno.test("tlsf: growing and giving back an area cost the heap 23 and 24 accesses, the page allocator's apart", () => {
  const k = tlsfDesign.boot(new Board({ ramBytes: 8 * MiB }));
  // Count what pagepile's page allocator takes, to set it apart.
  const pageCalls = { calls: 0, cycles: 0 };
  const original = { get: Kernel.prototype.get_pages, put: Kernel.prototype.put_pages };
  Kernel.prototype.get_pages = function (flags: number, order: number): number {
    const before = this.board.cycles;
    const addr = original.get.call(this, flags, order);
    [pageCalls.calls, pageCalls.cycles] = [
      pageCalls.calls + 1,
      pageCalls.cycles + this.board.cycles - before,
    ];
    return addr;
  };
  Kernel.prototype.put_pages = function (addr: number): void {
    const before = this.board.cycles;
    original.put.call(this, addr);
    [pageCalls.calls, pageCalls.cycles] = [
      pageCalls.calls + 1,
      pageCalls.cycles + this.board.cycles - before,
    ];
  };
  /** [heap accesses, page allocator calls] of `call`. */
  const heapAccesses = (call: () => void): [number, number] => {
    [pageCalls.calls, pageCalls.cycles] = [0, 0];
    const before = k.board.cycles;
    call();
    return [(k.board.cycles - before - pageCalls.cycles) / RAM_ACCESS_CYCLES, pageCalls.calls];
  };
  try {
    let [a, b, c, d] = [0, 0, 0, 0];
    // The first area: 64 KiB, a 60,008-byte block and 5,504 free bytes.
    assertEquals(heapAccesses(() => a = k.galloc(GFP_KERNEL, 60_000)), [22, 1]);
    // 10,000 bytes fit in no free block: a second area, pushed on a list that
    // holds one (1 more access), its rest on an empty list: the worst case.
    assertEquals(heapAccesses(() => b = k.galloc(GFP_KERNEL, 10_000)), [23, 1]);
    // 100,000 bytes: an area of 128 KiB, then 20,000 bytes from its rest,
    // found on the request's own first level (two bitmap reads fewer).
    assertEquals(heapAccesses(() => c = k.galloc(GFP_KERNEL, 100_000)), [23, 1]);
    assertEquals(heapAccesses(() => d = k.galloc(GFP_KERNEL, 20_000)), [21, 0]);
    // c merges with nothing: its size word, d's (twice: as the next block,
    // then as the one above), the three writes, and onto an empty list (8).
    assertEquals(heapAccesses(() => k.gfree(c)), [14, 0]);
    // d's free merges c below and the rest above, each alone on its first
    // level, into a block spanning the area: it goes back at once.
    assertEquals(heapAccesses(() => k.gfree(d)), [24, 1]);
    for (const block of [a, b]) k.gfree(block);
    // The 64 KiB areas wait for gshrink.
    assertEquals(k.gshrink(), 32);
    assertEquals(k.audit(), []);
  } finally {
    Kernel.prototype.get_pages = original.get;
    Kernel.prototype.put_pages = original.put;
  }
});

/**
 * The live blocks of a workload: each one's range and a pattern written into
 * it through the debug port, checked when it is freed.
 */
class LiveRanges {
  /** [start, end, pattern], sorted by start. */
  readonly ranges: [number, number, number][] = [];
  readonly #board: Board;
  #pattern = 0x7100_0001;

  constructor(board: Board) {
    this.#board = board;
  }

  /** Claims `bytes` at `addr`: in RAM, 8-aligned, clear of every live block. */
  add(addr: number, bytes: number): void {
    const board = this.#board;
    if (addr < board.ramBase || addr + bytes > board.ramBase + board.ramBytes) {
      throw new Error(`block 0x${addr.toString(16)} is not in RAM`);
    }
    if (addr % 8 !== 0) throw new Error(`block 0x${addr.toString(16)} is not 8-aligned`);
    const at = this.#index(addr);
    const [before, after] = [this.ranges[at - 1], this.ranges[at]];
    if ((before && before[1] > addr) || (after && after[0] < addr + bytes)) {
      throw new Error(`block 0x${addr.toString(16)} overlaps a live one`);
    }
    const pattern = this.#pattern++;
    board.debugFill(addr, bytes, pattern);
    this.ranges.splice(at, 0, [addr, addr + bytes, pattern]);
  }

  /** Checks live block `i` is intact, and forgets it. */
  remove(i: number): number {
    const [start, end, pattern] = this.ranges.splice(i, 1)[0];
    const changed = this.#board.debugFindMismatch(start, end - start, pattern);
    if (changed !== -1) throw new Error(`byte 0x${changed.toString(16)} of a live block changed`);
    return start;
  }

  #index(addr: number): number {
    let [low, high] = [0, this.ranges.length];
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.ranges[mid][0] < addr) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}

Deno.test("tlsf: blocks and slices are in RAM, 8-aligned, apart and intact; every page comes back", () => {
  const k = tlsfDesign.boot(new Board({ ramBytes: 32 * MiB }));
  const freeAtBoot = k.stats().pages.free;
  const random = seededRandom(2004);
  const live = new LiveRanges(k.board);
  /** How each live block is freed, by address. */
  const freers = new Map<number, () => void>();
  const pools = [1, 24, 40, 200, 4096, 70_000].map((size) => ({
    size,
    pool: k.slice_pool_create(size === 40 ? GFP_ZERO : GFP_KERNEL, size, { name: `test-${size}` })!,
  }));
  for (let step = 0; step < 20_000; step++) {
    // Frees grow likelier with the live blocks: a few hundred stay live.
    if (random() < live.ranges.length / 600) {
      const addr = live.remove(Math.floor(random() * live.ranges.length));
      freers.get(addr)!();
      freers.delete(addr);
    } else if (random() < 0.5) {
      const { size, pool } = pools[Math.floor(random() * pools.length)];
      const slice = k.slice_alloc(pool);
      if (size === 40) assertEquals(k.board.debugFindMismatch(slice, size, 0), -1);
      live.add(slice, size);
      freers.set(slice, () => k.slice_free(slice, pool));
    } else {
      // Mostly small, a few up to 1 MiB as the traces have them.
      const size = random() < 0.99 ? 1 + Math.floor(random() * 3000) : Math.floor(random() * MiB);
      const zero = random() < 0.1;
      const block = k.galloc(zero ? GFP_ZERO : GFP_KERNEL, size);
      if (block === ZERO_SIZE_PTR) continue;
      if (zero) assertEquals(k.board.debugFindMismatch(block, size, 0), -1);
      assertEquals(k.gsize(block) >= size && k.gtaken!(block) === k.gsize(block) + 4, true);
      live.add(block, size);
      freers.set(block, () => k.gfree(block));
    }
    if (step % 2000 === 0) assertEquals(k.audit(), [], `step ${step}`);
  }
  assertEquals(k.audit(), []);
  while (live.ranges.length > 0) freers.get(live.remove(0))!();
  for (const { pool } of pools) k.slice_pool_recycle(pool);
  k.gshrink();
  assertEquals(k.stats().pages.free, freeAtBoot);
  assertEquals(k.audit(), []);
});

Deno.test("tlsf: audit() finds a wrong PREV_FREE bit, a broken boundary tag and a block off its list", () => {
  const k = tlsfDesign.boot(new Board({ ramBytes: 1 * MiB }));
  const [a, b, c] = [100, 100, 100, 100].map((size) => k.galloc(GFP_KERNEL, size));
  k.gfree(a);
  k.gfree(c); // a and c on one list, c at its head
  // b's size word is 4 bytes before it, its boundary tag (the free block a) 8 bytes before.
  const word = k.board.read32(b - 4);
  k.board.write32(b - 4, word & ~2);
  assertEquals(k.audit(), [`block ${hex32(b - 8)}: PREV_FREE clear wrongly`]);
  k.board.write32(b - 4, word);
  k.board.write32(b - 8, a);
  assertEquals(k.audit(), [`block ${hex32(b - 8)}: its boundary tag is not ${hex32(a - 8)}`]);
  k.board.write32(b - 8, a - 8);
  assertEquals(k.audit(), []);
  k.board.write32(c, 0); // c's link to the next free block on its list
  assertEquals(k.audit(), [`free block ${hex32(a - 8)} is on no free list`]);
});

Deno.test("tlsf: pools are heap blocks, refused recycling while live, listed in stats()", () => {
  const k = tlsfDesign.boot(new Board({ ramBytes: 1 * MiB }));
  const pool = k.slice_pool_create(GFP_KERNEL, 40, { name: "dentry" })!;
  const slice = k.slice_alloc(pool);
  assertEquals(k.stats().slices.map((p) => [p.name, p.slotSize, p.objsPerSlab, p.pagesPerSlab]), [
    ["dentry", 48, 1, 0], // a 48-byte block: 40 bytes and the size word, rounded to 8
  ]);
  const error = assertThrows(() => k.slice_pool_recycle(pool), PoolBusyError);
  assertEquals(error.live, 1);
  k.slice_free(slice, pool);
  k.slice_pool_recycle(pool);
  assertEquals(k.stats().slices, []);
  assertEquals(k.audit(), []);
});

Deno.test("tlsf: pageMap() names the heap's areas and its control page", () => {
  const k = tlsfDesign.boot(new Board({ ramBytes: 4 * MiB }));
  k.galloc(GFP_KERNEL, 100);
  k.galloc(GFP_KERNEL, 200_000);
  const map = k.pageMap!()!;
  const pagesOf = (label: string): number => {
    let pages = 0;
    for (let i = 0; i < map.runs.length; i += 3) {
      if (map.holders[map.runs[i + 2]].label === label) pages += map.runs[i + 1];
    }
    return pages;
  };
  // A 64 KiB area and a 256 KiB one.
  assertEquals([pagesOf("tlsf heap area"), pagesOf("tlsf control block")], [16 + 64, 1]);
  let next = 0;
  for (let i = 0; i < map.runs.length; i += 3) {
    assertEquals(map.runs[i], next);
    next += map.runs[i + 1];
  }
  assertEquals(next, map.pages);
});
