/**
 * Where a trace.dat file keeps what the reader needs: the page layout
 * (header_page), the event formats, kallsyms, and each CPU's data. Version 6
 * writes them one after another; version 7 in sections, found through a
 * chain of options sections.
 *
 * ```
 * version 6 (after the initial header)     version 7 section header (16 bytes)
 * "header_page\0"  u64 size, text          offset  size  field
 * "header_event\0" u64 size, text           0       2    id (the option id naming it)
 * ftrace formats:  u32 count,               2       2    flags: bit 0 compressed
 *                  count × (u64 size, text) 4       4    description (a string's offset)
 * event formats:   u32 systems, each:       8       8    bytes after the header
 *                  name\0, u32 count,
 *                  count × (u64 size, text) a compressed section's payload is one
 * kallsyms:        u32 size, text           block (compression.ts)
 * printk formats:  u32 size, text
 * command lines:   u64 size, text           version 7 sections: 0 options, 3 CPU data
 * u32 CPU count                             ("buffer"), 16 header_page and
 * "options  \0", then options:              header_event, 17 ftrace formats,
 *   u16 id (0 ends), u32 size, data         18 event formats, 19 kallsyms, 20
 * "flyrecord\0"                             printk, 21 command lines; payloads
 * CPU count × (u64 offset, u64 size)        as version 6's pieces
 * ```
 * An options section holds options `{u16 id; u32 size; data}`; the last,
 * DONE (id 0), gives the file offset of the next options section (0: none).
 * The first options section's offset is in the initial header. Options
 * read here: BUFFER (3: v7 `u64 section offset; name\0; clock\0; u32 page
 * size; u32 count; count × {u32 cpu; u64 offset; u64 size}`, the top
 * instance's has the name ""), TSC2NSEC (14: u32 mult, u32 shift), and the
 * metadata sections' offsets (16-19: u64). Instances (`-B`) other than the
 * top one are not read; printk formats and command lines are not needed.
 * @module
 */

import { BLOCK_HEADER_BYTES, decompressBlock, MAX_BLOCK_BYTES } from "./compression.ts";
import type { CpuData } from "./cpu_stream.ts";
import { DatError } from "./dat_error.ts";
import type { DatFile } from "./dat_file.ts";
import type { InitialHeader } from "./header.ts";
import { MetaReader } from "./meta_reader.ts";

/** Option and section ids read here. */
const OPTION_DONE = 0;
const OPTION_BUFFER = 3;
const OPTION_TSC2NSEC = 14;
const OPTION_BUFFER_TEXT = 22;
const SECTION_OPTIONS = 0;
const SECTION_HEADER_INFO = 16;
const SECTION_FTRACE_EVENTS = 17;
const SECTION_EVENT_FORMATS = 18;
const SECTION_KALLSYMS = 19;
/** Bit 0 of a section's flags: its payload is compressed. */
const SECTION_COMPRESSED = 1;
const SECTION_HEADER_BYTES = 16;

/** Longest event format text taken. */
const MAX_FORMAT_BYTES = 1024 * 1024;
/** Most options sections followed: a chain that loops is corrupt. */
const MAX_OPTIONS_SECTIONS = 1000;
/** Most CPUs taken. */
const MAX_CPUS = 8192;

const latin1 = new TextDecoder("latin1");

/** A format description and where it is. */
export interface FormatText {
  /** Its system ("" for header_page). */
  system: string;
  /** The text. */
  text: string;
  /** Its file offset (its section's, in a compressed section). */
  offset: number;
}

/** What the reader needs from a file's metadata. */
export interface DatLayout {
  /** The header_page description: the layout of a ring-buffer page. */
  headerPage: FormatText;
  /** The event formats, ftrace's and the recorded systems'. */
  formats: FormatText[];
  /** The kallsyms text (empty when the file has none). */
  kallsyms: Uint8Array;
  /** The CPUs with data, by CPU number. */
  cpus: CpuData[];
  /** Whether the CPU data is compressed (in chunks). */
  compressed: boolean;
  /** The TSC2NSEC option: timestamps become (ts × mult) >> shift; null without it. */
  tsc2nsec: { mult: number; shift: number } | null;
}

