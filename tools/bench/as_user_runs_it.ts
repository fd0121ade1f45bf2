/**
 * The benchmark "As a user runs it": whole `deno task` processes, as a user
 * types them, timed from start to exit: `floor` (the least work reading the
 * trace cannot do without: see trace_floor.ts), `parse` (reading the trace
 * as a replay reads it, and nothing else), `replay` with its defaults the first time (no
 * board remembered for the trace) and again (its board remembered: see
 * board_memory.ts), `replay --check off`, `replay --report FILE`, and
 * `compare` with its default designs. Each round empties the remembered
 * boards (kept in a folder of the benchmark's own, not the user's) and runs
 * every contender once, in turn; a ratio is taken within each round and the
 * table shows the median of the rounds' ratios and times. Every process is
 * new (cold: module loading and JIT warm-up are paid each time); Deno's
 * cache of compiled modules is warm, as it is for a user after the first run.
 * @module
 */

import { denoDir } from "./deno_dir.ts";
import { median, timeProcess } from "./process_timing.ts";

/** Designs `deno task compare` replays by default. */
export const COMPARE_DESIGNS = 3;

/** The contenders of one round, by name. */
const CONTENDERS = ["floor", "parse", "first", "replay", "off", "report", "compare"] as const;
type Contender = typeof CONTENDERS[number];

/** One trace's medians. */
export interface UserRunRow {
  /** The trace, as given. */
  trace: string;
  /** Median seconds of each contender's process. */
  seconds: Record<Contender, number>;
  /** Medians of the rounds' ratios: parse ÷ floor, replay ÷ floor. */
  parseFloorRatio: number;
  /** See parseFloorRatio. */
  replayFloorRatio: number;
  /** Medians of the rounds' ratios: first replay ÷ parse, replay ÷ parse, off ÷ parse. */
  firstRatio: number;
  /** See firstRatio. */
  replayRatio: number;
  /** See firstRatio. */
  offRatio: number;
  /** Median of (report − replay) ÷ replay. */
  reportExtra: number;
  /** Median of compare ÷ (⌈designs ÷ cores⌉ × replay). */
  compareRatio: number;
}

/** The targets, as the issue states them. */
export const USER_RUN_TARGETS = {
  parseFloorRatio: 1.3,
  replayRatio: 1.5,
  offRatio: 1.3,
  reportExtra: 0.2,
  compareRatio: 1.3,
};

/**
 * Times each contender on each trace.
 * @param traces the traces (paths as a user would give them)
 * @param rounds rounds per trace (at least 5 for the table's medians)
 * @param withCompare whether to time `compare` too (it is the slowest)
 * @param onRound called after each round, with the trace and the round's number
 * @returns a row per trace
 */
export async function userRuns(
  traces: string[],
  rounds: number,
  withCompare: boolean,
  onRound?: (trace: string, round: number) => void,
): Promise<UserRunRow[]> {
  const cores = navigator.hardwareConcurrency ?? 1;
  const roundCount = Math.max(1, rounds);
  const report = await Deno.makeTempFile({ suffix: ".html" });
  const cache = await Deno.makeTempDir();
  const env = { XDG_CACHE_HOME: cache, DENO_DIR: await denoDir() };
  const rows: UserRunRow[] = [];
  try {
    for (const trace of traces) {
      const times: Record<Contender, number[]> = {
        floor: [],
        parse: [],
        first: [],
        replay: [],
        off: [],
        report: [],
        compare: [],
      };
      for (let round = 0; round < roundCount; round++) {
        await Deno.remove(`${cache}/pagepile`, { recursive: true }).catch(() => {});
        for (const contender of CONTENDERS) {
          if (contender === "compare" && !withCompare) continue;
          times[contender].push(await timeProcess(command(contender, trace, report), env));
        }
        onRound?.(trace, round + 1);
      }
      const perRound = (f: (round: number) => number): number =>
        median(times.parse.map((_, round) => f(round)));
      const compareRounds = Math.ceil(COMPARE_DESIGNS / cores);
      rows.push({
        trace,
        seconds: {
          floor: median(times.floor),
          parse: median(times.parse),
          first: median(times.first),
          replay: median(times.replay),
          off: median(times.off),
          report: median(times.report),
          compare: withCompare ? median(times.compare) : NaN,
        },
        parseFloorRatio: perRound((r) => times.parse[r] / times.floor[r]),
        replayFloorRatio: perRound((r) => times.replay[r] / times.floor[r]),
        firstRatio: perRound((r) => times.first[r] / times.parse[r]),
        replayRatio: perRound((r) => times.replay[r] / times.parse[r]),
        offRatio: perRound((r) => times.off[r] / times.parse[r]),
        reportExtra: perRound((r) => (times.report[r] - times.replay[r]) / times.replay[r]),
        compareRatio: withCompare
          ? perRound((r) => times.compare[r] / (compareRounds * times.replay[r]))
          : NaN,
      });
    }
  } finally {
    await Deno.remove(report).catch(() => {});
    await Deno.remove(cache, { recursive: true }).catch(() => {});
  }
  return rows;
}

