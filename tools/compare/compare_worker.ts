/**
 * One design's replay in a worker, for compareDesigns: receives
 * `{ spec, path, options }`, posts `{ progress: events }` now and then, then
 * `{ report }` or `{ error: { message, input } }`, and is terminated.
 * @module
 */

import { TraceInputError } from "../../traces/line_reader.ts";
import { loadDesign } from "../replay/design_loader.ts";
import { replayTrace, type ReplayTraceOptions } from "../replay/replay_trace.ts";

interface WorkerScope {
  onmessage: ((event: MessageEvent) => void) | null;
  postMessage(message: unknown): void;
}

/** How often, at most, progress is posted. */
const PROGRESS_MS = 200;

const scope = globalThis as unknown as WorkerScope;

scope.onmessage = async (message: MessageEvent) => {
  const { spec, path, options } = message.data as {
    spec: string;
    path: string;
    options: Omit<ReplayTraceOptions, "design" | "onProgress" | "streamer">;
  };
  try {
    const design = await loadDesign(spec);
    let last = 0;
    const report = await replayTrace(path, {
      ...options,
      design,
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
