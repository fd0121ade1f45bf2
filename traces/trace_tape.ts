/**
 * A trace parsed once into batches of events that are kept, so that a
 * consumer can start over from the first event without parsing again: what a
 * replay does when the board it started on turns out too small for the
 * trace's peak of live bytes, which the tape counts as it goes (LiveBytes;
 * the worker counts it, when the parse runs in one, so that the consumer's
 * thread, the one that replays, has that much less to do).
 *
 * The parse runs in a worker (traces of 2 MB or more), ahead of the consumer
 * as far as the budget allows: batches are kept while they hold less than
 * `budgetBytes`. Past it the tape lets go of the batches the consumer has
 * read (it can no longer be read from its start: `fromStart` turns false),
 * and from then on keeps only a read-ahead of 16 batches (4 MB) unread: the
 * worker waits for the consumer. Memory stays within the budget plus the
 * worker's window of 8 batches, and on a long trace falls to the
 * read-ahead. A tape read once it is `complete` (a small trace's, parsed on
 * the caller's thread, or one opened with `readWhenWhole`) keeps nothing
 * past the budget.
 * @module
 */

import { BATCH_BYTES, batchBuffer, BatchEncoder, type EventBatch } from "./event_batch.ts";
import { TraceInputError } from "./line_reader.ts";
import { LiveBytes } from "./live_bytes.ts";
import type { TraceOp } from "./trace_event.ts";
import { readTrace, type TraceFormat, type TraceInfo } from "./trace_reader.ts";
import { startTraceWorker, WORKER_MIN_FILE_BYTES } from "./trace_worker_start.ts";

export { WORKER_MIN_FILE_BYTES };

/** Options of {@link TraceTape}. */
export interface TraceTapeOptions {
  /** Bytes of batches kept before the tape lets go of read ones; default 64 MiB. */
  budgetBytes?: number;
  /** Parse in a worker (default: for a file of 2 MB or more). */
  inWorker?: boolean;
  /**
   * The tape is read once it is complete, not while it is parsed: past the
   * budget it keeps nothing (rather than make the worker wait for a reader).
   * Always so for a tape parsed on the caller's thread.
   */
  readWhenWhole?: boolean;
  /**
   * The ops whose call site the consumer reads; the others' events arrive
   * with site "" (see BatchEncoderOptions). Default: every op.
   */
  siteOps?: readonly TraceOp[];
  /**
   * Gives a parse worker (traces/trace_worker.ts) already started for a tape
   * of this trace and these call sites, or undefined: a tape parsed in a
   * worker takes it rather than start one, and owns it from then on (`close`
   * terminates it). With `received`, the worker already parses this trace
   * for such a tape, and these are the data of the messages it posted so
   * far (see EarlyWorker in traces/trace_worker_start.ts). Called only when
   * the tape parses in a worker.
   */
  startedWorker?: (
    path: string,
    siteOps: readonly TraceOp[] | undefined,
  ) => { worker: Worker; received?: unknown[] } | undefined;
}

const DEFAULT_BUDGET_BYTES = 64 * 1024 * 1024;

/**
 * Bytes of unread batches kept once the tape has let go of its start: enough
 * for the worker to stay ahead of the consumer, which needs no more (a tape
 * that cannot start over gains nothing from reading far ahead).
 */
const READ_AHEAD_BYTES = 16 * BATCH_BYTES;

/**
 * What a replay reads parsed events through: a {@link TraceTape}, or a
 * {@link SentTape} that receives a tape's batches from another thread.
 */
export interface TapeReader {
  /** Peak of live bytes of the events parsed so far; the trace's once `complete`. */
  readonly peak: number;
  /** File bytes read so far (for progress). */
  readonly bytesRead: number;
  /** The file's size. */
  readonly fileBytes: number;
  /** Whether batches arrive while the reader reads: it must then let the event loop turn. */
  readonly arrivesMeanwhile: boolean;
  /** Whether the parse has ended. */
  readonly complete: boolean;
  /** Whether every batch from the first is still kept. */
  readonly fromStart: boolean;
  /** Batches received so far. */
  readonly length: number;
  /** The batch at `index`, once received. */
  at(index: number): EventBatch | undefined;
  /** Waits for the batch at `index`, or the end (undefined). */
  next(index: number): Promise<EventBatch | undefined>;
  /** Every batch before `index` has been read. */
  consumed(index: number): void;
  /** Nothing more will be read: keep nothing. */
  drain(): void;
  /** Waits for the parse to end. */
  whole(): Promise<void>;
  /** How the parse ended (throws its error). */
  end(): TraceInfo;
  /** Releases what the tape holds (its worker). */
  close(): void;
}

