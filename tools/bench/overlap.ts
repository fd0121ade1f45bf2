/**
 * The benchmark's overlap section (issue 25, point 3): how well a replay
 * overlaps its two halves, reading and simulating, measured as whole cold
 * processes and alternated within each round:
 * - reading alone: `deno task parse T`;
 * - simulating alone: a process of this module's own (run as a script, it
 *   parses the trace whole first, untimed, then replays the parsed events on
 *   the board their peak calls for, with full checks: section 1's setting);
 *   its time is the process's, spawn to exit, less the parse it did first;
 * - the replay: `deno task replay T`, its board remembered (a first replay
 *   of the round, untimed, remembers it), as section 7's "replay".
 * Target: replay <= 1.2 x the longer of the two halves, each round's ratio,
 * median of the rounds.
 * @module
 */

import { fileURLToPath } from "node:url";
import { TraceTape } from "../../traces/trace_tape.ts";
import { replayTrace } from "../replay/replay_trace.ts";
import { boardForPeak } from "../replay/board_size.ts";
import { siteOpsRead } from "../replay/replayer.ts";
import { denoDir } from "./deno_dir.ts";
import { median, timeProcess } from "./process_timing.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SELF = fileURLToPath(import.meta.url);

/** The target: a replay at most this many times the longer of its halves. */
export const OVERLAP_TARGET = 1.2;

/** What the simulating process prints: one JSON object. */
export interface SimulateRun {
  /** Events replayed. */
  events: number;
  /** Seconds spent parsing the trace whole before the simulation (not counted). */
  parseSeconds: number;
  /** Seconds of the simulation alone, inside the process. */
  simulateSeconds: number;
  /** The machine's 1-minute load average when the process started (0 where unknown). */
  load: number;
}

/** One trace's medians. */
export interface OverlapRow {
  /** The trace, as given. */
  trace: string;
  /** Events replayed. */
  events: number;
  /** Median seconds: the parse process, the simulating process (less its parse), the replay. */
  parse: number;
  /** See parse. */
  simulate: number;
  /** See parse. */
  replay: number;
  /** Median of the simulation alone, inside its process (no start, no module load). */
  simulateInside: number;
  /** Median of each round's replay ÷ max(parse, simulate). */
  ratio: number;
  /**
   * The machine's 1-minute load average as each round's simulating process
   * started, least and most (0 where the system does not say). Under other work the
   * replay's two threads do not get two cores, and the ratio tends to the
   * halves' sum over the longer (see BENCHMARKS.md, "Overlap (issue 25)").
   */
  load: [number, number];
}

/**
 * Times each trace's three processes, alternated, `rounds` times.
 * @param traces absolute paths (the processes run in the project's folder)
 * @param rounds rounds per trace (at least 5 for the table's medians)
 * @param onRound called after each round
 * @returns a row per trace
 */
export async function overlapRuns(
  traces: string[],
  rounds: number,
  onRound?: (trace: string, round: number) => void,
): Promise<OverlapRow[]> {
  const cache = await Deno.makeTempDir();
  const env = { XDG_CACHE_HOME: cache, DENO_DIR: await denoDir() };
  const rows: OverlapRow[] = [];
  try {
    for (const trace of traces) {
      // The replay timed is one whose board is remembered: this one remembers it.
      await timeProcess(["replay", trace], env);
      const times = { parse: [] as number[], simulate: [] as number[], replay: [] as number[] };
      const inside: number[] = [];
      const loads: number[] = [];
      let events = 0;
      for (let round = 1; round <= rounds; round++) {
        times.parse.push(await timeProcess(["parse", trace], env));
        const sim = await simulateProcess(trace, env);
        times.simulate.push(sim.seconds);
        inside.push(sim.run.simulateSeconds);
        loads.push(sim.run.load);
        events = sim.run.events;
        times.replay.push(await timeProcess(["replay", trace], env));
        onRound?.(trace, round);
      }
      rows.push({
        trace,
        events,
        parse: median(times.parse),
        simulate: median(times.simulate),
        replay: median(times.replay),
        simulateInside: median(inside),
        ratio: median(
          times.replay.map((r, i) => r / Math.max(times.parse[i], times.simulate[i])),
        ),
        load: [Math.min(...loads), Math.max(...loads)],
      });
    }
  } finally {
    await Deno.remove(cache, { recursive: true }).catch(() => {});
  }
  return rows;
}

