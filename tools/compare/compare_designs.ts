/**
 * Replays one trace on several designs, on the same board size, the same bus
 * and the same checks, each in a worker of its own and as many at once as
 * the machine has cores; then sets their figures side by side. The trace is
 * parsed once, into a tape that sizes the board and whose events every
 * design's replay reads (a trace past the tape's budget is read by each).
 * @module
 */

import { boardForPeak } from "../replay/board_size.ts";
import type { CallLimits } from "../replay/call_guard.ts";
import { loadDesign } from "../replay/design_loader.ts";
import type { ReplayReport, ReplayTraceOptions } from "../replay/replay_trace.ts";
import { smallestBoards } from "./smallest_board.ts";
import type { CheckMode } from "../replay/shadow_memory.ts";
import { TraceInputError } from "../../traces/line_reader.ts";
import { sendTape, type TapeReader, TraceTape } from "../../traces/trace_tape.ts";
import { siteOpsRead } from "../replay/replayer.ts";

/** Options of {@link compareDesigns}. */
export interface CompareOptions extends CallLimits {
  /** Stop each design's replay after this many violations. */
  maxViolations?: number;
  /**
   * Stop every replay at its next batch of events once this is aborted
   * (Ctrl-C): the table shows what each had found.
   */
  signal?: AbortSignal;
  /** Board RAM in bytes, the same for every design; default: sized from the trace. */
  ramBytes?: number;
  /** How much of each block to fill and verify; default "full". */
  check?: CheckMode;
  /** Collect each replay's pictures (what the HTML reports draw); default false. */
  pictures?: boolean;
  /**
   * Also find the smallest board each design needs: the least RAM on which
   * the trace replays with no allocation failing (see smallest_board.ts).
   * Default false.
   */
  minRam?: boolean;
  /** Called after each probe of that search, with the design's index and the board tried. */
  onProbe?: (design: number, ramBytes: number, fits: boolean) => void;
  /** Replays run at once; default: the machine's cores. */
  parallel?: number;
  /**
   * Called now and then with a design's progress: its index in `designs`,
   * file bytes read, the file's size and events so far.
   */
  onProgress?: (design: number, bytesRead: number, fileBytes: number, events: number) => void;
  /** Called when a design's replay ends, with its index. */
  onDone?: (design: number) => void;
}

/** One design's line of a comparison. */
export interface DesignFigures {
  /** The design's name. */
  design: string;
  /** Violations of the replay's checks. */
  violations: number;
  /** Allocations that returned 0. */
  failures: number;
  /** Events skipped because the design lacks that part of the API. */
  unsupportedSkips: number;
  /** Bytes handed out ÷ bytes requested, for the objects live at the peak of live requested. */
  waste: number;
  /** Peak of the pages the allocators held, in bytes. */
  peakFootprintBytes: number;
  /** That peak ÷ the peak of live requested bytes. */
  footprintRatio: number;
  /** Wall time of the replay, in seconds. */
  wallSeconds: number;
  /**
   * Why its replay stopped before the trace's end, when it did: the design
   * broke (threw, spent its cycles, did not return), too many violations,
   * or an interruption. Its figures then cover the lines before.
   */
  stopped: string | null;
  /**
   * With `minRam`: the smallest board on which the trace replays with no
   * allocation failing; null when not even the largest board does.
   */
  smallestBoardBytes?: number | null;
  /** The whole replay report. */
  report: ReplayReport;
}

/** What {@link compareDesigns} returns. */
export interface Comparison {
  /** The trace. */
  tracePath: string;
  /** Board RAM, the same for every design. */
  ramBytes: number;
  /** How the board size was chosen. */
  ramRule: string;
  /** The check mode. */
  check: CheckMode;
  /** Peak of live requested bytes (the same for every design: the trace's). */
  peakRequestedBytes: number;
  /** One line per design, in the order asked for. */
  designs: DesignFigures[];
}

/** A skip reason that says the design lacks the event's part (see the Replayer). */
const UNSUPPORTED = /: the design has no /;

