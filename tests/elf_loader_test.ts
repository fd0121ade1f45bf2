// The ELF loader: valid images land in flash and RAM with their .bss zeroed
// and their symbols named; hostile files are refused with one line that
// names the problem and its file offset, before anything is written.

import { assertEquals, assertThrows } from "./_assert.ts";
import * as asm from "./_rv32_asm.ts";
import { Program } from "./_rv32_asm.ts";
import { type ElfSpec, writeElf } from "./_elf_writer.ts";
import { Board } from "../hw/board.ts";
import { FLASH_BASE, RAM_BASE } from "../hw/memory_map.ts";
import { Rv32Core } from "../hw/rv32/core.ts";
import { ElfLoadError, ElfSymbolNotFound } from "../hw/rv32/elf_error.ts";
import { loadElf, readElf } from "../hw/rv32/elf_loader.ts";
import { RV32_REGISTERS } from "../hw/rv32/registers.ts";
import { Rv32Breakpoint } from "../hw/rv32/traps.ts";

const KiB = 1024;
const RAM_BYTES = 64 * KiB;
const FLASH_BYTES = 16 * KiB;
const STACK_TOP = RAM_BASE + RAM_BYTES;
const { zero, a0, a1, t0 } = RV32_REGISTERS;

function newBoard(flashBytes = FLASH_BYTES): Board {
  return new Board({ ramBytes: RAM_BYTES, flashBytes });
}

/**
 * A firmware-shaped image: code and read-only data in flash, .data and
 * .bss in RAM.
 *   counter_add(n): counter += n; return counter   (counter in .bss)
 *   answer():       return *answer_ptr             (a word of .data)
 *   boom():         nop; nop; ebreak
 */
function firmware(): ElfSpec {
  const code = new Program()
    .label("counter_add")
    .put(asm.li(a1, RAM_BASE + 0x100), asm.lw(t0, 0, a1), asm.add(a0, a0, t0))
    .put(asm.sw(a0, 0, a1), asm.ret())
    .label("answer")
    .put(asm.li(a1, RAM_BASE), asm.lw(a0, 0, a1), asm.ret())
    .label("boom")
    .put(asm.nop(), asm.nop(), asm.ebreak())
    .label("end");
  const rodata = new TextEncoder().encode("pagepile\0\0\0\0");
  const text = new Uint8Array([...code.bytes(), ...rodata]);
  const fn = (name: string, next: string) => ({
    name,
    address: FLASH_BASE + code.offset(name),
    size: code.offset(next) - code.offset(name),
  });
  return {
    entry: FLASH_BASE,
    segments: [
      { address: FLASH_BASE, data: text },
      // .data (one word, 42) then .bss up to 0x200 bytes
      { address: RAM_BASE, data: new Uint8Array([42, 0, 0, 0]), memoryBytes: 0x200 },
    ],
    symbols: [
      fn("counter_add", "answer"),
      fn("answer", "boom"),
      fn("boom", "end"),
      { name: "banner", address: FLASH_BASE + code.offset("end"), size: 9, type: 1 },
      { name: "answer_value", address: RAM_BASE, size: 4, type: 1 },
      { name: "counter", address: RAM_BASE + 0x100, size: 4, type: 1, bind: 0 },
      { name: "__global_pointer$", address: RAM_BASE + 0x800, type: 0, section: 0xFFF1 },
      { name: "undefined_thing", address: 0, section: 0 },
      { name: "a_section", address: FLASH_BASE, type: 3 },
    ],
  };
}

