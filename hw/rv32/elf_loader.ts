/**
 * Reading RV32 executables (ELF32, little-endian, EM_RISCV) and loading them
 * into the board's flash and RAM through the debug port.
 *
 * What is read, with the file offsets of the fields (ELF32):
 *
 * ```
 * ELF header, 52 bytes at 0
 *   0  e_ident: 7f 'E' 'L' 'F', class (4) 1 = ELF32, data (5) 1 = little-endian
 *  16  e_type     2 = ET_EXEC          18  e_machine  243 = EM_RISCV
 *  24  e_entry                         28  e_phoff    32  e_shoff   36  e_flags
 *  42  e_phentsize 32   44  e_phnum    46  e_shentsize 40   48  e_shnum
 * program header, 32 bytes each at e_phoff
 *   0  p_type (1 = PT_LOAD)   4  p_offset   12  p_paddr   16  p_filesz   20  p_memsz
 * section header, 40 bytes each at e_shoff
 *   4  sh_type (2 = SHT_SYMTAB)   16  sh_offset   20  sh_size   24  sh_link (its string table)
 * symbol, 16 bytes each in .symtab
 *   0  st_name (offset in the string table)   4  st_value   8  st_size
 *  12  st_info (type in bits 0-3: 0 NOTYPE, 1 OBJECT, 2 FUNC)   14  st_shndx (0: undefined)
 * ```
 *
 * Every check is made before anything is written: a file that fails one
 * leaves the board as it was. An error's file offset is that of the field
 * that is wrong; for a part that runs past the end of the file, that of the
 * field that points to it.
 * @module
 */

import type { Board } from "../board.ts";
import { hex32 } from "../hex.ts";
import { FLASH_BASE, RAM_BASE } from "../memory_map.ts";
import { ElfLoadError } from "./elf_error.ts";
import { ElfImage, type ElfSegment, type ElfSymbol } from "./elf_image.ts";

const ELF_HEADER_BYTES = 52;
const PROGRAM_HEADER_BYTES = 32;
const SECTION_HEADER_BYTES = 40;
const SYMBOL_BYTES = 16;
const MAGIC = [0x7F, 0x45, 0x4C, 0x46];
const ELFCLASS32 = 1;
const ELFDATA2LSB = 1;
const ET_EXEC = 2;
const EM_RISCV = 243;
/** e_flags: built for the C extension, whose 16-bit instructions the core does not run. */
const EF_RISCV_RVC = 0x1;
/** e_flags: the floating-point ABI (0 soft float; the core has no F or D). */
const EF_RISCV_FLOAT_ABI = 0x6;
const PT_LOAD = 1;
const SHT_SYMTAB = 2;
const STT_NOTYPE = 0;
const STT_OBJECT = 1;
const STT_FUNC = 2;
const STB_LOCAL = 0;
const SHN_UNDEF = 0;

const UTF8 = new TextDecoder();

const E_TYPE_NAMES: Record<number, string> = {
  0: "no file type",
  1: "a relocatable object: link it into an executable",
  3: "a shared object",
  4: "a core dump",
};
const SYMBOL_KINDS: Record<number, ElfSymbol["kind"]> = {
  [STT_NOTYPE]: "notype",
  [STT_OBJECT]: "object",
  [STT_FUNC]: "function",
};

/**
 * Reads an RV32 executable: checks it is one (ELF32, little-endian,
 * EM_RISCV, ET_EXEC, no C extension or floating-point ABI) and that its
 * headers, segments and symbol table lie in the file, and that no two
 * segments overlap. Loads nothing (see {@link loadElf}).
 * @param bytes the file
 * @returns the image: entry point, segments, symbols
 * @throws ElfLoadError naming what is wrong and where
 * @example
 * ```ts
 * import { hex32, readElf } from "@pagepile/pagepile";
 * // What a firmware file holds, without a board.
 * function describe(file: Uint8Array): string {
 *   const image = readElf(file);
 *   const segments = image.segments.map((s) => `${hex32(s.address)} +${s.memoryBytes}`);
 *   return `entry ${hex32(image.entry)}; ${segments.join(", ")}; ${image.symbols.size} symbols`;
 * }
 * ```
 */
