/**
 * Opening an input file, and telling from its first bytes what it holds when
 * it is not text: a file that cannot be a trace is refused with one sentence
 * naming it and what it is, instead of being read as lines of nonsense.
 * @module
 */

import { Duplex } from "node:stream";
import { createGunzip, createZstdDecompress } from "node:zlib";

/**
 * Why a file could not be opened, read or written, in a few words: "no such
 * file", "permission denied", or the system's own message.
 * @param error what the file system threw
 * @param writing whether the file was to be written (a missing file is then
 *   a missing folder)
 */
export function openProblem(error: unknown, writing = false): string {
  if (error instanceof Deno.errors.NotFound) {
    return writing ? "its folder does not exist" : "no such file";
  }
  if (error instanceof Deno.errors.PermissionDenied || error instanceof Deno.errors.NotCapable) {
    return "permission denied";
  }
  if (error instanceof Deno.errors.IsADirectory) return "is a directory, not a file";
  return (error as Error).message;
}

/**
 * Opens `path` for reading.
 * @returns the open file and its size in bytes
 * @throws {Error} with a message naming the file and what is wrong: missing,
 *   unreadable, or a directory
 */
export async function openInput(path: string): Promise<{ file: Deno.FsFile; bytes: number }> {
  let file: Deno.FsFile;
  let info: Deno.FileInfo;
  try {
    file = await Deno.open(path);
  } catch (error) {
    throw new Error(`${path}: ${openProblem(error)}`);
  }
  try {
    info = await file.stat();
  } catch (error) {
    file.close();
    throw new Error(`${path}: ${openProblem(error)}`);
  }
  if (info.isDirectory) {
    file.close();
    throw new Error(`${path}: is a directory, not a file`);
  }
  return { file, bytes: info.size };
}

/** Leading bytes of formats a trace is sometimes mistaken for; -1 matches any byte. */
const MAGIC: [number[], string][] = [
  [[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "a PNG image"],
  [[0xFF, 0xD8, 0xFF], "a JPEG image"],
  [[0x47, 0x49, 0x46, 0x38], "a GIF image"],
  [[0x25, 0x50, 0x44, 0x46, 0x2D], "a PDF document"],
  [[0x50, 0x4B, 0x03, 0x04], "a zip archive"],
  [[0x7F, 0x45, 0x4C, 0x46], "an ELF executable"],
  [[0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00], "xz-compressed data (decompress it first: xz -d)"],
  [
    [0x42, 0x5A, 0x68, -1, 0x31, 0x41, 0x59, 0x26, 0x53, 0x59],
    "bzip2-compressed data (decompress it first: bzip2 -d)",
  ],
  [[0xFF, 0xFE], "UTF-16 text (convert it to UTF-8 first: iconv -f UTF-16 -t UTF-8)"],
  [[0xFE, 0xFF], "UTF-16 text (convert it to UTF-8 first: iconv -f UTF-16 -t UTF-8)"],
];

/** Bytes looked at to tell text from binary data. */
const SNIFF_BYTES = 4096;
/**
 * Above this share of characters that text does not hold (control
 * characters, bytes that are not UTF-8), a file is binary data. Well above
 * zero: a trace with a stray line of garbage is still a trace, whose bad
 * line the parser reports.
 */
const BINARY_SHARE = 0.1;

/**
 * What the first bytes of a file are, when they are not the text of a trace:
 * a known binary format ("a PNG image"), binary data, JSON, HTML or XML.
 * @param head the file's first bytes (decompressed, for a gzip file)
 * @returns a phrase to follow "is", or undefined for plain text
 */
export function notTraceKind(head: Uint8Array): string | undefined {
  for (const [magic, kind] of MAGIC) {
    if (head.length >= magic.length && magic.every((byte, i) => byte === -1 || head[i] === byte)) {
      return kind;
    }
  }
  // Streaming mode: a character cut at the end of the window is not counted.
  const text = new TextDecoder().decode(head.subarray(0, SNIFF_BYTES), { stream: true });
  let odd = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // Tab, line feed, form feed and carriage return are text; U+FFFD stands
    // for bytes that are not UTF-8.
    if ((c < 32 && c !== 9 && c !== 10 && c !== 12 && c !== 13) || c === 127 || c === 0xFFFD) {
      odd++;
    }
  }
  if (odd > BINARY_SHARE * text.length) {
    return `binary data (${Math.round((100 * odd) / text.length)}% of its first ` +
      `${text.length.toLocaleString("en-US")} characters are not text)`;
  }
  const start = text.slice(0, 256).trimStart();
  if (start.startsWith("{") || /^\[\s*[[{"\d\]-]/.test(start)) return "JSON";
  if (start.startsWith("<")) return "HTML or XML";
  return undefined;
}

/** "gzip" or "zstd" when the first bytes are that format's magic, else "". */
export function compressionOf(head: Uint8Array): string {
  if (head.length >= 2 && head[0] === 0x1F && head[1] === 0x8B) return "gzip";
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xB5 && head[2] === 0x2F) {
    return head[3] === 0xFD ? "zstd" : "";
  }
  return "";
}

/** Bytes a decompressor hands over at a time: larger pieces cost fewer steps through the streams. */
const DECOMPRESSED_CHUNK_BYTES = 256 * 1024;

/**
 * A decompressor as a web stream, for what {@link compressionOf} found.
 * Both are node:zlib's: its gunzip takes about half the time of the web's
 * DecompressionStream (fs.trace.gz, 125 MB of text: 0.23 s against 0.39 s),
 * and Deno's web streams have no zstd. Concatenated gzip members are read
 * one after the other.
 * @param compression "gzip" or "zstd"
 */
export function decompression(compression: string): ReadableWritablePair<Uint8Array, BufferSource> {
  const options = { chunkSize: DECOMPRESSED_CHUNK_BYTES };
  const stream = compression === "gzip" ? createGunzip(options) : createZstdDecompress(options);
  return Duplex.toWeb(stream) as unknown as ReadableWritablePair<Uint8Array, BufferSource>;
}

/** The bytes a trace-cmd trace.dat file starts with: 0x17 0x08 0x44, then "tracing". */
const TRACE_DAT_MAGIC = [0x17, 0x08, 0x44, 0x74, 0x72, 0x61, 0x63, 0x69, 0x6E, 0x67];

/**
 * Whether `path` is a trace-cmd trace.dat file, compressed whole with gzip
 * or zstd or not: its first bytes, decompressed, are trace.dat's magic.
 * False for a file that cannot be opened (the text reader says why).
 */
export async function isTraceDat(path: string): Promise<boolean> {
  let file: Deno.FsFile;
  try {
    ({ file } = await openInput(path));
  } catch {
    return false;
  }
  const stream = file.readable;
  const reader = stream.getReader();
  try {
    const first = await reader.read();
    if (first.done) return false;
    let head: Uint8Array<ArrayBufferLike> = first.value;
    const compression = compressionOf(head);
    if (compression !== "") {
      // Decompress only what the magic needs, then stop.
      const bytes = first.value;
      const source = new ReadableStream<BufferSource>({
        start(controller) {
          controller.enqueue(bytes);
          controller.close();
        },
      });
      const decompressed = source.pipeThrough(decompression(compression)).getReader();
      try {
        const chunk = await decompressed.read();
        head = chunk.done ? new Uint8Array() : chunk.value;
      } catch {
        return false; // not even its first bytes decompress: the text reader says so
      } finally {
        decompressed.cancel().catch(() => {});
      }
    }
    return TRACE_DAT_MAGIC.every((byte, i) => head[i] === byte);
  } finally {
    await reader.cancel().catch(() => {});
  }
}