/**
 * A trace being parsed into batches, read by index.
 *
 * @example
 * ```ts
 * import { TraceTape } from "./trace_tape.ts";
 * import { deliverBatch } from "./event_batch.ts";
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "# pagepile trace 1\ngalloc 0x10 0 20\ngfree 0x10\n");
 * const tape = await TraceTape.open(path);
 * let events = 0;
 * const sink = { event: () => events++, problem: () => {}, lost: () => {} };
 * for (let i = 0; (await tape.next(i)) !== undefined; i++) deliverBatch(tape.at(i)!, sink);
 * console.log(events, tape.peak, tape.end().events); // 2 24 2
 * tape.close();
 * ```
 */
export class TraceTape implements TapeReader {
  /** Peak of live bytes of the events parsed so far; the trace's once `complete`. */
  peak = 0;
  /** File bytes read so far. */
  bytesRead = 0;
  /** The file's size. */
  fileBytes = 0;
  readonly #budget: number;
  readonly #worker: Worker | undefined;
  /** Batches by index; those before #first were let go. */
  readonly #batches: (EventBatch | undefined)[] = [];
  #first = 0;
  #keptBytes = 0;
  /** Live bytes of the batches received, for `peak`, when the parse runs here. */
  readonly #live = new LiveBytes();
  /** Batches received from the worker and not yet acknowledged (it pauses at 8). */
  #withheld = 0;
  /** Once the consumer no longer reads: every batch is let go on arrival. */
  #draining = false;
  #end: { info: TraceInfo } | { error: Error } | undefined;
  #wake: (() => void) | undefined;

  readonly #readWhenWhole: boolean;

  private constructor(budget: number, worker: Worker | undefined, readWhenWhole: boolean) {
    this.#budget = budget;
    this.#worker = worker;
    this.#readWhenWhole = readWhenWhole || worker === undefined;
  }

  /**
   * Starts parsing `path`.
   * @param path a trace in any format readTrace reads
   * @param options the budget, and where to parse
   */
  static async open(path: string, options: TraceTapeOptions = {}): Promise<TraceTape> {
    const inWorker = options.inWorker ?? await fileBytes(path) >= WORKER_MIN_FILE_BYTES;
    const started = inWorker ? options.startedWorker?.(path, options.siteOps) : undefined;
    const worker = inWorker ? started?.worker ?? startTraceWorker() : undefined;
    const tape = new TraceTape(
      options.budgetBytes ?? DEFAULT_BUDGET_BYTES,
      worker,
      options.readWhenWhole ?? false,
    );
    if (worker === undefined) tape.#parseHere(path, options.siteOps);
    else tape.#listen(worker, path, options.siteOps, started?.received);
    return tape;
  }

  /** Whether the parse runs in a worker, beside the consumer. */
  get arrivesMeanwhile(): boolean {
    return this.#worker !== undefined;
  }

  /** Batches received so far. */
  get length(): number {
    return this.#batches.length;
  }

  /** Whether the parse has ended (at the trace's end or at an error). */
  get complete(): boolean {
    return this.#end !== undefined;
  }

  /** Whether every batch from the first is still kept. */
  get fromStart(): boolean {
    return this.#first === 0 && !this.#draining;
  }

