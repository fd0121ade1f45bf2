/**
 * A worker that replays a trace on designs, one job after another, for
 * compareDesigns and its smallest-board probes. It may first receive
 * `{ tape: true }` and then the trace's parsed events (sendTape's
 * messages), kept for every job; then, for each job, `{ job: { spec, path,
 * options } }`, answered by `{ progress }` now and then and `{ report }` or
 * `{ error: { message, input } }`. `{ abort: true }` stops the job in
 * progress at its next batch of events (its report says so).
 * @module
 */

import { TraceInputError } from "../../traces/line_reader.ts";
import { SentTape } from "../../traces/trace_tape.ts";
import { isModuleSpec, loadDesign } from "../replay/design_loader.ts";
import { replayTrace } from "../replay/replay_trace.ts";
import type { JobOptions } from "./replay_workers.ts";

interface WorkerScope {
  onmessage: ((event: MessageEvent) => void) | null;
  postMessage(message: unknown): void;
}

/** How often, at most, progress is posted. */
const PROGRESS_MS = 200;

const scope = globalThis as unknown as WorkerScope;

/** The trace's events, when the comparison sends them (see sendTape): every job reads them. */
let tape: SentTape | undefined;

/** Aborted when the comparison is interrupted: the job in progress stops at its next batch. */
let interrupt = new AbortController();

scope.onmessage = async (message: MessageEvent) => {
  const data = message.data;
  if (tape?.take(data)) return;
  if (data.abort === true) {
    interrupt.abort();
    return;
  }
  if (data.tape === true) {
    tape = new SentTape();
    return;
  }
  const { spec, path, options: jobOptions } = data.job as {
    spec: string;
    path: string;
    options: JobOptions;
  };
  const { load, ...options } = jobOptions;
  interrupt = new AbortController();
  try {
    const design = await loadDesign(spec, load);
    let last = 0;
    const report = await replayTrace(path, {
      ...options,
      design,
      stateCheck: isModuleSpec(spec),
      tape,
      signal: interrupt.signal,
      onProgress: (read, size, events) => {
        const now = performance.now();
        if (now - last < PROGRESS_MS) return;
        last = now;
        scope.postMessage({ progress: { read, size, events } });
      },
    });
    scope.postMessage({ report });
  } catch (error) {
    scope.postMessage({
      error: { message: (error as Error).message, input: error instanceof TraceInputError },
    });
  }
};
