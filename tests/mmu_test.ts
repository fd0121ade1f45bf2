import { assertEquals, assertThrows } from "./_assert.ts";
import {
  Board,
  BusFault,
  MMU_BASE,
  MMU_CONTROL,
  MMU_ENABLE,
  MMU_FAULT_CAUSE,
  MMU_FAULT_VADDR,
  MMU_PT_BASE,
  MMU_TLB_FLUSH,
  MMU_TLB_FLUSH_PAGE,
  MMU_TLB_HITS,
  MMU_TLB_MISSES,
  PageFault,
  PageFaultCause,
  PTE_PRESENT,
  PTE_WRITABLE,
  RAM_ACCESS_CYCLES,
  RAM_BASE,
  TLB_ENTRIES,
} from "../mod.ts";

const DIRECTORY = RAM_BASE; // page 0
const TABLE = RAM_BASE + 0x1000; // page 1
const VBASE = 0xC000_0000;

/** A board whose MMU maps VBASE + i pages to physical pages 8 + i, the last read-only. */
function mappedBoard(pages: number): Board {
  const board = new Board({ ramBytes: 1024 * 1024 });
  board.write32(DIRECTORY + (VBASE >>> 22) * 4, TABLE | PTE_PRESENT | PTE_WRITABLE);
  for (let i = 0; i < pages; i++) {
    const writable = i === pages - 1 ? 0 : PTE_WRITABLE;
    board.write32(TABLE + i * 4, (RAM_BASE + (8 + i) * 0x1000) | PTE_PRESENT | writable);
  }
  board.write32(MMU_BASE + MMU_PT_BASE, DIRECTORY);
  board.write32(MMU_BASE + MMU_CONTROL, MMU_ENABLE);
  return board;
}

Deno.test("Board.vread/vwrite translate through the page tables, little-endian", () => {
  const board = mappedBoard(3);
  board.vwrite32(VBASE + 0x10, 0x11223344);
  assertEquals(board.read32(RAM_BASE + 0x8010), 0x11223344);
  assertEquals(board.vread8(VBASE + 0x10), 0x44);
  assertEquals(board.vread16(VBASE + 0x12), 0x1122);
  // An access across a page boundary is split and translated page by page.
  board.vwrite32(VBASE + 0xFFE, 0xAABBCCDD);
  assertEquals(board.read16(RAM_BASE + 0x8FFE), 0xCCDD);
  assertEquals(board.read16(RAM_BASE + 0x9000), 0xAABB);
  assertEquals(board.vread32(VBASE + 0xFFE), 0xAABBCCDD);
  assertEquals(board.debugTranslate(VBASE + 0x1234), RAM_BASE + 0x9234);
  assertEquals(board.debugTranslate(VBASE + 0x5000), -1);
});

Deno.test("MMU TLB: a miss walks two table entries through the bus; a hit costs nothing", () => {
  const board = mappedBoard(2);
  const hits = (): number => board.read32(MMU_BASE + MMU_TLB_HITS);
  const misses = (): number => board.read32(MMU_BASE + MMU_TLB_MISSES);
  let before = board.cycles;
  board.vread32(VBASE);
  assertEquals(board.cycles - before, 3 * RAM_ACCESS_CYCLES); // directory, table, data
  before = board.cycles;
  board.vread32(VBASE + 4);
  assertEquals(board.cycles - before, RAM_ACCESS_CYCLES);
  assertEquals([hits(), misses()], [1, 1]);
  board.write32(MMU_BASE + MMU_TLB_FLUSH_PAGE, VBASE + 0x123);
  board.vread32(VBASE);
  assertEquals([hits(), misses()], [1, 2]);
  board.write32(MMU_BASE + MMU_TLB_FLUSH, 0);
  board.vread32(VBASE + 0x1000);
  board.vread32(VBASE);
  assertEquals([hits(), misses()], [1, 4]);
});

Deno.test("MMU TLB holds 16 translations and replaces the oldest first", () => {
  const board = mappedBoard(TLB_ENTRIES + 1);
  const misses = (): number => board.read32(MMU_BASE + MMU_TLB_MISSES);
  for (let i = 0; i < TLB_ENTRIES; i++) board.vread8(VBASE + i * 0x1000);
  assertEquals(misses(), TLB_ENTRIES);
  for (let i = 0; i < TLB_ENTRIES; i++) board.vread8(VBASE + i * 0x1000);
  assertEquals(misses(), TLB_ENTRIES); // all hits
  board.vread8(VBASE + TLB_ENTRIES * 0x1000); // evicts page 0, the oldest
  board.vread8(VBASE + 0x1000);
  assertEquals(misses(), TLB_ENTRIES + 1);
  board.vread8(VBASE);
  assertEquals(misses(), TLB_ENTRIES + 2);
});

Deno.test("MMU faults an unmapped page and a write to a read-only one, and latches the address", () => {
  const board = mappedBoard(2);
  const cases: [() => unknown, number, string, number][] = [
    [() => board.vread32(VBASE + 0x2000), VBASE + 0x2000, "read", PageFaultCause.NOT_MAPPED],
    [() => board.vwrite8(VBASE + 0x1004, 1), VBASE + 0x1004, "write", PageFaultCause.READ_ONLY],
    [() => board.vread8(0xD000_0000), 0xD000_0000, "read", PageFaultCause.NO_TABLE],
  ];
  for (const [access, vaddr, kind, code] of cases) {
    const fault = assertThrows(access, PageFault, "page fault");
    assertEquals([fault.vaddr, fault.access, fault.code], [vaddr, kind, code]);
    assertEquals(board.read32(MMU_BASE + MMU_FAULT_VADDR), vaddr);
    assertEquals(board.read32(MMU_BASE + MMU_FAULT_CAUSE), code | (kind === "write" ? 0x100 : 0));
  }
  assertEquals(board.vread8(VBASE + 0x1004), 0); // the read-only page reads
  // Turned off, the MMU passes virtual addresses through as physical ones.
  board.write32(MMU_BASE + MMU_CONTROL, 0);
  assertEquals(board.vread32(RAM_BASE + 0x8010), board.read32(RAM_BASE + 0x8010));
  assertThrows(() => board.vread32(VBASE), BusFault);
  assertThrows(() => board.write32(MMU_BASE + MMU_TLB_HITS, 0), BusFault, "read-only");
});
