/**
 * What an RV32 executable holds, once read: its entry point, the segments
 * it loads and its symbols.
 * @module
 */

import { ElfSymbolNotFound } from "./elf_error.ts";

/** A loadable segment (PT_LOAD) of an image. */
export interface ElfSegment {
  /** The file offset of its program header. */
  headerOffset: number;
  /** The physical address it loads at (p_paddr: where a debug probe writes it). */
  address: number;
  /** Its size in memory; the bytes past `fileBytes` are zeroed (.bss). */
  memoryBytes: number;
  /** The file offset of its bytes. */
  fileOffset: number;
  /** How many bytes the file holds for it. */
  fileBytes: number;
}

/** A symbol of an image: a function, an object, or a linker-defined address. */
export interface ElfSymbol {
  /** Its name. */
  name: string;
  /** Its address (st_value). */
  address: number;
  /** Its size in bytes, 0 when the symbol table does not say. */
  size: number;
  /** STT_FUNC, STT_OBJECT, or STT_NOTYPE (labels and linker symbols such as `__global_pointer$`). */
  kind: "function" | "object" | "notype";
}

/**
 * An RV32 executable as read by readElf: entry point, loadable segments
 * (sorted by address, none overlapping) and defined symbols by name.
 * @example
 * ```ts
 * import { ElfImage } from "@pagepile/pagepile";
 * const image = new ElfImage(0x2000_0000, [], [
 *   { name: "malloc", address: 0x2000_0100, size: 0x40, kind: "function" },
 * ]);
 * console.log(image.symbol("malloc").address === 0x2000_0100, image.symbolize(0x2000_011C));
 * // true malloc+0x1c
 * ```
 */
export class ElfImage {
  /** The entry point (e_entry). */
  readonly entry: number;
  /** The loadable segments, by address. */
  readonly segments: readonly ElfSegment[];
  /**
   * Defined symbols by name. Where names repeat (static functions of
   * several files), a global or weak symbol wins over a local one, and the
   * first in the table over later ones.
   */
  readonly symbols: ReadonlyMap<string, ElfSymbol>;
  /** Function symbols by address, for symbolize. */
  readonly #functions: ElfSymbol[];

  /**
   * An image of these parts (readElf makes them from a file).
   * @param entry the entry point
   * @param segments the loadable segments, by address
   * @param symbols the defined symbols, each name once
   */
  constructor(entry: number, segments: readonly ElfSegment[], symbols: readonly ElfSymbol[]) {
    this.entry = entry;
    this.segments = segments;
    this.symbols = new Map(symbols.map((s) => [s.name, s]));
    this.#functions = symbols.filter((s) => s.kind === "function")
      .sort((a, b) => a.address - b.address || (a.name < b.name ? -1 : 1));
  }

  /**
   * The symbol named `name`.
   * @throws ElfSymbolNotFound when the image has none
   */
  symbol(name: string): ElfSymbol {
    const symbol = this.symbols.get(name);
    if (symbol === undefined) throw new ElfSymbolNotFound(name);
    return symbol;
  }

  /**
   * Names the function `pc` falls in, as "name+0x1c": the function symbol
   * nearest at or below `pc` whose size covers it (a symbol of size 0
   * covers its own address only). Bound to the image, so that it can be
   * passed as it is (Rv32CoreOptions.symbolize).
   * @returns the name and offset, or undefined when no function covers `pc`
   */
  readonly symbolize = (pc: number): string | undefined => {
    const functions = this.#functions;
    // The last function starting at or below pc, by binary search.
    let low = 0;
    let high = functions.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (functions[middle].address <= pc) low = middle + 1;
      else high = middle;
    }
    const fn = functions[low - 1];
    if (fn === undefined) return undefined;
    const offset = pc - fn.address;
    return offset < fn.size || offset === 0 ? `${fn.name}+0x${offset.toString(16)}` : undefined;
  };
}
