import { assertEquals, assertThrows } from "./_assert.ts";
import {
  Board,
  boot,
  BusFault,
  CONSOLE_BASE,
  CONSOLE_STATUS,
  CONSOLE_TX,
  CYCLE_COUNTER_BASE,
  CYCLES_HI,
  CYCLES_LO,
  FAULT_ADDR,
  FAULT_COUNT,
  FAULT_INFO,
  FAULT_STATUS_BASE,
  MMIO_ACCESS_CYCLES,
  MMU_BASE,
  RAM_ACCESS_CYCLES,
  RAM_BASE,
  SYSINFO_BASE,
  SYSINFO_BOARD_ID,
  SYSINFO_PAGE_SIZE,
  SYSINFO_RAM_BASE,
  SYSINFO_RAM_SIZE,
} from "../mod.ts";

const KiB = 1024;
const MiB = 1024 * KiB;

Deno.test("Board accepts RAM sizes of 64 KiB to 1 GiB and refuses others", () => {
  for (const ramBytes of [64 * KiB, 1 * MiB, 4 * MiB - 4 * KiB, 4 * MiB, 8 * MiB, 1024 * MiB]) {
    assertEquals(new Board({ ramBytes }).ramBytes, ramBytes);
  }
  assertEquals(new Board().ramBytes, 64 * MiB);
  for (const ramBytes of [0, 60 * KiB, 66 * KiB, 6 * MiB, 1028 * MiB, 1.5 * MiB + 1, NaN]) {
    assertThrows(() => new Board({ ramBytes }), RangeError, `ramBytes ${ramBytes}`);
  }
});

Deno.test("Board RAM is little-endian and starts at a non-zero, 4 MiB-aligned base", () => {
  const board = new Board({ ramBytes: 64 * KiB });
  assertEquals(board.ramBase, RAM_BASE);
  assertEquals([RAM_BASE > 0, RAM_BASE % (4 * MiB)], [true, 0]);
  board.write32(RAM_BASE + 8, 0x11223344);
  assertEquals(
    [0, 1, 2, 3].map((i) => board.read8(RAM_BASE + 8 + i)),
    [0x44, 0x33, 0x22, 0x11],
  );
  assertEquals(board.read16(RAM_BASE + 8), 0x3344);
  assertEquals(board.read16(RAM_BASE + 10), 0x1122);
  board.write16(RAM_BASE + 9, 0xBEEF);
  assertEquals(board.read32(RAM_BASE + 8), 0x11BEEF44);
  board.write8(RAM_BASE + 11, 0x1FF); // only the low byte is stored
  assertEquals(board.read32(RAM_BASE + 8), 0xFFBEEF44);
  const last = RAM_BASE + 64 * KiB - 4;
  board.write32(last, 0xFFFFFFFF);
  assertEquals(board.read32(last), 0xFFFFFFFF);
});

Deno.test("Board charges the documented cycles for RAM and MMIO accesses", () => {
  const board = new Board({ ramBytes: 64 * KiB });
  assertEquals(board.cycles, 0);
  board.read8(RAM_BASE);
  board.write16(RAM_BASE, 1);
  board.read32(RAM_BASE);
  assertEquals(board.cycles, 3 * RAM_ACCESS_CYCLES);
  board.read32(SYSINFO_BASE + SYSINFO_RAM_SIZE);
  assertEquals(board.cycles, 3 * RAM_ACCESS_CYCLES + MMIO_ACCESS_CYCLES);
  assertEquals([RAM_ACCESS_CYCLES, MMIO_ACCESS_CYCLES], [2, 8]);
});

Deno.test("Board faults an access outside RAM and every MMIO block, and latches it", () => {
  const board = new Board({ ramBytes: 64 * KiB });
  const end = RAM_BASE + 64 * KiB;
  const cases: [() => unknown, number, number, "read" | "write"][] = [
    [() => board.read32(0), 0, 4, "read"],
    [() => board.read8(RAM_BASE - 1), RAM_BASE - 1, 1, "read"],
    [() => board.write16(end, 1), end, 2, "write"],
    [() => board.read32(end - 2), end - 2, 4, "read"], // crosses the end of RAM
    [() => board.write32(0x8000_0000, 1), 0x8000_0000, 4, "write"],
    [() => board.read32(MMU_BASE + 0x40), MMU_BASE + 0x40, 4, "read"], // no MMU register there
    [() => board.read32(SYSINFO_BASE + 0x40), SYSINFO_BASE + 0x40, 4, "read"],
  ];
  for (const [access, address, width, kind] of cases) {
    const cycles = board.cycles;
    const fault = assertThrows(access, BusFault);
    assertEquals([fault.address, fault.width, fault.access], [address, width, kind]);
    assertEquals(fault.message.includes(`0x${address.toString(16).padStart(8, "0")}`), true);
    assertEquals(board.cycles, cycles + MMIO_ACCESS_CYCLES);
    assertEquals(board.read32(FAULT_STATUS_BASE + FAULT_ADDR), address);
    const info = board.read32(FAULT_STATUS_BASE + FAULT_INFO);
    assertEquals(info, 1 | (kind === "write" ? 2 : 0) | (width << 8));
  }
  assertEquals(board.read32(FAULT_STATUS_BASE + FAULT_COUNT), cases.length);
  board.write32(FAULT_STATUS_BASE + FAULT_INFO, 1); // any write clears the latch
  assertEquals(board.read32(FAULT_STATUS_BASE + FAULT_INFO), 0);
  assertEquals(board.read32(FAULT_STATUS_BASE + FAULT_ADDR), 0);
  assertEquals(board.read32(FAULT_STATUS_BASE + FAULT_COUNT), cases.length);
});

