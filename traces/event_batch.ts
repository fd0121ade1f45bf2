/**
 * Trace events packed into batches of typed arrays, to cross from a worker
 * that parses to the thread that replays without an object per event.
 * Problems and lost-event reports travel in the same stream, in order.
 * @module
 */

import {
  emptyEvent,
  TRACE_OPS,
  type TraceEvent,
  type TraceOp,
  type TraceSink,
} from "./trace_event.ts";

/** Events per batch. */
export const BATCH_EVENTS = 4096;

/** Op codes: the index in TRACE_OPS, then these. */
const SKIP = TRACE_OPS.length;
const PROBLEM = SKIP + 1;
const LOST = SKIP + 2;
const OP_CODE = new Map<TraceOp, number>(TRACE_OPS.map((op, i) => [op, i]));

/** One batch, as posted between threads: every array a view of one ArrayBuffer. */
export interface EventBatch {
  /** Entries used (the arrays hold BATCH_EVENTS). */
  count: number;
  /** Each entry's op: an index in TRACE_OPS, or skip, problem, lost. */
  op: Uint8Array;
  /** The TraceEvent fields of each entry (a lost report's count is in `size`). */
  line: Float64Array;
  /** See `line`. */
  key: Float64Array;
  /** See `line`. */
  order: Uint8Array;
  /** See `line`. */
  size: Float64Array;
  /** See `line`. */
  flags: Float64Array;
  /** See `line`. */
  linuxBytes: Float64Array;
  /** See `line`. */
  cpu: Int32Array;
  /** See `line`: 1 for true. */
  batched: Uint8Array;
  /** Indexes into `strings` for pool, site, name and reason (a problem's message); -1 for "". */
  pool: Int32Array;
  /** See `pool`. */
  site: Int32Array;
  /** See `pool`. */
  name: Int32Array;
  /** See `pool`. */
  reason: Int32Array;
  /** The batch's strings, each once. */
  strings: string[];
}

/**
 * Bytes of a batch's ArrayBuffer: five 8-byte fields, five 4-byte ones and
 * three bytes per event.
 */
export const BATCH_BYTES = BATCH_EVENTS * (5 * 8 + 5 * 4 + 3);

/** The ArrayBuffer all of a batch's arrays view, for posting as a transferable. */
export function batchBuffer(batch: EventBatch): ArrayBuffer {
  return batch.op.buffer as ArrayBuffer;
}

/**
 * A batch over `buffer` (BATCH_BYTES long), or over a new one. A reused
 * buffer is not cleared: every entry's fields are written before it is read.
 */
function newBatch(buffer = new ArrayBuffer(BATCH_BYTES)): EventBatch {
  let at = 0;
  const view = <T>(make: new (b: ArrayBuffer, at: number, n: number) => T, bytes: number): T => {
    const array = new make(buffer, at, BATCH_EVENTS);
    at += bytes * BATCH_EVENTS;
    return array;
  };
  // Widest first, so that each view starts aligned to its element size.
  return {
    count: 0,
    line: view(Float64Array, 8),
    key: view(Float64Array, 8),
    size: view(Float64Array, 8),
    flags: view(Float64Array, 8),
    linuxBytes: view(Float64Array, 8),
    cpu: view(Int32Array, 4),
    pool: view(Int32Array, 4),
    site: view(Int32Array, 4),
    name: view(Int32Array, 4),
    reason: view(Int32Array, 4),
    op: view(Uint8Array, 1),
    order: view(Uint8Array, 1),
    batched: view(Uint8Array, 1),
    strings: [],
  };
}

/** Options of {@link BatchEncoder}. */
export interface BatchEncoderOptions {
  /**
   * Gives a buffer of BATCH_BYTES to fill next (one whose batch was read and
   * let go), or undefined for a new one.
   */
  spare?: () => ArrayBuffer | undefined;
  /**
   * The ops whose call site is packed; the others arrive with site "".
   * Default: every op. A consumer that reads few sites saves packing the
   * rest: each is a new string, and packing one costs a hash.
   */
  siteOps?: readonly TraceOp[];
}

/** A TraceSink that packs what it receives into batches and hands each full one on. */
export class BatchEncoder implements TraceSink {
  readonly #send: (batch: EventBatch) => void;
  readonly #spare: () => ArrayBuffer | undefined;
  readonly #siteOps: ReadonlySet<TraceOp> | undefined;
  #batch: EventBatch;
  #index = new Map<string, number>();

