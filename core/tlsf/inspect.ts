/**
 * The TLSF heap read through the board's debug port (no bus cycles, so a
 * look changes neither its state nor its timing): its areas, and the audit
 * of every invariant layout.ts states, as tlsf_check and tlsf_check_pool do
 * in the reference implementation.
 * @module
 */

import type { Board } from "../../hw/board.ts";
import { hex32 } from "../../hw/hex.ts";
import { PAGE_SIZE } from "../../hw/memory_map.ts";
import {
  AREA_OVERHEAD,
  B_NEXT_FREE,
  B_PAYLOAD,
  B_PREV_FREE,
  B_PREV_PHYS,
  B_SIZE,
  C_AREAS,
  C_FL_BITMAP,
  C_HEADS,
  C_POOLS,
  C_SL_BITMAPS,
  FL_COUNT,
  FREE,
  MAX_AREA_BYTES,
  MIN_BLOCK,
  P_NEXT,
  P_PREV,
  PREV_FREE,
  S_BYTES,
  S_NEXT,
  S_PREV,
  SIZE_MASK,
  SL_COUNT,
} from "./layout.ts";
import { listOf } from "./size_index.ts";

/** A heap area, as its sentinel describes it. */
export interface HeapArea {
  /** Its first byte, a pile's address. */
  start: number;
  /** Its bytes. */
  bytes: number;
  /** Its sentinel block, which holds its record. */
  sentinel: number;
}

/**
 * The heap's areas, newest first. A list that does not end within as many
 * steps as RAM has pages is cut there (the audit reports it).
 * @param board the board
 * @param control the control block's address
 * @returns the areas
 */
export function heapAreas(board: Board, control: number): HeapArea[] {
  const areas: HeapArea[] = [];
  const most = board.ramBytes / PAGE_SIZE;
  let sentinel = board.debugRead32(control + C_AREAS);
  while (sentinel > 0 && areas.length < most) {
    const bytes = board.debugRead32(sentinel + S_BYTES);
    areas.push({ start: sentinel + AREA_OVERHEAD - bytes, bytes, sentinel });
    sentinel = board.debugRead32(sentinel + S_NEXT);
  }
  return areas;
}

/**
 * Checks the heap: each area a pile of pages, tiled by blocks from
 * its first block to its sentinel; boundary tags and PREV_FREE bits right;
 * no two free blocks touching; every free block on the list its size maps
 * to, exactly once; the bitmaps matching the lists; the pool list linked
 * both ways through used blocks.
 * @param board the board
 * @param control the control block's address
 * @returns a description of each broken invariant
 */
export function auditHeap(board: Board, control: number): string[] {
  const problems: string[] = [];
  const read = (addr: number): number => board.debugRead32(addr);
  /** The list each free block found by walking the areas must be on. */
  const freeBlocks = new Map<number, number>();
  const areas = heapAreas(board, control);
  const last = areas.at(-1);
  if (last !== undefined && read(last.sentinel + S_NEXT) !== 0) {
    problems.push("the list of areas loops or leaves RAM");
  }
  let prev = 0;
  for (const { start, bytes, sentinel } of areas) {
    if (read(sentinel + S_PREV) !== prev) problems.push(`area ${hex32(start)}: wrong link back`);
    prev = sentinel;
    // A pile: a power-of-two number of pages, at a page boundary.
    if (
      start % PAGE_SIZE !== 0 || bytes < PAGE_SIZE || bytes > MAX_AREA_BYTES ||
      (bytes & (bytes - 1)) !== 0
    ) {
      problems.push(`area ${hex32(start)}: ${bytes} bytes at a bad place or of a bad size`);
      continue;
    }
    walkArea(read, start, sentinel, freeBlocks, problems);
  }
  auditLists(read, control, freeBlocks, problems);
  for (const [block] of freeBlocks) {
    problems.push(`free block ${hex32(block)} is on no free list`);
  }
  auditPools(read, control, problems);
  return problems;
}