/**
 * Reads the metadata of a file whose initial header is read.
 * @throws {DatError} when the metadata is truncated or corrupt
 */
export function readLayout(file: DatFile, header: InitialHeader): DatLayout {
  return header.version === 6 ? readVersion6(file, header) : readVersion7(file, header);
}

function readVersion6(file: DatFile, header: InitialHeader): DatLayout {
  const le = header.littleEndian;
  const r = MetaReader.overFile(file, header.end, le);
  const { headerPage } = readHeaderInfo(r);
  const formats = readFtraceFormats(r);
  formats.push(...readEventFormats(r));
  const kallsyms = readKallsyms(r);
  r.skip(r.u32("the printk formats' size"), "the printk formats");
  r.skip(r.u64("the command lines' size"), "the command lines");
  const count = r.u32("the CPU count");
  let tsc2nsec: DatLayout["tsc2nsec"] = null;
  let tag = tag10(r);
  if (tag.startsWith("options")) {
    for (;;) {
      const id = r.u16("an option id");
      if (id === OPTION_DONE) break;
      const size = r.u32("an option size");
      if (size > MAX_BLOCK_BYTES) throw r.fail(`an option (id ${id}) claims ${size} bytes`);
      const data = MetaReader.overPayload(r.bytes(size, "an option"), r.offset - size, false, le);
      if (id === OPTION_TSC2NSEC) tsc2nsec = readTsc2nsec(data, size);
    }
    tag = tag10(r);
  }
  if (tag.startsWith("latency")) throw r.fail("a latency trace (text), not per-CPU data: not read");
  if (!tag.startsWith("flyrecord")) throw r.fail(`"${tag}" where "flyrecord" should be`);
  if (count > MAX_CPUS) throw r.fail(`a CPU count of ${count}`);
  const cpus: CpuData[] = [];
  for (let cpu = 0; cpu < count; cpu++) {
    const offset = r.u64("a CPU's data offset");
    const size = r.u64("a CPU's data size");
    if (size > 0) cpus.push(checkCpu({ cpu, offset, size }, file, r.offset - 16));
  }
  return { headerPage, formats, kallsyms, cpus, compressed: false, tsc2nsec };
}

function readVersion7(file: DatFile, header: InitialHeader): DatLayout {
  const le = header.littleEndian;
  const sections = new Map<number, number>();
  let buffer: { offset: number; cpus: CpuData[] } | undefined;
  let tsc2nsec: DatLayout["tsc2nsec"] = null;
  const seen = new Set<number>();
  for (let next = header.optionsOffset; next !== 0;) {
    if (seen.has(next) || seen.size >= MAX_OPTIONS_SECTIONS) {
      throw new DatError("the chain of options sections loops back", next);
    }
    seen.add(next);
    const r = openSection(file, header, next, SECTION_OPTIONS, "an options section");
    next = 0;
    for (;;) {
      const id = r.u16("an option id");
      const size = r.u32("an option size");
      if (size > MAX_BLOCK_BYTES) throw r.fail(`an option (id ${id}) claims ${size} bytes`);
      const at = r.offset;
      const data = MetaReader.overPayload(r.bytes(size, "an option"), at, false, le);
      if (id === OPTION_DONE) {
        next = size >= 8 ? data.u64("the next options offset") : 0;
        break;
      }
      if (id === OPTION_BUFFER) {
        const found = readBufferOption(data, file);
        if (found !== undefined) buffer = found;
      } else if (id === OPTION_BUFFER_TEXT) {
        data.u64("the BUFFER_TEXT option's section offset");
        if (data.cstring("the BUFFER_TEXT option's instance name") === "") {
          throw new DatError("a latency trace (text), not per-CPU data: not read", at);
        }
      } else if (id === OPTION_TSC2NSEC) {
        tsc2nsec = readTsc2nsec(data, size);
      } else if (id >= SECTION_HEADER_INFO && id <= SECTION_KALLSYMS && size >= 8) {
        sections.set(id, data.u64("a section offset"));
      }
    }
  }
  const section = (id: number, what: string) => {
    const offset = sections.get(id);
    return offset === undefined ? undefined : openSection(file, header, offset, id, what);
  };
  const headerInfo = section(SECTION_HEADER_INFO, "the headers section");
  if (headerInfo === undefined) {
    throw new DatError("no headers section (no HEADER_INFO option): no page layout", 0);
  }
  const { headerPage } = readHeaderInfo(headerInfo);
  const ftrace = section(SECTION_FTRACE_EVENTS, "the ftrace formats section");
  const formats = ftrace === undefined ? [] : readFtraceFormats(ftrace);
  const events = section(SECTION_EVENT_FORMATS, "the event formats section");
  if (events !== undefined) formats.push(...readEventFormats(events));
  const symbols = section(SECTION_KALLSYMS, "the kallsyms section");
  const kallsyms = symbols === undefined ? new Uint8Array(0) : readKallsyms(symbols);
  if (buffer === undefined) {
    throw new DatError(
      "no CPU data: no BUFFER option names the top instance's",
      header.optionsOffset,
    );
  }
  const head = file.read(buffer.offset, SECTION_HEADER_BYTES, "the CPU data's section header");
  const view = new DataView(head.buffer);
  if (view.getUint16(0, le) !== OPTION_BUFFER) {
    throw new DatError(
      `the section the BUFFER option points to has id ${view.getUint16(0, le)}, not 3 (CPU data)`,
      buffer.offset,
    );
  }
  const compressed = (view.getUint16(2, le) & SECTION_COMPRESSED) !== 0;
  if (compressed && header.compression === "none") {
    throw new DatError("compressed CPU data in a file whose compression is none", buffer.offset);
  }
  return { headerPage, formats, kallsyms, cpus: buffer.cpus, compressed, tsc2nsec };
}