Deno.test("loadElf() puts segments in flash and RAM, zeroes .bss, and the code runs", () => {
  const board = newBoard();
  board.debugFill(RAM_BASE, 0x400, 0xA5A5_A5A5); // .bss must not keep this
  const image = loadElf(board, writeElf(firmware()).bytes);
  assertEquals(image.entry, FLASH_BASE);
  assertEquals(image.segments.map((s) => [s.address, s.memoryBytes]), [
    [FLASH_BASE, image.segments[0].fileBytes],
    [RAM_BASE, 0x200],
  ]);
  assertEquals(board.read32(RAM_BASE), 42);
  assertEquals(board.debugFindMismatch(RAM_BASE + 4, 0x200 - 4, 0), -1);
  assertEquals(board.read32(RAM_BASE + 0x200), 0xA5A5_A5A5); // past .bss: untouched
  const banner = image.symbol("banner").address;
  assertEquals(board.read32(banner), 0x6567_6170); // "page"

  const core = new Rv32Core(board, { symbolize: image.symbolize });
  const call = (name: string, args: number[] = []) =>
    core.call(image.symbol(name).address, args, { stackTop: STACK_TOP });
  assertEquals(call("answer"), 42);
  assertEquals(call("counter_add", [5]), 5);
  assertEquals(call("counter_add", [7]), 12);
  const boom = image.symbol("boom").address;
  const trap = assertThrows(() => call("boom"), Rv32Breakpoint, "(boom+0x8)");
  assertEquals(trap.pc, boom + 8);
});

Deno.test("loadElf() programs through the debug port: no bus cycles, one debug access a segment", () => {
  const board = newBoard();
  const debugAccesses = board.debugAccesses;
  loadElf(board, writeElf(firmware()).bytes);
  assertEquals([board.cycles, board.debugAccesses - debugAccesses], [0, 2]);
});

Deno.test("an image keeps its defined function, object and linker symbols by name", () => {
  const image = readElf(writeElf(firmware()).bytes);
  assertEquals([...image.symbols.keys()].sort(), [
    "__global_pointer$",
    "answer",
    "answer_value",
    "banner",
    "boom",
    "counter",
    "counter_add",
  ]);
  assertEquals(image.symbol("counter"), {
    name: "counter",
    address: RAM_BASE + 0x100,
    size: 4,
    kind: "object",
  });
  assertEquals(image.symbol("__global_pointer$").kind, "notype");
  assertEquals(image.symbol("answer").kind, "function");
  const missing = assertThrows(
    () => image.symbol("malloc"),
    ElfSymbolNotFound,
    'no symbol "malloc"',
  );
  assertEquals(missing.symbol, "malloc");
});

Deno.test("a global symbol wins over a local one of the same name; the first of equals wins", () => {
  const image = readElf(
    writeElf({
      segments: [{ address: FLASH_BASE, data: new Uint8Array(64) }],
      symbols: [
        { name: "helper", address: FLASH_BASE + 0x10, bind: 0 },
        { name: "helper", address: FLASH_BASE + 0x20, bind: 1 },
        { name: "helper", address: FLASH_BASE + 0x30, bind: 2 },
        { name: "static_fn", address: FLASH_BASE + 4, bind: 0 },
        { name: "static_fn", address: FLASH_BASE + 8, bind: 0 },
      ],
    }).bytes,
  );
  assertEquals(image.symbol("helper").address, FLASH_BASE + 0x20);
  assertEquals(image.symbol("static_fn").address, FLASH_BASE + 4);
});

Deno.test("symbolize() names the function a pc falls in, within its size", () => {
  const image = readElf(
    writeElf({
      segments: [{ address: FLASH_BASE, data: new Uint8Array(0x100) }],
      symbols: [
        { name: "first", address: FLASH_BASE + 0x10, size: 0x20 },
        { name: "second", address: FLASH_BASE + 0x40, size: 0x10 },
        { name: "label", address: FLASH_BASE + 0x80 }, // size 0
        { name: "data", address: FLASH_BASE + 0x90, size: 0x10, type: 1 },
      ],
    }).bytes,
  );
  const cases: [number, string | undefined][] = [
    [0x0C, undefined], // below every function
    [0x10, "first+0x0"],
    [0x2C, "first+0x1c"],
    [0x30, undefined], // just past first
    [0x4C, "second+0xc"],
    [0x80, "label+0x0"],
    [0x84, undefined],
    [0x94, undefined], // an object, not a function
  ];
  for (const [offset, expected] of cases) {
    assertEquals(image.symbolize(FLASH_BASE + offset), expected, `+0x${offset.toString(16)}`);
  }
});

