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
 * A file cut short is read as far as it goes, with what was lost said
 * (DatDamage): a CPU whose data starts past the cut, or, in version 7, the
 * last options section, whose BUFFER option the reader then does without
 * (findCpuData).
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
const OPTION_CPUSTAT = 2;
const OPTION_BUFFER = 3;
const OPTION_CPUCOUNT = 8;
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
  /**
   * What a file cut short lost before its events are read, and how what is
   * left was found (for the reader to report; empty for a whole file).
   */
  damage: DatDamage[];
}

/** A loss found in the metadata of a file cut short. */
export interface DatDamage {
  /** What is lost, and what is read instead. */
  message: string;
  /** The file offset it concerns. */
  offset: number;
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
  const listed: { data: CpuData; at: number }[] = [];
  for (let cpu = 0; cpu < count; cpu++) {
    const offset = r.u64("a CPU's data offset");
    const size = r.u64("a CPU's data size");
    if (size > 0) listed.push({ data: { cpu, offset, size }, at: r.offset - 16 });
  }
  const damage: DatDamage[] = [];
  const cpus = cpusInFile(listed, file, damage);
  return { headerPage, formats, kallsyms, cpus, compressed: false, tsc2nsec, damage };
}

function readVersion7(file: DatFile, header: InitialHeader): DatLayout {
  const le = header.littleEndian;
  const sections = new Map<number, number>();
  let buffer: { offset: number; listed: ListedCpu[] } | undefined;
  let tsc2nsec: DatLayout["tsc2nsec"] = null;
  /** CPUs whose CPU_STAT option counts entries, and the CPUCOUNT option's count. */
  const withEntries: number[] = [];
  let cpuCount = 0;
  /** An options section the chain names that the file, cut short, no longer holds whole. */
  let cutAt = -1;
  const seen = new Set<number>();
  for (let next = header.optionsOffset; next !== 0;) {
    if (seen.has(next) || seen.size >= MAX_OPTIONS_SECTIONS) {
      throw new DatError("the chain of options sections loops back", next);
    }
    seen.add(next);
    if (!sectionWhole(file, le, next)) {
      cutAt = next;
      break;
    }
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
        const found = readBufferOption(data);
        if (found !== undefined) buffer = found;
      } else if (id === OPTION_BUFFER_TEXT) {
        data.u64("the BUFFER_TEXT option's section offset");
        if (data.cstring("the BUFFER_TEXT option's instance name") === "") {
          throw new DatError("a latency trace (text), not per-CPU data: not read", at);
        }
      } else if (id === OPTION_TSC2NSEC) {
        tsc2nsec = readTsc2nsec(data, size);
      } else if (id === OPTION_CPUSTAT) {
        const cpu = cpuWithEntries(latin1.decode(data.bytes(size, "a CPU_STAT option")));
        if (cpu !== undefined) withEntries.push(cpu);
      } else if (id === OPTION_CPUCOUNT && size >= 4) {
        cpuCount = Math.min(data.u32("the CPU count"), MAX_CPUS);
      } else if (id >= SECTION_HEADER_INFO && id <= SECTION_KALLSYMS && size >= 8) {
        sections.set(id, data.u64("a section offset"));
      }
    }
  }
  if (cutAt >= 0 && !sections.has(SECTION_HEADER_INFO)) {
    // Nothing can be read without the metadata: the section's own read says where the file ends.
    openSection(file, header, cutAt, SECTION_OPTIONS, "an options section");
    throw new DatError("an options section runs past the end of the file: truncated", cutAt);
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
  const damage: DatDamage[] = [];
  if (buffer === undefined && cutAt >= 0) {
    const numbers = withEntries.length > 0
      ? withEntries.sort((a, b) => a - b)
      : Array.from({ length: cpuCount }, (_, cpu) => cpu);
    buffer = findCpuData(file, header, numbers, cutAt, damage);
  } else if (cutAt >= 0) {
    damage.push({
      message: "the file is cut short: an options section it names is missing " +
        "(the CPU data's locations were read before it)",
      offset: cutAt,
    });
  }
  if (buffer === undefined) {
    throw new DatError(
      "no CPU data: no BUFFER option names the top instance's",
      header.optionsOffset,
    );
  }
  const compressed = bufferCompressed(file, header, buffer.offset);
  const cpus = cpusInFile(buffer.listed, file, damage);
  return { headerPage, formats, kallsyms, cpus, compressed, tsc2nsec, damage };
}

