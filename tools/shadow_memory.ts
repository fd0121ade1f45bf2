/**
 * The replay checker's own picture of memory, kept apart from every
 * allocator's metadata: which 4-byte words of RAM belong to a live block or
 * to the firmware (one bit each), and a pattern in every live block.
 * @module
 */

import type { Board } from "../hw/board.ts";
import { hex32 } from "../hw/hex.ts";

/** How much of each block the checker fills and verifies. */
export type CheckMode = "full" | "light" | "off";

/** The check modes, for option parsing. */
export const CHECK_MODES: readonly CheckMode[] = ["full", "light", "off"];

/**
 * Tracks live blocks and verifies their bytes. Blocks are given as address
 * and size; the pattern of block `id` is a 32-bit word derived from the id,
 * written and compared through the board's debug port (no bus cycles).
 */
export class ShadowMemory {
  readonly #board: Board;
  readonly #mode: CheckMode;
  /** One bit per 4-byte word of RAM: set while a live block or the firmware holds it. */
  readonly #used: Uint32Array;

  /**
   * @param board the board whose RAM is checked
   * @param mode how much of each block to fill and verify
   */
  constructor(board: Board, mode: CheckMode) {
    this.#board = board;
    this.#mode = mode;
    this.#used = new Uint32Array(Math.ceil(board.ramBytes / 128));
  }

  /** Marks a firmware structure (a range no block may overlap). */
  claimFirmware(addr: number, size: number): void {
    this.#mark(addr, size, true);
  }

  /** Gives back a firmware structure's range (a pool record freed). */
  releaseFirmware(addr: number, size: number): void {
    this.#mark(addr, size, false);
  }

  /**
   * Checks a new block — in RAM, aligned, overlapping nothing live — then
   * claims it and fills its pattern.
   * @returns what is wrong with it, or undefined
   */
  add(id: number, addr: number, size: number, align: number): string | undefined {
    const board = this.#board;
    const span = Math.max(size, 1);
    if (addr < board.ramBase || addr + span > board.ramBase + board.ramBytes) {
      return `${hex32(addr)} + ${size} bytes is not inside RAM`;
    }
    if (addr % align !== 0) return `${hex32(addr)} is not aligned to ${align} bytes`;
    const clash = this.#firstUsed(addr, span);
    if (clash !== -1) {
      return `${hex32(addr)} + ${size} bytes overlaps a live block or firmware structure at ${
        hex32(clash)
      }`;
    }
    this.#mark(addr, span, true);
    this.#fill(id, addr, size);
    return undefined;
  }

  /**
   * Verifies a block's pattern.
   * @returns the address of the first changed byte, or -1
   */
  verify(id: number, addr: number, size: number): number {
    const word = patternWord(id);
    const board = this.#board;
    if (this.#mode === "off") return -1;
    if (this.#mode === "full" || size <= 8) return board.debugFindMismatch(addr, size, word);
    const head = board.debugFindMismatch(addr, 4, word);
    return head !== -1 ? head : board.debugFindMismatch(addr + ((size - 4) & ~3), 4, word);
  }

  /** Releases a block's range (after {@link verify}). */
  remove(addr: number, size: number): void {
    this.#mark(addr, Math.max(size, 1), false);
  }

  #fill(id: number, addr: number, size: number): void {
    const word = patternWord(id);
    const board = this.#board;
    if (this.#mode === "off") return;
    if (this.#mode === "full" || size <= 8) {
      board.debugFill(addr, size, word);
    } else {
      board.debugFill(addr, 4, word);
      board.debugFill(addr + ((size - 4) & ~3), 4, word);
    }
  }

  /** Sets or clears the bits of every word that [addr, addr + size) touches. */
  #mark(addr: number, size: number, used: boolean): void {
    const first = (addr - this.#board.ramBase) >>> 2;
    const end = (addr - this.#board.ramBase + size + 3) >>> 2;
    for (let w = first; w < end;) {
      const bit = w & 31;
      const n = Math.min(32 - bit, end - w);
      const mask = n === 32 ? 0xFFFFFFFF : ((1 << n) - 1) << bit;
      if (used) this.#used[w >>> 5] |= mask;
      else this.#used[w >>> 5] &= ~mask;
      w += n;
    }
  }

  /** The address of the first word in [addr, addr + size) already claimed, or -1. */
  #firstUsed(addr: number, size: number): number {
    const first = (addr - this.#board.ramBase) >>> 2;
    const end = (addr - this.#board.ramBase + size + 3) >>> 2;
    for (let w = first; w < end;) {
      const bit = w & 31;
      const n = Math.min(32 - bit, end - w);
      const mask = n === 32 ? 0xFFFFFFFF : ((1 << n) - 1) << bit;
      const hit = this.#used[w >>> 5] & mask;
      if (hit !== 0) {
        const word = (w & ~31) + (31 - Math.clz32(hit & -hit));
        return this.#board.ramBase + word * 4;
      }
      w += n;
    }
    return -1;
  }
}

/** The pattern word of block `id`: distinct for nearby ids, never 0. */
export function patternWord(id: number): number {
  return (Math.imul(id, 0x9E3779B1) ^ 0xA5A5A5A5) >>> 0 || 0x5A5A5A5A;
}
