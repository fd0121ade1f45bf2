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
