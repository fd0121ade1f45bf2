/**
 * `deno task replay <trace>`: replays a recorded allocation trace against
 * the firmware and reports correctness, bus cycles and memory (see
 * replay_command.ts; `--help` says how).
 *
 * This module starts the parse worker first, then loads the replay: the
 * worker's start-up, its module load and the cold start of its parse run on
 * another core while this thread loads the replayer, the firmware and the
 * checks (about 130 modules), so that the first events are parsed by the
 * time the board has booted. The worker starts on the trace the command line
 * most likely names (likelyTrace); the replay's tape takes it only if that
 * is its trace, read for the same call sites, and a replay that reads its
 * trace otherwise (a small trace, parsed here; a board of a given size)
 * stops it unused.
 * @module
 */

import type { TraceOp } from "../../traces/trace_event.ts";
import { EarlyWorker, WORKER_MIN_FILE_BYTES } from "../../traces/trace_worker_start.ts";

/**
 * The ops whose call site a replay without the debug options reads
 * (siteOpsRead(false) in tools/replay/replayer.ts, held equal to this by
 * tests/replay_cli_test.ts): written out, since importing the replayer
 * would load the modules this one starts the worker before.
 */
export const REPLAY_SITE_OPS: readonly TraceOp[] = ["vmalloc"];

/**
 * The trace a replay's command line most likely names, for the worker to
 * start on: its first argument that is neither an option nor perhaps the
 * value of one (an argument after an option without "=" is not guessed at),
 * a file of WORKER_MIN_FILE_BYTES or more (a smaller one is parsed on the
 * replay's thread). None when the replay will not read its trace through a
 * tape for those call sites (--debug, --ram) or will not read it (--help).
 * Only a guess: a wrong one costs the worker's first batches, not a wrong
 * event (see EarlyWorker.take).
 * @param args the command line's arguments
 * @returns the path, or undefined
 */
export function likelyTrace(args: readonly string[]): string | undefined {
  const elsewhere = (arg: string) =>
    arg === "--debug" || arg === "--help" || arg === "--ram" || arg.startsWith("--ram=");
  if (args.some(elsewhere)) return undefined;
  const at = args.findIndex((arg) => !arg.startsWith("-"));
  if (at === -1) return undefined;
  const before = args[at - 1];
  if (before !== undefined && !before.includes("=")) return undefined;
  try {
    return Deno.statSync(args[at]).size >= WORKER_MIN_FILE_BYTES ? args[at] : undefined;
  } catch {
    return undefined;
  }
}

if (import.meta.main) {
  const early = new EarlyWorker();
  const trace = likelyTrace(Deno.args);
  if (trace !== undefined) early.parse(trace, REPLAY_SITE_OPS);
  const { main } = await import("./replay_command.ts");
  Deno.exit(await main(Deno.args, early));
}
