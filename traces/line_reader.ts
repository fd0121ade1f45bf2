/**
 * Reads a text file line by line as a stream, plain or gzip (told apart by
 * gzip's magic bytes), in bounded memory: at most one chunk and one line are
 * held at a time, and a line longer than MAX_LINE_CHARS is cut short.
 * @module
 */

/** Longest line delivered whole; longer ones are cut here and flagged. */
export const MAX_LINE_CHARS = 64 * 1024;

/** Where a trace cannot be read on: a truncated or corrupt gzip stream, an I/O error. */
export class TraceInputError extends Error {
  /** The last line read whole before the error (0 when none). */
  readonly line: number;

  /**
   * Describes an unreadable input.
   * @param message what went wrong
   * @param line the last line read whole
   */
  constructor(message: string, line: number) {
    super(message);
    this.name = "TraceInputError";
    this.line = line;
  }
}

/** Called once per line, in order, with the line's 1-based number. */
export type LineHandler = (line: string, lineNumber: number, cut: boolean) => void;

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
 * @param path a plain or gzip-compressed text file
 * @param onLine receives each line
 * @param options progress reporting
 * @returns the number of lines read
 * @throws {TraceInputError} when the file cannot be read to its end
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
export async function readLines(
  path: string,
  onLine: LineHandler,
  options: ReadLinesOptions = {},
): Promise<number> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path);
  } catch (error) {
    throw new TraceInputError(`${path}: cannot open: ${(error as Error).message}`, 0);
  }
  const fileBytes = (await file.stat()).size;
  let bytesRead = 0;
  let lineNumber = 0;
  let carry = "";
  let cutting = false; // inside a line already delivered cut short
  let handlerThrew = false; // an error from onLine is the caller's, passed on as it is
  const handle = (text: string, cut: boolean): void => {
    try {
      onLine(text, ++lineNumber, cut);
    } catch (error) {
      handlerThrew = true;
      throw error;
    }
  };
  const deliver = (text: string): void => {
    const end = text.endsWith("\r") ? text.length - 1 : text.length;
    handle(end === text.length ? text : text.slice(0, end), false);
  };
  try {
    const reader = file.readable.getReader();
    const first = await reader.read();
    const head = first.value ?? new Uint8Array();
    const gzip = head.length >= 2 && head[0] === 0x1F && head[1] === 0x8B;
    const counted = new ReadableStream<BufferSource>({
      start(controller) {
        if (head.length > 0) controller.enqueue(head);
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
    const bytes: ReadableStream<BufferSource> = gzip
      ? counted.pipeThrough(new DecompressionStream("gzip"))
      : counted;
    for await (const chunk of bytes.pipeThrough(new TextDecoderStream())) {
      let start = 0;
      for (let nl = chunk.indexOf("\n"); nl !== -1; nl = chunk.indexOf("\n", start)) {
        if (cutting) {
          cutting = false;
        } else if (carry.length + nl - start > MAX_LINE_CHARS) {
          handle(
            (carry + chunk.slice(start, start + MAX_LINE_CHARS)).slice(0, MAX_LINE_CHARS),
            true,
          );
        } else {
          deliver(carry + chunk.slice(start, nl));
        }
        carry = "";
        start = nl + 1;
      }
      if (!cutting) {
        carry += chunk.slice(start);
        if (carry.length > MAX_LINE_CHARS) {
          handle(carry.slice(0, MAX_LINE_CHARS), true);
          carry = "";
          cutting = true;
        }
      }
      options.onProgress?.(bytesRead, fileBytes);
      const wait = options.backpressure?.();
      if (wait !== undefined) await wait;
    }
    if (carry.length > 0 && !cutting) deliver(carry);
  } catch (error) {
    if (error instanceof TraceInputError || handlerThrew) throw error;
    throw new TraceInputError(
      `${path}: cannot read past line ${lineNumber}: ${(error as Error).message}` +
        " (a truncated or corrupt gzip stream?)",
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