Deno.test("Board system-information registers report the RAM and are read-only", () => {
  const board = new Board({ ramBytes: 8 * MiB });
  assertEquals(board.read32(SYSINFO_BASE + SYSINFO_RAM_BASE), RAM_BASE);
  assertEquals(board.read32(SYSINFO_BASE + SYSINFO_RAM_SIZE), 8 * MiB);
  assertEquals(board.read32(SYSINFO_BASE + SYSINFO_PAGE_SIZE), 4096);
  assertEquals(board.read32(SYSINFO_BASE + SYSINFO_BOARD_ID), 0x5050_0001);
  for (const reg of [SYSINFO_RAM_BASE, SYSINFO_RAM_SIZE, SYSINFO_PAGE_SIZE, SYSINFO_BOARD_ID]) {
    const fault = assertThrows(() => board.write32(SYSINFO_BASE + reg, 0), BusFault);
    assertEquals([fault.reason, fault.access], ["read-only", "write"]);
  }
  assertEquals(board.read32(SYSINFO_BASE + SYSINFO_RAM_SIZE), 8 * MiB);
  const narrow = assertThrows(() => board.read8(SYSINFO_BASE + SYSINFO_RAM_SIZE), BusFault);
  assertEquals(narrow.reason, "misaligned-mmio");
});

Deno.test("Board cycle counter reads the cycles before the read, as two halves", () => {
  const board = new Board({ ramBytes: 64 * KiB });
  board.read32(RAM_BASE);
  const before = board.cycles;
  const lo = board.read32(CYCLE_COUNTER_BASE + CYCLES_LO);
  const hi = board.read32(CYCLE_COUNTER_BASE + CYCLES_HI);
  assertEquals(hi * 2 ** 32 + lo, before);
  board.cycles = 2 ** 32 + 5; // past 32 bits: the high half latches with the low read
  assertEquals(board.read32(CYCLE_COUNTER_BASE + CYCLES_LO), 5);
  assertEquals(board.read32(CYCLE_COUNTER_BASE + CYCLES_HI), 1);
  const fault = assertThrows(() => board.write32(CYCLE_COUNTER_BASE + CYCLES_LO, 0), BusFault);
  assertEquals(fault.reason, "read-only");
});

Deno.test("Board console captures what the firmware transmits", () => {
  const board = new Board({ ramBytes: 64 * KiB });
  assertEquals(board.read32(CONSOLE_BASE + CONSOLE_STATUS) & 1, 1);
  for (const byte of new TextEncoder().encode("hi ✓\n")) {
    board.write32(CONSOLE_BASE + CONSOLE_TX, byte);
  }
  assertEquals(board.console.text(), "hi ✓\n");
  assertEquals(
    assertThrows(() => board.read32(CONSOLE_BASE + CONSOLE_TX), BusFault).reason,
    "write-only",
  );
  assertEquals(
    assertThrows(() => board.write32(CONSOLE_BASE + CONSOLE_STATUS, 0), BusFault).reason,
    "read-only",
  );
});

Deno.test("boot() learns RAM base, size and page size from the system-information registers", () => {
  const board = new Board({ ramBytes: 2 * MiB });
  const reads: number[] = [];
  const read32 = board.read32.bind(board);
  board.read32 = (addr: number) => {
    reads.push(addr);
    return read32(addr);
  };
  const k = boot(board);
  for (const reg of [SYSINFO_RAM_BASE, SYSINFO_RAM_SIZE, SYSINFO_PAGE_SIZE, SYSINFO_BOARD_ID]) {
    assertEquals(reads.includes(SYSINFO_BASE + reg), true, `boot read register ${reg}`);
  }
  assertEquals(k.bootInfo, {
    ramBase: RAM_BASE,
    ramSize: 2 * MiB,
    pageSize: 4096,
    boardId: 0x5050_0001,
    debug: false,
  });
  assertEquals(
    board.console.text().startsWith("pagepile: RAM 0x40000000-0x401fffff (2 MiB)"),
    true,
  );
});

Deno.test("Board debug port reads back only the 64-byte lines written since their marks were cleared", () => {
  const board = new Board({ ramBytes: 64 * KiB });
  const W = 0xA1B2_C3D4;
  const changed = (offset: number, length: number) => {
    const found = board.debugFindWrittenMismatch(RAM_BASE + offset, length, W);
    return found === -1 ? -1 : found - RAM_BASE;
  };
  // Before any marks were cleared, every line counts as written.
  assertEquals(changed(0, 64), 0);
  const refill = () => {
    board.debugFill(RAM_BASE, 512, W);
    board.debugClearWrites(RAM_BASE, 512);
  };
  refill();
  assertEquals(changed(0, 512), -1);
  // A write marks its line: that line is read.
  board.write8(RAM_BASE + 100, 0);
  assertEquals(changed(0, 512), 100);
  // Writes mark every line they touch: 32 and 16 bits across a line end, bursts, debug fills.
  for (
    const write of [
      () => board.write32(RAM_BASE + 126, 0),
      () => board.write16(RAM_BASE + 127, 0),
      () => board.fill32(RAM_BASE + 120, 4, 0),
      () => board.debugFill(RAM_BASE + 127, 2, 0),
    ]
  ) {
    refill();
    write();
    assertEquals(changed(128, 64), 128);
  }
  // Clearing leaves the marks of lines the range only shares.
  refill();
  board.write8(RAM_BASE + 4, 0);
  board.write8(RAM_BASE + 200, 0);
  board.debugClearWrites(RAM_BASE + 16, 180);
  assertEquals([changed(0, 16), changed(192, 64)], [4, 200]);
  // Cleared marks hide what was written before: a checker clears them right after its fill.
  board.debugClearWrites(RAM_BASE, 256);
  assertEquals(changed(0, 256), -1);
});
