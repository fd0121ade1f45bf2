/**
 * Replays a trace file end to end: sizes a board, boots a design on it
 * (pagepile's by default), streams the trace through a Replayer, and returns
 * its figures with what the run was.
 * @module
 */

import { Board, type BoardCaches } from "../../hw/board.ts";
import type { Design } from "../../core/firmware.ts";
import { pagepileDesign } from "../../core/pagepile/design.ts";
import { TraceInputError } from "../../traces/line_reader.ts";
import { batchBuffer, BatchEncoder, deliverBatch } from "../../traces/event_batch.ts";
import { emptyEvent, type TraceOp, type TraceSink } from "../../traces/trace_event.ts";
import {
  readTrace,
  type TraceFormat,
  traceFormat,
  type TraceInfo,
} from "../../traces/trace_reader.ts";
import { streamTrace, type TraceStreamer } from "../../traces/trace_stream.ts";
import {
  type TapeReader,
  TraceTape,
  type TraceTapeOptions,
  WORKER_MIN_FILE_BYTES,
} from "../../traces/trace_tape.ts";
import { boardForPeak, type BoardSize, boardSizeForTrace } from "./board_size.ts";
import { recallPeak, rememberPeak } from "./board_memory.ts";
import {
  Replayer,
  type ReplayResult,
  ReplayStopped,
  siteOpsRead,
  type StopReason,
} from "./replayer.ts";
import type { CheckMode } from "./shadow_memory.ts";
import type { CallLimits } from "./call_guard.ts";

/** Options of {@link replayTrace}. */
export interface ReplayTraceOptions extends CallLimits {
  /** The allocator design to replay on; default pagepile's. */
  design?: Design;
  /**
   * Check at the end that the design's state is all in the board's RAM
   * (ReplayOptions.twinOf): what `replay` and `compare` do for a module of
   * one's own. Default false.
   */
  stateCheck?: boolean;
  /** Board RAM in bytes; default: sized from the trace (see boardSizeForTrace). */
  ramBytes?: number;
  /**
   * Caches on the board (see BoardCaches); default none. The report's
   * `cache` then has what each kind of call did in the data cache.
   */
  cache?: BoardCaches;
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
  /** Stop after the event that brings the violations to this many (it is then in `stoppedAt`). */
  maxViolations?: number;
  /**
   * Stop at the next batch of events once this is aborted (Ctrl-C); the
   * report covers what came before, and `stoppedAt` says so.
   */
  signal?: AbortSignal;
  /**
   * A parse worker to reuse: with `ramBytes` given, the trace is parsed in it
   * whatever its size, and it stays warm for the caller's next replay (sized
   * from the trace, it is parsed in a worker of its own, whatever its size).
   * Default: a worker of its own for a trace of 2 MB or more, the caller's
   * thread for a smaller one.
   */
  streamer?: TraceStreamer;
  /**
   * Sized from the trace: bytes of parsed events kept so that the replay can
   * start over on a larger board without parsing again (see replayTrace);
   * default 64 MiB. Past it, starting over reads the trace again.
   */
  tapeBytes?: number;
  /**
   * The trace's events already parsed (read from its start): the replay
   * reads them instead of the file. Sized from the trace, the tape's peak
   * sizes the board as it grows. The caller closes it. Its events must carry
   * the call sites the replay reads (TraceTape's siteOps: siteOpsRead(debug)).
   */
  tape?: TapeReader;
  /**
   * Sized from the trace: a file that remembers each trace's peak of live
   * bytes (see board_memory.ts), so that a trace replayed before starts on
   * its board at once. Default: none (the command-line programs keep one in
   * the user's cache folder).
   */
  boardMemory?: string;
  /**
   * Sized from the trace: gives a parse worker (traces/trace_worker.ts)
   * already started, perhaps already parsing the trace, for the trace's tape
   * to take rather than start one (see TraceTapeOptions.startedWorker). The
   * command line starts it before it loads the replay, so that the first
   * events are parsed by the time the board has booted.
   */
  startedWorker?: TraceTapeOptions["startedWorker"];
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
   * fault with `strict`, an allocation failure with `stopAtFailure`, a
   * design that broke (`designBroken` has it), `maxViolations` reached, or
   * the replay interrupted.
   */
  stoppedAt: { line: number; message: string; reason: StopReason } | null;
  /** Seconds from start to end, sizing pass included. */
  wallSeconds: number;
  /** Events per second of wall time. */
  eventsPerSecond: number;
  /** Cache names learned from the trace's frees, by pool. */
  poolNames: Record<string, string>;
}

