/**
 * Reads the metadata of a trace.dat file front to back: numbers in the
 * file's endianness, NUL-terminated strings, blocks of bytes. Version 6
 * metadata is read straight from the file (through a window of
 * WINDOW_BYTES, refilled as the reader moves on); a version 7 section's
 * payload from memory, where it was decompressed. A read past the end is a
 * DatError at the offset where it started: in the file, or, inside a
 * decompressed payload, the section's offset with the byte within the payload.
 * @module
 */

import { DatError } from "./dat_error.ts";
import type { DatFile } from "./dat_file.ts";

/** Bytes of the file read at a time by a reader over the file. */
const WINDOW_BYTES = 64 * 1024;

/** Longest NUL-terminated string the metadata holds (names, versions, clocks). */
const MAX_STRING_BYTES = 4096;

const latin1 = new TextDecoder("latin1");

/** A front-to-back reader over a file's bytes or a section's payload. */
export class MetaReader {
  readonly #file: DatFile | undefined;
  readonly #littleEndian: boolean;
  /** For a payload: the file offset of its section, and whether it was decompressed. */
  readonly #sectionOffset: number;
  readonly #decompressed: boolean;
  readonly #end: number;
  /** The bytes at hand, and the position (file offset or payload byte) of their first. */
  #window: Uint8Array;
  #view: DataView;
  #windowStart: number;
  #pos: number;

  /**
   * A reader over `file` from `offset` on.
   * @param file the trace.dat file
   * @param offset where to start
   * @param littleEndian the file's byte order
   */
  static overFile(file: DatFile, offset: number, littleEndian: boolean): MetaReader {
    return new MetaReader(file, new Uint8Array(0), offset, file.size, littleEndian, 0, false);
  }

  /**
   * A reader over a section's payload.
   * @param payload the payload (decompressed, when it was compressed)
   * @param payloadOffset the payload's file offset
   * @param decompressed whether the payload was decompressed (offsets in
   *   errors are then the section's, with the byte within the payload)
   */
  static overPayload(
    payload: Uint8Array,
    payloadOffset: number,
    decompressed: boolean,
    littleEndian: boolean,
  ): MetaReader {
    return new MetaReader(
      undefined,
      payload,
      0,
      payload.length,
      littleEndian,
      payloadOffset,
      decompressed,
    );
  }

  private constructor(
    file: DatFile | undefined,
    window: Uint8Array,
    pos: number,
    end: number,
    littleEndian: boolean,
    sectionOffset: number,
    decompressed: boolean,
  ) {
    this.#file = file;
    this.#window = window;
    this.#view = new DataView(window.buffer, window.byteOffset, window.byteLength);
    this.#windowStart = file === undefined ? 0 : pos;
    this.#pos = pos;
    this.#end = end;
    this.#littleEndian = littleEndian;
    this.#sectionOffset = sectionOffset;
    this.#decompressed = decompressed;
  }

  /** The file offset of the next byte (a payload's: of the section's next byte, if not compressed). */
  get offset(): number {
    return this.#decompressed ? this.#sectionOffset : this.#sectionOffset + this.#pos;
  }

  /** Bytes left before the end of the file or payload. */
  get remaining(): number {
    return this.#end - this.#pos;
  }

  /** A DatError at the reader's position. */
  fail(message: string): DatError {
    const inPayload = this.#decompressed
      ? ` (byte ${this.#pos.toLocaleString("en-US")} of its decompressed section)`
      : "";
    return new DatError(message + inPayload, this.offset);
  }

  /** Makes the next `n` bytes available in the window; returns their index in it. */
  #need(n: number, what: string): number {
    if (n > this.#end - this.#pos) {
      const where = this.#file === undefined ? "its section" : "the file";
      if (this.#pos > this.#end) {
        // An offset the file points to lies past its end: a file cut short.
        throw this.fail(
          `${what} would start past the end of ${where}, which ends at byte ` +
            this.#end.toLocaleString("en-US") +
            (this.#file === undefined ? "" : ": the file is truncated"),
        );
      }
      throw this.fail(
        `${what} (${n.toLocaleString("en-US")} bytes) runs past the end of ${where}` +
          ` (${this.remaining.toLocaleString("en-US")} bytes left)` +
          (this.#file === undefined ? "" : ": the file is truncated"),
      );
    }
    const at = this.#pos - this.#windowStart;
    if (at >= 0 && at + n <= this.#window.length) return at;
    const file = this.#file as DatFile;
    const length = Math.min(Math.max(n, WINDOW_BYTES), this.#end - this.#pos);
    this.#window = file.read(this.#pos, length, what);
    this.#view = new DataView(
      this.#window.buffer,
      this.#window.byteOffset,
      this.#window.byteLength,
    );
    this.#windowStart = this.#pos;
    return 0;
  }

  /** The next `n` bytes (a view of bytes that are never overwritten). */
  bytes(n: number, what: string): Uint8Array {
    const at = this.#need(n, what);
    this.#pos += n;
    return this.#window.subarray(at, at + n);
  }

  /** Skips `n` bytes, without reading them from the file. */
  skip(n: number, what: string): void {
    if (n > this.#end - this.#pos) {
      throw this.fail(
        `${what} (${n.toLocaleString("en-US")} bytes) runs past the end of ` +
          (this.#file === undefined ? "its section" : "the file: the file is truncated"),
      );
    }
    this.#pos += n;
  }

  /** An unsigned 16-bit number. */
  u16(what: string): number {
    const at = this.#need(2, what);
    this.#pos += 2;
    return this.#view.getUint16(at, this.#littleEndian);
  }

  /** An unsigned 32-bit number. */
  u32(what: string): number {
    const at = this.#need(4, what);
    this.#pos += 4;
    return this.#view.getUint32(at, this.#littleEndian);
  }

  /**
   * An unsigned 64-bit number; inexact above 2^53, where no offset or size
   * of a real file lies (the callers' range checks refuse it).
   */
  u64(what: string): number {
    const at = this.#need(8, what);
    this.#pos += 8;
    const low = this.#view.getUint32(at + (this.#littleEndian ? 0 : 4), this.#littleEndian);
    const high = this.#view.getUint32(at + (this.#littleEndian ? 4 : 0), this.#littleEndian);
    return high * 2 ** 32 + low;
  }

  /** A NUL-terminated string (the NUL read too), decoded as Latin-1. */
  cstring(what: string): string {
    const start = this.#pos;
    for (let length = 0; length < MAX_STRING_BYTES; length++) {
      if (this.#pos >= this.#end) {
        this.#pos = start;
        throw this.fail(
          `${what} has no NUL before the end of ` +
            (this.#file === undefined ? "its section" : "the file: the file is truncated"),
        );
      }
      const at = this.#need(1, what);
      this.#pos++;
      if (this.#window[at] === 0) {
        this.#pos = start;
        const bytes = this.bytes(length, what);
        this.#pos++;
        return latin1.decode(bytes);
      }
    }
    this.#pos = start;
    throw this.fail(`${what} has no NUL within ${MAX_STRING_BYTES} bytes`);
  }
}
