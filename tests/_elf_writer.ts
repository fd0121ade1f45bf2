/**
 * Writes small ELF32 executables for the loader's tests: an ELF header,
 * program headers, each segment's bytes, and (with symbols) a .symtab, its
 * .strtab and a .shstrtab with their section headers. The layout is
 * returned beside the bytes, so that a test can break one field.
 *
 * ```
 * 0        ELF header (52 bytes)
 * phoff    program headers, 32 bytes each
 *          segment bytes, each at a multiple of 4
 *          .strtab, .symtab (16 bytes a symbol), .shstrtab
 * shoff    section headers: null, .symtab, .strtab, .shstrtab (40 bytes each)
 * ```
 */

/** A segment to write: PT_LOAD unless `type` says otherwise. */
export interface SegmentSpec {
  /** p_paddr, where the loader puts it. */
  address: number;
  /** Its bytes in the file. */
  data: Uint8Array;
  /** p_memsz; default data.length. */
  memoryBytes?: number;
  /** p_vaddr; default `address`. */
  virtualAddress?: number;
  /** p_type; default 1 (PT_LOAD). */
  type?: number;
}

/** A symbol to write. */
export interface SymbolSpec {
  name: string;
  address: number;
  size?: number;
  /** STT_*: default 2 (FUNC). */
  type?: number;
  /** STB_*: default 1 (GLOBAL). */
  bind?: number;
  /** st_shndx: default 1 (defined; 0 is undefined). */
  section?: number;
}

/** The file to write; fields not given are a valid RV32 executable's. */
export interface ElfSpec {
  entry?: number;
  segments: SegmentSpec[];
  /** Without symbols, the file has no section headers. */
  symbols?: SymbolSpec[];
  elfClass?: number;
  dataEncoding?: number;
  type?: number;
  machine?: number;
  flags?: number;
}

/** Where the parts of a written file are. */
export interface ElfLayout {
  bytes: Uint8Array;
  view: DataView;
  phoff: number;
  /** Each segment's data offset, in spec order. */
  segmentOffsets: number[];
  /** 0 when the file has no section headers. */
  shoff: number;
  /** The file offsets of the .symtab and .strtab section headers. */
  symtabHeader: number;
  strtabHeader: number;
  /** The file offset of the symbol table's data (its first entry is the null symbol). */
  symtabOffset: number;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

/** Writes the file `spec` describes. */
export function writeElf(spec: ElfSpec): ElfLayout {
  const encoder = new TextEncoder();
  const phoff = 52;
  let at = phoff + spec.segments.length * 32;
  const segmentOffsets = spec.segments.map((s) => {
    const offset = align4(at);
    at = offset + s.data.length;
    return offset;
  });
  const symbols = spec.symbols;
  let strtab = new Uint8Array(0);
  let nameOffsets: number[] = [];
  let strtabOffset = 0;
  let symtabOffset = 0;
  let shstrtabOffset = 0;
  let shoff = 0;
  const shstrtab = encoder.encode("\0.symtab\0.strtab\0.shstrtab\0");
  if (symbols !== undefined) {
    const names = symbols.map((s) => encoder.encode(s.name + "\0"));
    strtab = new Uint8Array(1 + names.reduce((n, b) => n + b.length, 0));
    let offset = 1;
    nameOffsets = names.map((b) => {
      strtab.set(b, offset);
      offset += b.length;
      return offset - b.length;
    });
    strtabOffset = at;
    symtabOffset = align4(strtabOffset + strtab.length);
    shstrtabOffset = symtabOffset + (symbols.length + 1) * 16;
    shoff = align4(shstrtabOffset + shstrtab.length);
    at = shoff + 4 * 40;
  }
  const bytes = new Uint8Array(at);
  const view = new DataView(bytes.buffer);
  bytes.set([0x7F, 0x45, 0x4C, 0x46, spec.elfClass ?? 1, spec.dataEncoding ?? 1, 1]);
  view.setUint16(16, spec.type ?? 2, true);
  view.setUint16(18, spec.machine ?? 243, true);
  view.setUint32(20, 1, true);
  view.setUint32(24, spec.entry ?? spec.segments[0]?.address ?? 0, true);
  view.setUint32(28, phoff, true);
  view.setUint32(32, shoff, true);
  view.setUint32(36, spec.flags ?? 0, true);
  view.setUint16(40, 52, true);
  view.setUint16(42, 32, true);
  view.setUint16(44, spec.segments.length, true);
  view.setUint16(46, 40, true);
  view.setUint16(48, symbols === undefined ? 0 : 4, true);
  view.setUint16(50, symbols === undefined ? 0 : 3, true);
  spec.segments.forEach((s, i) => {
    const header = phoff + i * 32;
    view.setUint32(header, s.type ?? 1, true);
    view.setUint32(header + 4, segmentOffsets[i], true);
    view.setUint32(header + 8, s.virtualAddress ?? s.address, true);
    view.setUint32(header + 12, s.address, true);
    view.setUint32(header + 16, s.data.length, true);
    view.setUint32(header + 20, s.memoryBytes ?? s.data.length, true);
    view.setUint32(header + 24, 7, true); // RWX
    view.setUint32(header + 28, 4, true);
    bytes.set(s.data, segmentOffsets[i]);
  });
  if (symbols !== undefined) {
    bytes.set(strtab, strtabOffset);
    symbols.forEach((s, i) => {
      const entry = symtabOffset + (i + 1) * 16;
      view.setUint32(entry, nameOffsets[i], true);
      view.setUint32(entry + 4, s.address, true);
      view.setUint32(entry + 8, s.size ?? 0, true);
      view.setUint8(entry + 12, ((s.bind ?? 1) << 4) | (s.type ?? 2));
      view.setUint16(entry + 14, s.section ?? 1, true);
    });
    bytes.set(shstrtab, shstrtabOffset);
    // Section 1: .symtab, linked to section 2: .strtab; section 3: .shstrtab.
    const sections: [number, number, number, number, number, number][] = [
      // name, type, offset, size, link, entsize
      [1, 2, symtabOffset, (symbols.length + 1) * 16, 2, 16],
      [9, 3, strtabOffset, strtab.length, 0, 0],
      [17, 3, shstrtabOffset, shstrtab.length, 0, 0],
    ];
    sections.forEach(([name, type, offset, size, link, entsize], i) => {
      const header = shoff + (i + 1) * 40;
      view.setUint32(header, name, true);
      view.setUint32(header + 4, type, true);
      view.setUint32(header + 16, offset, true);
      view.setUint32(header + 20, size, true);
      view.setUint32(header + 24, link, true);
      view.setUint32(header + 36, entsize, true);
    });
  }
  return {
    bytes,
    view,
    phoff,
    segmentOffsets,
    shoff,
    symtabHeader: shoff + 40,
    strtabHeader: shoff + 80,
    symtabOffset,
  };
}
