/**
 * The two-level map from a block size to its free list: arithmetic only, no
 * bus access (a real CPU does it in registers, with one count-leading-zeros).
 *
 * A size s below SMALL_BLOCK (256) goes to first level 0, list s / 8: one
 * list per size, so those lists are exact. From 256 on, the first level is
 * s's highest bit (f = highest bit - FL_SHIFT + 1) and the second level the
 * SL_LOG2 bits below it, so first level f splits [2^(f+7), 2^(f+8)) into 32
 * lists of equal width. Lists are numbered flat, f * SL_COUNT + s.
 *
 * A block on list n is only known to be at least n's lower bound, so an
 * allocation searches from the list above its size's ({@link searchList}):
 * every block there fits, and the first non-empty list at or above it is
 * found with two find-first-set operations, whatever the number of blocks.
 * @module
 */

import {
  ALIGN,
  BLOCK_OVERHEAD,
  FL_SHIFT,
  MIN_BLOCK,
  SL_COUNT,
  SL_LOG2,
  SMALL_BLOCK,
} from "./layout.ts";

/**
 * The list a free block of `size` bytes goes on.
 * @param size a block size, a multiple of 8
 * @returns the list's flat index
 */
export function listOf(size: number): number {
  if (size < SMALL_BLOCK) return size / ALIGN;
  const high = highestBit(size);
  const fl = high - FL_SHIFT + 1;
  return fl * SL_COUNT + ((size >>> (high - SL_LOG2)) & (SL_COUNT - 1));
}

/**
 * The first list whose every block holds `size` bytes: `size` rounded up to
 * the next list boundary, mapped. May be past the last list.
 * @param size a block size, a multiple of 8
 * @returns the list's flat index
 */
export function searchList(size: number): number {
  if (size < SMALL_BLOCK) return listOf(size);
  return listOf(size + (1 << (highestBit(size) - SL_LOG2)) - 1);
}

/**
 * The block size that serves a request: the payload and the size word,
 * rounded up to 8 and to the smallest block.
 * @param bytes bytes asked for
 * @returns the block size
 */
export function blockSizeFor(bytes: number): number {
  return Math.max(MIN_BLOCK, Math.ceil((bytes + BLOCK_OVERHEAD) / ALIGN) * ALIGN);
}

/** Position of the highest set bit (fls). */
export function highestBit(word: number): number {
  return 31 - Math.clz32(word);
}

/** Position of the lowest set bit (ffs); `word` is not 0. */
export function lowestBit(word: number): number {
  return 31 - Math.clz32(word & -word);
}