/** Walks one area block by block, noting its free blocks with the list each belongs on. */
function walkArea(
  read: (addr: number) => number,
  start: number,
  sentinel: number,
  freeBlocks: Map<number, number>,
  problems: string[],
): void {
  let [below, belowFree] = [0, false];
  let block = start;
  while (block < sentinel) {
    const word = read(block + B_SIZE);
    const size = word & SIZE_MASK;
    const free = (word & FREE) !== 0;
    if (size < MIN_BLOCK || size % 8 !== 0 || block + size > sentinel) {
      problems.push(`block ${hex32(block)} in area ${hex32(start)} has a bad size, ${size}`);
      return;
    }
    checkBelow(read, block, word, below, belowFree, problems);
    if (free && belowFree) problems.push(`free blocks ${hex32(below)} and ${hex32(block)} touch`);
    if (free) freeBlocks.set(block, listOf(size));
    [below, belowFree] = [block, free];
    block += size;
  }
  const word = read(sentinel + B_SIZE);
  if ((word & ~PREV_FREE) !== 0) {
    problems.push(`area ${hex32(start)}: the sentinel is ${hex32(word)}, not a used block of 0`);
  }
  checkBelow(read, sentinel, word, below, belowFree, problems);
}

/** Checks a block's PREV_FREE bit and, when set, its boundary tag against the block below. */
function checkBelow(
  read: (addr: number) => number,
  block: number,
  word: number,
  below: number,
  belowFree: boolean,
  problems: string[],
): void {
  if (((word & PREV_FREE) !== 0) !== belowFree) {
    problems.push(`block ${hex32(block)}: PREV_FREE ${belowFree ? "clear" : "set"} wrongly`);
  } else if (belowFree && read(block + B_PREV_PHYS) !== below) {
    problems.push(`block ${hex32(block)}: its boundary tag is not ${hex32(below)}`);
  }
}

/**
 * Walks every free list: each block on it free, mapped to it, linked back,
 * seen once (taken out of `freeBlocks`); each bitmap bit set iff its list or
 * bitmap is not empty.
 */
function auditLists(
  read: (addr: number) => number,
  control: number,
  freeBlocks: Map<number, number>,
  problems: string[],
): void {
  const flMap = read(control + C_FL_BITMAP);
  if (flMap >>> FL_COUNT !== 0) {
    problems.push(`first-level bitmap ${hex32(flMap)}: bits past the last level`);
  }
  for (let fl = 0; fl < FL_COUNT; fl++) {
    const slMap = read(control + C_SL_BITMAPS + fl * 4);
    if (((flMap >>> fl) & 1) !== (slMap !== 0 ? 1 : 0)) {
      problems.push(`first-level bit ${fl} does not match second-level bitmap ${hex32(slMap)}`);
    }
    for (let sl = 0; sl < SL_COUNT; sl++) {
      const list = fl * SL_COUNT + sl;
      let block = read(control + C_HEADS + list * 4);
      if (((slMap >>> sl) & 1) !== (block !== 0 ? 1 : 0)) {
        problems.push(`list ${fl}/${sl}: its bit does not match its head ${hex32(block)}`);
      }
      let prev = 0;
      while (block !== 0) {
        if (freeBlocks.get(block) !== list) {
          problems.push(`list ${fl}/${sl} holds ${hex32(block)}, no free block of its sizes`);
          break;
        }
        freeBlocks.delete(block);
        if (read(block + B_PREV_FREE) !== prev) {
          problems.push(`free block ${hex32(block)}: wrong link to the one before on its list`);
        }
        [prev, block] = [block, read(block + B_NEXT_FREE)];
      }
    }
  }
}

/** Walks the pools: each record the payload of a used block, linked back to the one before. */
function auditPools(read: (addr: number) => number, control: number, problems: string[]): void {
  let prev = 0;
  const seen = new Set<number>();
  for (let record = read(control + C_POOLS); record !== 0; record = read(record + P_NEXT)) {
    if (seen.has(record) || record < 0) {
      problems.push(`the list of pools loops or leaves RAM at ${hex32(record)}`);
      return;
    }
    seen.add(record);
    if ((read(record - B_PAYLOAD + B_SIZE) & FREE) !== 0) {
      problems.push(`pool record ${hex32(record)} is in a free block`);
    }
    if (read(record + P_PREV) !== prev) problems.push(`pool ${hex32(record)}: wrong link back`);
    prev = record;
  }
}
