/**
 * A cursor over one CPU's data: its pages in order, and the events on them.
 * The data is a run of pages at a file offset; in a compressed file, a
 * count of compressed chunks there instead, which decompress to the pages
 * (see compression.ts):
 *
 * ```
 * uncompressed             compressed (version 7, section flag bit 0)
 * offset  pages            offset  u32 chunk count
 *         page 0                   chunk: u32 size, u32 size decompressed, data
 *         page 1                   chunk ...
 *         ...                      (trace-cmd writes 10 pages a chunk)
 * ```
 * Memory: a cursor holds one block of the file at a time: BLOCK_BYTES of
 * uncompressed pages (reused from block to block), or one compressed chunk
 * and its decompressed pages (at most MAX_CHUNK_PAGES). The file is read
 * where the cursor is (seek and read), so cursors over several CPUs' data
 * move independently.
 * @module
 */

import { decompressBlock } from "./compression.ts";
import { DatError } from "./dat_error.ts";
import type { DatFile } from "./dat_file.ts";
import { type PageLayout, PageReader } from "./ring_buffer.ts";

/** Bytes of uncompressed data read at a time (whole pages; one, if a page is larger). */
const BLOCK_BYTES = 64 * 1024;
/** Most pages a compressed chunk may hold (trace-cmd writes 10). */
const MAX_CHUNK_PAGES = 64;

/** Where a CPU's data lies. */
export interface CpuData {
  /** The CPU. */
  cpu: number;
  /** File offset of its data. */
  offset: number;
  /** Bytes of its data in the file (compressed: of its chunks, after the count). */
  size: number;
}

/** One CPU's events, in order; `page` holds the current one. */
export class CpuStream {
  /** The CPU. */
  readonly cpu: number;
  /** The current page and event. */
  readonly page: PageReader;
  readonly #file: DatFile;
  readonly #data: CpuData;
  readonly #pageSize: number;
  readonly #littleEndian: boolean;
  /** The file's compression, for a compressed CPU's data; else undefined. */
  readonly #compression: string | undefined;
  /** The block or chunk at hand: its bytes, a view of them, and its offset in the CPU's data. */
  #block: Uint8Array = new Uint8Array(0);
  #view: DataView = new DataView(new ArrayBuffer(0));
  #blockStart = 0;
  /** The current page's offset in the CPU's (decompressed) data; -1 before the first. */
  #pageAt = -1;
  /** Compressed: the file offset of the next chunk, the current chunk's, and chunks left. */
  #nextChunk = 0;
  #chunkOffset = 0;
  #chunksLeft = 0;
  /** Compressed: the buffer chunks are read into, reused. */
  #compressed = new Uint8Array(0);

  /**
   * @param file the trace.dat file
   * @param data where the CPU's data is
   * @param pageSize bytes of a page
   * @param layout the page layout
   * @param littleEndian the file's byte order
   * @param compression the file's compression ("zlib", "zstd") when this
   *   CPU's data is compressed; undefined when it is not
   */
  constructor(
    file: DatFile,
    data: CpuData,
    pageSize: number,
    layout: PageLayout,
    littleEndian: boolean,
    compression: string | undefined,
  ) {
    this.cpu = data.cpu;
    this.#file = file;
    this.#data = data;
    this.#pageSize = pageSize;
    this.#littleEndian = littleEndian;
    this.#compression = compression;
    this.page = new PageReader(layout, littleEndian, data.cpu);
  }

