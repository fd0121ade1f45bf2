/**
 * What the cache costs a replay in time: the same replay with a data cache
 * on the board and without, alternating within each round, warm in this
 * process and cold as whole `deno task replay` processes. The target (issue
 * 24): with the cache, at most 1.3x the time without.
 *
 * Warm: replayTrace on the board the trace is sized to, check full, after
 * one replay of each to warm up. Cold: `deno task -q replay TRACE` and the
 * same with `--cache SPEC`, each a fresh process (module loading, JIT
 * warm-up), with a remembered board, as a user's second run has.
 * @module
 */

import type { BoardCaches } from "../../hw/board.ts";
import { replayTrace } from "../replay/replay_trace.ts";
import { denoDir } from "./deno_dir.ts";
import { median, timeProcess } from "./process_timing.ts";

/** The target: a replay with the cache takes at most this times the time without. */
export const CACHE_REPLAY_TARGET = 1.3;

/** One trace's medians. */
export interface CacheReplayRow {
  /** The trace, as given. */
  trace: string;
  /** Median seconds of a warm replay without and with the cache, and the median of the rounds' ratios. */
  warm: { without: number; with: number; ratio: number };
  /** The same for whole processes. */
  cold: { without: number; with: number; ratio: number };
}

/**
 * Times each trace's replay without and with `caches`, warm and cold.
 * @param traces trace paths (absolute, or relative to the project's folder for the cold runs)
 * @param options rounds (at least 5 are taken), the caches and their spec as `--cache` takes it,
 *   and a callback after each round
 * @returns a row per trace
 */
export async function cacheReplaySpeed(
  traces: string[],
  options: {
    rounds: number;
    caches: BoardCaches;
    spec: string;
    onRound?: (trace: string, round: number) => void;
  },
): Promise<CacheReplayRow[]> {
  const rounds = Math.max(5, options.rounds);
  const memory = await Deno.makeTempDir();
  const env = { XDG_CACHE_HOME: memory, DENO_DIR: await denoDir() };
  const rows: CacheReplayRow[] = [];
  try {
    for (const trace of traces) {
      const { ramBytes } = await replayTrace(trace, { check: "off" });
      const warm = async (cache: BoardCaches | undefined): Promise<number> => {
        const start = performance.now();
        await replayTrace(trace, { ramBytes, cache });
        return (performance.now() - start) / 1000;
      };
      await warm(undefined);
      await warm(options.caches);
      const times = { warmWithout: [] as number[], warmWith: [] as number[] };
      const cold = { without: [] as number[], with: [] as number[] };
      // The board is remembered before the timed processes, as on a user's second run.
      await timeProcess(["replay", trace], env);
      for (let round = 0; round < rounds; round++) {
        times.warmWithout.push(await warm(undefined));
        times.warmWith.push(await warm(options.caches));
        cold.without.push(await timeProcess(["replay", trace], env));
        cold.with.push(await timeProcess(["replay", trace, "--cache", options.spec], env));
        options.onRound?.(trace, round + 1);
      }
      const ratio = (a: number[], b: number[]): number => median(a.map((x, i) => x / b[i]));
      rows.push({
        trace,
        warm: {
          without: median(times.warmWithout),
          with: median(times.warmWith),
          ratio: ratio(times.warmWith, times.warmWithout),
        },
        cold: {
          without: median(cold.without),
          with: median(cold.with),
          ratio: ratio(cold.with, cold.without),
        },
      });
    }
  } finally {
    await Deno.remove(memory, { recursive: true }).catch(() => {});
  }
  return rows;
}

/**
 * The table of {@link cacheReplaySpeed}'s rows, the target beside the ratios.
 * @param rows the rows
 * @param spec the cache, as `--cache` took it
 * @returns the table's text
 */
export function cacheReplayTable(rows: CacheReplayRow[], spec: string): string {
  const met = (ratio: number): string => ratio <= CACHE_REPLAY_TARGET ? "met" : "NOT met";
  const cell = (ratio: number): string => `${ratio.toFixed(2)} ${met(ratio)}`;
  const seconds = (pair: { without: number; with: number }): string =>
    `${pair.without.toFixed(2)} / ${pair.with.toFixed(2)}`;
  const lines = [
    `9. A replay with --cache ${spec} against the same replay without (target: <= ${CACHE_REPLAY_TARGET}x),`,
    "   warm in this process and cold as whole `deno task replay` processes; seconds: medians",
    `${"trace".padEnd(40)}${"warm s without / with".padStart(24)}${"ratio".padStart(14)}` +
    `${"cold s without / with".padStart(24)}${"ratio".padStart(14)}`,
  ];
  for (const r of rows) {
    lines.push(
      `${r.trace.padEnd(40)}${seconds(r.warm).padStart(24)}${cell(r.warm.ratio).padStart(14)}` +
        `${seconds(r.cold).padStart(24)}${cell(r.cold.ratio).padStart(14)}`,
    );
  }
  lines.push("   (ratios: the median of each round's ratio, its two replays taken moments apart)");
  return lines.join("\n");
}
