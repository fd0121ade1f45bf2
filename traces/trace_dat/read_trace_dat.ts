/**
 * Reads trace-cmd's binary trace.dat (versions 6 and 7; uncompressed, or
 * compressed with zlib or zstd; or compressed whole with gzip or zstd) into
 * the same trace events as the text `trace-cmd report` prints of it, line
 * numbers included: replaying either gives the same result.
 *
 * The steps: the initial header (header.ts); the metadata (sections.ts): the
 * page layout from header_page, the event formats (event_format.ts),
 * kallsyms (kallsyms.ts) and where each CPU's data lies; then one cursor per
 * CPU (cpu_stream.ts, ring_buffer.ts), merged as `trace-cmd report` merges
 * them (`tracecmd_peek_next_data`): the smallest timestamp first, ties to
 * the lower CPU; each record decoded by kmem_records.ts into KmemEvents
 * calls. Report lines: the first is `cpus=N`; each record takes the next,
 * and a `CPU:N [M EVENTS DROPPED]` line comes before the first record of a
 * page whose events were lost.
 *
 * Memory held at once, whatever the file's size: the kallsyms text and its
 * table (5.3 MB for fs.dat's 3.9 MB of kallsyms: the text, 14 bytes a
 * symbol, the names resolved so far; each metadata piece is at most
 * MAX_BLOCK_BYTES), the event formats, and per CPU with data one block of
 * it: 64 KiB of pages uncompressed, or one compressed chunk and its
 * decompressed pages (10 pages, 40 KiB, as trace-cmd writes them; at most
 * 64). Nothing grows with the number of records: the caches of call-site
 * strings, gfp values and cache names start over past a bound. A file
 * compressed whole is decompressed to a temporary file first, through
 * streams.
 * @module
 */

import { compressionOf, openInput } from "../input_file.ts";
import { KmemEvents } from "../kmem_events.ts";
import { TraceInputError } from "../line_reader.ts";
import type { TraceSink } from "../trace_event.ts";
import type { ReadTraceOptions, TraceInfo } from "../trace_reader.ts";
import { CpuMerge } from "./cpu_merge.ts";
import { CpuStream } from "./cpu_stream.ts";
import { DatError } from "./dat_error.ts";
import { DatFile } from "./dat_file.ts";
import { parseEventFormat, parseFields } from "./event_format.ts";
import { readInitialHeader } from "./header.ts";
import { Kallsyms } from "./kallsyms.ts";
import { KmemRecords } from "./kmem_records.ts";
import type { PageLayout } from "./ring_buffer.ts";
import { type DatLayout, readLayout } from "./sections.ts";
import { decompressToTemp } from "./whole_file.ts";

/** Records delivered between two progress reports and backpressure waits. */
const BATCH_RECORDS = 4096;

/**
 * Streams a trace-cmd trace.dat (v6 or v7; uncompressed, zlib or zstd) into `sink`.
 *
 * @param path the trace.dat file, or one compressed whole with gzip or zstd
 * @param sink receives events, problems and lost-event counts
 * @param options progress reporting, backpressure, the call sites the sink reads
 * @returns the format ("trace.dat"), the last report line, the events
 * @throws {TraceInputError} when the file cannot be opened, is truncated or
 *   corrupt (what came before the damage is delivered first; the error's
 *   line is the last delivered), or holds no event
 * @example
 * ```ts
 * import { readTraceDat } from "./read_trace_dat.ts";
 * const path = new URL("../recorded/trace-cmd/fs.dat", import.meta.url).pathname;
 * let events = 0;
 * const info = await readTraceDat(path, {
 *   event: () => events++,
 *   problem: () => {},
 *   lost: () => {},
 * });
 * console.log(info.format, info.events === events); // "trace.dat" true
 * ```
 */
export async function readTraceDat(
  path: string,
  sink: TraceSink,
  options: ReadTraceOptions = {},
): Promise<TraceInfo> {
  const compression = compressionOf(
    await open(path, (file) => {
      const head = new Uint8Array(4);
      return head.subarray(0, file.readSync(head) ?? 0);
    }),
  );
  let temp: string | undefined;
  if (compression !== "") {
    try {
      temp = await decompressToTemp(path, compression);
    } catch (error) {
      throw new TraceInputError(
        `${path}: its ${compression} stream does not decompress: ${(error as Error).message}`,
        0,
      );
    }
  }
  try {
    const label = temp === undefined ? path : `${path} (decompressed)`;
    return await open(
      temp ?? path,
      (file, size) => readOpenFile(new DatFile(file, size), label, sink, options),
    );
  } finally {
    if (temp !== undefined) await Deno.remove(temp).catch(() => {});
  }
}