/** A CPU's data as a BUFFER option (or the search of a file cut short) gives it, and where that is said. */
interface ListedCpu {
  data: CpuData;
  at: number;
}

/** Whether the section at `offset` lies whole in the file: its header and the bytes it counts. */
function sectionWhole(file: DatFile, le: boolean, offset: number): boolean {
  if (offset + SECTION_HEADER_BYTES > file.size) return false;
  const head = sectionHeader(file, le, offset);
  return head.size <= file.size - offset - SECTION_HEADER_BYTES;
}

/** The 16-byte section header at `offset` (which must lie in the file). */
function sectionHeader(
  file: DatFile,
  le: boolean,
  offset: number,
): { id: number; flags: number; size: number } {
  const view = new DataView(file.read(offset, SECTION_HEADER_BYTES, "a section header").buffer);
  const size = view.getUint32(le ? 12 : 8, le) * 2 ** 32 + view.getUint32(le ? 8 : 12, le);
  return { id: view.getUint16(0, le), flags: view.getUint16(2, le), size };
}

/** The u32 at `offset` (which must lie in the file). */
function u32At(file: DatFile, le: boolean, offset: number, what: string): number {
  return new DataView(file.read(offset, 4, what).buffer).getUint32(0, le);
}

/** Whether the BUFFER section at `offset` holds compressed data (its flags). */
function bufferCompressed(file: DatFile, header: InitialHeader, offset: number): boolean {
  const le = header.littleEndian;
  const head = file.read(offset, SECTION_HEADER_BYTES, "the CPU data's section header");
  const view = new DataView(head.buffer);
  if (view.getUint16(0, le) !== OPTION_BUFFER) {
    throw new DatError(
      `the section the BUFFER option points to has id ${view.getUint16(0, le)}, not 3 (CPU data)`,
      offset,
    );
  }
  const compressed = (view.getUint16(2, le) & SECTION_COMPRESSED) !== 0;
  if (compressed && header.compression === "none") {
    throw new DatError("compressed CPU data in a file whose compression is none", offset);
  }
  return compressed;
}

/**
 * The CPU data of a version 7 file cut short before its last options
 * section, which trace-cmd writes after the data with the BUFFER option
 * that says where each CPU's data lies. The data is found without it:
 * sections follow one another from the end of the initial header; in the
 * first BUFFER section (the top instance's, written first), each CPU's data
 * starts at the page boundary after the previous one's end, CPUs in
 * ascending order. Compressed data gives its own length (a chunk count,
 * each chunk's size in its header); uncompressed data does not, so it is
 * found only when the options say that a single CPU has data. The CPUs'
 * numbers come from the CPU_STAT options (the CPUs that counted entries),
 * or the CPUCOUNT option, or else count from 0.
 * @param numbers the CPUs expected to have data, ascending (empty: unknown)
 * @param damage receives what was lost and how the data was found
 */
function findCpuData(
  file: DatFile,
  header: InitialHeader,
  numbers: number[],
  cutAt: number,
  damage: DatDamage[],
): { offset: number; listed: ListedCpu[] } {
  const le = header.littleEndian;
  const missing = "the file is cut short before this options section, which says where each " +
    "CPU's data lies";
  let section = -1;
  let compressed = false;
  for (
    let at = header.end, i = 0;
    i < MAX_OPTIONS_SECTIONS && at + SECTION_HEADER_BYTES <= file.size;
    i++
  ) {
    const { id, flags, size } = sectionHeader(file, le, at);
    if (id === OPTION_BUFFER) {
      section = at;
      compressed = (flags & SECTION_COMPRESSED) !== 0;
      break;
    }
    at += SECTION_HEADER_BYTES + size;
  }
  if (section < 0) throw new DatError(`${missing}, and no CPU data lies before the cut`, cutAt);
  const listed: ListedCpu[] = [];
  let data = alignUp(section + SECTION_HEADER_BYTES, header.pageSize);
  if (!compressed) {
    if (numbers.length !== 1) {
      throw new DatError(
        `${missing}, and its CPU data is not compressed: where one CPU's data ends cannot be ` +
          (numbers.length === 0 ? "told, nor how many CPUs have data" : "told"),
        cutAt,
      );
    }
    if (data < file.size) {
      listed.push({ data: { cpu: numbers[0], offset: data, size: file.size - data }, at: data });
    }
  } else {
    const limit = numbers.length > 0 ? numbers.length : MAX_CPUS;
    while (listed.length < limit && data + 4 <= file.size) {
      const cpu = numbers[listed.length] ?? listed.length;
      const count = u32At(file, le, data, "a chunk count");
      // Past the chunks' headers the data ends, or the file does (then the
      // cursor over this CPU's data finds the cut and reports it).
      let end = data + 4;
      for (let i = 0; i < count && end + 8 <= file.size; i++) {
        const chunk = u32At(file, le, end, "a chunk's size");
        end = Math.min(end + 8 + chunk, file.size + 1);
      }
      const whole = end <= file.size;
      const size = (whole ? end : file.size) - data - 4;
      listed.push({ data: { cpu, offset: data, size }, at: data });
      if (!whole) break;
      data = alignUp(end, header.pageSize);
    }
  }
  if (listed.length === 0) {
    throw new DatError(`${missing}, and no CPU data lies before the cut`, cutAt);
  }
  const found = listed.map((c) => c.data.cpu).join(", ");
  damage.push({
    message: `${missing}; the CPU data was found without it, in the BUFFER section at offset ` +
      `${section} (CPU${listed.length === 1 ? "" : "s"} ${found}${
        numbers.length > listed.length
          ? `; CPU${numbers.length - listed.length === 1 ? "" : "s"} ` +
            `${numbers.slice(listed.length).join(", ")} lost`
          : ""
      })`,
    offset: cutAt,
  });
  return { offset: section, listed };
}

