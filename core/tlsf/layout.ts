/**
 * Record layouts of the TLSF design's state in board RAM, declared once.
 * Everything below lives in pages that pagepile's page allocator handed out;
 * the firmware object keeps only the control block's address.
 *
 * control block (CONTROL_BYTES = 0x7D0), in one page taken at boot; the rest
 * of that page is unused:
 * ```
 * 0x000 first-level bitmap: bit f set iff second-level bitmap f is not 0
 * 0x004 first heap area's sentinel (the list of areas, newest first)
 * 0x008 first pool record (the list of pools, newest first)
 * 0x00C id the next pool created gets
 * 0x010 second-level bitmaps, FL_COUNT words: bit s of word f set iff list
 *       (f, s) is not empty
 * 0x050 list heads, LIST_COUNT words: the first free block of list
 *       f * SL_COUNT + s, 0 when the list is empty
 * ```
 *
 * heap area: a pile of 2^order pages, its blocks before a sentinel that
 * also holds the area's record:
 * ```
 * area + 0x00            the first block (its prev-phys word is never used:
 *                        no block lies below it, so PREV_FREE stays clear)
 * ...                    blocks, each starting where the one before ends
 * area + bytes - 0x18    the sentinel: a block of size 0, never free, so that
 *                        the last block's next neighbour is a used block
 *                        0x00 prev-phys   0x04 size word (0 | PREV_FREE)
 *                        0x08 next area's sentinel   0x0C previous area's, 0 at the head
 *                        0x10 bytes of the area   0x14 unused
 * ```
 * The list of areas links their sentinels, so that a free which reaches the
 * sentinel finds the area's size there, and can unlink the area in O(1).
 * Areas are 2^MIN_AREA_ORDER pages, or the fewest that hold a larger block,
 * or, when memory is short, fewer.
 *
 * block (8-byte aligned; its size, the bytes from its start to the next
 * block's start, is a multiple of 8 and at least MIN_BLOCK):
 * ```
 * 0x00 prev-phys   the block just below, valid only when PREV_FREE is set:
 *                  the boundary tag, stored in the last word of that free
 *                  block (a used block's last usable word is the prev-phys
 *                  word of the block above it)
 * 0x04 size word   size | FREE (bit 0) | PREV_FREE (bit 1)
 * 0x08 payload     what galloc returns, size - 4 usable bytes (up to and
 *                  including the next block's prev-phys word); a free block
 *                  keeps its links here:
 *                  0x08 next free block on its list   0x0C previous, 0 at the head
 * ```
 * Invariants (audit() checks them): the blocks tile each area from its first
 * block to its sentinel; a block's PREV_FREE bit says whether the block below
 * is free, and then its prev-phys word points at it; no two free blocks
 * touch (free merges them at once); every free block is on the list its
 * size maps to (size_index.ts) and on no other; a second-level bit is set
 * iff its list is not empty, a first-level bit iff its bitmap is not 0.
 *
 * pool record (POOL_BYTES = 0x38), the payload of a heap block:
 * ```
 * 0x00 id   0x04 object size   0x08 gfp flags given at creation
 * 0x0C live slices   0x10 next pool   0x14 previous pool, 0 at the head
 * 0x18 name: up to 32 bytes of ASCII, NUL-padded
 * ```
 * @module
 */

import { MAX_ORDER } from "../pagepile/layout.ts";
import { PAGE_SIZE } from "../../hw/memory_map.ts";

/** log2 of the number of second-level lists per first level. */
export const SL_LOG2 = 5;
/** Second-level lists per first level: 32, one bit each in a bitmap word. */
export const SL_COUNT = 1 << SL_LOG2;
/** log2 of ALIGN. */
export const ALIGN_LOG2 = 3;
/** Blocks, payloads and block sizes are aligned to this. */
export const ALIGN = 1 << ALIGN_LOG2;
/** log2 of SMALL_BLOCK. */
export const FL_SHIFT = SL_LOG2 + ALIGN_LOG2;
/**
 * Sizes below this (256) map linearly to first level 0, one list per 8
 * bytes (SL_COUNT lists of ALIGN bytes); from it on, a size's first level
 * is its highest bit's position - FL_SHIFT + 1.
 */
