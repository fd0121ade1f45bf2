/**
 * The floor of reading a trace: the least work that still touches every
 * byte and every line (or record) of it, which no reader can do without.
 * `deno task parse` is held to it (BENCHMARKS.md, "As a user runs it").
 *
 * - Text (Linux tracefs, `trace-cmd report`, native; plain, gzip or zstd):
 *   read the file, decompress it, decode it to text, split it into lines,
 *   and find one field on each: the event's name (after the timestamp's
 *   `: `), or a native line's op (up to its first space). Nothing is parsed
 *   into numbers, no object is made per line.
 * - trace.dat: read its metadata (header, sections, where each CPU's data
 *   is; kallsyms' text is read, not parsed), then every page of every CPU's
 *   data, decompressing the chunks of a compressed file, and walk each
 *   page's record headers (the record's type, length and time delta): no
 *   record is decoded, the CPUs are not merged. A file compressed whole is
 *   decompressed to a temporary file first, as the reader does.
 *
 * The work is the same as the reader's up to where each stops, through the
 * same pieces (Web and node:zlib decompressors, TextDecoder, the trace.dat
 * page cursor), so a ratio to it measures the parse alone.
 * @module
 */

import { compressionOf, decompression, isTraceDat, openInput } from "../../traces/input_file.ts";
import { NATIVE_HEADER } from "../../traces/native_format.ts";
import { CpuStream } from "../../traces/trace_dat/cpu_stream.ts";
import { DatFile } from "../../traces/trace_dat/dat_file.ts";
import { readInitialHeader } from "../../traces/trace_dat/header.ts";
import { readPageLayout } from "../../traces/trace_dat/read_trace_dat.ts";
import { readLayout } from "../../traces/trace_dat/sections.ts";
import { decompressToTemp } from "../../traces/trace_dat/whole_file.ts";

/** What the floor pass went through. */
export interface FloorResult {
  /** "text" or "trace.dat". */
  kind: "text" | "trace.dat";
  /** Lines (text) or records (trace.dat) walked. */
  units: number;
  /** Bytes decompressed (text) or of CPU pages walked (trace.dat). */
  bytes: number;
  /**
   * A sum over the field found on each line (its first character code) or
   * record (its length): proof that each was reached, and the same on every
   * run of the same file.
   */
  checksum: number;
}

/**
 * Reads `path` doing the floor's work and nothing more.
 * @param path a trace in any format pagepile reads
 * @returns what was walked
 * @throws {Error} when the file cannot be opened or read to its end
 * @example
 * ```ts
 * import { traceFloor } from "./trace_floor.ts";
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "# pagepile trace 1\ngalloc 0x10 0 24\ngfree 0x10\n");
 * console.log((await traceFloor(path)).units); // 3
 * ```
 */
export async function traceFloor(path: string): Promise<FloorResult> {
  return await isTraceDat(path) ? await datFloor(path) : await textFloor(path);
}

async function textFloor(path: string): Promise<FloorResult> {
  const { file } = await openInput(path);
  const reader = file.readable.getReader();
  const first = await reader.read();
  const head = first.value ?? new Uint8Array();
  const compression = compressionOf(head);
  const source = new ReadableStream<BufferSource>({
    start(controller) {
      controller.enqueue(head);
      if (first.done) controller.close();
    },
    async pull(controller) {
      const { value, done } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
  });
  const bytes = (compression === "" ? source : source.pipeThrough(decompression(compression)))
    .getReader() as ReadableStreamDefaultReader<Uint8Array>;
  const decoder = new TextDecoder();
  let units = 0;
  let size = 0;
  let checksum = 0;
  // The field searched for on each line: a native op ends at its first
  // space; a Linux or report line's event name follows the timestamp's ": ".
  let separator = "";
  let carry = "";
  const lines = (text: string): void => {
    let start = 0;
    for (let end = text.indexOf("\n", start); end !== -1; end = text.indexOf("\n", start)) {
      if (separator === "") separator = text.startsWith(NATIVE_HEADER) ? " " : ": ";
      const field = text.indexOf(separator, start);
      if (field !== -1 && field < end) checksum += text.charCodeAt(field + separator.length);
      units++;
      start = end + 1;
    }
    carry = text.slice(start);
  };
  for (let chunk = await bytes.read(); !chunk.done; chunk = await bytes.read()) {
    size += chunk.value.length;
    lines(carry + decoder.decode(chunk.value, { stream: true }));
  }
  const last = carry + decoder.decode();
  if (last.length > 0) lines(last + "\n");
  return { kind: "text", units, bytes: size, checksum };
}

async function datFloor(path: string): Promise<FloorResult> {
  const head = new Uint8Array(4);
  const probe = await Deno.open(path);
  const compression = compressionOf(head.subarray(0, (await probe.read(head)) ?? 0));
  probe.close();
  const temp = compression === "" ? undefined : await decompressToTemp(path, compression);
  try {
    const { file, bytes: fileBytes } = await openInput(temp ?? path);
    const dat = new DatFile(file, fileBytes);
    try {
      const header = readInitialHeader(dat);
      const layout = readLayout(dat, header);
      const pageLayout = readPageLayout(layout, header.pageSize);
      let units = 0;
      let bytes = 0;
      let checksum = 0;
      for (const data of layout.cpus) {
        const stream = new CpuStream(
          dat,
          data,
          header.pageSize,
          pageLayout,
          header.littleEndian,
          layout.compressed ? header.compression : undefined,
        );
        for (; stream.next(); units++) checksum += stream.page.length;
        bytes += data.size;
      }
      return { kind: "trace.dat", units, bytes, checksum };
    } finally {
      file.close();
    }
  } finally {
    if (temp !== undefined) await Deno.remove(temp).catch(() => {});
  }
}
