/**
 * The replay checker's own picture of memory, kept apart from every
 * allocator's metadata: which 4-byte words of RAM belong to a live block or
 * to the firmware (one bit each), which pages of the vmalloc window belong to
 * a live area or its guard, and a pattern in every live block.
 * @module
 */

import type { Board } from "../../hw/board.ts";
import { hex32 } from "../../hw/hex.ts";
import { PAGE_SIZE } from "../../hw/memory_map.ts";
import { clearBits, firstSetBit, setBits } from "../../hw/word_bits.ts";

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
  readonly #window: { start: number; bytes: number };
  /** One byte per page of the vmalloc window: 1 while a live area or its guard holds it. */
  readonly #windowUsed: Uint8Array;
  /** The physical page each page of a live area was mapped to when it was claimed. */
  readonly #windowFrames: Uint32Array;
  /**
   * Whether each live block's bytes still hold what its fill left, but for
   * the lines the board marked written since: then only those are read
   * (Board.debugFindWrittenMismatch), and a block never written is not read
   * at all. True while every live block and firmware structure
   * owns its words alone. Once one is refused or claimed over another, or an
   * area is released through another mapping than it was claimed with, a
   * later free can release words it never owned and another block's fill
   * land on a live one: from then on every block is read whole.
   */
  #writesTracked = true;
  /**
   * Bytes of live blocks and firmware structures on each page of RAM, and
   * how many pages hold any: a lower bound on the pages a design holds.
   * Pages of the reserved area at the start of RAM are not counted.
   */
  readonly #pageBytes: Uint32Array;
  #pagesCovered = 0;
  /** Pages at the start of RAM the firmware reserves (claimReserved). */
  #reservedPages = 0;
  /**
   * Names what lies at an address a new block overlaps (a live block and the
   * line that allocated it, a pool record), for the message; undefined
   * leaves it at the address.
   */
  nameOverlap: ((addr: number) => string | undefined) | undefined;

  /**
   * @param board the board whose RAM is checked
   * @param mode how much of each block to fill and verify
   * @param window the vmalloc window
   */
  constructor(board: Board, mode: CheckMode, window: { start: number; bytes: number }) {
    this.#board = board;
    this.#mode = mode;
    this.#used = new Uint32Array(Math.ceil(board.ramBytes / 128));
    this.#window = window;
    this.#windowUsed = new Uint8Array(window.bytes / PAGE_SIZE);
    this.#windowFrames = new Uint32Array(window.bytes / PAGE_SIZE);
    this.#pageBytes = new Uint32Array(board.ramBytes / PAGE_SIZE);
  }

  /**
   * Pages of RAM outside the reserved area that hold a byte of a live block
   * or of a firmware structure: no design can hold fewer.
   */
  get pagesCovered(): number {
    return this.#pagesCovered;
  }

  /**
   * Checks a new vmalloc area — in the window, page-aligned, clear of every
   * live area and guard, each page mapped to a physical page that overlaps
   * nothing live, its guard page unmapped — then claims it and fills its
   * pattern, writing its first and last words through the MMU.
   * @returns what is wrong with it, or undefined
   */
  addArea(id: number, vaddr: number, bytes: number): string | undefined {
    const wrong = this.#claimArea(id, vaddr, bytes);
    if (wrong !== undefined) this.#writesTracked = false;
    return wrong;
  }

  #claimArea(id: number, vaddr: number, bytes: number): string | undefined {
    const first = (vaddr - this.#window.start) / PAGE_SIZE;
    const pages = bytes / PAGE_SIZE;
    if (!Number.isInteger(first) || first < 0 || first + pages + 1 > this.#windowUsed.length) {
      return `${
        hex32(vaddr)
      } + ${bytes} bytes and its guard page are not page-aligned inside the window`;
    }
    for (let p = first; p <= first + pages; p++) {
      if (this.#windowUsed[p]) {
        return `${hex32(vaddr)} + ${bytes} bytes overlaps a live area or guard page`;
      }
    }
    const board = this.#board;
    if (board.debugTranslate(vaddr + bytes) !== -1) {
      return `the guard page after ${hex32(vaddr)} is mapped`;
    }
    for (let i = 0; i < pages; i++) {
      const physical = board.debugTranslate(vaddr + i * PAGE_SIZE);
      if (physical === -1) return `page ${i} of ${hex32(vaddr)} is not mapped`;
      this.#windowFrames[first + i] = physical;
      const wrong = this.add(id, physical, PAGE_SIZE, PAGE_SIZE);
      if (wrong !== undefined) {
        for (let j = 0; j < i; j++) {
          this.remove(board.debugTranslate(vaddr + j * PAGE_SIZE), PAGE_SIZE);
        }
        return `page ${i} of ${hex32(vaddr)}: ${wrong}`;
      }
    }
    this.#windowUsed.fill(1, first, first + pages + 1);
    if (this.#mode !== "off") {
      board.vwrite32(vaddr, patternWord(id));
      board.vwrite32(vaddr + bytes - 4, patternWord(id));
    }
    return undefined;
  }

  /**
   * Verifies an area's pattern, page by page through its mapping, and its
   * first and last words through the MMU.
   * @returns the virtual address of the first changed (or unmapped) byte, or -1
   */
  verifyArea(id: number, vaddr: number, bytes: number): number {
    const board = this.#board;
    for (let offset = 0; offset < bytes; offset += PAGE_SIZE) {
      const physical = board.debugTranslate(vaddr + offset);
      if (physical === -1) return vaddr + offset;
      // Read whole: the page mapped now need not be the one filled.
      const changed = this.#compare(id, physical, PAGE_SIZE, false);
      if (changed !== -1) return vaddr + offset + (changed - physical);
    }
    if (this.#mode === "off") return -1;
    if (board.vread32(vaddr) !== patternWord(id)) return vaddr;
    if (board.vread32(vaddr + bytes - 4) !== patternWord(id)) return vaddr + bytes - 4;
    return -1;
  }

  /** Releases an area's pages and guard (before vfree unmaps them). */
  removeArea(vaddr: number, bytes: number): void {
    const first = (vaddr - this.#window.start) / PAGE_SIZE;
    for (let offset = 0; offset < bytes; offset += PAGE_SIZE) {
      const physical = this.#board.debugTranslate(vaddr + offset);
      // A page mapped elsewhere now releases words it never owned.
      if (physical !== this.#windowFrames[first + offset / PAGE_SIZE]) this.#writesTracked = false;
      if (physical !== -1) this.remove(physical, PAGE_SIZE);
    }
    this.#windowUsed.fill(0, first, first + bytes / PAGE_SIZE + 1);
  }

  /** Marks the firmware's reserved pages at the start of RAM: no block may overlap them. */
  claimReserved(bytes: number): void {
    this.#reservedPages = Math.ceil(bytes / PAGE_SIZE);
    this.claimFirmware(this.#board.ramBase, bytes);
  }

  /**
   * Marks a firmware structure (a range no block may overlap), even where it
   * overlaps something live.
   * @returns what it overlaps, or undefined
   */
  claimFirmware(addr: number, size: number): string | undefined {
    const board = this.#board;
    if (addr < board.ramBase || addr + size > board.ramBase + board.ramBytes) {
      return `${hex32(addr)} + ${size} bytes is not inside RAM`;
    }
    const clash = this.#firstUsed(addr, size);
    const wrong = clash === -1 ? undefined : this.#overlapText(addr, size, clash);
    if (wrong !== undefined) this.#writesTracked = false;
    this.#mark(addr, size, true);
    return wrong;
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
    const wrong = this.#claim(id, addr, size, align);
    if (wrong !== undefined) this.#writesTracked = false;
    return wrong;
  }

  #claim(id: number, addr: number, size: number, align: number): string | undefined {
    const board = this.#board;
    const span = Math.max(size, 1);
    if (addr < board.ramBase || addr + span > board.ramBase + board.ramBytes) {
      return `${hex32(addr)} + ${size} bytes is not inside RAM`;
    }
    if (addr % align !== 0) return `${hex32(addr)} is not aligned to ${align} bytes`;
    const clash = this.#firstUsed(addr, span);
    if (clash !== -1) return this.#overlapText(addr, size, clash);
    this.#mark(addr, span, true);
    this.#fill(id, addr, size);
    return undefined;
  }

  /**
   * Verifies a block's pattern.
   * @returns the address of the first changed byte, or -1
   */
  verify(id: number, addr: number, size: number): number {
    return this.#compare(id, addr, size, this.#writesTracked);
  }

  /**
   * Verifies a block's pattern: only the lines written since its fill when
   * `tracked`, else all of it.
   * @returns the address of the first changed byte, or -1
   */
  #compare(id: number, addr: number, size: number, tracked: boolean): number {
    const word = patternWord(id);
    const board = this.#board;
    if (this.#mode === "off") return -1;
    if (this.#filledWhole(size)) {
      return tracked
        ? board.debugFindWrittenMismatch(addr, size, word)
        : board.debugFindMismatch(addr, size, word);
    }
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
    if (this.#filledWhole(size)) {
      // Written marks cleared: verify reads only the lines written since.
      board.debugFill(addr, size, word);
      board.debugClearWrites(addr, size);
    } else {
      board.debugFill(addr, 4, word);
      board.debugFill(addr + ((size - 4) & ~3), 4, word);
    }
  }

  /** Whether a block of `size` bytes gets its pattern whole, or only its first and last words. */
  #filledWhole(size: number): boolean {
    return this.#mode === "full" || (this.#mode === "light" && size <= 8);
  }

  #overlapText(addr: number, size: number, clash: number): string {
    const what = this.nameOverlap?.(clash) ??
      `a live block or firmware structure at ${hex32(clash)}`;
    return `${hex32(addr)} + ${size} bytes overlaps ${what}`;
  }

  /**
   * Sets or clears the bits of every word that [addr, addr + size) touches,
   * and counts its bytes on or off the pages it lies on.
   */
  #mark(addr: number, size: number, used: boolean): void {
    const offset = addr - this.#board.ramBase;
    const end = offset + size;
    if (used) setBits(this.#used, offset >>> 2, (end + 3) >>> 2);
    else clearBits(this.#used, offset >>> 2, (end + 3) >>> 2);
    const pageBytes = this.#pageBytes;
    const first = Math.max(Math.floor(offset / PAGE_SIZE), this.#reservedPages);
    for (let page = first; page * PAGE_SIZE < end; page++) {
      const bytes = Math.min(end, (page + 1) * PAGE_SIZE) - Math.max(offset, page * PAGE_SIZE);
      const before = pageBytes[page];
      if (used) {
        if (before === 0) this.#pagesCovered++;
        pageBytes[page] = before + bytes;
      } else if (before > 0) {
        // Never below 0: a range released that was never claimed (after a violation).
        const after = Math.max(0, before - bytes);
        pageBytes[page] = after;
        if (after === 0) this.#pagesCovered--;
      }
    }
  }

  /** The address of the first word in [addr, addr + size) already claimed, or -1. */
  #firstUsed(addr: number, size: number): number {
    const offset = addr - this.#board.ramBase;
    const word = firstSetBit(this.#used, offset >>> 2, (offset + size + 3) >>> 2);
    return word === -1 ? -1 : this.#board.ramBase + word * 4;
  }
}

/** The pattern word of block `id`: distinct for nearby ids, never 0. */
export function patternWord(id: number): number {
  return (Math.imul(id, 0x9E3779B1) ^ 0xA5A5A5A5) >>> 0 || 0x5A5A5A5A;
}
