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

/**
 * Formats a value a caller passed as an address: `hex32` when it is a 32-bit
 * unsigned integer, else as it is (so `-1` or `1.5` read as what was given).
 * @param value any number
 * @returns the formatted value
 * @example
 * ```ts
 * import { formatAddress } from "@pagepile/pagepile";
 * console.log(formatAddress(0x4000_1000), formatAddress(-1)); // 0x40001000 -1
 * ```
 */
export function formatAddress(value: number): string {
  return Number.isInteger(value) && value >= 0 && value <= 0xFFFF_FFFF
    ? hex32(value)
    : String(value);
}
