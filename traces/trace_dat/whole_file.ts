/**
 * A trace.dat file compressed whole (`zstd fs.dat`, `gzip fs.dat`), told by
 * its first bytes, is decompressed to a temporary file before it is read:
 * the reader needs random access, which a compressed stream does not give.
 * The decompression streams, so memory stays at the streams' buffers
 * whatever the file's size.
 * @module
 */

import { decompression } from "../input_file.ts";

/**
 * Decompresses `path` into a new temporary file.
 * @param path the compressed file
 * @param compression "gzip" or "zstd"
 * @returns the temporary file's path; the caller removes it
 * @throws {Error} with the decompressor's message when the stream is corrupt
 *   or truncated (the temporary file is then removed)
 */
export async function decompressToTemp(path: string, compression: string): Promise<string> {
  const temp = await Deno.makeTempFile({ prefix: "pagepile-", suffix: ".dat" });
  try {
    const source = await Deno.open(path);
    const target = await Deno.open(temp, { write: true, truncate: true });
    await source.readable.pipeThrough(decompression(compression)).pipeTo(target.writable);
    return temp;
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
}
