/**
 * A shadow of the live blocks, kept by the tests themselves: it checks that
 * every block handed out lies in RAM, is aligned, overlaps no live block,
 * and that the bytes written into each block stay as written.
 */

import type { Board } from "../mod.ts";

interface Block {
  addr: number;
  size: number;
  id: number;
}

/** Live blocks sorted by address, each filled with a pattern from its id. */
export class Shadow {
  readonly #board: Board;
  readonly #blocks: Block[] = [];
  #nextId = 1;

  constructor(board: Board) {
    this.#board = board;
  }

  get size(): number {
    return this.#blocks.length;
  }

  /** Records a new block, checking it, and fills it with its pattern. */
  add(addr: number, size: number, align: number): void {
    const board = this.#board;
    if (addr < board.ramBase || addr + size > board.ramBase + board.ramBytes) {
      throw new Error(`block 0x${addr.toString(16)} of ${size} bytes is not in RAM`);
    }
    if (addr % align !== 0) throw new Error(`block 0x${addr.toString(16)} is not ${align}-aligned`);
    const i = this.#indexAfter(addr);
    const before = this.#blocks[i - 1];
    const after = this.#blocks[i];
    if (before && before.addr + before.size > addr) {
      throw new Error(`block 0x${addr.toString(16)} overlaps block 0x${before.addr.toString(16)}`);
    }
    if (after && addr + size > after.addr) {
      throw new Error(`block 0x${addr.toString(16)} overlaps block 0x${after.addr.toString(16)}`);
    }
    const block = { addr, size, id: this.#nextId++ };
    this.#blocks.splice(i, 0, block);
    this.#fill(block);
  }

  /** Verifies a block's pattern and forgets it. */
  remove(addr: number): void {
    const i = this.#indexAfter(addr) - 1;
    const block = this.#blocks[i];
    if (!block || block.addr !== addr) throw new Error(`no live block at 0x${addr.toString(16)}`);
    this.#verify(block);
    this.#blocks.splice(i, 1);
  }

  /** Verifies every live block's pattern. */
  verifyAll(): void {
    for (const block of this.#blocks) this.#verify(block);
  }

  /** The live blocks' addresses. */
  addresses(): number[] {
    return this.#blocks.map((b) => b.addr);
  }

  #indexAfter(addr: number): number {
    let lo = 0;
    let hi = this.#blocks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.#blocks[mid].addr <= addr) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #fill(block: Block): void {
    const words = Math.floor(block.size / 4);
    for (let w = 0; w < words; w++) this.#board.write32(block.addr + w * 4, pattern(block, w));
    for (let b = words * 4; b < block.size; b++) this.#board.write8(block.addr + b, block.id + b);
  }

  #verify(block: Block): void {
    const words = Math.floor(block.size / 4);
    for (let w = 0; w < words; w++) {
      if (this.#board.read32(block.addr + w * 4) !== pattern(block, w)) {
        throw new Error(`block 0x${block.addr.toString(16)} changed at word ${w}`);
      }
    }
    for (let b = words * 4; b < block.size; b++) {
      if (this.#board.read8(block.addr + b) !== ((block.id + b) & 0xFF)) {
        throw new Error(`block 0x${block.addr.toString(16)} changed at byte ${b}`);
      }
    }
  }
}

function pattern(block: Block, word: number): number {
  return (Math.imul(block.id, 0x9E3779B1) + word) >>> 0;
}