export const SMALL_BLOCK = 1 << FL_SHIFT;

/** Bytes a used block adds to what its caller may use: its size word. */
export const BLOCK_OVERHEAD = 4;
/** The smallest block: a size word, two free-list links, and the next block's prev-phys word. */
export const MIN_BLOCK = 16;

/** block: the block below, when it is free (lives in that block's last word). */
export const B_PREV_PHYS = 0x00;
/** block: size | FREE | PREV_FREE. */
export const B_SIZE = 0x04;
/** block: first payload byte; of a free block, its next free block. */
export const B_PAYLOAD = 0x08;
/** free block: next free block on its list. */
export const B_NEXT_FREE = 0x08;
/** free block: previous free block on its list, 0 at the head. */
export const B_PREV_FREE = 0x0C;
/** size word bit: the block is free. */
export const FREE = 1;
/** size word bit: the block below is free. */
export const PREV_FREE = 2;
/** The size bits of a size word. */
export const SIZE_MASK = ~(FREE | PREV_FREE);

/** sentinel: next area's sentinel. */
export const S_NEXT = 0x08;
/** sentinel: previous area's sentinel, 0 at the head. */
export const S_PREV = 0x0C;
/** sentinel: bytes of its area. */
export const S_BYTES = 0x10;
/** Bytes of the sentinel block with the area's record: the bytes of an area no block spans. */
export const AREA_OVERHEAD = 0x18;
/** Areas are at least 2^4 pages (64 KiB), unless memory is short. */
export const MIN_AREA_ORDER = 4;
/**
 * An area of more bytes than this goes back to the page allocator as soon
 * as it is wholly free; smaller ones wait for gshrink.
 */
export const MIN_AREA_BYTES = PAGE_SIZE << MIN_AREA_ORDER;
/** The largest area: the page allocator's largest pile. */
export const MAX_AREA_BYTES = PAGE_SIZE << MAX_ORDER;
/** The largest block: one spanning the largest area. */
export const MAX_BLOCK = MAX_AREA_BYTES - AREA_OVERHEAD;

/** First levels: 0 up to the largest block's (14 for 4 MiB areas). */
export const FL_COUNT = (31 - Math.clz32(MAX_BLOCK)) - FL_SHIFT + 2;
/** Free lists, FL_COUNT × SL_COUNT. */
export const LIST_COUNT = FL_COUNT * SL_COUNT;

/** control: first-level bitmap. */
export const C_FL_BITMAP = 0x000;
/** control: first heap area's sentinel. */
export const C_AREAS = 0x004;
/** control: first pool record. */
export const C_POOLS = 0x008;
/** control: id of the next pool. */
export const C_NEXT_POOL_ID = 0x00C;
/** control: second-level bitmaps, a word per first level. */
export const C_SL_BITMAPS = 0x010;
/** control: list heads, a word per list. */
export const C_HEADS = 0x050;
/** Bytes of the control block. */
export const CONTROL_BYTES = C_HEADS + LIST_COUNT * 4;

/** pool: id. */
export const P_ID = 0x00;
/** pool: object size asked for. */
export const P_OBJ_SIZE = 0x04;
/** pool: gfp flags given at creation (GFP_ZERO: zero every slice). */
export const P_GFP = 0x08;
/** pool: slices handed out and not freed. */
export const P_LIVE = 0x0C;
/** pool: next pool. */
export const P_NEXT = 0x10;
/** pool: previous pool, 0 at the head. */
export const P_PREV = 0x14;
/** pool: name, NUL-padded ASCII. */
export const P_NAME = 0x18;
/** Longest pool name kept, in bytes. */
export const POOL_NAME_BYTES = 32;
/** Bytes of a pool record. */
export const POOL_BYTES = P_NAME + POOL_NAME_BYTES;