  /**
   * @param send receives each batch, full or flushed
   * @param options spare buffers, and the ops whose call sites are packed
   */
  constructor(send: (batch: EventBatch) => void, options: BatchEncoderOptions = {}) {
    this.#send = send;
    this.#spare = options.spare ?? (() => undefined);
    this.#siteOps = options.siteOps === undefined ? undefined : new Set(options.siteOps);
    this.#batch = newBatch(this.#spare());
  }

  /** Packs an event. */
  event(e: TraceEvent): void {
    const i = this.#slot(e.op === "skip" ? SKIP : OP_CODE.get(e.op)!, e.line);
    const b = this.#batch;
    b.key[i] = e.key;
    b.order[i] = e.order;
    b.size[i] = e.size;
    b.flags[i] = e.flags;
    b.linuxBytes[i] = e.linuxBytes;
    b.cpu[i] = e.cpu;
    b.batched[i] = e.batched ? 1 : 0;
    b.pool[i] = this.#string(e.pool);
    b.site[i] = this.#siteOps === undefined || this.#siteOps.has(e.op) ? this.#string(e.site) : -1;
    b.name[i] = this.#string(e.name);
    b.reason[i] = this.#string(e.reason);
  }

  /** Packs a problem report. */
  problem(line: number, message: string): void {
    const i = this.#slot(PROBLEM, line);
    this.#batch.reason[i] = this.#string(message);
  }

  /** Packs a lost-events report. */
  lost(line: number, count: number): void {
    const i = this.#slot(LOST, line);
    this.#batch.size[i] = count;
  }

  /** Hands on the batch being filled, if it holds anything. */
  flush(): void {
    if (this.#batch.count === 0) return;
    this.#send(this.#batch);
    this.#batch = newBatch(this.#spare());
    this.#index = new Map();
  }

  #slot(op: number, line: number): number {
    if (this.#batch.count === BATCH_EVENTS) this.flush();
    const i = this.#batch.count++;
    this.#batch.op[i] = op;
    this.#batch.line[i] = line;
    return i;
  }

  #string(text: string): number {
    if (text === "") return -1;
    let i = this.#index.get(text);
    if (i === undefined) {
      i = this.#batch.strings.push(text) - 1;
      this.#index.set(text, i);
    }
    return i;
  }
}

/**
 * The op of a batch's entry `i` when it is an event a replay applies;
 * undefined for a skipped event, a problem or a lost-events report.
 */
export function batchOp(batch: EventBatch, i: number): TraceOp | undefined {
  return batch.op[i] < SKIP ? TRACE_OPS[batch.op[i]] : undefined;
}

/** The string a batch's `pool`, `site`, `name` or `reason` entry refers to ("" for -1). */
export function batchString(batch: EventBatch, ref: number): string {
  return ref < 0 ? "" : batch.strings[ref];
}

/**
 * Unpacks a batch into a sink, in order, through one reused TraceEvent; the
 * sink's `runBatch`, if it has one, runs the whole batch.
 */
export function deliverBatch(
  batch: EventBatch,
  sink: TraceSink,
  e: TraceEvent = emptyEvent(),
): void {
  if (sink.runBatch !== undefined) sink.runBatch(() => deliverEntries(batch, sink, e));
  else deliverEntries(batch, sink, e);
}

function deliverEntries(batch: EventBatch, sink: TraceSink, e: TraceEvent): void {
  for (let i = 0; i < batch.count; i++) {
    const op = batch.op[i];
    if (op === PROBLEM) {
      sink.problem(batch.line[i], batchString(batch, batch.reason[i]));
      continue;
    }
    if (op === LOST) {
      sink.lost(batch.line[i], batch.size[i]);
      continue;
    }
    e.line = batch.line[i];
    e.op = op === SKIP ? "skip" : TRACE_OPS[op];
    e.key = batch.key[i];
    e.order = batch.order[i];
    e.size = batch.size[i];
    e.flags = batch.flags[i];
    e.linuxBytes = batch.linuxBytes[i];
    e.cpu = batch.cpu[i];
    e.batched = batch.batched[i] === 1;
    e.pool = batchString(batch, batch.pool[i]);
    e.site = batchString(batch, batch.site[i]);
    e.name = batchString(batch, batch.name[i]);
    e.reason = batchString(batch, batch.reason[i]);
    sink.event(e);
  }
}
