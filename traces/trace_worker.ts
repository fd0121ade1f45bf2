/**
 * The parsing half of a streamed trace, run in a worker: reads and parses the
 * file, posting events in batches; waits while too many batches are unread.
 * Protocol: receives `{ path, siteOps, peak }` (siteOps: see
 * BatchEncoderOptions; absent for every op; peak: count the live bytes, see
 * below), then one `{ ack }` per batch, and `{ spare }`: the buffer of a batch
 * read and let go, to fill again (so a long trace's parse allocates no new
 * batch once the reader lets go); posts `{ batch, read, size, peak }`
 * messages, then `{ done: TraceInfo }` or `{ error: { message, line, format,
 * input } }`. Then it waits for the next `{ path, siteOps, peak }`: one worker
 * serves several traces, one after another. With `peak`, each batch's message
 * carries the peak of live bytes of the events up to its end (LiveBytes),
 * counted here rather than by the thread that replays them, which is the
 * busier of the two whenever the simulation is the longer half.
 * @module
 */

import { BATCH_BYTES, batchBuffer, BatchEncoder } from "./event_batch.ts";
import { TraceInputError } from "./line_reader.ts";
import type { TraceOp } from "./trace_event.ts";
import { LiveBytes } from "./live_bytes.ts";
import { readTrace } from "./trace_reader.ts";

/** Batches posted and not yet acknowledged before reading pauses. */
const MAX_IN_FLIGHT = 8;
/** Spare buffers kept at most: enough for the batches in flight. */
const MAX_SPARES = 2 * MAX_IN_FLIGHT;

interface WorkerScope {
  onmessage: ((event: MessageEvent) => void) | null;
  postMessage(message: unknown, transfer?: Transferable[]): void;
}

const scope = globalThis as unknown as WorkerScope;
let inFlight = 0;
let resume: (() => void) | undefined;
let read = 0;
let size = 0;
const spares: ArrayBuffer[] = [];

scope.onmessage = (message: MessageEvent) => {
  const spare = message.data.spare;
  if (spare instanceof ArrayBuffer) {
    if (spare.byteLength === BATCH_BYTES && spares.length < MAX_SPARES) spares.push(spare);
    return;
  }
  if (message.data.ack) {
    inFlight--;
    if (resume !== undefined && inFlight < MAX_IN_FLIGHT) {
      resume();
      resume = undefined;
    }
    return;
  }
  void parse(message.data.path, message.data.siteOps, message.data.peak === true);
};

async function parse(
  path: string,
  siteOps: TraceOp[] | undefined,
  countPeak: boolean,
): Promise<void> {
  // A new trace. inFlight is back at 0 and resume unset: the caller
  // acknowledged every batch of the last trace before sending this path (or
  // it terminated this worker). Only the progress figures are stale.
  read = 0;
  size = 0;
  const live = countPeak ? new LiveBytes() : undefined;
  const encoder = new BatchEncoder((batch) => {
    inFlight++;
    live?.batch(batch);
    scope.postMessage({ batch, read, size, peak: live?.peak }, [batchBuffer(batch)]);
  }, { spare: () => spares.pop(), siteOps });
  try {
    const info = await readTrace(path, encoder, {
      siteOps,
      onProgress: (bytesRead, fileBytes) => {
        read = bytesRead;
        size = fileBytes;
      },
      backpressure: () =>
        inFlight >= MAX_IN_FLIGHT ? new Promise<void>((done) => resume = done) : undefined,
    });
    encoder.flush();
    scope.postMessage({ done: info });
  } catch (error) {
    encoder.flush();
    const input = error instanceof TraceInputError;
    scope.postMessage({
      error: {
        message: (error as Error).message,
        line: input ? error.line : 0,
        format: input ? error.format : undefined,
        input,
      },
    });
  }
}