/**
 * Replays a trace file and returns its report.
 *
 * Sized from the trace (no `ramBytes`), the trace is parsed once, in a
 * worker for a large one, into a TraceTape that counts its peak of live
 * bytes as it goes; the replay starts at once on the board that peak so far
 * calls for, and starts over on a larger one whenever the parse, running
 * ahead, finds the peak has outgrown it. The board it ends on is the one
 * the rule gives the whole trace (see boardForPeak), as if it had been
 * sized first; the work of boards outgrown is lost, never the parse (the
 * tape keeps the events, up to its budget; past it, the trace is read again).
 * With `boardMemory`, a trace replayed before starts on the board its
 * remembered peak calls for (and starts over if that turns out wrong).
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
  const run = options.ramBytes === undefined
    ? await replaySized(path, options)
    : options.tape !== undefined
    ? await replayTapeOnBoard(options.tape, options.ramBytes, options)
    : await replayOnBoard(path, options.ramBytes, options);
  const { attempt, read } = run;
  // A replay stopped early did not read on to where the reader names the format.
  if (read.stoppedAt !== null) read.format = await traceFormat(path);
  const result = attempt.replayer.finish(read.lines);
  // A design that broke at the end (in its audit, say) stopped nothing, but broke all the same.
  if (read.stoppedAt === null && result.designBroken !== null) {
    read.stoppedAt = { ...result.designBroken, reason: "design" };
  }
  let traceNeeds = run.traceNeeds;
  // A board too small for the trace: say how large it should be.
  if (result.failures > 0 && traceNeeds === null) traceNeeds = await boardSizeForTrace(path);
  const wallSeconds = (performance.now() - start) / 1000;
  return {
    ...result,
    design: (options.design ?? pagepileDesign).name,
    tracePath: path,
    format: read.format,
    lines: read.lines,
    ramBytes: attempt.ramBytes,
    ramRule: traceNeeds === null || options.ramBytes !== undefined
      ? "given"
      : `sized from the trace: 2 x its peak live ${
        (traceNeeds.peakLiveBytes / 1048576).toFixed(1)
      } MiB + 16 MiB, to a power of two`,
    traceNeeds,
    check: options.check ?? "full",
    debug: options.debug ?? false,
    timestampsBackwards: read.timestampsBackwards,
    inputError: read.inputError,
    stoppedAt: read.stoppedAt,
    wallSeconds: Math.round(wallSeconds * 1000) / 1000,
    eventsPerSecond: Math.round(result.events / wallSeconds),
    poolNames: Object.fromEntries(attempt.replayer.poolNames()),
  };
}

/** A board with the design booted on it, and the replayer that drives it. */
interface Attempt {
  ramBytes: number;
  replayer: Replayer;
  /** The sink the trace's events go to: the replayer, or its strict wrapper. */
  sink: TraceSink;
}

/** How the reading of a trace into an attempt ended. */
interface ReadOutcome {
  format: TraceFormat;
  lines: number;
  timestampsBackwards: number;
  inputError: string | null;
  stoppedAt: ReplayReport["stoppedAt"];
}

/** A replay run to its end: the attempt that counts, how its reading ended, the trace's needs. */
interface Run {
  attempt: Attempt;
  read: ReadOutcome;
  traceNeeds: BoardSize | null;
}