/**
 * Replays `path` on each design: shipped names or module paths, as
 * `--design` takes them. Each replay runs in a worker; the board is sized
 * once, so every design gets the same RAM.
 * @param path the trace
 * @param designs design names or module paths
 * @param options board size, checks, parallelism, progress
 * @returns the designs' figures side by side
 * @throws {DesignLoadError} when a design cannot be found or loaded
 * @throws {TraceInputError} when nothing of the trace can be replayed
 * @example
 * ```ts
 * import { compareDesigns } from "@pagepile/pagepile";
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "# pagepile trace 1\ngalloc 0x10 0 24\ngfree 0x10\n");
 * const comparison = await compareDesigns(path, ["pagepile"], { ramBytes: 1024 * 1024 });
 * console.log(comparison.designs[0].violations); // 0
 * ```
 */
export async function compareDesigns(
  path: string,
  designs: string[],
  options: CompareOptions = {},
): Promise<Comparison> {
  // Every design is found before any replay starts, so a typo costs nothing.
  for (const spec of designs) await loadDesign(spec);
  const tape = await TraceTape.open(path, {
    readWhenWhole: true,
    siteOps: siteOpsRead(false),
    budgetBytes: SHARED_TAPE_BYTES,
  });
  try {
    await tape.whole();
    if (tape.length === 0) tape.end(); // no event at all: the reader's error
    return await compareOnTape(path, designs, options, tape);
  } finally {
    tape.close();
  }
}

/**
 * Bytes of parsed events kept to share with every design's replay (and the
 * --min-ram probes), so that the trace is parsed once: about 4 million
 * events. A longer trace is parsed again by each replay, in its own worker.
 */
const SHARED_TAPE_BYTES = 256 * 1024 * 1024;

async function compareOnTape(
  path: string,
  designs: string[],
  options: CompareOptions,
  tape: TraceTape,
): Promise<Comparison> {
  const ramBytes = options.ramBytes ?? boardForPeak(tape.peak);
  const ramRule = options.ramBytes !== undefined
    ? "given"
    : `sized from the trace: 2 x its peak live ${(tape.peak / 1048576).toFixed(1)} MiB` +
      " + 16 MiB, to a power of two";
  const shared = tape.fromStart ? tape : undefined;
  const check = options.check ?? "full";
  const parallel = Math.max(1, options.parallel ?? navigator.hardwareConcurrency ?? 1);
  const reports: ReplayReport[] = new Array(designs.length);
  let next = 0;
  const runner = async (): Promise<void> => {
    for (let i = next++; i < designs.length; i = next++) {
      reports[i] = await replayInWorker(
        designs[i],
        path,
        {
          ramBytes,
          check,
          pictures: options.pictures ?? false,
          zeroApart: true,
          maxCallCycles: options.maxCallCycles,
          watchdogSeconds: options.watchdogSeconds,
          maxViolations: options.maxViolations,
        },
        (r, s, e) => options.onProgress?.(i, r, s, e),
        shared,
        options.signal,
      );
      options.onDone?.(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, designs.length) }, runner));
  const rows = reports.map(figures);
  // A design whose replay stopped has no smallest board to find: it is left out.
  const whole = rows.flatMap((row, i) => row.stopped === null ? [i] : []);
  if (options.minRam && whole.length > 0 && !options.signal?.aborted) {
    // No board below the least a design's replay held live can fit it.
    const floor = Math.min(...whole.map((i) => reports[i].memory.peakRequestedBytes));
    const probe = async (w: number, bytes: number): Promise<boolean> => {
      const i = whole[w];
      const replay = {
        ramBytes: bytes,
        check: "off" as const,
        stopAtFailure: true,
        maxCallCycles: options.maxCallCycles,
        watchdogSeconds: options.watchdogSeconds,
      };
      const report = await replayInWorker(designs[i], path, replay, () => {}, shared);
      // A probe on which the design broke, or did not get to the end, does not fit.
      const fits = report.failures === 0 && report.inputError === null &&
        report.designBroken === null;
      options.onProbe?.(i, bytes, fits);
      return fits;
    };
    const smallest = await smallestBoards(whole.length, floor, probe, parallel);
    whole.forEach((i, w) => rows[i].smallestBoardBytes = smallest[w]);
  }
  return {
    tracePath: path,
    ramBytes,
    ramRule,
    check,
    peakRequestedBytes: Math.max(...reports.map((r) => r.memory.peakRequestedBytes)),
    designs: rows,
  };
}

