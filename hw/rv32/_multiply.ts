/**
 * The high halves of 32 × 32-bit products (MULH, MULHSU, MULHU) in int32
 * arithmetic: the operands are split into 16-bit halves, whose products
 * Math.imul gives exactly, so no step leaves V8's integer representation.
 * Operands and results are 32-bit patterns held as int32.
 * @module
 */

/** Bits 32-63 of the product of `a` and `b`, both unsigned. */
export function mulhu(a: number, b: number): number {
  const a0 = a & 0xFFFF;
  const a1 = a >>> 16;
  const b0 = b & 0xFFFF;
  const b1 = b >>> 16;
  // product = a1·b1·2^32 + (a1·b0 + a0·b1)·2^16 + a0·b0; each partial
  // product fits 32 bits. The carry into bit 32 comes from bits 16-31.
  const cross1 = Math.imul(a1, b0);
  const cross2 = Math.imul(a0, b1);
  const carry = ((Math.imul(a0, b0) >>> 16) + (cross1 & 0xFFFF) + (cross2 & 0xFFFF)) >>> 16;
  return (Math.imul(a1, b1) + (cross1 >>> 16) + (cross2 >>> 16) + carry) | 0;
}

/**
 * Bits 32-63 of the product of `a` and `b`, both signed: a negative
 * operand's unsigned reading is 2^32 more than its value, which adds the
 * other operand to the high half; subtracting it back corrects that.
 */
export function mulh(a: number, b: number): number {
  return (mulhu(a, b) - (a < 0 ? b : 0) - (b < 0 ? a : 0)) | 0;
}

/** Bits 32-63 of the product of `a`, signed, and `b`, unsigned. */
export function mulhsu(a: number, b: number): number {
  return (mulhu(a, b) - (a < 0 ? b : 0)) | 0;
}