function boot(ramBytes: number, options: ReplayTraceOptions): Attempt {
  const design = options.design ?? pagepileDesign;
  // A design's own board options (an image's flash) come with it; the RAM is the replay's.
  const board = new Board({ ...design.boardOptions, ramBytes, cache: options.cache });
  const replayer = Replayer.boot(design, board, {
    twinOf: options.stateCheck ? design : undefined,
    debug: options.debug ?? false,
    check: options.check ?? "full",
    auditEvery: options.auditEvery,
    pictures: options.pictures,
    zeroApart: options.zeroApart,
    maxCallCycles: options.maxCallCycles,
    watchdogSeconds: options.watchdogSeconds,
    maxCallInstructions: options.maxCallInstructions,
    maxViolations: options.maxViolations,
    signal: options.signal,
    onFault: options.strict
      ? (line, message) => {
        throw new ReplayStopped(line, message, "strict");
      }
      : undefined,
    onFailure: options.stopAtFailure
      ? (line, message) => {
        throw new ReplayStopped(line, message, "failure");
      }
      : undefined,
  });
  const sink: TraceSink = options.strict
    ? {
      event: replayer.event.bind(replayer),
      lost: replayer.lost.bind(replayer),
      runBatch: replayer.runBatch.bind(replayer),
      problem(line: number, message: string): void {
        replayer.problem(line, message);
        throw new ReplayStopped(line, message, "strict");
      },
    }
    : replayer;
  return { ramBytes, replayer, sink };
}

/**
 * How a reading that threw ended: a stop, or an input error after some
 * events; anything else is rethrown.
 */
function outcomeOfError(
  error: unknown,
  attempt: Attempt,
  format: TraceFormat,
): ReadOutcome {
  if (error instanceof ReplayStopped) {
    return {
      format,
      lines: error.line,
      timestampsBackwards: 0,
      inputError: null,
      stoppedAt: { line: error.line, message: error.message, reason: error.reason },
    };
  }
  if (error instanceof TraceInputError && attempt.replayer.events > 0) {
    return {
      format: error.format ?? format,
      lines: error.line,
      timestampsBackwards: 0,
      inputError: error.message,
      stoppedAt: null,
    };
  }
  throw error;
}

/** Replays the trace on a board of `ramBytes`, reading it straight into the replayer. */
async function replayOnBoard(
  path: string,
  ramBytes: number,
  options: ReplayTraceOptions,
  traceNeeds: BoardSize | null = null,
): Promise<Run> {
  const attempt = boot(ramBytes, options);
  let read: ReadOutcome;
  try {
    // A large trace is read and parsed in a worker, on another core, while
    // this thread replays: the replay runs at nearly the slower of the two
    // rates. A small one is parsed here: a worker starts cold (module load, JIT
    // warm-up), which costs more than the overlap saves on a short trace.
    const streamer = options.streamer;
    const reader = streamer !== undefined
      ? streamer.stream.bind(streamer)
      : await fileBytes(path) >= WORKER_MIN_FILE_BYTES
      ? streamTrace
      : readInBatches;
    const info = await reader(path, attempt.sink, {
      onProgress: (bytesRead: number, size: number) =>
        options.onProgress?.(bytesRead, size, attempt.replayer.events),
      siteOps: siteOpsRead(options.debug ?? false),
    });
    read = { ...info, inputError: null, stoppedAt: null };
  } catch (error) {
    read = outcomeOfError(error, attempt, "linux");
  }
  return { attempt, read, traceNeeds };
}

/**
 * Reads a trace on this thread into `sink` a batch at a time, as a worker's
 * parse hands it over: so that the sink runs each batch as one (a replay,
 * under its watchdog). The events before an input error are delivered.
 */
async function readInBatches(
  path: string,
  sink: TraceSink,
  options: {
    onProgress?: (bytesRead: number, fileBytes: number) => void;
    siteOps?: readonly TraceOp[];
  },
): Promise<TraceInfo> {
  const event = emptyEvent();
  let spare: ArrayBuffer | undefined;
  const encoder = new BatchEncoder((batch) => {
    deliverBatch(batch, sink, event);
    spare = batchBuffer(batch); // read: its buffer is filled again
  }, {
    siteOps: options.siteOps,
    spare: () => {
      const buffer = spare;
      spare = undefined;
      return buffer;
    },
  });
  let info: TraceInfo;
  try {
    info = await readTrace(path, encoder, { onProgress: options.onProgress });
  } catch (error) {
    if (!(error instanceof ReplayStopped)) encoder.flush();
    throw error;
  }
  encoder.flush();
  return info;
}

