/**
 * Allocation flags ("get free pages" flags), as passed to every allocator.
 *
 * ```
 * bits 0-1  zone: GFP_KERNEL (0) Normal, falling back to DMA when Normal is
 *           empty or absent; GFP_DMA (1) DMA only; 2 and 3 name no zone
 * bit 8     GFP_ZERO: the memory handed out is zeroed
 * ```
 * Any other bit set is an error.
 * @module
 */

import { formatAddress, hex32 } from "../hw/hex.ts";

/** Zone Normal, falling back to zone DMA. The usual flags. */
export const GFP_KERNEL = 0;
/** Zone DMA only: the first 16 MiB of RAM. */
export const GFP_DMA = 1;
/** Mask of the zone bits. */
export const GFP_ZONE_MASK = 0x3;
/** Zero the memory before handing it out. */
export const GFP_ZERO = 0x100;
/** Every defined flag bit. */
export const GFP_VALID_MASK = GFP_ZONE_MASK | GFP_ZERO;

/**
 * What is wrong with `flags` as GFP flags: a bit no flag defines, or zone
 * bits naming no zone (2 or 3). The rule of the module comment, stated once
 * for the firmware that refuses such flags and the replay that blames a
 * trace for them.
 * @param flags GFP flags
 * @returns the reason, or "" when the flags are valid
 * @example
 * ```ts
 * import { GFP_DMA, GFP_ZERO, gfpProblem } from "@pagepile/pagepile";
 * console.log(gfpProblem(GFP_DMA | GFP_ZERO) === "", gfpProblem(3) !== ""); // true true
 * ```
 */
export function gfpProblem(flags: number): string {
  if (!Number.isInteger(flags) || (flags & ~GFP_VALID_MASK) !== 0) {
    return `flags ${formatAddress(flags)} has bits set that no GFP flag defines ` +
      `(valid mask ${hex32(GFP_VALID_MASK)})`;
  }
  const zone = flags & GFP_ZONE_MASK;
  if (zone > GFP_DMA) {
    return `flags ${formatAddress(flags)} select zone ${zone}, which does not exist ` +
      `(GFP_KERNEL ${GFP_KERNEL}: Normal then DMA; GFP_DMA ${GFP_DMA}: DMA)`;
  }
  return "";
}
