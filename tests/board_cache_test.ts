import { assertEquals, assertThrows } from "./_assert.ts";
import {
  Board,
  BusFault,
  CACHE_PRESETS,
  type CacheConfig,
  CycleLimitExceeded,
  FLASH_ACCESS_CYCLES,
  FLASH_BASE,
  MMIO_ACCESS_CYCLES,
  parseCacheSpec,
  RAM_ACCESS_CYCLES,
  RAM_BASE,
  SYSINFO_BASE,
} from "../mod.ts";

const MiB = 1024 * 1024;
const M7D = CACHE_PRESETS["cortex-m7-d"];
const M7I = CACHE_PRESETS["cortex-m7-i"];
/** A fill from RAM of a 32-byte line: (1 + 32 / 8) x 2; from flash (1 + 4) x 4. */
const RAM_FILL = 10;
const FLASH_FILL = 20;

function cachedBoard(cache: { data?: CacheConfig; instruction?: CacheConfig } = { data: M7D }) {
  return new Board({ ramBytes: MiB, flashBytes: 4096, cache });
}

Deno.test("a board shows its caches read-only: counters and lines, not the model that prices accesses", () => {
  const board = new Board({ ramBytes: 64 * 1024, cache: { data: parseCacheSpec("cortex-m7-d") } });
  board.read32(RAM_BASE);
  const view = board.dataCache!;
  assertEquals([view.accesses, view.misses, view.lineState(RAM_BASE)], [1, 1, "clean"]);
  // What a design could warm lines with, unbilled, is not there.
  assertEquals(["access", "accessWords"].some((m) => m in view), false);
});

Deno.test("Board without a cache option has none, and every access costs the constants", () => {
  const board = new Board({ ramBytes: MiB, flashBytes: 4096 });
  assertEquals(board.dataCache, null);
  assertEquals(board.instructionCache, null);
  board.read32(RAM_BASE);
  board.write8(RAM_BASE + 1, 1);
  board.fill32(RAM_BASE, 100, 0);
  board.fetch32(FLASH_BASE);
  board.fetch32(RAM_BASE);
  assertEquals(board.cycles, 102 * RAM_ACCESS_CYCLES + FLASH_ACCESS_CYCLES + RAM_ACCESS_CYCLES);
});

Deno.test("Board with a data cache prices RAM reads and writes by the cache", () => {
  const board = cachedBoard();
  board.read32(RAM_BASE); // miss: hit + fill
  assertEquals(board.cycles, 1 + RAM_FILL);
  board.write16(RAM_BASE + 2, 7); // hit, now dirty
  board.read8(RAM_BASE + 31); // hit
  assertEquals(board.cycles, 1 + RAM_FILL + 2);
  assertEquals(board.dataCache!.lineState(RAM_BASE), "dirty");
  // The 5th line of set 0 (4 KiB apart under 128 sets x 32 bytes) evicts the first, dirty.
  for (let i = 1; i <= 4; i++) board.read32(RAM_BASE + i * 4096);
  assertEquals(board.dataCache!.writeBacks, 1);
  assertEquals(board.cycles, 1 + RAM_FILL + 2 + 4 * (1 + RAM_FILL) + RAM_FILL);
  assertEquals(board.read32(RAM_BASE) >>> 16, 7, "the bytes are RAM's, whatever the cache holds");
});

Deno.test("Board with a data cache: fill32 costs and counts what as many write32s do", () => {
  for (const spec of ["cortex-m7-d", "cortex-m7-d,policy=wt,alloc=no", "u74-d", "cortex-a53-d"]) {
    for (const [start, words] of [[0, 1024], [12, 37], [4092, 9], [64, 0]]) {
      const burst = cachedBoard({ data: parseCacheSpec(spec) });
      const single = cachedBoard({ data: parseCacheSpec(spec) });
      for (const board of [burst, single]) board.write32(RAM_BASE + 4096 + start, 1);
      burst.fill32(RAM_BASE + start, words, 0xAB);
      for (let i = 0; i < words; i++) single.write32(RAM_BASE + start + 4 * i, 0xAB);
      assertEquals(burst.cycles, single.cycles, `${spec} at +${start}, ${words} words`);
      assertEquals(burst.dataCache!.counters(), single.dataCache!.counters());
      assertEquals(burst.snapshot(), single.snapshot());
    }
  }
});

