/**
 * Replays a trace file end to end: sizes a board, boots a design on it
 * (pagepile's by default), streams the trace through a Replayer, and returns
 * its figures with what the run was.
 * @module
 */

import { Board } from "../../hw/board.ts";
import type { Design, PageStats, PoolStats, VmStats } from "../../core/firmware.ts";
import { pagepileDesign } from "../../core/pagepile/design.ts";
import { TraceInputError } from "../../traces/line_reader.ts";
import { readTrace, type TraceFormat } from "../../traces/trace_reader.ts";
import { streamTrace, type TraceStreamer } from "../../traces/trace_stream.ts";
import { type BoardSize, boardSizeForTrace } from "./board_size.ts";
import { Replayer, type ReplayResult } from "./replayer.ts";
import type { CheckMode } from "./shadow_memory.ts";

/** Options of {@link replayTrace}. */
export interface ReplayTraceOptions {
  /** The allocator design to replay on; default pagepile's. */
  design?: Design;
  /** Board RAM in bytes; default: sized from the trace (see boardSizeForTrace). */
  ramBytes?: number;
  /** How much of each block to fill and verify; default "full". */
  check?: CheckMode;
  /** Run the allocators' audit every N events; default only at the end. */
  auditEvery?: number;
  /**
   * Boot the firmware with its debug options (red zones, poisoning, owner
   * tags: the trace's call sites); what they report is a violation. Default false.
   */
  debug?: boolean;
  /** Collect what the HTML report draws (the report's `pictures`); default false. */
  pictures?: boolean;
  /**
   * Stop at the first malformed or unknown line, or at the first bus fault in
   * a Kernel call (it is then in `stoppedAt`).
   */
  strict?: boolean;
  /**
   * Stop at the first allocation that fails for lack of memory (it is then
   * in `stoppedAt`): all a probe for the smallest board needs to know.
   */
  stopAtFailure?: boolean;
  /** Count GFP_ZERO allocations' cycles apart (see ReplayOptions.zeroApart); default false. */
  zeroApart?: boolean;
  /**
   * A parse worker to reuse: the trace is parsed in it whatever its size, and
   * it stays warm for the caller's next replay. Default: a worker of its own
   * for a trace of 2 MB or more, the caller's thread for a smaller one.
   */
  streamer?: TraceStreamer;
  /** Called now and then with file bytes read, file size, and events so far. */
  onProgress?: (bytesRead: number, fileBytes: number, events: number) => void;
}

/** A replay's figures and what the run was. */
export interface ReplayReport extends ReplayResult {
  /** The design's name. */
  design: string;
  /** The trace file. */
  tracePath: string;
  /** Its format. */
  format: TraceFormat;
  /** Lines read. */
  lines: number;
  /** Board RAM in bytes. */
  ramBytes: number;
  /** How the board size was chosen. */
  ramRule: string;
  /**
   * What the trace needs: its peak of live bytes (from a parse-only pass, as
   * if no allocation failed) and the board the sizing rule gives it. Known
   * when the board was sized from the trace or an allocation failed; null
   * otherwise.
   */
  traceNeeds: BoardSize | null;
  /** The check mode. */
  check: CheckMode;
  /** Whether the firmware ran with its debug options. */
  debug: boolean;
  /** Events whose timestamp goes back. */
  timestampsBackwards: number;
  /** Why the trace could not be read to its end, if it could not. */
  inputError: string | null;
  /**
   * The line that stopped the replay early, and why: a bad line or a bus
   * fault with `strict`, an allocation failure with `stopAtFailure`.
   */
  stoppedAt: { line: number; message: string; reason: "strict" | "failure" } | null;
  /** Seconds from start to end, sizing pass included. */
  wallSeconds: number;
  /** Events per second of wall time. */
  eventsPerSecond: number;
  /** The allocators' tables at the end (vm: for a design with vmalloc). */
  tables: { pages: PageStats; slices: PoolStats[]; vm?: VmStats };
  /** Cache names learned from the trace's frees, by pool. */
  poolNames: Record<string, string>;
}

/** Traces from this size (as stored, compressed or not) are parsed in a worker. */
const WORKER_MIN_FILE_BYTES = 2 * 1024 * 1024;

/** The file's size, or 0 when it cannot be read (the reader then reports why). */
async function fileBytes(path: string): Promise<number> {
  try {
    return (await Deno.stat(path)).size;
  } catch {
    return 0;
  }
}

/** Thrown through the reader to stop a replay early. */
class Stop extends Error {
  constructor(readonly line: number, message: string, readonly reason: "strict" | "failure") {
    super(message);
  }
}