/**
 * A reader over a version 7 section's payload, decompressed if it is compressed.
 * @throws {DatError} when the section header's id is not `id`, or the payload does not decompress
 */
function openSection(
  file: DatFile,
  header: InitialHeader,
  offset: number,
  id: number,
  what: string,
): MetaReader {
  const le = header.littleEndian;
  const r = MetaReader.overFile(file, offset, le);
  const found = r.u16(`${what}'s header`);
  const flags = r.u16(`${what}'s header`);
  r.skip(4, `${what}'s header`);
  const size = r.u64(`${what}'s header`);
  if (found !== id) throw new DatError(`${what} has id ${found}, not ${id}`, offset);
  if (size > file.size - r.offset) {
    throw new DatError(
      `${what} (${size.toLocaleString("en-US")} bytes) runs past the end of the file: ` +
        "the file is truncated",
      offset,
    );
  }
  if (!(flags & SECTION_COMPRESSED)) return r;
  if (header.compression === "none") {
    throw new DatError(`${what} is compressed in a file whose compression is none`, offset);
  }
  const blockAt = r.offset;
  const compressedSize = r.u32(`${what}'s compressed size`);
  const uncompressedSize = r.u32(`${what}'s decompressed size`);
  if (compressedSize > size - BLOCK_HEADER_BYTES) {
    throw new DatError(`${what}'s compressed block runs past the section`, blockAt);
  }
  const data = r.bytes(compressedSize, `${what}'s compressed block`);
  const payload = decompressBlock(header.compression, data, uncompressedSize, blockAt);
  return MetaReader.overPayload(payload, offset, true, le);
}

/** "header_page\0" u64 size, text; "header_event\0" u64 size, text (skipped). */
function readHeaderInfo(r: MetaReader): { headerPage: FormatText } {
  expectName(r, "header_page");
  const size = r.u64("header_page's size");
  if (size > MAX_FORMAT_BYTES) throw r.fail(`header_page claims ${size} bytes`);
  const offset = r.offset;
  const headerPage = { system: "", text: latin1.decode(r.bytes(size, "header_page")), offset };
  expectName(r, "header_event");
  r.skip(r.u64("header_event's size"), "header_event");
  return { headerPage };
}

