/**
 * Reads a text file line by line as a stream, plain, gzip or zstd (told apart
 * by their magic bytes), in bounded memory: at most one chunk and one line are
 * held at a time, and a line longer than MAX_LINE_CHARS is cut short. A file
 * that cannot be a text trace (missing, a directory, empty, an image, binary
 * data, JSON) is refused before its first line.
 * @module
 */

import { compressionOf, decompression, notTraceKind, openInput } from "./input_file.ts";
import type { TraceFormat } from "./trace_reader.ts";

/** Longest line delivered whole; longer ones are cut here and flagged. */
export const MAX_LINE_CHARS = 64 * 1024;

/**
 * Where a trace cannot be read, or read on: a file that is missing,
 * unreadable, empty or not a trace; a truncated or corrupt compressed stream; an
 * I/O error. The message names the file and says what is wrong.
 */
export class TraceInputError extends Error {
  /** The last line read whole before the error (0 when none). */
  readonly line: number;
  /** The trace's format, when it was told before the error. */
  readonly format: TraceFormat | undefined;

  /**
   * Describes an unreadable input.
   * @param message what went wrong
   * @param line the last line read whole
   * @param format the trace's format, if known
   */
  constructor(message: string, line: number, format?: TraceFormat) {
    super(message);
    this.name = "TraceInputError";
    this.line = line;
    this.format = format;
  }
}

/** Called once per line, in order, with the line's 1-based number. */
export type LineHandler = (line: string, lineNumber: number, cut: boolean) => void;

/**
 * Called once per line, in order, with the line's 1-based number: the line
 * is `text.slice(start, end)`, handed over in place, inside the text it was
 * decoded in, so that a parser reads it without a substring made per line.
 * `codes` holds the text's character codes, one byte each (see
 * {@link asciiCodes}): a parser reads characters there, 2 to 3 times as
 * fast as with charCodeAt, and takes substrings of `text` for what it keeps.
 */
export type SpanHandler = (
  text: string,
  start: number,
  end: number,
  lineNumber: number,
  cut: boolean,
  codes: Uint8Array,
) => void;

/**
 * Called with a run of whole lines of one chunk, to read them itself rather
 * than be called once a line: the lines lie in `text` from `start` to
 * `stop`, each ending with its LF (the last one at `stop - 1`), numbered from
 * `lineNumber + 1`; `codes` as for {@link SpanHandler}. It keeps the
 * reader's rules: a CR before a LF is not the line's, and a line longer
 * than MAX_LINE_CHARS is cut (see {@link LONG_LINE_PROBLEM}). Returns the
 * number of the last line it read, or -1, having read none, to have them
 * handed over one at a time instead.
 */
export type LinesHandler = (
  text: string,
  start: number,
  stop: number,
  lineNumber: number,
  codes: Uint8Array,
) => number;

/** What a trace reader says of a line cut at MAX_LINE_CHARS. */
export const LONG_LINE_PROBLEM = `line is longer than ${MAX_LINE_CHARS / 1024} KiB; ignored`;

/**
 * The character codes of `text`, one byte each: an ASCII character's code
 * as it is, every other character's 0x80 or above. Whatever looks for ASCII
 * characters (digits, spaces, separators) finds them in it where `text` has
 * them, and finds nothing where `text` has none.
 * @param text any text
 * @returns a byte per UTF-16 code unit of the text
 */
export function asciiCodes(text: string): Uint8Array {
  const codes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    codes[i] = c < 0x80 ? c : 0xFF;
  }
  return codes;
}

/**
 * The codes of `text` decoded from `bytes` (see {@link asciiCodes}): the
 * bytes themselves when each made one character of the text, else codes
 * made from the text. A UTF-8 decoder makes at most one code unit of each
 * byte (a byte that is not UTF-8 becomes one U+FFFD, a sequence of 2 to 4
 * bytes one or two units), so a text as long as its bytes made one unit of
 * each: an ASCII byte its own character, any other byte a U+FFFD, which is
 * 0x80 or above as its byte is. `whole` says the bytes are all of the
 * text's: the decoder held back nothing from before them nor after them.
 */
function codesOf(text: string, bytes: Uint8Array, whole: boolean): Uint8Array {
  return whole && text.length === bytes.length ? bytes : asciiCodes(text);
}