/**
 * Replays a trace file and returns its report.
 * @param path a trace: Linux ftrace or trace-cmd report text, trace.dat, or native; plain, gzip or zstd
 * @param options board size, checks, audit interval, strictness, progress
 * @returns the report; a trace that breaks off part way (a truncated gzip
 *   stream) is reported up to the break, in `inputError`
 * @throws {TraceInputError} when nothing of the trace can be replayed: the
 *   file is missing, unreadable, empty, not a trace, or holds no event
 * @example
 * ```ts
 * import { replayTrace } from "@pagepile/pagepile";
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "# pagepile trace 1\nalloc_pages 0x1 0 2\nfree_pages 0x1\n");
 * const report = await replayTrace(path, { ramBytes: 1024 * 1024 });
 * console.log(report.applied, report.violations); // 2 0
 * ```
 */
export async function replayTrace(
  path: string,
  options: ReplayTraceOptions = {},
): Promise<ReplayReport> {
  const start = performance.now();
  let ramBytes = options.ramBytes;
  let ramRule = "given";
  let traceNeeds: BoardSize | null = null;
  if (ramBytes === undefined) {
    const size = traceNeeds = await boardSizeForTrace(path);
    ramBytes = size.ramBytes;
    ramRule =
      `sized from the trace: 2 x its peak live ${(size.peakLiveBytes / 1048576).toFixed(1)} MiB` +
      " + 16 MiB, to a power of two";
  }
  const design = options.design ?? pagepileDesign;
  const kernel = design.boot(new Board({ ramBytes }), { debug: options.debug ?? false });
  const check = options.check ?? "full";
  const replayer = new Replayer(kernel, {
    check,
    auditEvery: options.auditEvery,
    pictures: options.pictures,
    zeroApart: options.zeroApart,
    onFault: options.strict
      ? (line, message) => {
        throw new Stop(line, message, "strict");
      }
      : undefined,
    onFailure: options.stopAtFailure
      ? (line, message) => {
        throw new Stop(line, message, "failure");
      }
      : undefined,
  });
  let inputError: string | null = null;
  let stoppedAt: ReplayReport["stoppedAt"] = null;
  let lines = 0;
  let format: ReplayReport["format"] = "linux";
  let timestampsBackwards = 0;
  const sink = options.strict
    ? {
      event: replayer.event.bind(replayer),
      lost: replayer.lost.bind(replayer),
      problem(line: number, message: string): void {
        replayer.problem(line, message);
        throw new Stop(line, message, "strict");
      },
    }
    : replayer;
  try {
    // A large trace is read and parsed in a worker, on another core, while
    // this thread replays: the replay runs at nearly the slower of the two
    // rates. A small one is parsed here: a worker starts cold (module load, JIT
    // warm-up), which costs more than the overlap saves on a short trace.
    const streamer = options.streamer;
    const read = streamer !== undefined
      ? streamer.stream.bind(streamer)
      : await fileBytes(path) >= WORKER_MIN_FILE_BYTES
      ? streamTrace
      : readTrace;
    const info = await read(path, sink, {
      onProgress: (read, size) => options.onProgress?.(read, size, replayer.events),
    });
    ({ lines, format, timestampsBackwards } = info);
  } catch (error) {
    if (error instanceof Stop) {
      stoppedAt = { line: error.line, message: error.message, reason: error.reason };
      lines = error.line;
    } else if (error instanceof TraceInputError && replayer.events > 0) {
      inputError = error.message;
      lines = error.line;
      format = error.format ?? format;
    } else {
      throw error;
    }
  }
  const result = replayer.finish(lines);
  // A board too small for the trace: say how large it should be.
  if (result.failures > 0 && traceNeeds === null) traceNeeds = await boardSizeForTrace(path);
  const wallSeconds = (performance.now() - start) / 1000;
  const stats = kernel.stats();
  return {
    ...result,
    design: design.name,
    tracePath: path,
    format,
    lines,
    ramBytes,
    ramRule,
    traceNeeds,
    check,
    debug: options.debug ?? false,
    timestampsBackwards,
    inputError,
    stoppedAt,
    wallSeconds: Math.round(wallSeconds * 1000) / 1000,
    eventsPerSecond: Math.round(result.events / wallSeconds),
    tables: {
      pages: stats.pages,
      slices: stats.slices,
      ...(stats.vm === undefined ? {} : { vm: stats.vm }),
    },
    poolNames: Object.fromEntries(replayer.poolNames()),
  };
}
