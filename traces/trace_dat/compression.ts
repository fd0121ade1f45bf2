/**
 * Compressed blocks of a version 7 trace.dat file (trace-cmd's
 * `tracecmd_compress_block`, `tracecmd_uncompress_block`). A compressed
 * metadata section's payload is one block, a compressed CPU's data a count
 * of blocks (chunks, of 10 pages each as trace-cmd writes them):
 *
 * ```
 * offset  size  field
 *  0       4    compressed size     u32, bytes that follow the header
 *  4       4    uncompressed size   u32
 *  8       var  the data            a zlib stream (RFC 1950) or a zstd frame
 *                                   (written without its content size)
 * ```
 * The algorithm is the file's, named in its initial header. A block is
 * decompressed with its uncompressed size as the output's limit, so that a
 * corrupt one cannot claim more memory than its header, and the header no
 * more than the caller's limit (MAX_BLOCK_BYTES for metadata).
 * @module
 */

import { inflateSync, zstdDecompressSync } from "node:zlib";
import { DatError } from "./dat_error.ts";

/** node:zlib's smallest output chunk. */
const MIN_CHUNK_BYTES = 64;

/** Bytes of a block's header. */
export const BLOCK_HEADER_BYTES = 8;

/**
 * Largest decompressed metadata block taken: kallsyms (4 MB on a
 * distribution kernel) is the largest a real file holds.
 */
export const MAX_BLOCK_BYTES = 64 * 1024 * 1024;

/**
 * Decompresses one block's data.
 * @param algorithm the file's compression: "zlib" or "zstd"
 * @param data the compressed bytes
 * @param size the uncompressed size the block's header gives
 * @param offset the block's file offset, for errors
 * @param cpu the CPU whose data the block holds, or -1
 * @param limit the most bytes the block may decompress to
 * @returns exactly `size` bytes
 * @throws {DatError} when the block does not decompress, or not to `size` bytes
 */
export function decompressBlock(
  algorithm: string,
  data: Uint8Array,
  size: number,
  offset: number,
  cpu = -1,
  limit = MAX_BLOCK_BYTES,
): Uint8Array {
  if (algorithm !== "zlib" && algorithm !== "zstd") {
    throw new DatError(
      `a compressed block in a file whose compression is "${algorithm}"`,
      offset,
      cpu,
    );
  }
  if (size > limit) {
    throw new DatError(
      `a compressed block claims ${size.toLocaleString("en-US")} bytes, more than the ` +
        `${limit.toLocaleString("en-US")} taken: a corrupt block header`,
      offset,
      cpu,
    );
  }
  if (size === 0) return new Uint8Array(0);
  let out: Uint8Array;
  try {
    // One output chunk of the whole size: node's default (16 KiB chunks,
    // joined at the end) takes twice as long for a 4 MB kallsyms.
    const limit = { maxOutputLength: size, chunkSize: Math.max(size, MIN_CHUNK_BYTES) };
    out = algorithm === "zstd" ? zstdDecompressSync(data, limit) : inflateSync(data, limit);
  } catch (error) {
    throw new DatError(
      `bad ${algorithm} block of ${data.length.toLocaleString("en-US")} bytes: ` +
        (error as Error).message,
      offset,
      cpu,
    );
  }
  if (out.length !== size) {
    throw new DatError(
      `bad ${algorithm} block: it decompresses to ${out.length.toLocaleString("en-US")} bytes, ` +
        `not the ${size.toLocaleString("en-US")} its header gives`,
      offset,
      cpu,
    );
  }
  // A plain view: node's Buffer methods (indexOf, slice) are slower than Uint8Array's.
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}
