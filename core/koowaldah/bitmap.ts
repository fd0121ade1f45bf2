/**
 * The original's bitmap helpers (include/bitmap.h, kernel/lib/bitmap.c), in
 * RAM: arrays of 32-bit words, bit k in word k / 32 at bit k % 32; bits past
 * the count asked for are left alone and ignored.
 *
 * Each helper makes the bus accesses the C source makes, one per
 * dereference (see design.ts: the cost model). So bitmapSeekUnset reads the
 * word again for every bit it tests, as the original's loop dereferences it
 * for every bit: that is the cost of scanning bit by bit.
 *
 * bitmapFill and bitmapZero do what the original meant: its fill shifts by
 * (bits - 32), a negative count, and sets the wrong bits (or, when bits is a
 * multiple of 32, the whole word after the bitmap: the next page's first
 * word); its zero clears the last partial word's bits in the FIRST word
 * instead. Here the last partial word gets exactly its bits set or cleared,
 * and a whole last word is not touched again.
 * @module
 */

import type { Board } from "../../hw/board.ts";
import { BITS_PER_LONG } from "./layout.ts";

const ALL_ONES = 0xFFFF_FFFF;

/** The mask of bits 0..bits-1 of a word, for 0 < bits < 32. */
function lowBits(bits: number): number {
  return ((1 << bits) - 1) >>> 0;
}

/**
 * bitmap_fill: sets bits 0..bits-1. A write per whole word, then a read and
 * a write for the last partial word.
 * @param bus the board
 * @param bitmap the bitmap's first word
 * @param bits how many bits to set
 */
export function bitmapFill(bus: Board, bitmap: number, bits: number): void {
  let word = bitmap;
  for (; bits >= BITS_PER_LONG; bits -= BITS_PER_LONG, word += 4) bus.write32(word, ALL_ONES);
  if (bits > 0) bus.write32(word, (bus.read32(word) | lowBits(bits)) >>> 0);
}

/**
 * bitmap_zero: clears bits 0..bits-1. The whole words go through
 * memory_set, which writes byte by byte (from the last byte down); then a
 * read and a write for the last partial word.
 * @param bus the board
 * @param bitmap the bitmap's first word
 * @param bits how many bits to clear
 */
export function bitmapZero(bus: Board, bitmap: number, bits: number): void {
  const wholeBytes = Math.floor(bits / BITS_PER_LONG) * 4;
  for (let byte = wholeBytes - 1; byte >= 0; byte--) bus.write8(bitmap + byte, 0);
  const rest = bits % BITS_PER_LONG;
  if (rest > 0) {
    const word = bitmap + wholeBytes;
    bus.write32(word, (bus.read32(word) & ~lowBits(rest)) >>> 0);
  }
}

/**
 * bitmap_bit_set: a read and a write.
 * @param bus the board
 * @param bitmap the bitmap's first word
 * @param bit the bit to set
 */
export function bitmapSet(bus: Board, bitmap: number, bit: number): void {
  const word = bitmap + (bit >>> 5) * 4;
  bus.write32(word, (bus.read32(word) | (1 << (bit & 31))) >>> 0);
}

/**
 * bitmap_bit_clear: a read and a write.
 * @param bus the board
 * @param bitmap the bitmap's first word
 * @param bit the bit to clear
 */
export function bitmapClear(bus: Board, bitmap: number, bit: number): void {
  const word = bitmap + (bit >>> 5) * 4;
  bus.write32(word, (bus.read32(word) & ~(1 << (bit & 31))) >>> 0);
}

/**
 * bitmap_seek_unset: the first clear bit below `limit`, testing bit after
 * bit with a read of its word for each: k + 1 reads to find bit k.
 * @param bus the board
 * @param bitmap the bitmap's first word
 * @param limit bits to look at
 * @returns the bit, or -1 when all are set
 */
export function bitmapSeekUnset(bus: Board, bitmap: number, limit: number): number {
  for (let bit = 0; bit < limit; bit++) {
    if ((bus.read32(bitmap + (bit >>> 5) * 4) & (1 << (bit & 31))) === 0) return bit;
  }
  return -1;
}

/**
 * bitmap_all_set: whether bits 0..limit-1 are all set. Reads word after
 * word and stops at the first that is not full.
 * @param bus the board
 * @param bitmap the bitmap's first word
 * @param limit bits to look at
 * @returns true when all are set
 */
export function bitmapAllSet(bus: Board, bitmap: number, limit: number): boolean {
  let word = bitmap;
  for (; limit >= BITS_PER_LONG; limit -= BITS_PER_LONG, word += 4) {
    if (bus.read32(word) !== ALL_ONES) return false;
  }
  return limit === 0 || (~bus.read32(word) & lowBits(limit)) === 0;
}

/**
 * bitmap_all_unset: whether bits 0..limit-1 are all clear. Reads word after
 * word and stops at the first with a bit set.
 * @param bus the board
 * @param bitmap the bitmap's first word
 * @param limit bits to look at
 * @returns true when all are clear
 */
export function bitmapAllUnset(bus: Board, bitmap: number, limit: number): boolean {
  let word = bitmap;
  for (; limit >= BITS_PER_LONG; limit -= BITS_PER_LONG, word += 4) {
    if (bus.read32(word) !== 0) return false;
  }
  return limit === 0 || (bus.read32(word) & lowBits(limit)) === 0;
}
