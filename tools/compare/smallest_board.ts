/**
 * The smallest board each design needs for a trace: what an engineer sizing
 * a device can rely on. Fitting (the trace replays with no allocation
 * failing) is not monotonic in RAM: a design that fits on 1,484 KiB may fail
 * on 1,512 KiB and fit again on 1,516 KiB, where its piles happen to fall
 * otherwise. So the figure is defined as the least size S such that the
 * design fits on S and on every larger size the board takes (4 KiB steps up
 * to 4 MiB, 4 MiB steps above) up to the board the trace is sized to: any
 * RAM from S up fits. It depends on the design and the trace alone, never on
 * which other designs are compared or in which order probes finish.
 *
 * Found exactly, by probing downward from the sized board, size by size,
 * until the first size that fails: S is the size above it. A probe is a
 * replay that stops at its first failure (cheap below S) and replays the
 * whole trace where it fits (every size from S up, which is what the
 * definition asks to know). Probes of every design share the workers, one
 * per core, largest sizes first; a probe below a size already seen to fail
 * is never started. When the sized board itself fails (a design that needs
 * more than the rule gives), S is the least larger size that fits.
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
 * Finds each design's smallest board (see the module comment), running at
 * most `parallel` probes at once across all of them.
 * @param designs how many designs: the probe is given their index
 * @param sizedBytes the board the trace is sized to (a size the board takes)
 * @param fitsSized for each design, whether it fits on the sized board (its
 *   comparison replay already said)
 * @param probe runs one replay
 * @param parallel probes at once
 * @returns for each design, its smallest board, or null when it fits on no
 *   size up to the largest board
 */
export async function smallestBoards(
  designs: number,
  sizedBytes: number,
  fitsSized: boolean[],
  probe: BoardProbe,
  parallel: number,
): Promise<(number | null)[]> {
  const sizes = boardSizes();
  const sized = sizes.indexOf(sizedBytes);
  if (sized === -1) throw new RangeError(`${sizedBytes} bytes is not a board size`);
  const results = Array.from(
    { length: designs },
    (_, design) => new Search(design, sizes, sized, fitsSized[design]),
  );
  // Workers take the next probe of whichever search has one, round robin,
  // so that every design's largest sizes are probed first.
  let turn = 0;
  const nextProbe = (): { search: Search; index: number } | undefined => {
    for (let tried = 0; tried < results.length; tried++) {
      const search = results[turn++ % results.length];
      const index = search.next();
      if (index !== undefined) return { search, index };
    }
    return undefined;
  };
  const worker = async (): Promise<void> => {
    for (let job = nextProbe(); job !== undefined; job = nextProbe()) {
      const fits = await probe(job.search.design, sizes[job.index]);
      job.search.record(job.index, fits);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, parallel) }, worker));
  return results.map((search) => search.answer());
}

/**
 * One design's scan. Downward from the sized board while it fits there:
 * invariant, every size above `lowestFailure` that was probed fits, and the
 * answer is the size above the highest failure. Upward from it when it does
 * not: the answer is the first size that fits.
 */
class Search {
  readonly design: number;
  readonly #sizes: number[];
  readonly #down: boolean;
  /** The next index to hand out. */
  #cursor: number;
  /** Downward: the highest index seen to fail (-1: none). Upward: the lowest seen to fit. */
  #found: number;
  /** Probes handed out and not yet recorded. */
  #pending = 0;

  constructor(design: number, sizes: number[], sized: number, fitsSized: boolean) {
    this.design = design;
    this.#sizes = sizes;
    this.#down = fitsSized;
    this.#cursor = fitsSized ? sized - 1 : sized + 1;
    this.#found = fitsSized ? -1 : sizes.length;
  }

  /** The index of the next size to probe, or undefined when none is left to ask. */
  next(): number | undefined {
    if (this.#down) {
      // Below a size seen to fail, nothing can be the answer.
      if (this.#cursor < 0 || this.#cursor <= this.#found) return undefined;
      this.#pending++;
      return this.#cursor--;
    }
    if (this.#cursor >= this.#sizes.length || this.#cursor >= this.#found) return undefined;
    this.#pending++;
    return this.#cursor++;
  }

  /** What the probe of the size at `index` found. */
  record(index: number, fits: boolean): void {
    this.#pending--;
    if (this.#down && !fits) this.#found = Math.max(this.#found, index);
    if (!this.#down && fits) this.#found = Math.min(this.#found, index);
  }

  /** The smallest board, once every probe handed out is recorded. */
  answer(): number | null {
    if (this.#pending !== 0) throw new Error("a probe is still running");
    if (this.#down) return this.#sizes[this.#found + 1];
    return this.#found === this.#sizes.length ? null : this.#sizes[this.#found];
  }
}