export function readElf(bytes: Uint8Array): ElfImage {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  checkHeader(bytes, view);
  const segments = readSegments(bytes, view);
  return new ElfImage(view.getUint32(24, true), segments, readSymbols(bytes, view));
}

/**
 * Loads an RV32 executable into the board, as a debug probe would: each
 * loadable segment's bytes at its physical address, then zeros up to its
 * size in memory (.bss), through the debug port (no bus cycles). Every
 * segment must lie wholly in flash or wholly in RAM. A core already running
 * code there needs nothing invalidated: its decode cache checks each word
 * it fetches.
 * @param board the board to program
 * @param bytes the file
 * @returns the image read (see {@link readElf})
 * @throws ElfLoadError when the file is not an executable the board can hold
 * @example
 * ```ts
 * import { Board, loadElf, RAM_BASE, Rv32Core } from "@pagepile/pagepile";
 * // Calls `int add(int, int)` in a firmware file built for the board.
 * function callAdd(file: Uint8Array): number {
 *   const board = new Board({ ramBytes: 1024 * 1024, flashBytes: 256 * 1024 });
 *   const image = loadElf(board, file);
 *   const core = new Rv32Core(board, { symbolize: image.symbolize });
 *   const stackTop = RAM_BASE + 1024 * 1024;
 *   return core.call(image.symbol("add").address, [40, 2], { stackTop }) | 0;
 * }
 * ```
 */
export function loadElf(board: Board, bytes: Uint8Array): ElfImage {
  const image = readElf(bytes);
  for (const segment of image.segments) checkFits(board, segment);
  for (const segment of image.segments) {
    const contents = new Uint8Array(segment.memoryBytes);
    contents.set(bytes.subarray(segment.fileOffset, segment.fileOffset + segment.fileBytes));
    // checkFits made sure the range is all in flash or all in RAM.
    board.debugLoad(segment.address, contents);
  }
  return image;
}

function checkHeader(bytes: Uint8Array, view: DataView): void {
  if (bytes.length < MAGIC.length || MAGIC.some((b, i) => bytes[i] !== b)) {
    const first = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, "0"));
    throw new ElfLoadError(
      `not an ELF file: it starts ${first.join(" ") || "with nothing"}, not 7f 45 4c 46`,
      0,
    );
  }
  if (bytes.length < ELF_HEADER_BYTES) {
    throw new ElfLoadError(
      `truncated ELF header: the file has ${bytes.length} bytes, the header takes ${ELF_HEADER_BYTES}`,
      0,
    );
  }
  if (bytes[4] !== ELFCLASS32) {
    const what = bytes[4] === 2 ? "ELF64" : `class ${bytes[4]}`;
    throw new ElfLoadError(`not ELF32: the file is ${what}; the core is RV32`, 4);
  }
  if (bytes[5] !== ELFDATA2LSB) {
    const what = bytes[5] === 2 ? "big-endian" : `data encoding ${bytes[5]}`;
    throw new ElfLoadError(`not little-endian: the file is ${what}`, 5);
  }
  const type = view.getUint16(16, true);
  if (type !== ET_EXEC) {
    const what = E_TYPE_NAMES[type] ?? `e_type ${type}`;
    throw new ElfLoadError(`not an executable: the file is ${what}`, 16);
  }
  const machine = view.getUint16(18, true);
  if (machine !== EM_RISCV) {
    throw new ElfLoadError(`wrong machine: e_machine is ${machine}, not ${EM_RISCV} (RISC-V)`, 18);
  }
  const flags = view.getUint32(36, true);
  if ((flags & EF_RISCV_RVC) !== 0) {
    throw new ElfLoadError(
      `built for the C extension (e_flags ${hex32(flags)}): the core runs RV32IM; ` +
        `build with -march=rv32im`,
      36,
    );
  }
  if ((flags & EF_RISCV_FLOAT_ABI) !== 0) {
    throw new ElfLoadError(
      `built for a floating-point ABI (e_flags ${hex32(flags)}): the core has no F or D; ` +
        `build with -mabi=ilp32`,
      36,
    );
  }
}

