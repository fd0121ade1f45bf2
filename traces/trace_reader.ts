/**
 * Reads a trace file of either format, telling them apart by the first line.
 * @module
 */

import { MAX_LINE_CHARS, readLines, type ReadLinesOptions } from "./line_reader.ts";
import { LinuxTraceParser } from "./linux_ftrace.ts";
import { NATIVE_HEADER, NativeTraceParser } from "./native_format.ts";
import type { TraceSink } from "./trace_event.ts";

/** What {@link readTrace} found besides the events. */
export interface TraceInfo {
  /** "native" when the first line is NATIVE_HEADER, else "linux". */
  format: "linux" | "native";
  /** Lines read. */
  lines: number;
  /** Events whose timestamp is earlier than the one before (Linux traces). */
  timestampsBackwards: number;
}

/**
 * Streams a Linux ftrace or native trace, plain or gzip, into `sink`.
 *
 * @param path the trace file
 * @param sink receives events, problems and lost-event counts
 * @param options progress reporting
 * @returns the format and line count
 * @throws {TraceInputError} when the file cannot be read to its end
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
  options: ReadLinesOptions = {},
): Promise<TraceInfo> {
  let parser: LinuxTraceParser | NativeTraceParser | undefined;
  const lines = await readLines(path, (text, line, cut) => {
    if (parser === undefined) {
      parser = text.startsWith(NATIVE_HEADER)
        ? new NativeTraceParser(sink)
        : new LinuxTraceParser(sink);
    }
    if (cut) sink.problem(line, `line is longer than ${MAX_LINE_CHARS / 1024} KiB; ignored`);
    else parser.parseLine(text, line);
  }, options);
  return {
    format: parser instanceof NativeTraceParser ? "native" : "linux",
    lines,
    timestampsBackwards: parser instanceof LinuxTraceParser ? parser.timestampsBackwards : 0,
  };
}
