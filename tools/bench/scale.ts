/**
 * The benchmark's scale section: a synthetic trace of N events (100 million
 * by default; `deno task synth`, ten waves so that every tenth of it is
 * alike), written gzipped to a temporary file, then replayed by a process
 * of its own with the replay's defaults (scale_replay.ts), watched: how long
 * it took, its rate over each tenth, its peak resident memory. Targets: the
 * last tenth's rate within 15% of the first's (either way), and peak memory
 * at most the board's RAM + 300 MB.
 * @module
 */

import { fileURLToPath } from "node:url";
import { denoDir } from "./deno_dir.ts";
import type { ScaleRun } from "./scale_replay.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SCALE_REPLAY = fileURLToPath(new URL("./scale_replay.ts", import.meta.url));
const MB = 1000 * 1000;

/** The scale section's targets: the last tenth's rate within 15% of the first's, memory. */
export const SCALE_TARGETS = { tenthsApart: 0.15, rssOverBoardBytes: 300 * MB };

/** A scale run and how its trace was made. */
export interface ScaleResult extends ScaleRun {
  /** Seconds to write the trace, and its size on disk. */
  synthSeconds: number;
  traceBytes: number;
}

/**
 * Writes the trace, replays it, and returns what the replay's process saw.
 * @param events events of the synthetic trace
 * @param say progress notes
 */
export async function scaleRun(events: number, say: (text: string) => void): Promise<ScaleResult> {
  const dir = await Deno.makeTempDir();
  const trace = `${dir}/scale.trace.gz`;
  try {
    say(`writing ${events.toLocaleString("en-US")} events to ${trace}...`);
    let start = performance.now();
    await run(["task", "-q", "synth", "--events", String(events), "--waves", "10", "--out", trace]);
    const synthSeconds = (performance.now() - start) / 1000;
    const traceBytes = (await Deno.stat(trace)).size;
    say(`replaying it (board sized from the trace, full checks)...`);
    start = performance.now();
    // The cache folder is the benchmark's: no board remembered for the trace.
    // --allow-all: Deno lets a process read its own /proc/self/status (the
    // peak of resident memory, VmHWM) with nothing less.
    const out = await run(
      ["run", "--allow-all", SCALE_REPLAY, trace],
      { XDG_CACHE_HOME: dir, DENO_DIR: await denoDir() },
    );
    return { ...JSON.parse(out) as ScaleRun, synthSeconds, traceBytes };
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** Runs deno with `args` in the project's folder; returns its standard output. */
async function run(args: string[], env: Record<string, string> = {}): Promise<string> {
  const output = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) {
    const why = new TextDecoder().decode(output.stderr).trim().split("\n").pop();
    throw new Error(`deno ${args.join(" ")} failed: ${why}`);
  }
  return new TextDecoder().decode(output.stdout);
}

/**
 * The scale section's table.
 * @param r the run
 * @returns the table's text
 */
export function scaleTable(r: ScaleResult): string {
  const n = (x: number): string => Math.round(x).toLocaleString("en-US");
  const ratio = r.tenths[9] / r.tenths[0];
  const overBoard = r.peakRssBytes - r.ramBytes;
  const t = SCALE_TARGETS;
  return [
    `8. Scale: a synthetic trace of ${n(r.events)} events (deno task synth --waves 10, gzip,`,
    `   ${(r.traceBytes / MB).toFixed(0)} MB, written in ${r.synthSeconds.toFixed(0)} s), ` +
    `replayed by a process of its own, defaults (board sized from the trace, full checks)`,
    `   replay: ${r.seconds.toFixed(0)} s, ${n(r.events / r.seconds)} events/s; board ` +
    `${r.ramBytes / (1024 * 1024)} MiB; violations ${r.violations}` +
    (r.restartSeconds > 1 ? `; ${r.restartSeconds.toFixed(0)} s on boards outgrown` : ""),
    `   events/s by tenth: ${r.tenths.map(n).join(", ")}`,
    ...(r.mainCpuSeconds > 0
      ? [
        `   CPU: the replaying thread ${r.mainCpuSeconds.toFixed(0)} s (${
          n(r.events / r.mainCpuSeconds)
        } events per its CPU-second), the process ${r.processCpuSeconds.toFixed(0)} s`,
      ]
      : []),
    `   last tenth / first: ${ratio.toFixed(2)} (target ${1 - t.tenthsApart} to ` +
    `${1 + t.tenthsApart}: ${Math.abs(ratio - 1) <= t.tenthsApart ? "ok" : "NOT MET"})`,
    `   peak resident memory: ${(r.peakRssBytes / MB).toFixed(0)} MB = the board + ` +
    `${(overBoard / MB).toFixed(0)} MB (target <= + ${t.rssOverBoardBytes / MB} MB: ` +
    `${overBoard <= t.rssOverBoardBytes ? "ok" : "NOT MET"})`,
    `   resident memory at each tenth of the file (MB): ${
      r.rssByTenth.map((b) => (b / MB).toFixed(0)).join(", ")
    }`,
  ].join("\n");
}