function alignUp(offset: number, pageSize: number): number {
  return Math.ceil(offset / pageSize) * pageSize;
}

/** The CPU a CPU_STAT option's text (`CPU: 0\nentries: 57342\n...`) names, if it counted entries. */
function cpuWithEntries(text: string): number | undefined {
  const cpu = /^CPU: (\d+)$/m.exec(text);
  const entries = /^entries: (\d+)$/m.exec(text);
  if (cpu === null || entries === null || Number(entries[1]) === 0) return undefined;
  const n = Number(cpu[1]);
  return n < MAX_CPUS ? n : undefined;
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
function readBufferOption(r: MetaReader): { offset: number; listed: ListedCpu[] } | undefined {
  const offset = r.u64("the BUFFER option's section offset");
  const name = r.cstring("the BUFFER option's instance name");
  if (name !== "") return undefined;
  r.cstring("the BUFFER option's clock");
  r.u32("the BUFFER option's page size");
  const count = r.u32("the BUFFER option's CPU count");
  if (count > MAX_CPUS) throw r.fail(`a BUFFER option with ${count} CPUs`);
  const listed: ListedCpu[] = [];
  for (let i = 0; i < count; i++) {
    const at = r.offset;
    const cpu = r.u32("a CPU number");
    const data = { cpu, offset: r.u64("a CPU's data offset"), size: r.u64("a CPU's data size") };
    if (cpu >= MAX_CPUS || listed.some((c) => c.data.cpu === cpu)) {
      throw new DatError(`the BUFFER option lists CPU ${cpu} twice or out of range`, at);
    }
    if (data.size > 0) listed.push({ data, at });
  }
  return { offset, listed };
}

function readTsc2nsec(r: MetaReader, size: number): DatLayout["tsc2nsec"] {
  if (size < 16) return null;
  const mult = r.u32("TSC2NSEC's multiplier");
  const shift = r.u32("TSC2NSEC's shift");
  return mult === 0 ? null : { mult, shift: shift & 63 };
}

/**
 * The listed CPUs whose data starts in the file, by CPU number. In a file
 * cut short, a CPU whose data starts past the cut is lost (a damage note);
 * a cut inside a CPU's data is found when its cursor gets there.
 * @throws {DatError} when every CPU's data starts past the end of the file
 */
function cpusInFile(listed: ListedCpu[], file: DatFile, damage: DatDamage[]): CpuData[] {
  const inFile = listed.filter(({ data }) => data.offset < file.size);
  const lost = listed.filter(({ data }) => data.offset >= file.size);
  const past = ({ data }: ListedCpu) =>
    `CPU ${data.cpu}'s data starts at ${data.offset.toLocaleString("en-US")}, past the end ` +
    `of the file (${file.size.toLocaleString("en-US")} bytes): the file is truncated`;
  if (inFile.length === 0 && lost.length > 0) {
    throw new DatError(past(lost[0]), lost[0].at, lost[0].data.cpu);
  }
  for (const cpu of lost) {
    damage.push({ message: `${past(cpu)}; its events are lost`, offset: cpu.at });
  }
  return inFile.map(({ data }) => data).sort((a, b) => a.cpu - b.cpu);
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
