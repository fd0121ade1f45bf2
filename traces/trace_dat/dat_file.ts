/**
 * A trace.dat file opened for random access: reads of a given length at a
 * given offset (Deno.FsFile seek and read), into a fresh buffer or one the
 * caller reuses, counting the bytes read for progress reports. A read that
 * the file cannot satisfy because it ends too soon is a DatError naming
 * where the file ends: the file is truncated.
 * @module
 */

import { DatError } from "./dat_error.ts";

/** An open trace.dat file. */
export class DatFile {
  /** The file's size in bytes. */
  readonly size: number;
  /** Bytes read so far, all reads together (for progress reports). */
  bytesRead = 0;
  readonly #file: Deno.FsFile;
  /** The file position after the last read (a read there needs no seek); -1 unknown. */
  #position = -1;

  /**
   * @param file the open file (closed by {@link close})
   * @param size its size in bytes
   */
  constructor(file: Deno.FsFile, size: number) {
    this.#file = file;
    this.size = size;
  }

  /**
   * `length` bytes at `offset`, in a new buffer.
   * @param what what the bytes are, for the error message
   * @param cpu the CPU whose data they are, or -1
   */
  read(offset: number, length: number, what: string, cpu = -1): Uint8Array {
    const bytes = new Uint8Array(length);
    this.readInto(bytes, offset, what, cpu);
    return bytes;
  }

  /**
   * Fills `buffer` with the bytes at `offset`.
   * @throws {DatError} when the file ends before the buffer is full
   */
  readInto(buffer: Uint8Array, offset: number, what: string, cpu = -1): void {
    if (offset + buffer.length > this.size) {
      throw new DatError(
        `${what} (${buffer.length.toLocaleString("en-US")} bytes) runs past the end of the ` +
          `file at ${this.size.toLocaleString("en-US")} bytes: the file is truncated`,
        offset,
        cpu,
      );
    }
    // Synchronous seek and read: an asynchronous one costs a turn of the
    // event loop each, which for a chunk's worth of bytes (40 KiB) takes
    // longer than the read itself. Reads that follow each other need no seek.
    if (offset !== this.#position) this.#file.seekSync(offset, Deno.SeekMode.Start);
    this.#position = -1; // unknown until the read completes
    let filled = 0;
    while (filled < buffer.length) {
      const n = this.#file.readSync(buffer.subarray(filled));
      if (n === null) {
        throw new DatError(`${what}: the file ended while it was read`, offset + filled, cpu);
      }
      filled += n;
    }
    this.bytesRead += filled;
    this.#position = offset + filled;
  }

  /** Closes the file. */
  close(): void {
    this.#file.close();
  }
}