  /**
   * Moves to the next event, on the current page or a later one.
   * @returns false when the CPU's data holds no more
   * @throws {DatError} when the data is truncated or corrupt
   */
  next(): boolean {
    if (this.#pageAt >= 0 && this.page.next()) return true;
    while (this.#nextPage()) {
      if (this.page.next()) return true;
    }
    return false;
  }

  /** Loads the next page; false at the end of the data. */
  #nextPage(): boolean {
    if (this.#compression === undefined) return this.#nextFilePage();
    if (this.#pageAt === -1) {
      this.#pageAt = 0;
      this.#nextChunk = this.#data.offset + 4;
      this.#chunksLeft = new DataView(
        (this.#file.read(this.#data.offset, 4, "the chunk count", this.cpu)).buffer,
      ).getUint32(0, this.#littleEndian);
    } else {
      this.#pageAt += this.#pageSize;
    }
    while (this.#pageAt >= this.#blockStart + this.#block.length) {
      if (this.#chunksLeft === 0) return false;
      this.#loadChunk();
    }
    const start = this.#pageAt - this.#blockStart;
    const length = Math.min(this.#pageSize, this.#block.length - start);
    const page = start / this.#pageSize;
    this.page.load(
      this.#block,
      this.#view,
      start,
      length,
      this.#chunkOffset,
      `page ${page} of the compressed chunk`,
    );
    return true;
  }

  /** Uncompressed data: the next page, reading the next block when needed. */
  #nextFilePage(): boolean {
    this.#pageAt = this.#pageAt === -1 ? 0 : this.#pageAt + this.#pageSize;
    const size = this.#data.size;
    if (this.#pageAt >= size) return false;
    if (this.#pageAt >= this.#blockStart + this.#block.length) {
      const blockBytes = Math.max(1, Math.floor(BLOCK_BYTES / this.#pageSize)) * this.#pageSize;
      const length = Math.min(blockBytes, size - this.#pageAt);
      if (this.#block.buffer.byteLength < length) {
        this.#block = new Uint8Array(length);
        this.#view = new DataView(this.#block.buffer);
      }
      const block = new Uint8Array(this.#block.buffer, 0, length);
      this.#file.readInto(block, this.#data.offset + this.#pageAt, "CPU data", this.cpu);
      this.#block = block;
      this.#blockStart = this.#pageAt;
    }
    const start = this.#pageAt - this.#blockStart;
    const length = Math.min(this.#pageSize, this.#block.length - start);
    this.page.load(this.#block, this.#view, start, length, this.#data.offset + this.#pageAt, "");
    return true;
  }

  /** Reads and decompresses the next chunk. */
  #loadChunk(): void {
    const at = this.#nextChunk;
    // The size trace-cmd writes counts the chunks, not the count before them.
    const end = this.#data.offset + 4 + this.#data.size;
    const fail = (message: string) => new DatError(message, at, this.cpu);
    if (at + 8 > end) {
      throw fail(`${this.#chunksLeft} chunks remain past the end of the CPU's data`);
    }
    const header = new DataView((this.#file.read(at, 8, "a chunk header", this.cpu)).buffer);
    const compressedSize = header.getUint32(0, this.#littleEndian);
    const size = header.getUint32(4, this.#littleEndian);
    if (at + 8 + compressedSize > end) {
      throw fail(
        `a chunk of ${compressedSize.toLocaleString("en-US")} compressed bytes runs past the ` +
          (end >= this.#file.size
            ? `end of the file (${this.#file.size.toLocaleString("en-US")} bytes): ` +
              "the file is truncated"
            : `end of the CPU's data at offset ${end}`),
      );
    }
    if (this.#compressed.length < compressedSize) this.#compressed = new Uint8Array(compressedSize);
    const compressed = this.#compressed.subarray(0, compressedSize);
    this.#file.readInto(compressed, at + 8, "a chunk", this.cpu);
    const limit = MAX_CHUNK_PAGES * this.#pageSize;
    const block = decompressBlock(
      this.#compression as string,
      compressed,
      size,
      at,
      this.cpu,
      limit,
    );
    this.#chunksLeft--;
    if (this.#chunksLeft > 0 && size % this.#pageSize !== 0) {
      throw fail(`a chunk of ${size} bytes that is not whole pages of ${this.#pageSize}`);
    }
    this.#blockStart += this.#block.length;
    this.#block = block;
    this.#view = new DataView(block.buffer, block.byteOffset, block.byteLength);
    this.#chunkOffset = at;
    this.#nextChunk = at + 8 + compressedSize;
  }
}
