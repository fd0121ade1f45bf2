/**
 * The smallest board each design needs for a trace: the least RAM on which
 * the trace replays with no allocation failing. What an engineer sizing a
 * device asks: how much RAM does this workload need with this allocator?
 *
 * Found by search over the sizes the board takes (a multiple of 4 KiB up to
 * 4 MiB, of 4 MiB above, up to 1 GiB): galloping up from the trace's peak of
 * live requested bytes, then bisection. A probe is a replay in a worker
 * that stops at its first failure; the probes of every design share the
 * workers, one per core. Bisection assumes that a board that fits has no
 * smaller board above it that does not; fragmentation could in principle
 * break that, so the answer is the smallest size the search saw fit.
 * @module
 */

import { RAM_MAX_BYTES, RAM_MIN_BYTES } from "../../hw/memory_map.ts";

/** A probe: does the trace replay on design number `design` with `ramBytes`, no allocation failing? */
export type BoardProbe = (design: number, ramBytes: number) => Promise<boolean>;

/** Every RAM size the board takes, ascending. */
export function boardSizes(): number[] {
  const sizes: number[] = [];
  const FINE = 4 * 1024 * 1024;
  for (let bytes = RAM_MIN_BYTES; bytes <= FINE; bytes += 4096) sizes.push(bytes);
  for (let bytes = 2 * FINE; bytes <= RAM_MAX_BYTES; bytes += FINE) sizes.push(bytes);
  return sizes;
}

/**
 * Searches the board sizes for each design, running at most `parallel`
 * probes at once across all of them.
 * @param designs how many designs: the probe is given their index
 * @param floorBytes no board below this can fit (the trace's peak of live
 *   requested bytes): the search starts there
 * @param probe runs one replay
 * @param parallel probes at once
 * @returns for each design, the smallest board it fits on, or null when not
 *   even the largest does
 */
export async function smallestBoards(
  designs: number,
  floorBytes: number,
  probe: BoardProbe,
  parallel: number,
): Promise<(number | null)[]> {
  const sizes = boardSizes();
  let running = 0;
  const waiting: (() => void)[] = [];
  // At most `parallel` probes at once, whichever design they are for.
  const limited = async (design: number, ramBytes: number): Promise<boolean> => {
    if (running >= parallel) await new Promise<void>((go) => waiting.push(go));
    running++;
    try {
      return await probe(design, ramBytes);
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
  const search = async (design: number): Promise<number | null> => {
    // Gallop up from the floor (too small a board fails fast: at its first
    // failure), then bisect. Invariant: sizes[high] fits (or high is one past
    // the end), and every size below `low` is known, or assumed, not to.
    let low = sizes.findIndex((bytes) => bytes >= floorBytes);
    if (low === -1) return null;
    let high = sizes.length;
    for (let step = 1; low < sizes.length; step *= 2) {
      const at = Math.min(low + step - 1, sizes.length - 1);
      if (await limited(design, sizes[at])) {
        high = at;
        break;
      }
      low = at + 1;
    }
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (await limited(design, sizes[mid])) high = mid;
      else low = mid + 1;
    }
    return high === sizes.length ? null : sizes[high];
  };
  return await Promise.all(Array.from({ length: designs }, (_, design) => search(design)));
}