/** Replays the trace on the board the sizing rule gives it, parsing it once (see replayTrace). */
async function replaySized(path: string, options: ReplayTraceOptions): Promise<Run> {
  const memory = options.boardMemory;
  const remembered = memory === undefined ? undefined : await recallPeak(memory, path);
  const run = await replayGrowing(path, options, remembered ?? 0);
  const peak = run.traceNeeds?.peakLiveBytes;
  if (memory !== undefined && peak !== undefined && peak !== remembered) {
    await rememberPeak(memory, path, peak);
  }
  return run;
}

/**
 * Replays on a board that grows with the peak found so far, from the board
 * of `guess` (a peak remembered from an earlier replay, or 0), to the board
 * of the whole trace's peak.
 */
async function replayGrowing(
  path: string,
  options: ReplayTraceOptions,
  guess: number,
): Promise<Run> {
  const open = async (): Promise<TapeReader> => {
    const tape = await TraceTape.open(path, {
      budgetBytes: options.tapeBytes,
      siteOps: siteOpsRead(options.debug ?? false),
      startedWorker: options.startedWorker,
      ...(options.streamer === undefined ? {} : { inWorker: true }),
    });
    // A tape parsed on this thread is read once whole: starting over would cost this thread.
    if (!tape.arrivesMeanwhile) await tape.whole();
    return tape;
  };
  let tape = options.tape ?? await open();
  try {
    let ramBytes = boardForPeak(Math.max(tape.peak, guess));
    for (;;) {
      const attempt = boot(ramBytes, options);
      const ended = await replayTape(tape, attempt, options, true);
      if (ended === "outgrown") {
        ramBytes = boardForPeak(tape.peak);
        if (tape.fromStart) continue;
        // The first events are gone: the trace is read again, from the
        // start, onto the larger board (which may be outgrown again).
        if (options.tape !== undefined) {
          return await replayOnBoard(path, await finalBoard(tape), options, needs(tape));
        }
        tape.close();
        tape = await open();
        continue;
      }
      // Stopped early, the parse runs on for the whole trace's peak.
      if (!tape.complete) await skipToEnd(tape);
      if (boardForPeak(tape.peak) === ramBytes) {
        return { attempt, read: ended, traceNeeds: needs(tape) };
      }
      ramBytes = boardForPeak(tape.peak);
      if (!tape.fromStart) return await replayOnBoard(path, ramBytes, options, needs(tape));
    }
  } finally {
    if (options.tape === undefined) tape.close();
  }
}

/** The board of a tape's whole trace: its parse runs on to the end, keeping nothing. */
async function finalBoard(tape: TapeReader): Promise<number> {
  tape.drain();
  await tape.whole();
  return boardForPeak(tape.peak);
}

/** Replays a tape's events on a board of `ramBytes`. */
async function replayTapeOnBoard(
  tape: TapeReader,
  ramBytes: number,
  options: ReplayTraceOptions,
): Promise<Run> {
  const attempt = boot(ramBytes, options);
  const read = await replayTape(tape, attempt, options, false) as ReadOutcome;
  return { attempt, read, traceNeeds: null };
}

function needs(tape: TapeReader): BoardSize {
  return { ramBytes: boardForPeak(tape.peak), peakLiveBytes: tape.peak };
}

/**
 * Feeds the tape's batches to the attempt, from the first; with `sized`,
 * stops early when the peak of live bytes found so far calls for a larger
 * board ("outgrown").
 */
