/**
 * Reads a trace in a worker while the caller's thread consumes its events:
 * reading, decompressing and parsing overlap with what the sink does, on a
 * second core. Memory stays bounded: the worker pauses while 8 batches are
 * unread.
 * @module
 */

import { deliverBatch, type EventBatch } from "./event_batch.ts";
import { TraceInputError } from "./line_reader.ts";
import { emptyEvent, type TraceOp, type TraceSink } from "./trace_event.ts";
import type { TraceInfo } from "./trace_reader.ts";
import { startTraceWorker } from "./trace_worker_start.ts";

/** Options of {@link streamTrace} and {@link TraceStreamer.stream}. */
export interface StreamTraceOptions {
  /** Called after each batch with the file bytes read so far and the file's size. */
  onProgress?: (bytesRead: number, fileBytes: number) => void;
  /**
   * The ops whose call site the sink reads; the others' events arrive with
   * site "" (see BatchEncoderOptions). Default: every op.
   */
  siteOps?: readonly TraceOp[];
}

/**
 * A parse worker kept for several traces, one after another: the first
 * trace pays for starting it (module load, JIT warm-up), the next ones find
 * it warm. A worker keeps the process alive, so close the streamer when done.
 *
 * @example
 * ```ts
 * import { TraceStreamer } from "@pagepile/pagepile";
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "# pagepile trace 1\ngalloc 0x10 0 24\ngfree 0x10\n");
 * const streamer = new TraceStreamer();
 * let events = 0;
 * const sink = { event: () => events++, problem: () => {}, lost: () => {} };
 * await streamer.stream(path, sink);
 * await streamer.stream(path, sink); // the same worker, warm
 * streamer.close();
 * console.log(events); // 4
 * ```
 */
export class TraceStreamer {
  #worker: Worker | null = null;
  #busy = false;

  /**
   * Streams a trace into `sink` like readTrace, parsing it in the worker. The
   * sink's calls come in trace order, on the caller's thread; an exception
   * the sink throws stops the worker (the next stream starts a new one) and
   * is rethrown.
   * @param path a trace in any format readTrace reads
   * @param sink receives events, problems and lost-event counts
   * @param options progress reporting, the call sites wanted
   * @returns the format and line count
   * @throws {TraceInputError} when the file cannot be read to its end
   */
  stream(path: string, sink: TraceSink, options: StreamTraceOptions = {}): Promise<TraceInfo> {
    if (this.#busy) return Promise.reject(new Error("TraceStreamer: one trace at a time"));
    this.#busy = true;
    const worker = this.#worker ??= startTraceWorker();
    const event = emptyEvent();
    return new Promise<TraceInfo>((resolve, reject) => {
      const finish = (outcome: () => void, keep: boolean): void => {
        worker.onmessage = null;
        worker.onerror = null;
        this.#busy = false;
        if (!keep) this.#drop(worker);
        outcome();
      };
      worker.onerror = (error) => {
        error.preventDefault();
        finish(() => reject(new Error(`trace reader worker failed: ${error.message}`)), false);
      };
      worker.onmessage = (message: MessageEvent) => {
        const data = message.data;
        if (data.batch !== undefined) {
          try {
            deliverBatch(data.batch as EventBatch, sink, event);
          } catch (error) {
            finish(() => reject(error), false);
            return;
          }
          options.onProgress?.(data.read, data.size);
          worker.postMessage({ ack: true });
        } else if (data.done !== undefined) {
          finish(() => resolve(data.done as TraceInfo), true);
        } else if (data.error !== undefined) {
          const { message: text, line, format, input } = data.error;
          finish(
            () => reject(input ? new TraceInputError(text, line, format) : new Error(text)),
            true,
          );
        }
      };
      worker.postMessage({ path, siteOps: options.siteOps });
    });
  }

  /** Stops the worker; a later stream starts a new one. */
  close(): void {
    if (this.#worker !== null) this.#drop(this.#worker);
  }

  #drop(worker: Worker): void {
    worker.terminate();
    if (this.#worker === worker) this.#worker = null;
  }
}

/**
 * Streams a trace into `sink` like readTrace, parsing it in a worker started
 * for this trace alone (see {@link TraceStreamer} to keep one for several).
 *
 * @param path a trace in any format readTrace reads
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
export async function streamTrace(
  path: string,
  sink: TraceSink,
  options: StreamTraceOptions = {},
): Promise<TraceInfo> {
  const streamer = new TraceStreamer();
  try {
    return await streamer.stream(path, sink, options);
  } finally {
    streamer.close();
  }
}