/** The PT_LOAD segments with bytes to load, by address, checked against the file and each other. */
function readSegments(bytes: Uint8Array, view: DataView): ElfSegment[] {
  const phoff = view.getUint32(28, true);
  const count = view.getUint16(44, true);
  if (count > 0 && view.getUint16(42, true) !== PROGRAM_HEADER_BYTES) {
    throw new ElfLoadError(
      `program headers of ${view.getUint16(42, true)} bytes, not ${PROGRAM_HEADER_BYTES}`,
      42,
    );
  }
  checkInFile(bytes, phoff, count * PROGRAM_HEADER_BYTES, `${count} program headers`, 28);
  const segments: ElfSegment[] = [];
  for (let i = 0; i < count; i++) {
    const at = phoff + i * PROGRAM_HEADER_BYTES;
    if (view.getUint32(at, true) !== PT_LOAD) continue;
    const segment: ElfSegment = {
      headerOffset: at,
      address: view.getUint32(at + 12, true),
      memoryBytes: view.getUint32(at + 20, true),
      fileOffset: view.getUint32(at + 4, true),
      fileBytes: view.getUint32(at + 16, true),
    };
    if (segment.fileBytes > segment.memoryBytes) {
      throw new ElfLoadError(
        `segment ${i} holds ${segment.fileBytes} bytes in the file but ${segment.memoryBytes} in memory`,
        at + 16,
      );
    }
    checkInFile(bytes, segment.fileOffset, segment.fileBytes, `segment ${i}'s data`, at + 4);
    if (segment.memoryBytes > 0) segments.push(segment);
  }
  if (segments.length === 0) {
    throw new ElfLoadError("no loadable segment (PT_LOAD) with bytes to load", 28);
  }
  segments.sort((a, b) => a.address - b.address);
  for (let i = 1; i < segments.length; i++) {
    const before = segments[i - 1];
    const segment = segments[i];
    if (before.address + before.memoryBytes > segment.address) {
      throw new ElfLoadError(
        `segments overlap: this program header's segment loads ${span(segment)}, ` +
          `the one at 0x${before.headerOffset.toString(16)} loads ${span(before)}`,
        segment.headerOffset,
      );
    }
  }
  return segments;
}

/** The defined symbols of the first SHT_SYMTAB section, each name once; none without one. */
function readSymbols(bytes: Uint8Array, view: DataView): ElfSymbol[] {
  const shoff = view.getUint32(32, true);
  const count = view.getUint16(48, true);
  if (shoff === 0 || count === 0) return [];
  if (view.getUint16(46, true) !== SECTION_HEADER_BYTES) {
    throw new ElfLoadError(
      `section headers of ${view.getUint16(46, true)} bytes, not ${SECTION_HEADER_BYTES}`,
      46,
    );
  }
  checkInFile(bytes, shoff, count * SECTION_HEADER_BYTES, `${count} section headers`, 32);
  let symtab = -1;
  for (let i = 0; i < count && symtab === -1; i++) {
    if (view.getUint32(shoff + i * SECTION_HEADER_BYTES + 4, true) === SHT_SYMTAB) symtab = i;
  }
  if (symtab === -1) return [];
  const header = shoff + symtab * SECTION_HEADER_BYTES;
  const table = section(bytes, view, header, "the symbol table");
  const link = view.getUint32(header + 24, true);
  if (link === 0 || link >= count) {
    throw new ElfLoadError(
      `the symbol table's string table is section ${link}, which is not one`,
      header + 24,
    );
  }
  const strings = section(bytes, view, shoff + link * SECTION_HEADER_BYTES, "the string table");
  const byName = new Map<string, { symbol: ElfSymbol; local: boolean }>();
  // Entry 0 is the null symbol.
  for (let at = table.offset + SYMBOL_BYTES; at + SYMBOL_BYTES <= table.end; at += SYMBOL_BYTES) {
    const kind = SYMBOL_KINDS[view.getUint8(at + 12) & 0xF];
    if (kind === undefined || view.getUint16(at + 14, true) === SHN_UNDEF) continue;
    const name = symbolName(bytes, strings, view.getUint32(at, true), at);
    if (name === "") continue;
    const local = view.getUint8(at + 12) >> 4 === STB_LOCAL;
    const known = byName.get(name);
    if (known !== undefined && (local || !known.local)) continue;
    const symbol = {
      name,
      address: view.getUint32(at + 4, true),
      size: view.getUint32(at + 8, true),
      kind,
    };
    byName.set(name, { symbol, local });
  }
  return Array.from(byName.values(), (entry) => entry.symbol);
}

