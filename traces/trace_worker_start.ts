/**
 * Starts a parse worker (trace_worker.ts). Its own module, importing nothing,
 * so that a program can start the worker before it loads anything else: the
 * worker's start-up and module load, and even the start of its parse, then
 * run on another core while the program loads its own modules
 * (tools/cli/replay.ts).
 * @module
 */

import type { TraceOp } from "./trace_event.ts";

/** Traces from this size (as stored, compressed or not) are parsed in a worker by default. */
export const WORKER_MIN_FILE_BYTES = 2 * 1024 * 1024;

/** A parse worker, started and not yet given a trace. */
export function startTraceWorker(): Worker {
  return new Worker(new URL("./trace_worker.ts", import.meta.url), { type: "module" });
}

/**
 * A worker handed to a tape: started, and perhaps already parsing the tape's
 * trace for it (`received` then holds what it posted so far, in order; else
 * the tape gives it the trace).
 */
export interface StartedWorker {
  /** The worker; the tape owns it from then on. */
  worker: Worker;
  /** When it already parses the tape's trace: the data of each message it posted so far. */
  received?: unknown[];
}

/**
 * A parse worker started ahead of need, for the first tape that parses in a
 * worker to take; stopped by `close` if none did. It can be set parsing a
 * trace ahead too (`parse`): a tape of that trace, with the same call sites,
 * takes it with what it has posted so far; any other tape takes a worker of
 * its own, and this one is stopped.
 */
export class EarlyWorker {
  #worker: Worker | undefined = startTraceWorker();
  #parsing: { path: string; siteOps: readonly TraceOp[]; received: unknown[] } | undefined;

  /**
   * Starts parsing `path` for a tape (traces/trace_tape.ts), which counts
   * the peak of live bytes, keeping what the worker posts until a tape takes
   * it. The worker pauses once 8 batches are unread.
   * @param path a trace
   * @param siteOps the ops whose call sites the tape will read
   */
  parse(path: string, siteOps: readonly TraceOp[]): void {
    const worker = this.#worker;
    if (worker === undefined || this.#parsing !== undefined) return;
    const received: unknown[] = [];
    this.#parsing = { path, siteOps, received };
    worker.onmessage = (message: MessageEvent) => received.push(message.data);
    worker.onerror = (error) => {
      error.preventDefault();
      received.push({
        error: { message: `trace reader worker failed: ${error.message}`, line: 0, input: false },
      });
    };
    worker.postMessage({ path, siteOps, peak: true });
  }

  /**
   * The worker, once, for a tape of `path` reading the call sites of
   * `siteOps`: with what it has posted, if it parses that trace for such a
   * tape; if it parses another, it is stopped and undefined returned.
   */
  take(path: string, siteOps: readonly TraceOp[] | undefined): StartedWorker | undefined {
    const worker = this.#worker;
    this.#worker = undefined;
    if (worker === undefined) return undefined;
    const parsing = this.#parsing;
    if (parsing === undefined) return { worker };
    if (parsing.path === path && sameOps(parsing.siteOps, siteOps)) {
      worker.onmessage = null;
      worker.onerror = null;
      return { worker, received: parsing.received };
    }
    worker.terminate();
    return undefined;
  }

  /** Stops the worker unless it was taken. */
  close(): void {
    this.#worker?.terminate();
    this.#worker = undefined;
  }
}

function sameOps(a: readonly TraceOp[], b: readonly TraceOp[] | undefined): boolean {
  return b !== undefined && a.length === b.length && a.every((op, i) => op === b[i]);
}