Deno.test("an image without section headers loads, with no symbols", () => {
  const board = newBoard();
  const code = new Program().put(asm.addi(a0, zero, 7), asm.ret()).bytes();
  const image = loadElf(board, writeElf({ segments: [{ address: FLASH_BASE, data: code }] }).bytes);
  assertEquals([image.symbols.size, image.symbolize(FLASH_BASE)], [0, undefined]);
  assertEquals(new Rv32Core(board).call(image.entry, [], { stackTop: STACK_TOP }), 7);
});

Deno.test("a segment loads at its physical address (p_paddr), as a debug probe writes it", () => {
  const board = newBoard();
  // .data linked to run in RAM, stored in flash (AT> FLASH) for start-up code to copy.
  const image = loadElf(
    board,
    writeElf({
      segments: [{
        address: FLASH_BASE + 0x100,
        virtualAddress: RAM_BASE,
        data: new Uint8Array([9]),
      }],
    }).bytes,
  );
  assertEquals([image.segments[0].address, board.read8(FLASH_BASE + 0x100)], [
    FLASH_BASE + 0x100,
    9,
  ]);
  assertEquals(board.read8(RAM_BASE), 0);
});

Deno.test("loading a new image replaces the code a core runs (its decode cache follows)", () => {
  const board = newBoard();
  const core = new Rv32Core(board);
  for (const value of [1, 2, 3]) {
    const code = new Program().put(asm.addi(a0, zero, value), asm.ret()).bytes();
    const image = loadElf(
      board,
      writeElf({ segments: [{ address: FLASH_BASE, data: code }] }).bytes,
    );
    assertEquals(core.call(image.entry, [], { stackTop: STACK_TOP }), value);
  }
});

/** The valid firmware, written, with `breakIt` applied to its bytes. */
function broken(breakIt: (layout: ReturnType<typeof writeElf>) => Uint8Array | void): Uint8Array {
  const layout = writeElf(firmware());
  return breakIt(layout) ?? layout.bytes;
}

/** Asserts that loading `bytes` fails with `text` at `offset`, leaving the board untouched. */
function assertRefused(bytes: Uint8Array, text: string, offset: number, board = newBoard()): void {
  const before = board.debugAccesses;
  const error = assertThrows(() => loadElf(board, bytes), ElfLoadError, text);
  assertEquals(error.offset, offset, error.message);
  assertEquals(error.message.endsWith(`(file offset 0x${offset.toString(16)})`), true);
  assertEquals(error.message.includes("\n"), false);
  assertEquals(board.debugAccesses, before, "nothing written");
  if (board.flashBytes > 0) assertEquals(board.read32(FLASH_BASE), 0);
}

Deno.test("loadElf() refuses what is not an RV32 executable, naming the field", () => {
  assertRefused(
    new TextEncoder().encode("#!/bin/sh\necho hi\n"),
    "not an ELF file: it starts 23 21 2f 62",
    0,
  );
  assertRefused(new Uint8Array(0), "not an ELF file: it starts with nothing", 0);
  assertRefused(
    broken((l) => l.bytes.subarray(0, 40)),
    "truncated ELF header: the file has 40 bytes",
    0,
  );
  assertRefused(broken((l) => void (l.bytes[4] = 2)), "not ELF32: the file is ELF64", 4);
  assertRefused(
    broken((l) => void (l.bytes[5] = 2)),
    "not little-endian: the file is big-endian",
    5,
  );
  assertRefused(
    broken((l) => l.view.setUint16(16, 1, true)),
    "not an executable: the file is a relocatable object",
    16,
  );
  assertRefused(broken((l) => l.view.setUint16(16, 3, true)), "a shared object", 16);
  assertRefused(
    broken((l) => l.view.setUint16(18, 62, true)),
    "wrong machine: e_machine is 62, not 243 (RISC-V)",
    18,
  );
  assertRefused(broken((l) => l.view.setUint32(36, 0x5, true)), "built for the C extension", 36);
  assertRefused(broken((l) => l.view.setUint32(36, 0x4, true)), "floating-point ABI", 36);
});