  /**
   * The batch at `index`, once received; undefined before.
   * @throws {Error} when it was let go
   */
  at(index: number): EventBatch | undefined {
    if (index >= this.#batches.length) return undefined;
    if (index < this.#first || this.#draining) throw new Error(`batch ${index} was let go`);
    return this.#batches[index];
  }

  /**
   * Waits until the batch at `index` is received or the parse has ended.
   * @returns the batch, or undefined past the last one
   */
  async next(index: number): Promise<EventBatch | undefined> {
    while (index >= this.#batches.length && this.#end === undefined) {
      await new Promise<void>((wake) => this.#wake = wake);
    }
    return this.at(index);
  }

  /**
   * Says the consumer has read every batch before `index`: past the budget,
   * they are let go and the worker may go on.
   */
  consumed(index: number): void {
    if (this.#first === 0 && this.#keptBytes < this.#budget) return;
    for (; this.#first < index; this.#first++) this.#letGo(this.#first);
    // What is kept now is unread: the worker goes on once it is under the read-ahead.
    if (this.#keptBytes < this.#keepLimit()) this.#release(this.#withheld);
  }

  /**
   * Says the consumer reads no more: every batch is let go, now and on
   * arrival, and the parse runs on to the end (for the peak).
   */
  drain(): void {
    this.#draining = true;
    for (; this.#first < this.#batches.length; this.#first++) this.#letGo(this.#first);
    this.#release(this.#withheld);
  }

  /** Waits for the parse to end. */
  async whole(): Promise<void> {
    while (this.#end === undefined) await new Promise<void>((wake) => this.#wake = wake);
  }

  /** How the parse ended, if it reached the trace's end; undefined before, or after an error. */
  get ended(): TraceInfo | undefined {
    return this.#end !== undefined && "info" in this.#end ? this.#end.info : undefined;
  }

  /**
   * How the parse ended.
   * @throws {TraceInputError} when the trace could not be read to its end
   * @throws {Error} when the parse has not ended
   */
  end(): TraceInfo {
    if (this.#end === undefined) throw new Error("the trace is still being parsed");
    if ("error" in this.#end) throw this.#end.error;
    return this.#end.info;
  }

  /** Stops the worker, if any. */
  close(): void {
    this.#worker?.terminate();
  }

  /**
   * Lets go of the batch at `index`: its buffer goes back to the worker to be
   * filled again. Nothing reads it after: at() refuses batches let go, and
   * every reader is done with a batch before it says it consumed it.
   */
  #letGo(index: number): void {
    const batch = this.#batches[index]!;
    this.#keptBytes -= batchBytes(batch);
    this.#batches[index] = undefined;
    if (this.#worker !== undefined) {
      const buffer = batchBuffer(batch);
      this.#worker.postMessage({ spare: buffer }, [buffer]);
    }
  }

  /** Bytes kept before the worker waits: the budget, then the read-ahead once the start is gone. */
  #keepLimit(): number {
    return this.#first === 0 ? this.#budget : Math.min(this.#budget, READ_AHEAD_BYTES);
  }

  /**
   * Takes the next batch; `peak`: the peak of live bytes up to its end, as
   * the worker counted it (a tape parsed here counts it itself).
   */
  #receive(batch: EventBatch, peak?: number): void {
    if (peak === undefined) {
      this.#live.batch(batch);
      this.peak = this.#live.peak;
    } else {
      this.peak = peak;
    }
    this.#batches.push(batch);
    this.#keptBytes += batchBytes(batch);
    if (!this.#draining && this.#keptBytes < this.#keepLimit()) {
      this.#ack(1); // within the budget the worker runs ahead
    } else {
      this.#withheld++; // past it, the worker waits for the consumer,
      // unless nothing is to be kept: a drained tape, or one read once whole
      // past its budget, lets go of every batch and acknowledges it.
      if (this.#draining || this.#readWhenWhole) this.drain();
    }
    this.#wakeUp();
  }

  /** Acknowledges `count` batches to the worker. */
  #ack(count: number): void {
    for (let i = 0; i < count; i++) this.#worker?.postMessage({ ack: true });
  }

  /** Acknowledges up to `count` withheld batches. */
  #release(count: number): void {
    const n = Math.min(count, this.#withheld);
    this.#withheld -= n;
    this.#ack(n);
  }

  #finish(end: { info: TraceInfo } | { error: Error }): void {
    this.#end = end;
    this.#wakeUp();
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /**
   * Takes the worker's messages; gives it the trace, unless it parses it
   * already (`received`: what it posted so far, taken first).
   */
  #listen(
    worker: Worker,
    path: string,
    siteOps: readonly TraceOp[] | undefined,
    received: unknown[] | undefined,
  ): void {
    const take = (data: MessageEvent["data"]): void => {
      if (data.batch !== undefined) {
        this.bytesRead = data.read;
        this.fileBytes = data.size;
        this.#receive(data.batch as EventBatch, data.peak as number);
      } else if (data.done !== undefined) {
        this.#finish({ info: data.done as TraceInfo });
      } else if (data.error !== undefined) {
        const { message: text, line, format, input } = data.error;
        this.#finish({ error: input ? new TraceInputError(text, line, format) : new Error(text) });
      }
    };
    worker.onmessage = (message: MessageEvent) => take(message.data);
    worker.onerror = (error) => {
      error.preventDefault();
      this.#finish({ error: new Error(`trace reader worker failed: ${error.message}`) });
    };
    if (received !== undefined) {
      for (const data of received) take(data);
      return;
    }
    // The worker counts the live bytes: this thread is the one that replays.
    worker.postMessage({ path, siteOps, peak: true });
  }

  #parseHere(path: string, siteOps: readonly TraceOp[] | undefined): void {
    const encoder = new BatchEncoder((batch) => this.#receive(batch), { siteOps });
    readTrace(path, encoder, {
      siteOps,
      onProgress: (read, size) => {
        this.bytesRead = read;
        this.fileBytes = size;
      },
    }).then(
      (info) => {
        encoder.flush();
        this.#finish({ info });
      },
      (error) => {
        encoder.flush();
        this.#finish({ error });
      },
    );
  }
}

/** Bytes a batch holds: its buffer, and its strings at two bytes a character. */
function batchBytes(batch: EventBatch): number {
  let bytes = BATCH_BYTES;
  for (const text of batch.strings) bytes += 2 * text.length;
  return bytes;
}

/** The file's size, or 0 when it cannot be read (the reader then reports why). */
async function fileBytes(path: string): Promise<number> {
  try {
    return (await Deno.stat(path)).size;
  } catch {
    return 0;
  }
}

/**
 * The batches of a tape parsed on another thread, sent here one by one
 * (`receive`, then `finish`): what a design's replay reads in a comparison,
 * so that the trace is parsed once for every design. Everything received is
 * kept.
 */
export class SentTape implements TapeReader {
  peak = 0;
  bytesRead = 0;
  fileBytes = 0;
  readonly arrivesMeanwhile = true;
  #batches: EventBatch[] = [];
  #kept = true;
  #end: { info: TraceInfo } | { error: Error } | undefined;
  #wake: (() => void) | undefined;

  /**
   * Takes a message {@link sendTape} posted.
   * @returns whether it was one
   */
  take(message: TapeMessage): boolean {
    if ("tapeBatch" in message) {
      this.receive(message.tapeBatch, message.peak, message.read, message.size);
    } else if ("tapeEnd" in message) {
      const end = message.tapeEnd;
      this.finish(
        "info" in end ? end : {
          error: end.error.input
            ? new TraceInputError(end.error.message, end.error.line, end.error.format)
            : new Error(end.error.message),
        },
        message.peak,
      );
    } else {
      return false;
    }
    return true;
  }

  /** Takes the next batch, with the sender's figures at that point. */
  receive(batch: EventBatch, peak: number, bytesRead: number, fileBytes: number): void {
    if (this.#kept) this.#batches.push(batch);
    this.peak = peak;
    this.bytesRead = bytesRead;
    this.fileBytes = fileBytes;
    this.#wakeUp();
  }

  /** Takes how the parse ended. */
  finish(end: { info: TraceInfo } | { error: Error }, peak: number): void {
    this.#end = end;
    this.peak = peak;
    this.#wakeUp();
  }

  get complete(): boolean {
    return this.#end !== undefined;
  }

  get fromStart(): boolean {
    return this.#kept;
  }

  get length(): number {
    return this.#batches.length;
  }

  at(index: number): EventBatch | undefined {
    if (index >= this.#batches.length) return undefined;
    if (!this.#kept) throw new Error(`batch ${index} was let go`);
    return this.#batches[index];
  }

  async next(index: number): Promise<EventBatch | undefined> {
    while (index >= this.#batches.length && this.#end === undefined) {
      await new Promise<void>((wake) => this.#wake = wake);
    }
    return this.at(index);
  }

  consumed(_index: number): void {}

  drain(): void {
    this.#kept = false;
    this.#batches = [];
  }

  async whole(): Promise<void> {
    while (this.#end === undefined) await new Promise<void>((wake) => this.#wake = wake);
  }

  end(): TraceInfo {
    if (this.#end === undefined) throw new Error("the trace is still being parsed");
    if ("error" in this.#end) throw this.#end.error;
    return this.#end.info;
  }

  close(): void {}

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

/** A message of {@link sendTape}, for {@link SentTape.take}. */
export type TapeMessage =
  | { tapeBatch: EventBatch; peak: number; read: number; size: number }
  | {
    tapeEnd:
      | { info: TraceInfo }
      | { error: { message: string; line: number; format?: TraceFormat; input: boolean } };
    peak: number;
  };

/**
 * Posts a tape's batches from the first, as they come, then how its parse
 * ended, to a {@link SentTape} on another thread. Batches are copied (posted,
 * not transferred): the tape keeps its own.
 * @param tape a tape kept from its start
 * @param post posts one message
 */
export async function sendTape(
  tape: TapeReader,
  post: (message: TapeMessage) => void,
): Promise<void> {
  for (let i = 0;; i++) {
    const batch = await tape.next(i);
    if (batch === undefined) break;
    post({ tapeBatch: batch, peak: tape.peak, read: tape.bytesRead, size: tape.fileBytes });
  }
  let end: Extract<TapeMessage, { tapeEnd: unknown }>["tapeEnd"];
  try {
    end = { info: tape.end() };
  } catch (error) {
    const input = error instanceof TraceInputError;
    end = {
      error: {
        message: (error as Error).message,
        line: input ? error.line : 0,
        format: input ? error.format : undefined,
        input,
      },
    };
  }
  post({ tapeEnd: end, peak: tape.peak });
}
