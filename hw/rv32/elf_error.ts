/**
 * The errors of reading and loading an ELF image.
 * @module
 */

/**
 * A file that is not an RV32 executable this board can load: what is wrong,
 * in one line, and the file offset where it applies (`offset`, also in the
 * message).
 * @example
 * ```ts
 * import { Board, ElfLoadError, loadElf } from "@pagepile/pagepile";
 * try {
 *   loadElf(new Board({ ramBytes: 64 * 1024, flashBytes: 4096 }), new TextEncoder().encode("#!/bin/sh\n"));
 * } catch (e) {
 *   console.log(e instanceof ElfLoadError && e.offset); // 0
 * }
 * ```
 */
export class ElfLoadError extends Error {
  /** The file offset the problem is at. */
  readonly offset: number;

  /**
   * Describes the problem.
   * @param problem what is wrong
   * @param offset the file offset it applies to
   */
  constructor(problem: string, offset: number) {
    super(`ELF: ${problem} (file offset 0x${offset.toString(16)})`);
    this.name = "ElfLoadError";
    this.offset = offset;
  }
}

/**
 * A symbol an image's symbol table does not hold.
 * @example
 * ```ts
 * import { ElfSymbolNotFound } from "@pagepile/pagepile";
 * console.log(new ElfSymbolNotFound("malloc").message); // ELF: no symbol "malloc" in the image
 * ```
 */
export class ElfSymbolNotFound extends Error {
  /** The name looked up. */
  readonly symbol: string;

  /**
   * Describes the lookup that failed.
   * @param symbol the name looked up
   */
  constructor(symbol: string) {
    super(`ELF: no symbol "${symbol}" in the image`);
    this.name = "ElfSymbolNotFound";
    this.symbol = symbol;
  }
}
