/**
 * The design `tlsf`: two-level segregated fit (Masmano, Ripoll, Crespo and
 * Real, ECRTS 2004), the allocator real-time systems use because every call
 * is O(1), laid out as the reference implementation lays it out
 * (github.com/mattconte/tlsf) and run on the bus. The records are drawn in
 * layout.ts, the size-to-list map is size_index.ts, the algorithm heap.ts.
 *
 * ## What serves what
 * - galloc, gfree, gsize: blocks of the TLSF heap. A block carries one
 *   4-byte size word with the FREE and PREV_FREE bits; the boundary tag (the
 *   block below's address) lives in the last word of that block, and only
 *   while it is free. Payloads are 8-aligned, so a block takes the request
 *   plus 4 bytes, rounded up to 8 (at least 16): gsize is the block less its
 *   size word, gtaken the block.
 * - Slice pools: each slice is a heap block of the pool's object size, and a
 *   pool is a record in a heap block. Not slabs carved from heap blocks,
 *   because slice_free would have to find a slice's slab: through a word per
 *   slice (what the size word costs already, so nothing saved) or by
 *   aligning slabs to their size (which TLSF gives only by over-allocating,
 *   as tlsf_memalign does); and slabs bring back what a heap does without:
 *   partial and empty slab lists per pool, empty slabs held until a shrink,
 *   slab tails. As blocks, slices cost what galloc costs, bounded the same
 *   way, and a freed slice merges back into the heap at once, so a pool
 *   holds nothing beyond its live slices and slice_pool_shrink has nothing to
 *   do. The price: the size word and the rounding to 8 on every slice
 *   (a slab has neither). Slices are 8-aligned, not aligned to a
 *   power-of-two size.
 * - Pages and vmalloc: pagepile's own, plainly. The design boots pagepile's
 *   Kernel on the board and calls its public methods only: alloc_pages,
 *   free_pages, page_to_addr and addr_to_page, vmalloc and vfree pass
 *   through; gshrink calls pagepile's first (its vmalloc's pools and tree).
 *   The heap takes its pages from the same Kernel: the control block one
 *   page at boot, areas with get_pages, given back with put_pages.
 *
 * ## Growth, shrinking and large requests
 * When no free block fits, the heap takes an area from the page allocator:
 * 2^MIN_AREA_ORDER pages (64 KiB), or the fewest pages that hold the block
 * when it is larger, up to 2^10 pages (4 MiB), as one pile; when the page
 * allocator has no such pile, smaller ones down to the fewest. The area is
 * one free block before a sentinel (areas are not contiguous, so blocks
 * never merge across them). There is no separate path for large requests:
 * a request of ~1 MB is a heap block like any other, searched for on the
 * lists first; when the heap grows for it, its area is the fewest pages
 * that hold it (the rest of the pile is a free block for others). An area of
 * more than 64 KiB goes back to the page allocator as soon as a free leaves
 * it wholly free, so a large block holds pages only while it lives (as
 * pagepile's large blocks do); areas of 64 KiB or less wait for gshrink, so
 * that a block allocated and freed over and over at an area's edge does not
 * take and give back a pile each time. A request over 4 MiB less 28 bytes
 * gets 0. From 256 bytes on, a request is rounded up to the next list
 * boundary (less than 1/32 more) so that any block on the list found fits:
 * TLSF's good fit, which may pass over a block of the request's own list
 * that would have fitted, and grow instead.
 *
 * ## Worst-case bus accesses per call
 * Every access is to RAM (RAM_ACCESS_CYCLES = 2 cycles each). The pieces:
 * finding a list reads the request's second-level bitmap (1), and when that
 * is empty from the request's list on, the first-level bitmap and the
 * second-level bitmap of the level found (2), then the list's head (1): at
 * most 4. Taking a block off a list reads its two links (2) and writes its
 * neighbour's link or the list head (1 or 2); when it was alone, the head
 * (1) and its second-level bitmap (2), and when that empties its level, the
 * first-level bitmap (2): at most 7. Putting a block on a list reads the head
 * (1), writes the block's links (2) and the old head's back link or, on an
 * empty list, the head and both bitmaps: at most 8.
 * ```
 * call                 accesses  of which
 * galloc                     23  find 4, take off 7, its size word 1, split
 *                                (size words of both parts, the boundary tag
 *                                above) 3, the rest on a list 8; unsplit: 15
 * gfree                      31  its size word 1, the next block's 1, take
 *                                that off 7, the boundary tag and the block
 *                                below's size word 2, take that off 7, the
 *                                size word above the merged block 1 (and,
 *                                when it is the sentinel, the area's size 1),
 *                                the merged block's size word and the one
 *                                above's with its tag 3, on a list 8
 * gsize, gtaken               1  the size word
 * slice_alloc                27  object size 1, galloc's 23, live count 2,
 *                                the pool's gfp flags 1
 * slice_free                 33  gfree's 31, live count 2
 * slice_pool_create          42  galloc's 23 for the record, next id 2,
 *                                4 fields, the name 8, on the pool list 5
 * slice_pool_recycle         36  live count 1, off the pool list 4, gfree's 31
 * slice_pool_shrink           0
 * ```
 * GFP_ZERO adds a write per 4 bytes asked for (galloc, and slice_alloc of a
 * pool created with it). Neither the heap's size nor its number of free
 * blocks enters any figure: tests/tlsf_test.ts asserts galloc's 23, gfree's
 * 31, slice_alloc's 27 and slice_free's 33 as the maxima over calls of every
 * kind on a fragmented heap of 10 and of 10,000 free blocks.
 *
 * Apart, the calls that grow or shrink the heap, which also call pagepile's
 * page allocator (whose get_pages and put_pages are O(MAX_ORDER): see
 * core/pagepile/page_alloc.ts and tests/page_alloc_cycles_test.ts):
 * ```
 * call                 accesses  and page allocator calls
 * galloc, growing            23  a search that misses 2 (0 for a rounded
 *                                size past the last list), the area on the
 *                                area list 5, its size 1, the free block and
 *                                the sentinel 3, size word, split and the
 *                                rest on a list 12; and get_pages once, or,
 *                                when memory is short, up to 5 times (orders
 *                                4 down to 0)
 * slice_alloc, growing       27  the same, and slice_alloc's 4
 * slice_pool_create, growing 42  the same, and slice_pool_create's 19
 * gfree, giving an area back 24  gfree's reads up to the area's size 20, the
 *                                area off the area list 4; and put_pages once
 * slice_free, giving back    26  the same, and the live count 2
 * slice_pool_recycle, giving 29  the same, and recycle's 5
 * gshrink                O(areas)  pagepile's gshrink; the list head 1 and 3
 *                                per area; per wholly free area 7 + 4 and
 *                                put_pages once
 * ```
 * alloc_pages, free_pages, page_to_addr, addr_to_page, vmalloc and vfree
 * cost exactly what they cost in pagepile.
 *
 * ## What it does not do
 * It trusts its callers, as the reference TLSF does: a double free or a
 * foreign address corrupts the heap, and audit() then says where. It refuses
 * a pool recycled with live slices (PoolBusyError) and sizes that are no
 * sizes (InvalidArgumentError). The zone bits of galloc's flags are ignored:
 * there is one heap. It has no debug options: `debug` is ignored.
 * stats, poolStats, audit and pageMap read the heap through the debug port
 * (no bus cycles); the page figures and pagesInUse are pagepile's, in which
 * the heap's areas and its control page are pages in use.
 * @module
 */