/** The `deno task` arguments of a contender. */
function command(contender: Contender, trace: string, report: string): string[] {
  switch (contender) {
    case "floor":
      return ["floor", trace];
    case "parse":
      return ["parse", trace];
    case "first":
    case "replay":
      return ["replay", trace];
    case "off":
      return ["replay", trace, "--check", "off"];
    case "report":
      return ["replay", trace, "--report", report];
    case "compare":
      return ["compare", trace];
  }
}

/**
 * The table of {@link userRuns}' rows, targets beside the figures.
 * @param rows the rows
 * @param rounds the rounds they are medians of
 * @returns the table's text
 */
export function userRunsTable(rows: UserRunRow[], rounds: number): string {
  const cores = navigator.hardwareConcurrency ?? 1;
  const t = USER_RUN_TARGETS;
  const mark = (value: number, target: number): string =>
    Number.isNaN(value) ? "   " : value <= target ? " ok" : " NO";
  const width = Math.max(44, ...rows.map((r) => r.trace.length + 2));
  const lines = [
    `7. As a user runs it: whole \`deno task\` processes, cold, medians of ${rounds} alternated rounds`,
    `   (seconds; ratios within each round: parse and replay to the floor (deno task floor);`,
    `   replay the first time (no board remembered for the trace), again, and with --check off`,
    `   to parse; --report's extra time to replay's; compare`,
    `   of ${COMPARE_DESIGNS} designs on ${cores} cores to ${
      Math.ceil(COMPARE_DESIGNS / cores)
    } x replay)`,
    `${"trace".padEnd(width)}${"floor".padStart(7)}${"parse".padStart(16)}` +
    `${"replay/floor".padStart(13)}${"replay, first".padStart(16)}` +
    `${"replay".padStart(16)}${"--check off".padStart(16)}` +
    `${"--report".padStart(16)}${"compare".padStart(17)}`,
    `${"targets".padEnd(width)}${"".padStart(7)}${`<= ${t.parseFloorRatio}x`.padStart(16)}` +
    `${"".padStart(13)}${`<= ${t.replayRatio}x`.padStart(16)}` +
    `${`<= ${t.replayRatio}x`.padStart(16)}` +
    `${`<= ${t.offRatio}x`.padStart(16)}${`<= +${t.reportExtra * 100}%`.padStart(16)}` +
    `${`<= ${t.compareRatio}x`.padStart(17)}`,
  ];
  for (const r of rows) {
    const s = r.seconds;
    lines.push(
      `${r.trace.padEnd(width)}${s.floor.toFixed(2).padStart(7)}` +
        `${`${s.parse.toFixed(2)} ${r.parseFloorRatio.toFixed(2)}x`.padStart(13)}` +
        `${mark(r.parseFloorRatio, t.parseFloorRatio)}` +
        `${`${r.replayFloorRatio.toFixed(2)}x`.padStart(13)}` +
        `${`${s.first.toFixed(2)} ${r.firstRatio.toFixed(2)}x`.padStart(13)}` +
        `${mark(r.firstRatio, t.replayRatio)}` +
        `${`${s.replay.toFixed(2)} ${r.replayRatio.toFixed(2)}x`.padStart(13)}` +
        `${mark(r.replayRatio, t.replayRatio)}` +
        `${`${s.off.toFixed(2)} ${r.offRatio.toFixed(2)}x`.padStart(13)}` +
        `${mark(r.offRatio, t.offRatio)}` +
        `${`${s.report.toFixed(2)} +${(r.reportExtra * 100).toFixed(0)}%`.padStart(13)}` +
        `${mark(r.reportExtra, t.reportExtra)}` +
        (Number.isNaN(s.compare)
          ? ""
          : `${`${s.compare.toFixed(2)} ${r.compareRatio.toFixed(2)}x`.padStart(14)}` +
            `${mark(r.compareRatio, t.compareRatio)}`),
    );
  }
  lines.push("   (ok: within the target; NO: not)");
  return lines.join("\n");
}