/** u32 count, count × (u64 size, text): the ftrace system's formats. */
function readFtraceFormats(r: MetaReader): FormatText[] {
  const count = r.u32("the count of ftrace formats");
  const formats: FormatText[] = [];
  for (let i = 0; i < count; i++) formats.push(readFormat(r, "ftrace"));
  return formats;
}

/** u32 systems; each: name\0, u32 count, count × (u64 size, text). */
function readEventFormats(r: MetaReader): FormatText[] {
  const systems = r.u32("the count of event systems");
  const formats: FormatText[] = [];
  for (let s = 0; s < systems; s++) {
    const system = r.cstring("an event system's name");
    const count = r.u32(`the count of ${system}'s formats`);
    for (let i = 0; i < count; i++) formats.push(readFormat(r, system));
  }
  return formats;
}

function readFormat(r: MetaReader, system: string): FormatText {
  const size = r.u64(`the size of a ${system} format`);
  if (size > MAX_FORMAT_BYTES) {
    throw r.fail(`a ${system} format claims ${size.toLocaleString("en-US")} bytes`);
  }
  const offset = r.offset;
  return { system, text: latin1.decode(r.bytes(size, `a ${system} format`)), offset };
}

/** u32 size, then the kallsyms text. */
function readKallsyms(r: MetaReader): Uint8Array {
  const size = r.u32("the kallsyms size");
  if (size > MAX_BLOCK_BYTES) throw r.fail(`kallsyms claims ${size.toLocaleString("en-US")} bytes`);
  return r.bytes(size, "kallsyms");
}

/** The top instance's CPU data from a version 7 BUFFER option; undefined for another instance's. */
function readBufferOption(
  r: MetaReader,
  file: DatFile,
): { offset: number; cpus: CpuData[] } | undefined {
  const offset = r.u64("the BUFFER option's section offset");
  const name = r.cstring("the BUFFER option's instance name");
  if (name !== "") return undefined;
  r.cstring("the BUFFER option's clock");
  r.u32("the BUFFER option's page size");
  const count = r.u32("the BUFFER option's CPU count");
  if (count > MAX_CPUS) throw r.fail(`a BUFFER option with ${count} CPUs`);
  const cpus: CpuData[] = [];
  for (let i = 0; i < count; i++) {
    const at = r.offset;
    const cpu = r.u32("a CPU number");
    const data = { cpu, offset: r.u64("a CPU's data offset"), size: r.u64("a CPU's data size") };
    if (cpu >= MAX_CPUS || cpus.some((c) => c.cpu === cpu)) {
      throw new DatError(`the BUFFER option lists CPU ${cpu} twice or out of range`, at);
    }
    if (data.size > 0) cpus.push(checkCpu(data, file, at));
  }
  cpus.sort((a, b) => a.cpu - b.cpu);
  return { offset, cpus };
}

function readTsc2nsec(r: MetaReader, size: number): DatLayout["tsc2nsec"] {
  if (size < 16) return null;
  const mult = r.u32("TSC2NSEC's multiplier");
  const shift = r.u32("TSC2NSEC's shift");
  return mult === 0 ? null : { mult, shift: shift & 63 };
}

/** A CPU's data must start in the file (a cut inside it is found when the cursor gets there). */
function checkCpu(data: CpuData, file: DatFile, at: number): CpuData {
  if (data.offset >= file.size) {
    throw new DatError(
      `CPU ${data.cpu}'s data starts at ${data.offset.toLocaleString("en-US")}, past the end ` +
        `of the file (${file.size.toLocaleString("en-US")} bytes): the file is truncated`,
      at,
      data.cpu,
    );
  }
  return data;
}

function expectName(r: MetaReader, name: string): void {
  const at = r.offset;
  const found = latin1.decode(r.bytes(name.length + 1, `"${name}"`));
  if (found !== name + "\0") {
    throw new DatError(`"${found.replace(/\0/g, "\\0")}" where "${name}" should be`, at);
  }
}

/** The 10-byte tag of version 6: "options  \0", "flyrecord\0" or "latency  \0". */
function tag10(r: MetaReader): string {
  return latin1.decode(r.bytes(10, "a 10-byte tag (options, flyrecord)"));
}
