// The board's flash: read on the bus at FLASH_ACCESS_CYCLES, never written
// by it, programmed through the debug port.

import { assertEquals, assertThrows } from "./_assert.ts";
import { Board } from "../hw/board.ts";
import { BusFault } from "../hw/bus_fault.ts";
import { CycleLimitExceeded } from "../hw/cycle_limit.ts";
import { FAULT_ADDR, FAULT_INFO } from "../hw/fault_status.ts";
import {
  FAULT_STATUS_BASE,
  FLASH_BASE,
  FLASH_MAX_BYTES,
  RAM_BASE,
  SYSINFO_BASE,
} from "../hw/memory_map.ts";
import { FLASH_ACCESS_CYCLES, MMIO_ACCESS_CYCLES } from "../hw/timing.ts";

const KiB = 1024;
const MiB = 1024 * KiB;

Deno.test("Board has no flash by default, and accepts 4 KiB multiples up to 16 MiB", () => {
  assertEquals(new Board({ ramBytes: 64 * KiB }).flashBytes, 0);
  for (const flashBytes of [0, 4 * KiB, 256 * KiB, 16 * MiB]) {
    assertEquals(new Board({ ramBytes: 64 * KiB, flashBytes }).flashBytes, flashBytes);
  }
  assertEquals(FLASH_MAX_BYTES, 16 * MiB);
  for (const flashBytes of [-4096, 1000, 6 * KiB + 1, 16 * MiB + 4 * KiB, NaN]) {
    assertThrows(
      () => new Board({ ramBytes: 64 * KiB, flashBytes }),
      RangeError,
      `flashBytes ${flashBytes}`,
    );
  }
});

Deno.test("Board memory map lists the flash first when the board has some", () => {
  const withFlash = new Board({ ramBytes: 64 * KiB, flashBytes: 8 * KiB }).memoryMap();
  assertEquals(withFlash.slice(0, 3), [
    { name: "flash", base: 0x2000_0000, size: 8 * KiB },
    { name: "ram", base: RAM_BASE, size: 64 * KiB },
    { name: "sysinfo", base: SYSINFO_BASE, size: 4 * KiB },
  ]);
  const without = new Board({ ramBytes: 64 * KiB }).memoryMap();
  assertEquals(without.map((r) => r.name).includes("flash"), false);
  assertEquals(without.length, withFlash.length - 1);
});

Deno.test("Board reads flash little-endian at FLASH_ACCESS_CYCLES, within its end", () => {
  const board = new Board({ ramBytes: 64 * KiB, flashBytes: 4 * KiB });
  assertEquals(board.debugLoad(FLASH_BASE + 8, new Uint8Array([0x44, 0x33, 0x22, 0x11])), true);
  assertEquals(board.cycles, 0); // the debug port costs no bus cycles
  assertEquals(board.read32(FLASH_BASE + 8), 0x1122_3344);
  assertEquals(board.read16(FLASH_BASE + 10), 0x1122);
  assertEquals(board.read8(FLASH_BASE + 9), 0x33);
  assertEquals(board.read32(FLASH_BASE + 4 * KiB - 4), 0);
  assertEquals(board.cycles, 4 * FLASH_ACCESS_CYCLES);
  assertEquals(FLASH_ACCESS_CYCLES, 4);
  // Past the end, or across it: nothing answers.
  for (const [addr, width] of [[FLASH_BASE + 4 * KiB, 1], [FLASH_BASE + 4 * KiB - 2, 4]]) {
    const cycles = board.cycles;
    const read = width === 1 ? () => board.read8(addr) : () => board.read32(addr);
    const fault = assertThrows(read, BusFault);
    assertEquals([fault.address, fault.reason], [addr, "unmapped"]);
    assertEquals(board.cycles, cycles + MMIO_ACCESS_CYCLES);
  }
});

