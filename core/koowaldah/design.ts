/**
 * The design `koowaldah`: the allocators of the seed document as the
 * original Koowaldah C code implements them (kernel/page_alloc.c,
 * kernel/slice.c, kernel/galloc.c, kernel/lib/bitmap.c, include/bitmap.h,
 * include/klist0.h, 2005-2011), rebuilt on the bus with their algorithms,
 * their records and their costs, so that a replay shows in bus cycles and
 * bytes what pagepile's rebuild changed.
 *
 * ## The cost model
 * Each C dereference is one bus access, every time the source evaluates it,
 * as an unoptimised build makes them: locals and arguments are registers
 * (the stack is not on the board), everything reached through a pointer —
 * struct pages, list nodes, the zone, pool descriptors, bitmaps, chunk
 * headers — is RAM. So `page_to_addr` is 3 reads (page->zone, zone->base,
 * page->index); free_pages reads one list node per free pile it passes;
 * slice_free reads 4 words per slab page it passes; bitmap_seek_unset reads
 * the bitmap word again for every bit it tests; memory_set writes byte by byte.
 *
 * ## Where the code differs from what its name suggests
 * klist0_append inserts right after the list head, so a freed pile goes to
 * the FRONT of its free list (and the next allocation of that order takes it
 * back first), as do the lower halves of a split pile and a slab page that
 * changes lists; only mem_zone_init's klist0_prepend puts piles at the back.
 *
 * ## Every deviation from the original
 * Where the original has undefined behaviour, this does what the code meant:
 * 1. galloc_from_slice tests `i > NPOOLS`, so requests of 1025-2048 bytes
 *    read galloc_sp[9], past the array; here `i >= NPOOLS`: they go to pages.
 * 2. get_pages calls page_to_addr(NULL) when alloc_pages fails; here it
 *    returns 0 (and galloc, slice_pool_create fail cleanly with it).
 * 3. bitmap_fill shifts by a negative count (bits - 32): it sets the wrong
 *    bits of the last partial word, and when the bits fill whole words it
 *    sets the word after the bitmap (the next page's first word).
 *    bitmap_zero clears the last partial word's bits in the bitmap's FIRST
 *    word. With both, slots stay marked used for ever and, for 12-byte slices,
 *    slots under the bitmap are handed out. Here both touch exactly their
 *    bits, and a last partial word only when there is one (bitmap.ts).
 * 4. addr_to_page tests `addr > zone->base`, rejecting the zone's first
 *    address; here `>=`.
 *
 * Where the original stops the kernel (bug()) or crashes, this throws or
 * returns what the seam expects:
 * 5. slice_pool_create of an object over PAGE_SIZE / 2 - 4 = 2044 bytes:
 *    bug(); here it returns null, and the firmware declares that limit
 *    (maxSliceSize), so a replay counts such pools, and their slices, as
 *    unsupported rather than out of memory. An object size under 1 divides
 *    by zero in the original; here it throws InvalidArgumentError.
 * 6. slice_pool_recycle with live slices: bug() (on a full page before
 *    shrinking, on a partial one after); here a PoolBusyError at the same
 *    points (the pages the shrink gave back stay given back).
 * 7. slice_free of a slice on no page of the pool: bug(); here an
 *    InvalidFreeError. gfree of a chunk whose header has neither origin:
 *    bug(); here an InvalidFreeError. slice_alloc finding no clear bit on
 *    an active page: bug_on(); here a CorruptionError.
 * 8. gfree(NULL) reads the word before address 0; here it does nothing, as
 *    the seam asks.
 * 9. alloc_pages of an order over 10 prints its failure and returns NULL,
 *    and a negative order reads before the free-list array; here an order
 *    outside 0..10 throws InvalidArgumentError, as pagepile's does, so that
 *    a replay counts the event invalid. Inside galloc, a chunk needing a pile
 *    over order 10 still fails the original way (the line printed, 0 back).
 *    A galloc size that is not a whole number of bytes (no size_t is)
 *    throws InvalidArgumentError too.
 *
 * Where the seam needs what the original has not:
 * 10. GFP_ZERO is honoured (the original's flags only choose a zone):
 *     alloc_pages zeroes the pile, galloc the chunk's payload, and
 *     slice_alloc reads the pool's flags (one more read than the original)
 *     and zeroes the slice when they ask for it. slice_pool_create does not
 *     pass GFP_ZERO on to the descriptor's page.
 * 11. One zone ("boot", all of RAM); the flags' zone bits (which chose
 *     ZONE_BOOT, ZONE_USER or ZONE_VMAP) are ignored.
 * 12. Slice sizes are rounded up to a multiple of 4, so that every slice is
 *     aligned to 4 (the original uses the size as given).
 * 13. zone->free_pages is kept current: a read and a write in each
 *     alloc_pages and free_pages (the original sets it at boot and never
 *     again). pagesInUse reads it: one bus read.
 * 14. An owner tag in bits 8-15 of struct page's order word, written in the
 *     store that writes the order when a pile is handed out (no extra bus
 *     access); masked off wherever the order is read. Only the audit and the
 *     page map read it, to tell alloc_pages piles, slabs, descriptors and
 *     galloc page chunks apart. There is no free flag: a pile is free when
 *     it is on a free list, as in the original.
 * 15. A pool descriptor also holds an id, the object size asked for and a
 *     name, in its page's room the original leaves unused (a read and 11
 *     writes more in slice_pool_create; a global counter hands out the
 *     ids). galloc's
 *     pools are named galloc-4 to galloc-1024, for their payloads.
 * 16. slice_pool_recycle unlinks the pool from the list of pools before
 *     freeing its page (the original leaves the freed page on the list).
 * 17. gsize, gtaken and gshrink are additions (galloc.c has none of
 *     them): gsize and gtaken read the chunk's header (2 reads), gshrink
 *     shrinks the nine pools.
 * 18. slice_pool_shrink returns the number of pages it gave back (void in
 *     the original).
 * 19. The original keeps its globals (mem_zone[], the list of zones, the
 *     list of pools, galloc_sp[]) in the kernel image and consumes
 *     floor(n * 32 / 4096) + 1 pages for the struct page array; here the
 *     globals (164 bytes) follow the array in the reserved pages, which
 *     takes one page more only when n mod 128 is 123 to 127.
 * 20. No vmalloc: the document left it unwritten; the firmware has no
 *     vmalloc or vfree, and `unsupported` says so.
 * 21. stats, poolStats, audit and pageMap read RAM through the debug port
 *     (no bus cycles): the original has no such counters, and walking its
 *     lists through the bus would charge the firmware for a picture.
 * @module
 */

import type { Design } from "../firmware.ts";
import { bootKoowaldah } from "./boot.ts";

/**
 * The design `koowaldah`: the original Koowaldah allocators, their costs
 * and their waste, for comparison with pagepile's rebuild.
 * @example
 * ```ts
 * import { Board, DESIGNS, GFP_KERNEL } from "@pagepile/pagepile";
 * const design = DESIGNS.find((d) => d.name === "koowaldah")!;
 * const firmware = design.boot(new Board({ ramBytes: 1024 * 1024 }));
 * const chunk = firmware.galloc(GFP_KERNEL, 100); // a 132-byte slot: header and 128 bytes
 * console.log(firmware.gsize(chunk)); // 128
 * console.log(firmware.unsupported); // ["vmalloc"]
 * ```
 */
export const koowaldahDesign: Design = {
  name: "koowaldah",
  summary:
    "the original Koowaldah C allocators: free lists scanned on free, one-page slabs with bitmaps, power-of-two galloc with headers, no vmalloc",
  boot: (board) => bootKoowaldah(board),
};