/** Options of {@link readLines}. */
export interface ReadLinesOptions {
  /** Called now and then with the file bytes read so far and the file's size. */
  onProgress?: (bytesRead: number, fileBytes: number) => void;
  /**
   * Called after each chunk's lines; when it returns a promise, reading waits
   * for it (so a slow consumer bounds what is read ahead).
   */
  backpressure?: () => Promise<void> | void;
}

/**
 * Streams the lines of `path` to `onLine`, without their line ends. Lines
 * are handed over synchronously, a chunk at a time.
 *
 * @param path a text file, plain or compressed with gzip or zstd
 * @param onLine receives each line
 * @param options progress reporting
 * @returns the number of lines read
 * @throws {TraceInputError} when the file cannot be opened, is empty or binary
 *   (line 0), or cannot be read to its end
 * @example
 * ```ts
 * import { readLines } from "@pagepile/pagepile";
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "one\ntwo\n");
 * const lines: string[] = [];
 * await readLines(path, (line) => lines.push(line));
 * console.log(lines); // ["one", "two"]
 * ```
 */
export function readLines(
  path: string,
  onLine: LineHandler,
  options: ReadLinesOptions = {},
): Promise<number> {
  return readLineSpans(
    path,
    (text, start, end, lineNumber, cut) => onLine(text.slice(start, end), lineNumber, cut),
    options,
  );
}

/**
 * Streams the lines of `path` to `onLine` as spans of the text they were
 * decoded in (see {@link SpanHandler}), without their line ends: what
 * {@link readLines} does, without a string made per line. A line longer
 * than MAX_LINE_CHARS comes cut to its first MAX_LINE_CHARS characters,
 * flagged.
 *
 * @param path a text file, plain or compressed with gzip or zstd
 * @param onLine receives each line
 * @param options progress reporting
 * @param onLines when given, receives the whole lines of each chunk at once
 *   (those it declines go to onLine)
 * @returns the number of lines read
 * @throws {TraceInputError} as readLines does
 * @example
 * ```ts
 * import { readLineSpans } from "./line_reader.ts";
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "one\r\ntwo");
 * const lines: string[] = [];
 * await readLineSpans(path, (text, start, end) => lines.push(text.slice(start, end)));
 * console.log(lines); // ["one", "two"]
 * ```
 */
