/**
 * Address formatting shared by every message that names an address.
 * @module
 */

/**
 * Formats a 32-bit address as `0x` and 8 hex digits, e.g. `0x40001000`.
 * @param value the address
 * @returns the formatted address
 * @example
 * ```ts
 * import { hex32 } from "@pagepile/pagepile";
 * console.log(hex32(0x4000_1000)); // 0x40001000
 * ```
 */
export function hex32(value: number): string {
  return "0x" + (value >>> 0).toString(16).padStart(8, "0");
}
