/**
 * One design's replay in a worker, for compareDesigns: receives
 * `{ spec, path, options, tape }`, then, with `tape`, the trace's parsed
 * events (sendTape's messages), and `{ abort: true }` when interrupted;
 * posts `{ progress: events }` now and then, then `{ report }` or
 * `{ error: { message, input } }`, and is terminated.
 * @module
 */

import { TraceInputError } from "../../traces/line_reader.ts";
import { SentTape } from "../../traces/trace_tape.ts";
import { loadDesign } from "../replay/design_loader.ts";
import { replayTrace, type ReplayTraceOptions } from "../replay/replay_trace.ts";

interface WorkerScope {
  onmessage: ((event: MessageEvent) => void) | null;
  postMessage(message: unknown): void;
}

/** How often, at most, progress is posted. */
const PROGRESS_MS = 200;

const scope = globalThis as unknown as WorkerScope;

/** The trace's events, when the comparison sends them (see sendTape). */
let tape: SentTape | undefined;

/** Aborted when the comparison is interrupted: the replay stops at its next batch. */
const interrupt = new AbortController();

scope.onmessage = async (message: MessageEvent) => {
  if (tape?.take(message.data)) return;
  if (message.data.abort === true) {
    interrupt.abort();
    return;
  }
  const { spec, path, options, tape: sent } = message.data as {
    spec: string;
    path: string;
    options: Omit<ReplayTraceOptions, "design" | "onProgress" | "streamer" | "tape">;
    tape: boolean;
  };
  if (sent) tape = new SentTape();
  try {
    const design = await loadDesign(spec);
    let last = 0;
    const report = await replayTrace(path, {
      ...options,
      design,
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