async function replayTape(
  tape: TapeReader,
  attempt: Attempt,
  options: ReplayTraceOptions,
  sized: boolean,
): Promise<ReadOutcome | "outgrown"> {
  const event = emptyEvent();
  const sink = attempt.sink;
  const turn = new EventLoopTurn();
  let lastPause = performance.now();
  try {
    for (let i = 0;; i++) {
      if (sized && boardForPeak(tape.peak) > attempt.ramBytes) return "outgrown";
      const batch = await tape.next(i);
      if (batch === undefined) break;
      // The batches already here go together: one run of the replay's
      // watchdog for them (starting its watching thread costs ~15-150 us).
      let last = i;
      const group = (): void => {
        const start = performance.now();
        deliverBatch(batch, sink, event);
        for (
          let next;
          last + 1 - i < GROUP_BATCHES && performance.now() - start < GROUP_MS &&
          (next = tape.at(last + 1));
          last++
        ) {
          deliverBatch(next, sink, event);
        }
      };
      if (sink.runBatch !== undefined) sink.runBatch(group);
      else group();
      i = last;
      tape.consumed(i + 1);
      options.onProgress?.(tape.bytesRead, tape.fileBytes, attempt.replayer.events);
      // Let the worker's messages in: it runs ahead while they are answered.
      // And now and then let a signal in (Ctrl-C), whose handler runs only
      // once the event loop has nothing else to do: turns that always find a
      // message waiting never get there.
      if (tape.arrivesMeanwhile) await turn.take();
      if (options.signal !== undefined && performance.now() - lastPause > PAUSE_EVERY_MS) {
        await pauseForSignals();
        lastPause = performance.now();
      }
    }
    const info = tape.end();
    return { ...info, inputError: null, stoppedAt: null };
  } catch (error) {
    return outcomeOfError(error, attempt, "linux");
  } finally {
    turn.close();
  }
}

/** Batches delivered in one run of the watchdog at most, when they are there to be read (64K events). */
const GROUP_BATCHES = 16;
/**
 * No batch starts a run of the watchdog's once the run has taken this long:
 * the watchdog's time (10 s by default) bounds a run, and a design that is
 * slow but returns (first-fit on fs, on a loaded machine) must not be taken
 * for one that loops. A single batch of 4,096 events is always delivered.
 */
const GROUP_MS = 250;

/** How often a replay that can be interrupted pauses for signals. */
const PAUSE_EVERY_MS = 100;

/**
 * Waits a millisecond with nothing else to do. A signal handler
 * (Deno.addSignalListener) runs only when the event loop goes idle and polls
 * for I/O: a replay that never idles (its tape read whole, or a worker's
 * messages always waiting) would run to its end with Ctrl-C pressed and its
 * handler not yet called. Every PAUSE_EVERY_MS, this costs 1% at most.
 */
function pauseForSignals(): Promise<void> {
  return new Promise((resume) => setTimeout(resume, 1));
}

/**
 * Reads the rest of a tape without replaying it, keeping what its budget
 * allows. The batches a replay stopped among are let go first: past the
 * budget the parse waits for them to be read, and would wait for ever.
 */
async function skipToEnd(tape: TapeReader): Promise<void> {
  tape.consumed(tape.length);
  for (let i = tape.length; (await tape.next(i)) !== undefined; i++) tape.consumed(i + 1);
}

/**
 * One turn of the event loop, taken on demand: a message through a channel
 * of its own comes back after the messages already queued (a worker's), so
 * their handlers run; a resolved promise would not let them.
 */
class EventLoopTurn {
  readonly #channel = new MessageChannel();
  #resume: (() => void) | undefined;

  constructor() {
    this.#channel.port1.onmessage = () => this.#resume?.();
  }

  take(): Promise<void> {
    return new Promise((resume) => {
      this.#resume = resume;
      this.#channel.port2.postMessage(0);
    });
  }

  close(): void {
    this.#channel.port1.close();
    this.#channel.port2.close();
  }
}

/** The file's size, or 0 when it cannot be read (the reader then reports why). */
async function fileBytes(path: string): Promise<number> {
  try {
    return (await Deno.stat(path)).size;
  } catch {
    return 0;
  }
}