/** A section's bytes [offset, end), checked to lie in the file. */
function section(
  bytes: Uint8Array,
  view: DataView,
  header: number,
  what: string,
): { offset: number; end: number } {
  const offset = view.getUint32(header + 16, true);
  const size = view.getUint32(header + 20, true);
  checkInFile(bytes, offset, size, what, header + 16);
  return { offset, end: offset + size };
}

/** The NUL-terminated name at `nameOffset` in the string table; `at` is the symbol's offset. */
function symbolName(
  bytes: Uint8Array,
  strings: { offset: number; end: number },
  nameOffset: number,
  at: number,
): string {
  const start = strings.offset + nameOffset;
  const nul = start < strings.end ? bytes.subarray(start, strings.end).indexOf(0) : -1;
  if (nul === -1) {
    throw new ElfLoadError(
      `symbol name at string-table offset ${nameOffset} does not end inside the string table`,
      at,
    );
  }
  return UTF8.decode(bytes.subarray(start, start + nul));
}

/** Refuses `length` bytes at `offset` that run past the end of the file. */
function checkInFile(
  bytes: Uint8Array,
  offset: number,
  length: number,
  what: string,
  fieldOffset: number,
): void {
  if (offset + length > bytes.length) {
    throw new ElfLoadError(
      `truncated file (${bytes.length} bytes): ${what} at bytes ${byteRange(offset, length)}`,
      fieldOffset,
    );
  }
}

/** "0x34-0x74": `length` bytes from `offset`, the end excluded. */
function byteRange(offset: number, length: number): string {
  return `0x${offset.toString(16)}-0x${(offset + length).toString(16)}`;
}

/** Refuses a segment that is not wholly in the board's flash or wholly in its RAM. */
function checkFits(board: Board, segment: ElfSegment): void {
  const end = segment.address + segment.memoryBytes;
  const inFlash = segment.address >= FLASH_BASE && end <= FLASH_BASE + board.flashBytes;
  const inRam = segment.address >= RAM_BASE && end <= RAM_BASE + board.ramBytes;
  if (!inFlash && !inRam) {
    const flash = board.flashBytes === 0
      ? "the board has no flash"
      : `flash is ${hex32(FLASH_BASE)}-${hex32(FLASH_BASE + board.flashBytes)}`;
    throw new ElfLoadError(
      `segment outside flash and RAM: it loads ${span(segment)}; ${flash}, ` +
        `RAM is ${hex32(RAM_BASE)}-${hex32(RAM_BASE + board.ramBytes)}`,
      segment.headerOffset,
    );
  }
}

/** "0x20000000-0x20000100": the addresses a segment loads, the end excluded. */
function span(segment: ElfSegment): string {
  return `${hex32(segment.address)}-${hex32(segment.address + segment.memoryBytes)}`;
}