Deno.test("Board faults every store to flash as read-only, latches it, and leaves flash as it was", () => {
  const board = new Board({ ramBytes: 64 * KiB, flashBytes: 4 * KiB });
  board.debugLoad(FLASH_BASE, new Uint8Array([1, 2, 3, 4]));
  const stores: [() => void, number, number][] = [
    [() => board.write8(FLASH_BASE, 0xFF), FLASH_BASE, 1],
    [() => board.write16(FLASH_BASE + 2, 0xFFFF), FLASH_BASE + 2, 2],
    [() => board.write32(FLASH_BASE + 4 * KiB - 2, -1), FLASH_BASE + 4 * KiB - 2, 4],
    [() => board.fill32(FLASH_BASE, 4, 0), FLASH_BASE, 4],
  ];
  for (const [store, address, width] of stores) {
    const cycles = board.cycles;
    const fault = assertThrows(store, BusFault, "flash is read-only");
    assertEquals([fault.address, fault.width, fault.access, fault.reason], [
      address,
      width,
      "write",
      "read-only",
    ]);
    assertEquals(board.cycles, cycles + MMIO_ACCESS_CYCLES);
    assertEquals(board.read32(FAULT_STATUS_BASE + FAULT_ADDR), address);
    assertEquals(board.read32(FAULT_STATUS_BASE + FAULT_INFO), 1 | 2 | (width << 8));
  }
  assertEquals(board.read32(FLASH_BASE), 0x0403_0201);
  // A board without flash: the window is unmapped, as it always was.
  const bare = new Board({ ramBytes: 64 * KiB });
  assertEquals(assertThrows(() => bare.write32(FLASH_BASE, 0), BusFault).reason, "unmapped");
  assertEquals(assertThrows(() => bare.read32(FLASH_BASE), BusFault).reason, "unmapped");
});

Deno.test("Board.debugLoad writes flash or RAM, all or nothing, and counts as a debug access", () => {
  const board = new Board({ ramBytes: 64 * KiB, flashBytes: 4 * KiB });
  const bytes = new Uint8Array([0xAA, 0xBB, 0xCC, 0xDD, 0xEE]);
  const debugAccesses = board.debugAccesses;
  assertEquals(board.debugLoad(FLASH_BASE + 4 * KiB - 5, bytes), true);
  assertEquals(board.debugLoad(RAM_BASE + 64 * KiB - 5, bytes), true);
  assertEquals(board.debugAccesses, debugAccesses + 2);
  assertEquals(board.read8(FLASH_BASE + 4 * KiB - 1), 0xEE);
  assertEquals(board.read32(RAM_BASE + 64 * KiB - 4), 0xEEDD_CCBB);
  // Across the end of flash or RAM, between them, below flash: nothing is written.
  for (
    const addr of [FLASH_BASE + 4 * KiB - 4, RAM_BASE + 64 * KiB - 4, RAM_BASE - 2, FLASH_BASE - 1]
  ) {
    assertEquals(board.debugLoad(addr, bytes), false, `at 0x${addr.toString(16)}`);
  }
  assertEquals(board.read32(FLASH_BASE + 4 * KiB - 4), 0xEEDD_CCBB);
  assertEquals(board.debugLoad(1.5, bytes), false);
});

Deno.test("Board.debugLoad marks the RAM lines it writes, as debugFill does", () => {
  const board = new Board({ ramBytes: 64 * KiB, flashBytes: 4 * KiB });
  board.debugFill(RAM_BASE, 4 * KiB, 0);
  board.debugClearWrites(RAM_BASE, 4 * KiB);
  assertEquals(board.debugFindWrittenMismatch(RAM_BASE, 4 * KiB, 0), -1);
  board.debugLoad(RAM_BASE + 200, new Uint8Array([0, 0, 7]));
  assertEquals(board.debugFindWrittenMismatch(RAM_BASE, 4 * KiB, 0), RAM_BASE + 202);
});

Deno.test("Board cycle limit stops flash reads, and counts a debug load as one RAM access", () => {
  const board = new Board({ ramBytes: 64 * KiB, flashBytes: 4 * KiB });
  board.limitCycles(2 * FLASH_ACCESS_CYCLES + 2);
  board.debugLoad(FLASH_BASE, new Uint8Array(4)); // uses up 2
  board.read32(FLASH_BASE);
  board.read8(FLASH_BASE);
  assertThrows(() => board.read16(FLASH_BASE), CycleLimitExceeded);
  board.limitCycles(Infinity);
});
