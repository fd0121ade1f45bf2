/**
 * Reads a trace file of any format pagepile knows, telling them apart by
 * their first bytes: trace-cmd's binary trace.dat by its magic; text by its
 * first line (the native format's header, `cpus=N` for `trace-cmd report`,
 * else the kernel's tracefs text). Each may be compressed with gzip or zstd.
 * @module
 */

import {
  LONG_LINE_PROBLEM,
  readLines,
  type ReadLinesOptions,
  readLineSpans,
  TraceInputError,
} from "./line_reader.ts";
import { LinuxTraceParser } from "./linux_ftrace.ts";
import { NATIVE_HEADER, NativeTraceParser } from "./native_format.ts";
import type { TraceOp, TraceSink } from "./trace_event.ts";
import { readTraceDat } from "./trace_dat/read_trace_dat.ts";
import { isTraceDat } from "./input_file.ts";

/**
 * A trace's format: the kernel's tracefs text, `trace-cmd report`'s text,
 * trace-cmd's binary trace.dat, or pagepile's native text.
 */
export type TraceFormat = "linux" | "trace-cmd report" | "trace.dat" | "native";

/** Options of {@link readTrace}. */
export interface ReadTraceOptions extends ReadLinesOptions {
  /**
   * The ops whose call site the sink reads; the others' events arrive with
   * site "", which spares making it (see BatchEncoderOptions). Default:
   * every op.
   */
  siteOps?: readonly TraceOp[];
}

/** What {@link readTrace} found besides the events. */
export interface TraceInfo {
  /** The format found. */
  format: TraceFormat;
  /** Lines read. */
  lines: number;
  /** Events handed to the sink (skips included). */
  events: number;
  /** Events whose timestamp is earlier than the one before (Linux traces). */
  timestampsBackwards: number;
}

/**
 * Streams a trace into `sink`: Linux tracefs text, trace-cmd's trace.dat or
 * report text, or a native trace; plain, gzip or zstd.
 *
 * @param path the trace file
 * @param sink receives events, problems and lost-event counts
 * @param options progress reporting, the call sites the sink reads
 * @returns the format, line and event counts
 * @throws {TraceInputError} when the file cannot be opened or read to its
 *   end, is not a trace, or holds no event
 * @example
 * ```ts
 * import { readTrace, type TraceEvent } from "@pagepile/pagepile";
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "# pagepile trace 1\ngalloc 0x10 0 24\ngfree 0x10\n");
 * const ops: string[] = [];
 * await readTrace(path, {
 *   event: (e: TraceEvent) => ops.push(e.op),
 *   problem: (line, message) => console.error(line, message),
 *   lost: () => {},
 * });
 * console.log(ops); // ["galloc", "gfree"]
 * ```
 */
export async function readTrace(
  path: string,
  sink: TraceSink,
  options: ReadTraceOptions = {},
): Promise<TraceInfo> {
  if (await isTraceDat(path)) return await readTraceDat(path, sink, options);
  let parser: LinuxTraceParser | NativeTraceParser | undefined;
  let events = 0;
  let firstProblem = "";
  // Counts what the parsers find, so that a file with no event is told apart
  // from a trace: one call more per event, a few nanoseconds.
  const counted: TraceSink = {
    event(e) {
      events++;
      sink.event(e);
    },
    problem(line, message) {
      if (firstProblem === "") firstProblem = `line ${line}: ${message}`;
      sink.problem(line, message);
    },
    lost: (line, count) => sink.lost(line, count),
  };
  const formatOf = (): TraceFormat =>
    parser instanceof NativeTraceParser
      ? "native"
      : parser?.traceCmdReport
      ? "trace-cmd report"
      : "linux";
  let lines: number;
  try {
    lines = await readLineSpans(
      path,
      (text, start, end, line, cut, codes) => {
        if (parser === undefined) {
          parser = end - start >= NATIVE_HEADER.length && text.startsWith(NATIVE_HEADER, start)
            ? new NativeTraceParser(counted)
            : new LinuxTraceParser(counted, options.siteOps);
        }
        if (cut) counted.problem(line, LONG_LINE_PROBLEM);
        else parser.parseSpan(text, start, end, line, codes);
      },
      options,
      // Once the first line has told the format, the parser reads each
      // chunk's lines in a loop of its own.
      (text, start, stop, line, codes) =>
        parser === undefined ? -1 : parser.parseLines(text, start, stop, line, codes),
    );
  } catch (error) {
    // A stream that breaks off part way: say what it was a trace of.
    if (error instanceof TraceInputError && parser !== undefined && error.format === undefined) {
      throw new TraceInputError(error.message, error.line, formatOf());
    }
    throw error;
  }
  const format = formatOf();
  if (events === 0) {
    throw new TraceInputError(noEventMessage(path, format, lines, firstProblem), lines);
  }
  return {
    format,
    lines,
    events,
    timestampsBackwards: parser instanceof LinuxTraceParser ? parser.timestampsBackwards : 0,
  };
}

/** Why a file that was read whole is still not a trace to replay. */
function noEventMessage(
  path: string,
  format: TraceInfo["format"],
  lines: number,
  firstProblem: string,
): string {
  const count = `${lines.toLocaleString("en-US")} line${lines === 1 ? "" : "s"}`;
  if (format === "native") return `${path}: a pagepile trace with no event in its ${count}`;
  if (firstProblem === "") {
    return `${path}: holds no event, only ${count} of header, comments or blank lines` +
      " (were the kmem events enabled while tracing? echo 1 > /sys/kernel/tracing/events/kmem/enable)";
  }
  const which = lines === 1 ? "its one line is not" : `none of its ${count} is`;
  return `${path}: not a trace: ${which} a Linux ftrace kmem event or a pagepile trace line ` +
    `(${firstProblem})`;
}

/** Thrown from the line callback to stop reading after the first line. */
class FirstLineRead extends Error {}

/**
 * The format of a trace, told as readTrace tells it: trace.dat by its magic,
 * text by its first line (the native header, `cpus=N`, or else Linux's).
 * @param path the trace
 * @returns its format
 * @throws {TraceInputError} when the file cannot be read as a trace
 * @example
 * ```ts
 * import { traceFormat } from "./trace_reader.ts";
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "cpus=2\n");
 * console.log(await traceFormat(path)); // "trace-cmd report"
 * ```
 */
export async function traceFormat(path: string): Promise<TraceFormat> {
  if (await isTraceDat(path)) return "trace.dat";
  let first = "";
  try {
    await readLines(path, (text) => {
      first = text;
      throw new FirstLineRead();
    });
  } catch (error) {
    if (!(error instanceof FirstLineRead)) throw error;
  }
  return first.startsWith(NATIVE_HEADER)
    ? "native"
    : /^cpus=\d+$/.test(first)
    ? "trace-cmd report"
    : "linux";
}
