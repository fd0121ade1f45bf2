/**
 * How large a board a trace needs, found by a parse-only pass.
 * @module
 */

import type { TraceEvent } from "../../traces/trace_event.ts";
import { TraceInputError } from "../../traces/line_reader.ts";
import { readTrace } from "../../traces/trace_reader.ts";
import { PAGE_SIZE, RAM_MAX_BYTES } from "../../hw/memory_map.ts";

const MiB = 1024 * 1024;
/** Smallest board a trace gets. */
const MIN_BOARD_BYTES = 16 * MiB;

/** A board size and why. */
export interface BoardSize {
  /** RAM for the board, in bytes. */
  ramBytes: number;
  /** Peak of live bytes the trace asks for: objects (rounded up to 8) and pages. */
  peakLiveBytes: number;
}

/**
 * The rule: RAM = the next power of two >= 2 × the trace's peak live bytes +
 * 16 MiB (room for fragmentation, slab waste and the firmware), at least
 * 16 MiB and at most 1 GiB. The peak comes from one parse-only pass that
 * pairs allocations with frees by key, as the replay will. A trace that
 * breaks off (a truncated gzip stream) is sized from what could be read: the
 * replay reports the break.
 * @param path the trace
 * @returns the board size and the peak it was derived from
 * @throws {TraceInputError} when no event at all could be read
 */
export async function boardSizeForTrace(path: string): Promise<BoardSize> {
  const pages = new Map<number, number>();
  const objects = new Map<number, number>();
  const areas = new Map<number, number>();
  let live = 0;
  let peak = 0;
  const allocate = (table: Map<number, number>, key: number, bytes: number): void => {
    live += bytes - (table.get(key) ?? 0);
    table.set(key, bytes);
    if (live > peak) peak = live;
  };
  const release = (table: Map<number, number>, key: number): void => {
    live -= table.get(key) ?? 0;
    table.delete(key);
  };
  const sizes = new Map<string, number>();
  let events = 0;
  const sink = {
    event(e: TraceEvent): void {
      events++;
      switch (e.op) {
        case "alloc_pages":
          return allocate(pages, e.key, PAGE_SIZE << e.order);
        case "free_pages":
          return release(pages, e.key);
        case "slice_pool_create":
          sizes.set(e.pool, e.size);
          return;
        case "slice_alloc":
          return allocate(objects, e.key, Math.ceil((sizes.get(e.pool) ?? 0) / 8) * 8);
        case "galloc":
          return allocate(objects, e.key, Math.ceil(e.size / 8) * 8);
        case "slice_free":
        case "gfree":
          return release(objects, e.key);
        case "vmalloc":
          return allocate(areas, e.key, Math.ceil(e.size / PAGE_SIZE) * PAGE_SIZE);
        case "vfree":
          return release(areas, e.key);
      }
    },
    problem(): void {},
    lost(): void {},
  };
  try {
    await readTrace(path, sink);
  } catch (error) {
    if (!(error instanceof TraceInputError) || events === 0) throw error;
  }
  return { ramBytes: boardBytesForPeak(peak), peakLiveBytes: peak };
}

/**
 * The RAM the sizing rule of {@link boardSizeForTrace} gives a peak of live
 * bytes: the next power of two >= 2 × peak + 16 MiB, from 16 MiB to 1 GiB.
 * @param peakLiveBytes the trace's peak of live bytes
 * @returns RAM for the board, in bytes
 * @example
 * ```ts
 * import { boardBytesForPeak } from "./board_size.ts";
 * console.log(boardBytesForPeak(33 * 1024 * 1024) / 1024 / 1024); // 128
 * ```
 */
export function boardBytesForPeak(peakLiveBytes: number): number {
  let ramBytes = MIN_BOARD_BYTES;
  while (ramBytes < 2 * peakLiveBytes + MIN_BOARD_BYTES && ramBytes < RAM_MAX_BYTES) ramBytes *= 2;
  return ramBytes;
}
