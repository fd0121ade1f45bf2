/**
 * The initial header of a trace.dat file (trace-cmd's `tracecmd_alloc_fd`,
 * `output_write_init`):
 *
 * ```
 * offset  size  field
 *  0       3    MAGIC          0x17 0x08 0x44
 *  3       7    "tracing"      no NUL
 * 10       var  version        decimal ASCII and a NUL: "6" or "7"
 *  +0      1    endianness     0 little, 1 big; every later number is in it
 *  +1      1    long size      sizeof(long) of the recording program (the
 *                              kernel's comes from header_page)
 *  +2      4    page size      u32, bytes of a ring-buffer page
 * version 7 only:
 *  +6      var  compression    NUL-terminated: "zstd", "zlib" or "none"
 *          var  its version    NUL-terminated ("" for none)
 *          8    options        u64 file offset of the first options section
 * ```
 * @module
 */

import type { DatFile } from "./dat_file.ts";
import { DatError } from "./dat_error.ts";
import { MetaReader } from "./meta_reader.ts";

/** The first ten bytes of every trace.dat file: the magic, then "tracing". */
const MAGIC = [0x17, 0x08, 0x44, 0x74, 0x72, 0x61, 0x63, 0x69, 0x6E, 0x67];
/** Offset of the version string. */
const VERSION_OFFSET = 10;

/** Smallest and largest ring-buffer page sizes taken for real (Linux's range, with room). */
const MIN_PAGE_BYTES = 256;
const MAX_PAGE_BYTES = 16 * 1024 * 1024;

/** The compression names a version 7 file may give. */
const COMPRESSIONS = ["none", "zlib", "zstd"];

/** What the initial header says. */
export interface InitialHeader {
  /** 6 or 7. */
  version: number;
  /** Whether the file's numbers are little-endian. */
  littleEndian: boolean;
  /** Bytes of a ring-buffer page. */
  pageSize: number;
  /** Version 7: the compression name ("zstd", "zlib" or "none"); "none" for version 6. */
  compression: string;
  /** Version 7: the file offset of the first options section; 0 for version 6. */
  optionsOffset: number;
  /** The file offset of the first byte after the header. */
  end: number;
}

/**
 * Reads and checks the initial header.
 * @throws {DatError} on a bad magic, an unsupported version, a bad
 *   endianness byte or page size, or a file too short to hold the header
 */
export function readInitialHeader(file: DatFile): InitialHeader {
  if (file.size < VERSION_OFFSET) {
    throw new DatError(
      `the file is ${file.size} bytes long, shorter than a trace.dat header: it is truncated`,
      0,
    );
  }
  const magic = file.read(0, VERSION_OFFSET, "the magic");
  const bad = MAGIC.findIndex((byte, i) => magic[i] !== byte);
  if (bad !== -1) {
    throw new DatError("bad magic: not a trace-cmd trace.dat file", bad);
  }
  // The version is read as a string, then the rest in the order written;
  // until the endianness byte is known, the reader's byte order is moot.
  const head = MetaReader.overFile(file, VERSION_OFFSET, true);
  const versionText = head.cstring("the version");
  const version = /^\d{1,3}$/.test(versionText) ? Number(versionText) : -1;
  if (version !== 6 && version !== 7) {
    throw new DatError(
      `version "${versionText}" is not one pagepile reads (6 and 7)`,
      VERSION_OFFSET,
    );
  }
  const endianOffset = head.offset;
  const [endian] = head.bytes(1, "the endianness byte");
  if (endian !== 0 && endian !== 1) {
    throw new DatError(`bad endianness byte ${endian} (0 is little, 1 big)`, endianOffset);
  }
  const littleEndian = endian === 0;
  const rest = MetaReader.overFile(file, endianOffset + 2, littleEndian);
  const pageOffset = rest.offset;
  const pageSize = rest.u32("the page size");
  if (pageSize < MIN_PAGE_BYTES || pageSize > MAX_PAGE_BYTES || (pageSize & (pageSize - 1))) {
    throw new DatError(
      `bad page size ${pageSize}: not a power of two of a ring buffer`,
      pageOffset,
    );
  }
  if (version === 6) {
    return {
      version,
      littleEndian,
      pageSize,
      compression: "none",
      optionsOffset: 0,
      end: rest.offset,
    };
  }
  const compressionOffset = rest.offset;
  const compression = rest.cstring("the compression name");
  if (!COMPRESSIONS.includes(compression)) {
    throw new DatError(
      `unknown compression "${compression}" (pagepile reads ${COMPRESSIONS.join(", ")})`,
      compressionOffset,
    );
  }
  rest.cstring("the compression version");
  const optionsOffset = rest.u64("the options offset");
  return { version, littleEndian, pageSize, compression, optionsOffset, end: rest.offset };
}
