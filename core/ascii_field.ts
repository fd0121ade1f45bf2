/**
 * Fixed-width ASCII text fields in RAM (pool names, caller tags): NUL-padded,
 * written and read a word at a time through the bus.
 * @module
 */

import type { Board } from "../hw/board.ts";

/**
 * Writes `text` into the `bytes`-long field at `addr` (a multiple of 4),
 * cut to fit; characters outside printable ASCII become "?".
 */
export function writeAscii(bus: Board, addr: number, bytes: number, text: string): void {
  const buffer = new Uint8Array(bytes);
  for (let i = 0; i < Math.min(text.length, bytes); i++) {
    const code = text.charCodeAt(i);
    buffer[i] = code >= 0x20 && code < 0x7F ? code : 0x3F;
  }
  const words = new DataView(buffer.buffer);
  for (let i = 0; i < bytes; i += 4) bus.write32(addr + i, words.getUint32(i, true));
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
