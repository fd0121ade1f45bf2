/**
 * How large a board a trace needs: the sizing rule, and a parse-only pass
 * that applies it.
 * @module
 */

import { RAM_MAX_BYTES } from "../../hw/memory_map.ts";
import { LiveBytes } from "../../traces/live_bytes.ts";
import { TraceInputError } from "../../traces/line_reader.ts";
import { readTrace } from "../../traces/trace_reader.ts";

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
 * 16 MiB and at most 1 GiB. It grows with the peak, never shrinks.
 * @param peakLiveBytes the peak (see LiveBytes)
 * @returns the board's RAM in bytes
 * @example
 * ```ts
 * import { boardForPeak } from "./board_size.ts";
 * console.log(boardForPeak(30 * 1024 * 1024) / (1024 * 1024)); // 128
 * ```
 */
export function boardForPeak(peakLiveBytes: number): number {
  let ramBytes = MIN_BOARD_BYTES;
  while (ramBytes < 2 * peakLiveBytes + MIN_BOARD_BYTES && ramBytes < RAM_MAX_BYTES) {
    ramBytes *= 2;
  }
  return ramBytes;
}

/**
 * A trace's board by {@link boardForPeak}, from one parse-only pass that
 * pairs allocations with frees by key, as the replay will (LiveBytes). A
 * trace that breaks off (a truncated gzip stream) is sized from what could
 * be read: the replay reports the break.
 * @param path the trace
 * @returns the board size and the peak it was derived from
 * @throws {TraceInputError} when no event at all could be read
 */
export async function boardSizeForTrace(path: string): Promise<BoardSize> {
  const live = new LiveBytes();
  let events = 0;
  const sink = {
    event(e: Parameters<LiveBytes["event"]>[0]): void {
      events++;
      live.event(e);
    },
    problem(): void {},
    lost(): void {},
  };
  try {
    await readTrace(path, sink);
  } catch (error) {
    if (!(error instanceof TraceInputError) || events === 0) throw error;
  }
  return { ramBytes: boardForPeak(live.peak), peakLiveBytes: live.peak };
}