export async function readLineSpans(
  path: string,
  onLine: SpanHandler,
  options: ReadLinesOptions = {},
  onLines?: LinesHandler,
): Promise<number> {
  let file: Deno.FsFile;
  let fileBytes: number;
  try {
    ({ file, bytes: fileBytes } = await openInput(path));
  } catch (error) {
    throw new TraceInputError((error as Error).message, 0);
  }
  let bytesRead = 0;
  let lineNumber = 0;
  /** The start of a line whose end is in a later chunk. */
  let carry = "";
  let cutting = false; // inside a line already delivered cut short
  let handlerThrew = false; // an error from onLine is the caller's, passed on as it is
  /** How the file is compressed, if it is: "gzip" or "zstd". */
  let compression = "";
  /**
   * Hands over the line from `start` to `end` in `text` (its LF's index):
   * cut when it is too long; a CR before the LF is not the line's.
   */
  const line = (text: string, start: number, end: number, codes: Uint8Array): void => {
    if (end - start > MAX_LINE_CHARS) {
      onLine(text, start, start + MAX_LINE_CHARS, ++lineNumber, true, codes);
    } else {
      onLine(
        text,
        start,
        end > start && codes[end - 1] === 13 ? end - 1 : end,
        ++lineNumber,
        false,
        codes,
      );
    }
  };
  /**
   * The lines of a chunk, each a span of the chunk itself; only a line begun
   * in an earlier chunk is made a string of its own (the carry and the
   * chunk are not joined: a joined string is read slower to its end).
   */
  const chunkLines = (chunk: string, codes: Uint8Array): void => {
    let start = 0;
    if (carry.length > 0 || cutting) {
      const nl = chunk.indexOf("\n");
      if (nl === -1) {
        if (!cutting) carry += chunk;
        start = chunk.length;
      } else {
        if (cutting) cutting = false;
        else {
          const joined = carry + chunk.slice(0, nl);
          line(joined, 0, carry.length + nl, asciiCodes(joined));
        }
        carry = "";
        start = nl + 1;
      }
    }
    if (onLines !== undefined && start < chunk.length) {
      const last = chunk.lastIndexOf("\n");
      if (last >= start) {
        const read = onLines(chunk, start, last + 1, lineNumber, codes);
        if (read !== -1) {
          lineNumber = read;
          start = last + 1;
        }
      }
    }
    for (let nl = chunk.indexOf("\n", start); nl !== -1; nl = chunk.indexOf("\n", start)) {
      line(chunk, start, nl, codes);
      start = nl + 1;
    }
    if (start < chunk.length) carry += chunk.slice(start);
    if (carry.length > MAX_LINE_CHARS) {
      onLine(carry, 0, MAX_LINE_CHARS, ++lineNumber, true, asciiCodes(carry));
      carry = "";
      cutting = true;
    }
  };
  /** chunkLines, marking an error from onLine as the caller's. */
  const lines = (chunk: string, codes: Uint8Array): void => {
    try {
      chunkLines(chunk, codes);
    } catch (error) {
      handlerThrew = true;
      throw error;
    }
  };
  try {
    const reader = file.readable.getReader();
    const first = await reader.read();
    const head = first.value ?? new Uint8Array();
    if (head.length === 0) {
      throw new TraceInputError(`${path}: is empty (0 bytes): nothing was recorded in it`, 0);
    }
    compression = compressionOf(head);
    const counted = new ReadableStream<BufferSource>({
      start(controller) {
        controller.enqueue(head);
        bytesRead += head.length;
        if (first.done) controller.close();
      },
      async pull(controller) {
        const { value, done } = await reader.read();
        if (done) {
          controller.close();
          return;
        }
        bytesRead += value.length;
        controller.enqueue(value);
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    });
    const bytes = (compression === "" ? counted : counted.pipeThrough(decompression(compression)))
      .getReader() as ReadableStreamDefaultReader<Uint8Array>;
    // The first bytes the lines come from tell a trace from an image, an
    // archive or a JSON file, before any of it is read as lines.
    let chunk = await bytes.read();
    if (chunk.done) {
      throw new TraceInputError(
        `${path}: holds an empty ${compression} stream: nothing was recorded`,
        0,
      );
    }
    const kind = notTraceKind(chunk.value);
    if (kind !== undefined) {
      throw new TraceInputError(
        `${path}: is ${kind}${compression ? ` (${compression}-compressed)` : ""}, not a trace` +
          ` (pagepile reads ${TRACE_FORMATS})`,
        0,
      );
    }
    const decoder = new TextDecoder();
    // Whether the decoder may hold bytes of a character begun in the last
    // chunk: it may when that chunk ended with a byte that is not ASCII.
    let held = false;
    for (; !chunk.done; chunk = await bytes.read()) {
      const value = chunk.value;
      const text = decoder.decode(value, { stream: true });
      const ends: boolean = value.length === 0 ? held : value[value.length - 1] >= 0x80;
      // The first chunk's text lacks a byte order mark the decoder took off:
      // shorter than its bytes, it gets codes of its own.
      lines(text, codesOf(text, value, !held && !ends));
      held = ends;
      options.onProgress?.(bytesRead, fileBytes);
      const wait = options.backpressure?.();
      if (wait !== undefined) {
        await wait;
      }
    }
    const rest = decoder.decode();
    lines(rest, asciiCodes(rest));
    // The last line, when the text does not end with a line end: as if it did.
    if (carry.length > 0) {
      lines("\n", NEWLINE);
    }
  } catch (error) {
    if (error instanceof TraceInputError || handlerThrew) throw error;
    const why = (error as Error).message +
      (compression ? ` (a truncated or corrupt ${compression} stream?)` : "");
    throw new TraceInputError(
      lineNumber === 0
        ? `${path}: cannot be read: ${why}`
        : `${path}: cannot read past line ${lineNumber}: ${why}`,
      lineNumber,
    );
  } finally {
    try {
      file.close();
    } catch {
      // already closed by the stream
    }
  }
  return lineNumber;
}

/** The codes of "\n". */
const NEWLINE = asciiCodes("\n");

/** What pagepile reads, for messages about what it cannot. */
export const TRACE_FORMATS =
  "Linux ftrace text, trace-cmd's trace.dat and report text, and its own native traces; " +
  "plain, gzip or zstd";
