/**
 * Reads a trace in a worker while the caller's thread consumes its events:
 * reading, decompressing and parsing overlap with what the sink does, on a
 * second core. Memory stays bounded: the worker pauses while 8 batches are
 * unread.
 * @module
 */

import { deliverBatch, type EventBatch } from "./event_batch.ts";
import { TraceInputError } from "./line_reader.ts";
import { emptyEvent, type TraceSink } from "./trace_event.ts";
import type { TraceInfo } from "./trace_reader.ts";

/** Options of {@link streamTrace}. */
export interface StreamTraceOptions {
  /** Called after each batch with the file bytes read so far and the file's size. */
  onProgress?: (bytesRead: number, fileBytes: number) => void;
}

/**
 * Streams a trace into `sink` like readTrace, parsing it in a worker. The
 * sink's calls come in trace order, on the caller's thread; an exception the
 * sink throws stops the worker and is rethrown.
 *
 * @param path a Linux ftrace or native trace, plain or gzip
 * @param sink receives events, problems and lost-event counts
 * @param options progress reporting
 * @returns the format and line count
 * @throws {TraceInputError} when the file cannot be read to its end
 * @example
 * ```ts
 * import { streamTrace } from "@pagepile/pagepile";
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "# pagepile trace 1\ngalloc 0x10 0 24\ngfree 0x10\n");
 * let events = 0;
 * await streamTrace(path, { event: () => events++, problem: () => {}, lost: () => {} });
 * console.log(events); // 2
 * ```
 */
export function streamTrace(
  path: string,
  sink: TraceSink,
  options: StreamTraceOptions = {},
): Promise<TraceInfo> {
  const worker = new Worker(new URL("./trace_worker.ts", import.meta.url), { type: "module" });
  const event = emptyEvent();
  return new Promise<TraceInfo>((resolve, reject) => {
    const finish = (outcome: () => void): void => {
      worker.terminate();
      outcome();
    };
    worker.onerror = (error) => {
      error.preventDefault();
      finish(() => reject(new Error(`trace reader worker failed: ${error.message}`)));
    };
    worker.onmessage = (message: MessageEvent) => {
      const data = message.data;
      if (data.batch !== undefined) {
        try {
          deliverBatch(data.batch as EventBatch, sink, event);
        } catch (error) {
          finish(() => reject(error));
          return;
        }
        options.onProgress?.(data.read, data.size);
        worker.postMessage({ ack: true });
      } else if (data.done !== undefined) {
        finish(() => resolve(data.done as TraceInfo));
      } else if (data.error !== undefined) {
        const { message: text, line, input } = data.error;
        finish(() => reject(input ? new TraceInputError(text, line) : new Error(text)));
      }
    };
    worker.postMessage({ path });
  });
}