/** Runs `use` on the open file `path`, then closes it; a file that does not open is a TraceInputError. */
async function open<T>(
  path: string,
  use: (file: Deno.FsFile, size: number) => T | Promise<T>,
): Promise<T> {
  let file: Deno.FsFile;
  let size: number;
  try {
    ({ file, bytes: size } = await openInput(path));
  } catch (error) {
    throw new TraceInputError((error as Error).message, 0);
  }
  try {
    return await use(file, size);
  } finally {
    file.close();
  }
}

async function readOpenFile(
  file: DatFile,
  label: string,
  sink: TraceSink,
  options: ReadTraceOptions,
): Promise<TraceInfo> {
  /** The report's line of the last record delivered: 1, `cpus=N`, once the metadata is read. */
  let line = 0;
  let events = 0;
  let records = 0;
  let firstProblem = "";
  const counted: TraceSink = {
    event(e) {
      events++;
      sink.event(e);
    },
    problem(at, message) {
      if (firstProblem === "") firstProblem = `line ${at}: ${message}`;
      sink.problem(at, message);
    },
    lost: (at, count) => sink.lost(at, count),
  };
  try {
    const header = readInitialHeader(file);
    const layout = readLayout(file, header);
    const decoder = new KmemRecords(
      layout.formats.map(({ system, text, offset }) => ({
        format: parseEventFormat(text, system, offset),
        offset,
      })),
      new Kallsyms(layout.kallsyms),
      new KmemEvents(counted, options.siteOps),
      counted,
      header.littleEndian,
    );
    const pageLayout = readPageLayout(layout, header.pageSize);
    line = 1;
    for (const { message, offset } of layout.damage) {
      counted.problem(line, `at offset ${offset} (0x${offset.toString(16)}): ${message}`);
    }
    const streams: CpuStream[] = [];
    for (const data of layout.cpus) {
      const stream = new CpuStream(
        file,
        data,
        header.pageSize,
        pageLayout,
        header.littleEndian,
        layout.compressed ? header.compression : undefined,
      );
      if (stream.next()) streams.push(stream);
    }
    const merge = new CpuMerge(streams, layout.tsc2nsec);
    for (let stream = merge.peek(); stream !== undefined; stream = merge.peek()) {
      const page = stream.page;
      if (page.lost !== 0) {
        counted.lost(++line, page.lost > 0 ? page.lost : 1);
      } else if (page.hiddenLost !== 0) {
        // trace-cmd does not print this loss (the page opens with a time
        // extend); it is still a loss, counted at the record's line.
        counted.lost(line + 1, page.hiddenLost > 0 ? page.hiddenLost : 1);
      }
      decoder.decode(page.bytes, page.view, page.payload, page.length, stream.cpu, ++line);
      merge.advance();
      if (++records % BATCH_RECORDS === 0) {
        options.onProgress?.(Math.min(file.bytesRead, file.size), file.size);
        const wait = options.backpressure?.();
        if (wait !== undefined) await wait;
      }
    }
    options.onProgress?.(file.size, file.size);
  } catch (error) {
    if (!(error instanceof DatError)) throw error;
    const cpu = error.cpu >= 0 ? `, CPU ${error.cpu}` : "";
    throw new TraceInputError(
      `${label}: at offset ${error.offset} (0x${error.offset.toString(16)})${cpu}: ` +
        error.message,
      line,
      "trace.dat",
    );
  }
  if (events === 0) {
    throw new TraceInputError(
      records === 0
        ? `${label}: holds no event: its CPU data holds no record` +
          " (were the kmem events enabled? trace-cmd record -e kmem)"
        : `${label}: holds no event pagepile replays: none of its ` +
          `${records.toLocaleString("en-US")} records is a kmem event (${firstProblem})`,
      line,
    );
  }
  return { format: "trace.dat", lines: line, events, timestampsBackwards: 0 };
}

/**
 * Where the page's parts are, from the file's header_page description:
 * `commit`'s offset and size (the kernel's long), `data`'s offset.
 * @param layout the file's metadata
 * @param pageSize the file's page size
 * @returns the page layout
 * @throws {DatError} when header_page gives no usable layout
 */
export function readPageLayout(layout: DatLayout, pageSize: number): PageLayout {
  const { text, offset } = layout.headerPage;
  const fields = parseFields(text, { what: "header_page", offset });
  const commit = fields.get("commit");
  const data = fields.get("data");
  if (
    commit === undefined || data === undefined || (commit.size !== 4 && commit.size !== 8) ||
    data.offset < commit.offset + commit.size || data.offset >= pageSize
  ) {
    throw new DatError(
      "header_page does not give a page layout (a commit long, then the data)",
      offset,
    );
  }
  return { commitOffset: commit.offset, longSize: commit.size, dataOffset: data.offset };
}