/**
 * Runs this module as a process that simulates `trace`: its seconds from
 * spawn to exit less the parse it did before simulating, and what it printed.
 */
async function simulateProcess(
  trace: string,
  env: Record<string, string>,
): Promise<{ seconds: number; run: SimulateRun }> {
  const start = performance.now();
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--allow-sys=loadavg",
      SELF,
      trace,
    ],
    cwd: ROOT,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const wall = (performance.now() - start) / 1000;
  if (!output.success) {
    const why = new TextDecoder().decode(output.stderr).trim().split("\n").pop();
    throw new Error(`simulating ${trace} failed: ${why}`);
  }
  const run = JSON.parse(new TextDecoder().decode(output.stdout)) as SimulateRun;
  return { seconds: wall - run.parseSeconds, run };
}

/**
 * The overlap section's table.
 * @param rows the rows
 * @param rounds the rounds they are medians of
 * @returns the table's text
 */
export function overlapTable(rows: OverlapRow[], rounds: number): string {
  const width = Math.max(40, ...rows.map((r) => r.trace.length + 2));
  const lines = [
    `Overlap: whole processes, cold, medians of ${rounds} alternated rounds (seconds): reading`,
    "   alone (deno task parse), simulating alone (a process that parses the trace whole first,",
    "   untimed, then replays its events with full checks on the board their peak calls for;",
    "   in brackets the simulation inside it, without Deno's start), and deno task replay",
    "   (board remembered); the ratio is replay / the longer half, within each round",
    `${"trace".padEnd(width)}${"events".padStart(12)}${"parse".padStart(8)}` +
    `${"simulate".padStart(17)}${"replay".padStart(8)}${"ratio".padStart(8)}` +
    `${"load".padStart(14)}`,
    `${"target".padEnd(width)}${"".padStart(45)}${`<= ${OVERLAP_TARGET}x`.padStart(8)}`,
  ];
  for (const r of rows) {
    lines.push(
      `${r.trace.padEnd(width)}${r.events.toLocaleString("en-US").padStart(12)}` +
        `${r.parse.toFixed(2).padStart(8)}` +
        `${`${r.simulate.toFixed(2)} (${r.simulateInside.toFixed(2)})`.padStart(17)}` +
        `${r.replay.toFixed(2).padStart(8)}${`${r.ratio.toFixed(2)}x`.padStart(8)}` +
        (r.ratio <= OVERLAP_TARGET ? " ok" : " NO") +
        `${r.load[0].toFixed(1)}-${r.load[1].toFixed(1)}`.padStart(11),
    );
  }
  lines.push(
    "   (ok: within the target; NO: not. load: the 1-minute load average as each round's",
    "   simulating process started, least and most: with other work on the machine the",
    "   replay's two threads do not get two cores, and the replay tends to the sum of its halves)",
  );
  return lines.join("\n");
}

/**
 * The simulating process: parses `path` whole into a tape (kept whole: no
 * budget), then replays the tape's events on the board of its peak, full
 * checks, as `deno task replay` would once the board is known.
 */
async function simulate(path: string): Promise<SimulateRun> {
  const load = Deno.loadavg()[0];
  let start = performance.now();
  const tape = await TraceTape.open(path, {
    budgetBytes: Infinity,
    readWhenWhole: true,
    siteOps: siteOpsRead(false),
  });
  try {
    await tape.whole();
    const parseSeconds = (performance.now() - start) / 1000;
    start = performance.now();
    const report = await replayTrace(path, { tape, ramBytes: boardForPeak(tape.peak) });
    const simulateSeconds = (performance.now() - start) / 1000;
    return { events: report.events, parseSeconds, simulateSeconds, load };
  } finally {
    tape.close();
  }
}

if (import.meta.main) console.log(JSON.stringify(await simulate(Deno.args[0])));
