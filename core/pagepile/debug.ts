/**
 * The firmware's debug options, after SLUB's: red zones around slices, poison
 * in freed slices and pages, an owner tag per slice. Off by default; on for a
 * whole kernel with `boot(board, { debug: true })` (every caller and generic
 * class pool, and page poisoning), or for one pool with
 * `slice_pool_create(flags, size, { debug: true })`.
 *
 * A debug slot is laid out as
 * ```
 * red zone (8 bytes)   object (obj_size rounded up to 4)   red zone (8 bytes)   owner tag (4 bytes)
 * ```
 * and the slice handed out is the object, 8 bytes into the slot. Both red
 * zones hold RED_ACTIVE while the slice is live and RED_INACTIVE while it is
 * free, but for the slot's first word, which then holds the free-list link; a
 * freed object holds POISON_FREE. Every check reads through the bus, so its cost shows in the
 * bus cycles. What a check finds is printed on the console (as SLUB prints to
 * the kernel log), counted in the globals, and repaired; the call goes on.
 * @module
 */

import type { Board } from "../../hw/board.ts";
import { CONSOLE_TX } from "../../hw/console_uart.ts";
import { CONSOLE_BASE } from "../../hw/memory_map.ts";
import { add32 } from "../counters.ts";
import { G_DEBUG_REPORTS } from "./layout.ts";

/** What a freed object and a free page hold: bytes of 0x6b. */
export const POISON_FREE = 0x6B6B_6B6B;
/** A live slice's red zone: bytes of 0xcc. */
export const RED_ACTIVE = 0xCCCC_CCCC;
/** A free slice's red zone: bytes of 0xbb. */
export const RED_INACTIVE = 0xBBBB_BBBB;
/** Bytes of red zone before and after each object. */
export const RED_ZONE_BYTES = 8;
/** Pool flag, in the record's gfp word beside the GFP bits: red zones, poison and owner tags. */
export const SLAB_DEBUG = 0x1_0000;
/** struct page flag of every page of a debug pool's slab (bits 8-15 are free for owners). */
export const PG_SLAB_DEBUG = 1 << 8;

/** Where things are in a debug slot, in bytes from its start. */
export interface DebugSlot {
  /** The object (the slice handed out); the left red zone is before it. */
  object: number;
  /** Usable bytes of the object. */
  objectBytes: number;
  /** The right red zone. */
  right: number;
  /** The owner tag. */
  tag: number;
  /** The slot's bytes, before rounding to the slot alignment. */
  bytes: number;
}

/** The layout of a debug slot for objects of `objSize` bytes. */
export function debugSlot(objSize: number): DebugSlot {
  const objectBytes = Math.ceil(objSize / 4) * 4;
  const right = RED_ZONE_BYTES + objectBytes;
  return {
    object: RED_ZONE_BYTES,
    objectBytes,
    right,
    tag: right + RED_ZONE_BYTES,
    bytes: right + RED_ZONE_BYTES + 4,
  };
}

/**
 * Reads `words` words from `addr` through the bus and returns the address of
 * the first byte that differs from `want`'s, or -1.
 */
export function firstBadByte(bus: Board, addr: number, words: number, want: number): number {
  for (let i = 0; i < words; i++) {
    const word = bus.read32(addr + i * 4);
    if (word !== want) {
      for (let b = 0; b < 4; b++) {
        if (((word ^ want) >>> (b * 8)) & 0xFF) return addr + i * 4 + b;
      }
    }
  }
  return -1;
}

/**
 * Prints a debug report on the console, "pagepile: BUG " and `text`, and
 * counts it in the globals.
 */
export function reportBug(bus: Board, globals: number, text: string): void {
  for (const byte of new TextEncoder().encode(`pagepile: BUG ${text}\n`)) {
    bus.write32(CONSOLE_BASE + CONSOLE_TX, byte);
  }
  add32(bus, globals + G_DEBUG_REPORTS, 1);
}

/** An owner tag as reports print it. */
export function ownerText(tag: number): string {
  return `owner #${tag}`;
}