import type { Design } from "../firmware.ts";
import { GFP_KERNEL } from "../gfp.ts";
import { boot } from "../pagepile/boot.ts";
import { TlsfKernel } from "./kernel.ts";

/**
 * The design `tlsf`: the generic allocator and slice pools on a
 * two-level-segregated-fit heap, every call a bounded number of bus
 * accesses; pages and vmalloc from pagepile.
 * @example
 * ```ts
 * import { Board, GFP_KERNEL, tlsfDesign } from "@pagepile/pagepile";
 * const firmware = tlsfDesign.boot(new Board({ ramBytes: 1024 * 1024 }));
 * const block = firmware.galloc(GFP_KERNEL, 100); // a 104-byte block: its size word and 100 bytes
 * console.log(firmware.gsize(block), firmware.gtaken!(block)); // 100 104
 * firmware.gfree(block);
 * console.log(firmware.audit()); // []
 * ```
 */
export const tlsfDesign: Design = {
  name: "tlsf",
  summary:
    "two-level segregated fit: O(1) galloc and slices on one heap with boundary tags; pages and vmalloc from pagepile",
  boot(board) {
    const kernel = boot(board);
    const control = kernel.get_pages(GFP_KERNEL, 0);
    if (control === 0) throw new Error("tlsf: no page for the control block");
    return new TlsfKernel(kernel, control);
  },
};
