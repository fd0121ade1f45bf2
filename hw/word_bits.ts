/**
 * Bitmaps with one bit per 4-byte word of RAM: bit `i & 31` of element
 * `i >>> 5` stands for word `i`. Ranges of words are set, cleared and
 * searched a whole element at a time.
 * @module
 */

/** Sets the bits of words [first, end). */
export function setBits(bits: Uint32Array, first: number, end: number): void {
  if (first >= end) return;
  const head = first >>> 5;
  const tail = (end - 1) >>> 5;
  if (head === tail) {
    bits[head] |= headMask(first) & tailMask(end);
    return;
  }
  bits[head] |= headMask(first);
  for (let i = head + 1; i < tail; i++) bits[i] = 0xFFFF_FFFF;
  bits[tail] |= tailMask(end);
}

/** Clears the bits of words [first, end). */
export function clearBits(bits: Uint32Array, first: number, end: number): void {
  if (first >= end) return;
  const head = first >>> 5;
  const tail = (end - 1) >>> 5;
  if (head === tail) {
    bits[head] &= ~(headMask(first) & tailMask(end));
    return;
  }
  bits[head] &= ~headMask(first);
  for (let i = head + 1; i < tail; i++) bits[i] = 0;
  bits[tail] &= ~tailMask(end);
}

/** The first word of [first, end) whose bit is set, or -1. */
export function firstSetBit(bits: Uint32Array, first: number, end: number): number {
  if (first >= end) return -1;
  let element = first >>> 5;
  const tail = (end - 1) >>> 5;
  let hit = bits[element] & headMask(first);
  if (element !== tail) {
    while (hit === 0 && ++element < tail) hit = bits[element];
    if (hit === 0) hit = bits[tail];
  }
  if (element === tail) hit &= tailMask(end);
  return hit === 0 ? -1 : element * 32 + 31 - Math.clz32(hit & -hit);
}

/** The bits of `first`'s element from its bit up. */
function headMask(first: number): number {
  return -1 << (first & 31);
}

/** The bits of `end - 1`'s element up to its bit. */
function tailMask(end: number): number {
  return -1 >>> (31 - ((end - 1) & 31));
}