Deno.test("loadElf() refuses program headers, segments and sections that leave the file", () => {
  assertRefused(broken((l) => l.view.setUint16(42, 56, true)), "program headers of 56 bytes", 42);
  assertRefused(
    broken((l) => l.bytes.subarray(0, l.phoff + 40)),
    "truncated file (92 bytes): 2 program headers at bytes 0x34-0x74",
    28,
  );
  assertRefused(
    broken((l) => l.view.setUint32(l.phoff + 32 + 4, 0x10000, true)), // p_offset of segment 1
    "truncated file (632 bytes): segment 1's data at bytes 0x10000-0x10004",
    l0().phoff + 32 + 4,
  );
  assertRefused(
    broken((l) => l.view.setUint32(l.phoff + 20, 2, true)), // p_memsz < p_filesz
    "segment 0 holds",
    l0().phoff + 16,
  );
  assertRefused(
    broken((l) => l.bytes.subarray(0, l.shoff + 100)),
    "truncated file (",
    32,
  );
  assertRefused(broken((l) => l.view.setUint16(46, 64, true)), "section headers of 64 bytes", 46);
  assertRefused(
    broken((l) => l.view.setUint32(l.symtabHeader + 20, 0x100000, true)),
    "the symbol table at bytes",
    l0().symtabHeader + 16,
  );
  assertRefused(
    broken((l) => l.view.setUint32(l.symtabHeader + 24, 9, true)),
    "the symbol table's string table is section 9",
    l0().symtabHeader + 24,
  );
  assertRefused(
    broken((l) => l.view.setUint32(l.symtabOffset + 16, 0x7000, true)), // the first symbol's st_name
    "symbol name at string-table offset 28672 does not end inside the string table",
    l0().symtabOffset + 16,
  );
  assertRefused(
    writeElf({ segments: [{ address: FLASH_BASE, data: new Uint8Array(4), type: 4 }] }).bytes,
    "no loadable segment",
    28,
  );
});

/** The layout of the unbroken firmware, for expected offsets. */
function l0(): ReturnType<typeof writeElf> {
  return writeElf(firmware());
}

Deno.test("loadElf() refuses segments outside flash and RAM, across their ends, or overlapping", () => {
  const one = (address: number, bytes: number, memoryBytes = bytes) =>
    writeElf({ segments: [{ address, data: new Uint8Array(bytes), memoryBytes }] }).bytes;
  assertRefused(
    one(0x1000, 16),
    "segment outside flash and RAM: it loads 0x00001000-0x00001010; flash is 0x20000000-0x20004000, " +
      "RAM is 0x40000000-0x40010000",
    52,
  );
  assertRefused(one(FLASH_BASE + FLASH_BYTES - 4, 8), "it loads 0x20003ffc-0x20004004", 52);
  assertRefused(one(RAM_BASE + RAM_BYTES - 4, 4, 8), "it loads 0x4000fffc-0x40010004", 52); // .bss past the end
  assertRefused(one(RAM_BASE - 4, 8), "segment outside flash and RAM", 52);
  assertRefused(
    one(FLASH_BASE, 4),
    "the board has no flash",
    52,
    new Board({ ramBytes: RAM_BYTES }),
  );
  const overlapping = writeElf({
    segments: [
      { address: FLASH_BASE + 0x100, data: new Uint8Array(16) },
      { address: FLASH_BASE, data: new Uint8Array(4), memoryBytes: 0x104 },
    ],
  }).bytes;
  assertRefused(
    overlapping,
    "segments overlap: this program header's segment loads 0x20000100-0x20000110, " +
      "the one at 0x54 loads 0x20000000-0x20000104",
    52,
  );
});