Deno.test("Board with a data cache: fill32 under a cycle limit stops where write32s would", () => {
  const burst = cachedBoard();
  const single = cachedBoard();
  for (const board of [burst, single]) board.limitCycles(100);
  assertThrows(() => burst.fill32(RAM_BASE, 64, 1), CycleLimitExceeded);
  assertThrows(() => {
    for (let i = 0; i < 64; i++) single.write32(RAM_BASE + 4 * i, 1);
  }, CycleLimitExceeded);
  assertEquals(burst.cycles, single.cycles);
  assertEquals(burst.dataCache!.counters(), single.dataCache!.counters());
});

Deno.test("Board with a data cache: MMIO and faults are never cached", () => {
  const board = cachedBoard();
  assertEquals(board.read32(SYSINFO_BASE), RAM_BASE);
  assertThrows(() => board.read32(0x1000), BusFault);
  assertThrows(() => board.write32(FLASH_BASE, 1), BusFault, "read-only");
  assertEquals(board.cycles, 3 * MMIO_ACCESS_CYCLES);
  assertEquals(board.dataCache!.accesses, 0);
});

Deno.test("Board with a cache: the debug port bypasses it and changes nothing in it", () => {
  const board = cachedBoard({ data: M7D, instruction: M7I });
  board.write32(RAM_BASE, 1);
  const cycles = board.cycles;
  const counters = board.dataCache!.counters();
  board.debugRead32(RAM_BASE + 8192);
  board.debugFill(RAM_BASE + 8192, 4096, 0x55);
  board.debugFindMismatch(RAM_BASE + 8192, 4096, 0x55);
  board.debugLoad(FLASH_BASE, new Uint8Array(64));
  board.debugLoad(RAM_BASE + 16384, new Uint8Array(64));
  board.snapshot();
  assertEquals(board.cycles, cycles);
  assertEquals(board.dataCache!.counters(), counters);
  assertEquals(board.instructionCache!.accesses, 0);
  assertEquals(board.dataCache!.lineState(RAM_BASE), "dirty");
  assertEquals(board.dataCache!.lineState(RAM_BASE + 8192), "absent");
});

Deno.test("Board with a data cache reads flash through it, a fill paying flash's wait states", () => {
  const board = cachedBoard();
  board.read32(FLASH_BASE);
  assertEquals(board.cycles, 1 + FLASH_FILL);
  board.read16(FLASH_BASE + 30);
  assertEquals(board.cycles, 1 + FLASH_FILL + 1);
  assertEquals(board.dataCache!.misses, 1);
});

Deno.test("Board fetches go through the instruction cache alone, never the data cache", () => {
  const dataOnly = cachedBoard();
  dataOnly.fetch32(FLASH_BASE);
  dataOnly.fetch32(RAM_BASE);
  assertEquals(dataOnly.cycles, FLASH_ACCESS_CYCLES + RAM_ACCESS_CYCLES);
  assertEquals(dataOnly.dataCache!.accesses, 0);

  const both = cachedBoard({ data: M7D, instruction: M7I });
  both.fetch32(FLASH_BASE); // miss from flash
  both.fetch32(FLASH_BASE + 4); // hit
  both.fetch32(RAM_BASE); // miss from RAM
  assertEquals(both.cycles, 1 + FLASH_FILL + 1 + 1 + RAM_FILL);
  assertEquals(both.instructionCache!.counters().misses, 2);
  assertEquals(both.dataCache!.accesses, 0);
  assertThrows(() => both.fetch32(SYSINFO_BASE - 4), BusFault);
  assertEquals(both.instructionCache!.accesses, 3);
});

Deno.test("Board with a cache refuses an access past the cycle limit", () => {
  const board = cachedBoard();
  board.limitCycles(10);
  assertThrows(() => board.read32(RAM_BASE), CycleLimitExceeded);
});
