/**
 * A pool of workers that replay one trace on designs: each worker receives
 * the trace's parsed events once (when a tape is given) and then runs job
 * after job, so that a comparison and its smallest-board probes (hundreds of
 * replays) pay for starting a worker and sending the events once per core,
 * not once per replay.
 * @module
 */

import type { ReplayReport, ReplayTraceOptions } from "../replay/replay_trace.ts";
import type { LoadDesignOptions } from "../replay/design_loader.ts";
import { TraceInputError } from "../../traces/line_reader.ts";
import { sendTape, type TapeReader } from "../../traces/trace_tape.ts";

/**
 * The options a job passes to the worker's replayTrace, and to its
 * loadDesign (`load`: for a firmware image, its name and CPU timing).
 */
export type JobOptions =
  & Pick<
    ReplayTraceOptions,
    | "ramBytes"
    | "cache"
    | "check"
    | "pictures"
    | "zeroApart"
    | "stopAtFailure"
    | "maxCallCycles"
    | "maxCallInstructions"
    | "watchdogSeconds"
    | "maxViolations"
  >
  & { load?: LoadDesignOptions };

/** One job's callbacks. */
interface Job {
  spec: string;
  path: string;
  options: JobOptions;
  onProgress: (bytesRead: number, fileBytes: number, events: number) => void;
  resolve: (report: ReplayReport) => void;
  reject: (error: Error) => void;
}

/**
 * At most `size` workers, started as jobs need them. A worker that dies (a
 * design's asynchronous code threw, say) is replaced, and its job gets the
 * report of a replay the design broke at its start, so the others stand.
 */
export class ReplayWorkers {
  readonly #size: number;
  readonly #tape: TapeReader | undefined;
  readonly #idle: Worker[] = [];
  readonly #busy = new Map<Worker, Job>();
  readonly #queue: Job[] = [];
  #started = 0;

  /**
   * @param size workers at most
   * @param tape the trace's events, from its start, to send every worker once
   */
  constructor(size: number, tape: TapeReader | undefined) {
    this.#size = Math.max(1, size);
    this.#tape = tape;
  }

  /**
   * Replays the trace on one design in the next free worker.
   * @returns its report
   */
  replay(
    spec: string,
    path: string,
    options: JobOptions,
    onProgress: (bytesRead: number, fileBytes: number, events: number) => void = () => {},
  ): Promise<ReplayReport> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ spec, path, options, onProgress, resolve, reject });
      this.#dispatch();
    });
  }

  /** Stops the job each busy worker runs at its next batch of events (an interruption). */
  abort(): void {
    for (const worker of this.#busy.keys()) worker.postMessage({ abort: true });
  }

  /** Ends every worker. */
  close(): void {
    for (const worker of [...this.#idle, ...this.#busy.keys()]) worker.terminate();
    this.#idle.length = 0;
    this.#busy.clear();
  }

  #dispatch(): void {
    while (this.#queue.length > 0) {
      const worker = this.#idle.pop() ??
        (this.#started < this.#size ? this.#start() : undefined);
      if (worker === undefined) return;
      const job = this.#queue.shift()!;
      this.#busy.set(worker, job);
      worker.postMessage({ job: { spec: job.spec, path: job.path, options: job.options } });
    }
  }

  #start(): Worker {
    const worker = new Worker(new URL("./compare_worker.ts", import.meta.url), { type: "module" });
    this.#started++;
    worker.onmessage = (message: MessageEvent) => this.#receive(worker, message.data);
    worker.onerror = (error) => {
      error.preventDefault();
      const job = this.#busy.get(worker);
      this.#busy.delete(worker);
      worker.terminate();
      this.#started--;
      job?.resolve(crashReport(job, `the replay's worker died: ${error.message}`));
      this.#dispatch();
    };
    const tape = this.#tape;
    if (tape !== undefined) {
      worker.postMessage({ tape: true });
      void sendTape(tape, (message) => worker.postMessage(message));
    }
    return worker;
  }

  #receive(worker: Worker, data: Record<string, unknown>): void {
    const job = this.#busy.get(worker);
    if (job === undefined) return;
    const progress = data.progress as { read: number; size: number; events: number } | undefined;
    if (progress !== undefined) {
      job.onProgress(progress.read, progress.size, progress.events);
      return;
    }
    this.#busy.delete(worker);
    this.#idle.push(worker);
    if (data.report !== undefined) {
      job.resolve(data.report as ReplayReport);
    } else if (data.error !== undefined) {
      const { message, input } = data.error as { message: string; input: boolean };
      job.reject(input ? new TraceInputError(message, 0) : new Error(`${job.spec}: ${message}`));
    }
    this.#dispatch();
  }
}

/** The report of a replay whose worker died before it could say anything: the design broke at its start. */
function crashReport(job: Job, message: string): ReplayReport {
  const broken = { line: 0, message };
  const nothing = { line: 0, footprintBytes: 0 };
  const series = { every: 1, event: [], line: [], requestedBytes: [], footprintBytes: [] };
  return {
    ...(job.options.pictures
      ? {
        pictures: {
          peak: nothing,
          peakMap: null,
          peakMapAt: nothing,
          endMap: null,
          series: { ...series, freeByOrder: [] },
        },
      }
      : {}),
    design: job.options.load?.name ?? job.spec,
    tracePath: job.path,
    format: "linux",
    lines: 0,
    ramBytes: job.options.ramBytes ?? 0,
    ramRule: "given",
    traceNeeds: null,
    check: job.options.check ?? "full",
    debug: false,
    timestampsBackwards: 0,
    inputError: null,
    stoppedAt: { ...broken, reason: "design" },
    wallSeconds: 0,
    eventsPerSecond: 0,
    poolNames: {},
    events: 0,
    applied: 0,
    skipped: {},
    problems: { count: 0, first: [] },
    violations: 1,
    violationList: [broken],
    designBroken: broken,
    failures: 0,
    failureList: [],
    ops: {},
    memory: {
      peakRequestedBytes: 0,
      peakLine: 0,
      objectRequestedBytes: 0,
      objectAllocatedBytes: 0,
      linuxAllocatedBytes: 0,
      pageBytes: 0,
      vmallocBytes: 0,
      peakFootprintBytes: 0,
      firmwareBytes: 0,
    },
    trace: { cpus: [], crossCpuFrees: 0, lostEvents: 0, implicitFrees: 0 },
    tlb: { hits: 0, misses: 0, hitRate: 0 },
    tables: null,
  };
}