/** A design's line of the comparison, from its report. */
function figures(report: ReplayReport): DesignFigures {
  const m = report.memory;
  const unsupportedSkips = Object.entries(report.skipped)
    .filter(([reason]) => UNSUPPORTED.test(reason))
    .reduce((n, [, count]) => n + count, 0);
  return {
    design: report.design,
    violations: report.violations,
    failures: report.failures,
    unsupportedSkips,
    waste: m.objectRequestedBytes === 0 ? 0 : m.objectAllocatedBytes / m.objectRequestedBytes,
    peakFootprintBytes: m.peakFootprintBytes,
    footprintRatio: m.peakRequestedBytes === 0 ? 0 : m.peakFootprintBytes / m.peakRequestedBytes,
    wallSeconds: report.wallSeconds,
    stopped: report.stoppedAt === null || report.stoppedAt.reason === "failure"
      ? null
      : `stopped at line ${report.stoppedAt.line.toLocaleString("en-US")}${
        STOP_WHY[report.stoppedAt.reason]
      }: ${report.stoppedAt.message}`,
    report,
  };
}

/** How the table says why a replay stopped (the message follows). */
const STOP_WHY: Record<string, string> = {
  design: " (the design broke)",
  violations: " (--max-violations)",
  interrupted: " (interrupted)",
  strict: " (--strict)",
};

/**
 * Runs one replay in a fresh worker, which ends with it. A worker that dies
 * (a design's asynchronous code threw, say) gives the report of a replay
 * the design broke at its start, so that the other designs' results stand.
 */
function replayInWorker(
  spec: string,
  path: string,
  options: Pick<
    ReplayTraceOptions,
    | "ramBytes"
    | "check"
    | "pictures"
    | "zeroApart"
    | "stopAtFailure"
    | "maxCallCycles"
    | "watchdogSeconds"
    | "maxViolations"
  >,
  onProgress: (bytesRead: number, fileBytes: number, events: number) => void,
  tape: TapeReader | undefined,
  signal?: AbortSignal,
): Promise<ReplayReport> {
  const worker = new Worker(new URL("./compare_worker.ts", import.meta.url), { type: "module" });
  return new Promise<ReplayReport>((resolve, reject) => {
    const abort = (): void => worker.postMessage({ abort: true });
    const end = (outcome: () => void): void => {
      signal?.removeEventListener("abort", abort);
      worker.terminate();
      outcome();
    };
    signal?.addEventListener("abort", abort);
    worker.onerror = (error) => {
      error.preventDefault();
      const message = `the replay's worker died: ${error.message}`;
      end(() => resolve(crashReport(spec, path, options, message)));
    };
    worker.onmessage = (message: MessageEvent) => {
      const data = message.data;
      if (data.progress !== undefined) {
        onProgress(data.progress.read, data.progress.size, data.progress.events);
      } else if (data.report !== undefined) {
        end(() => resolve(data.report as ReplayReport));
      } else if (data.error !== undefined) {
        const { message: text, input } = data.error;
        end(() => reject(input ? new TraceInputError(text, 0) : new Error(`${spec}: ${text}`)));
      }
    };
    worker.postMessage({ spec, path, options, tape: tape !== undefined });
    if (tape !== undefined) void sendTape(tape, (message) => worker.postMessage(message));
    if (signal?.aborted) abort();
  });
}

/** The report of a replay whose worker died before it could say anything: the design broke at its start. */
function crashReport(
  spec: string,
  path: string,
  options: Pick<ReplayTraceOptions, "ramBytes" | "check" | "pictures">,
  message: string,
): ReplayReport {
  const broken = { line: 0, message };
  const nothing = { line: 0, footprintBytes: 0 };
  const series = { every: 1, event: [], line: [], requestedBytes: [], footprintBytes: [] };
  return {
    ...(options.pictures
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
    design: spec,
    tracePath: path,
    format: "linux",
    lines: 0,
    ramBytes: options.ramBytes ?? 0,
    ramRule: "given",
    traceNeeds: null,
    check: options.check ?? "full",
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
