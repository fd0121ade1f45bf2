/**
 * Fixed-width ASCII text fields in RAM (pool names, caller tags), written and
 * read a word at a time through the bus. A text shorter than its field ends
 * at a NUL, and a reader stops there: the words after it are not written, as
 * C's strcpy writes none of them.
 * @module
 */

import type { Board } from "../hw/board.ts";

/**
 * Writes `text` into the `bytes`-long field at `addr` (a multiple of 4), cut
 * to fit; characters outside printable ASCII become "?". Writes the words up
 * to the one holding the NUL that ends a shorter text (the rest of that word
 * NUL too); the field's later words are left as they were.
 */
export function writeAscii(bus: Board, addr: number, bytes: number, text: string): void {
  const length = Math.min(text.length, bytes);
  const used = Math.min(bytes, (Math.floor(length / 4) + 1) * 4); // the text and its NUL
  for (let i = 0; i < used; i += 4) {
    let word = 0;
    for (let b = 3; b >= 0; b--) {
      const code = i + b < length ? printable(text.charCodeAt(i + b)) : 0;
      word = (word << 8) | code;
    }
    bus.write32(addr + i, word >>> 0);
  }
}

/** A character's code if it is printable ASCII, else "?". */
function printable(code: number): number {
  return code >= 0x20 && code < 0x7F ? code : 0x3F;
}

/** Reads the text of the `bytes`-long field at `addr`, up to its first NUL. */
export function readAscii(bus: Board, addr: number, bytes: number): string {
  let text = "";
  for (let i = 0; i < bytes; i += 4) {
    const word = bus.read32(addr + i);
    for (let b = 0; b < 4; b++) {
      const code = (word >>> (b * 8)) & 0xFF;
      if (code === 0) return text;
      text += String.fromCharCode(code);
    }
  }
  return text;
}
