// trace-cmd's binary trace.dat read into the same events as its `trace-cmd
// report` text: the recorded files event by event against their reports,
// synthetic files (made by the small version 7 writer below) for what the
// recordings lack (zlib, lost events, ties between CPUs, TSC2NSEC, events of
// other systems), the pieces on their own (format text, flag tables,
// kallsyms), and hostile files: each damage a TraceInputError naming the
// file, the offset and, in CPU data, the CPU, after what came before it.

import { fileURLToPath } from "node:url";
import { deflateSync, gzipSync, zstdCompressSync, zstdDecompressSync } from "node:zlib";
import { GFP_DMA, GFP_ZERO } from "../core/gfp.ts";
import { TraceInputError } from "../traces/line_reader.ts";
import { readTrace } from "../traces/trace_reader.ts";
import type { TraceEvent, TraceSink } from "../traces/trace_event.ts";
import { DatFile } from "../traces/trace_dat/dat_file.ts";
import { flagTable, parseEventFormat } from "../traces/trace_dat/event_format.ts";
import { readInitialHeader } from "../traces/trace_dat/header.ts";
import { Kallsyms } from "../traces/trace_dat/kallsyms.ts";
import { readTraceDat } from "../traces/trace_dat/read_trace_dat.ts";
import { readLayout } from "../traces/trace_dat/sections.ts";
import { assertEquals } from "./_assert.ts";

const RECORDED = fileURLToPath(new URL("../traces/recorded/trace-cmd/", import.meta.url));
const FS_DAT = RECORDED + "fs.dat";

// ---------------------------------------------------------------------------
// Collecting what a reader hands over, as plain values.

interface Seen {
  events: Record<string, unknown>[];
  problems: [number, string][];
  lost: [number, number][];
}

function collector(): { seen: Seen; sink: TraceSink } {
  const seen: Seen = { events: [], problems: [], lost: [] };
  return {
    seen,
    sink: {
      event: (e: TraceEvent) =>
        seen.events.push({
          line: e.line,
          op: e.op,
          key: e.key,
          size: e.size,
          order: e.order,
          flags: e.flags,
          linuxBytes: e.linuxBytes,
          pool: e.pool,
          site: e.site,
          cpu: e.cpu,
          name: e.name,
          batched: e.batched,
          reason: e.reason,
        }),
      problem: (line, message) => seen.problems.push([line, message]),
      lost: (line, count) => seen.lost.push([line, count]),
    },
  };
}

/** A zstd-compressed file decompressed into a temporary file, for `use`. */
async function withDecompressed<T>(path: string, use: (plain: string) => Promise<T>): Promise<T> {
  const plain = await Deno.makeTempFile();
  try {
    await Deno.writeFile(plain, zstdDecompressSync(await Deno.readFile(path)));
    return await use(plain);
  } finally {
    await Deno.remove(plain);
  }
}

/** Bytes written into a temporary file, for `use`. */
async function withFile<T>(bytes: Uint8Array, use: (path: string) => Promise<T>): Promise<T> {
  const path = await Deno.makeTempFile({ suffix: ".dat" });
  try {
    await Deno.writeFile(path, bytes);
    return await use(path);
  } finally {
    await Deno.remove(path);
  }
}

/** What readTraceDat delivers before it throws, and the TraceInputError. */
async function readUntilError(path: string): Promise<{ seen: Seen; error: TraceInputError }> {
  const { seen, sink } = collector();
  try {
    await readTraceDat(path, sink);
  } catch (error) {
    if (error instanceof TraceInputError) return { seen, error };
    throw error;
  }
  throw new Error(`${path} was read without an error`);
}

/** Asserts a one-line message that names the file and the offset (and the CPU, when given). */
function assertNamesOffset(error: TraceInputError, path: string, offset: number, cpu?: number) {
  const where = `${path}: at offset ${offset} (0x${offset.toString(16)})` +
    (cpu === undefined ? ": " : `, CPU ${cpu}: `);
  assertEquals(error.message.startsWith(where), true, error.message);
  assertEquals(error.message.includes("\n"), false, error.message);
}

// ---------------------------------------------------------------------------
// The recordings against their reports.

async function assertSameAsReport(dat: string, report: string): Promise<void> {
  const binary = collector();
  const text = collector();
  const datInfo = await readTraceDat(dat, binary.sink);
  const textInfo = await withDecompressed(report, (plain) => readTrace(plain, text.sink));
  assertEquals(datInfo.format, "trace.dat");
  assertEquals([datInfo.lines, datInfo.events], [textInfo.lines, textInfo.events]);
  assertEquals(binary.seen.problems, text.seen.problems);
  assertEquals(binary.seen.lost, text.seen.lost);
  assertEquals(binary.seen.events.length, text.seen.events.length);
  for (let i = 0; i < text.seen.events.length; i++) {
    assertEquals(binary.seen.events[i], text.seen.events[i], `event ${i}`);
  }
}

Deno.test("readTraceDat() reads fs.dat (v7, zstd, 1 CPU) into the events of its report, line numbers included", async () => {
  await assertSameAsReport(FS_DAT, RECORDED + "fs.report.txt.zst");
  const info = await readTraceDat(FS_DAT, collector().sink);
  // 85,473 records on lines 2 to 85,474; 85,505 events: 32 pools created first.
  assertEquals(info, {
    format: "trace.dat",
    lines: 85_474,
    events: 85_505,
    timestampsBackwards: 0,
  });
});

Deno.test("readTraceDat() reads fs.v6.dat.zst (v6, compressed whole) like the v7 file", async () => {
  await assertSameAsReport(RECORDED + "fs.v6.dat.zst", RECORDED + "fs.report.txt.zst");
});

Deno.test("readTraceDat() merges procs-2cpu.dat's two CPUs in the report's order", async () => {
  await assertSameAsReport(RECORDED + "procs-2cpu.dat", RECORDED + "procs-2cpu.report.txt.zst");
  const { seen, sink } = collector();
  const info = await readTraceDat(RECORDED + "procs-2cpu.dat", sink);
  assertEquals([info.lines, info.events], [115_216, 115_244]);
  // Both CPUs' records, 57,342 and 57,873 (the README), as calls and skips.
  const cpus = new Set(seen.events.map((e) => e.cpu));
  assertEquals([...cpus].sort(), [0, 1]);
});

// ---------------------------------------------------------------------------
// A minimal version 7 writer (tests only): trace-cmd's layout, as fs.dat has
// it: the initial header, the metadata sections, an options section pointing
// at them, the CPU data section, a second options section with the BUFFER
// option that locates each CPU's data.

const PAGE = 4096;

/** Bytes written little-endian into a growing buffer. */
class Out {
  #bytes = new Uint8Array(1 << 16);
  #view = new DataView(this.#bytes.buffer);
  length = 0;

  #room(n: number): number {
    if (this.length + n > this.#bytes.length) {
      const bigger = new Uint8Array(Math.max(this.#bytes.length * 2, this.length + n));
      bigger.set(this.#bytes);
      this.#bytes = bigger;
      this.#view = new DataView(bigger.buffer);
    }
    const at = this.length;
    this.length += n;
    return at;
  }
  u8(v: number): void {
    this.#bytes[this.#room(1)] = v;
  }
  u16(v: number): void {
    this.#view.setUint16(this.#room(2), v, true);
  }
  u32(v: number): void {
    this.#view.setUint32(this.#room(4), v, true);
  }
  u64(v: number | bigint): void {
    this.#view.setBigUint64(this.#room(8), BigInt(v), true);
  }
  bytes(b: Uint8Array): void {
    this.#bytes.set(b, this.#room(b.length));
  }
  text(s: string): void {
    this.bytes(new TextEncoder().encode(s));
  }
  cstring(s: string): void {
    this.text(s + "\0");
  }
  patchU64(at: number, v: number): void {
    this.#view.setBigUint64(at, BigInt(v), true);
  }
  alignTo(n: number): void {
    this.#room((n - (this.length % n)) % n);
  }
  done(): Uint8Array {
    return this.#bytes.slice(0, this.length);
  }
}

const COMMON_FIELDS = [
  "field:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;",
  "field:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;",
  "field:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;",
  "field:int common_pid;\toffset:4;\tsize:4;\tsigned:1;",
];

/** An event format text as the kernel prints it. */
function formatText(name: string, id: number, fields: string[], print: string): string {
  const lines = (list: string[]) => list.map((f) => `\t${f}\n`).join("");
  return `name: ${name}\nID: ${id}\nformat:\n${lines(COMMON_FIELDS)}\n${lines(fields)}\n` +
    `print fmt: ${print}\n`;
}

/** A gfp table like Linux's: combined masks first (one with `& ~`), then single bits. */
const GFP_TABLE = '__print_flags(REC->gfp_flags, "|", ' +
  "{( unsigned long)((((( gfp_t)(0x400u|0x800u)) | (( gfp_t)0x40u) | (( gfp_t)0x80u)) | " +
  '(( gfp_t)0x40000u)) & ~(( gfp_t)(0x400u|0x800u))), "GFP_LIGHT"}, ' +
  '{( unsigned long)((( gfp_t)(0x400u|0x800u)) | (( gfp_t)0x40u) | (( gfp_t)0x80u)), "GFP_KERNEL"}, ' +
  '{( unsigned long)(( gfp_t)0x01u), "GFP_DMA"}, {( unsigned long)(( gfp_t)0x04u), "GFP_DMA32"}, ' +
  '{( unsigned long)(( gfp_t)0x100u), "__GFP_ZERO"}, ' +
  '{( unsigned long)(( gfp_t)0x40000u), "__GFP_COMP"}, ' +
  '{( unsigned long)(( gfp_t)0x800000u), "__GFP_ZEROTAGS"} )';

const KMALLOC = 10;
const KFREE = 11;
const CACHE_FREE = 12;
const PAGE_ALLOC = 13;
const SCHED_WAKEUP = 20;

const KMALLOC_FORMAT = formatText(
  "kmalloc",
  KMALLOC,
  [
    "field:unsigned long call_site;\toffset:8;\tsize:8;\tsigned:0;",
    "field:const void * ptr;\toffset:16;\tsize:8;\tsigned:0;",
    "field:size_t bytes_req;\toffset:24;\tsize:8;\tsigned:0;",
    "field:size_t bytes_alloc;\toffset:32;\tsize:8;\tsigned:0;",
    "field:unsigned long gfp_flags;\toffset:40;\tsize:8;\tsigned:0;",
    "field:int node;\toffset:48;\tsize:4;\tsigned:1;",
  ],
  '"call_site=%pS ptr=%p bytes_req=%zu bytes_alloc=%zu gfp_flags=%s node=%d", ' +
    "(void *)REC->call_site, REC->ptr, REC->bytes_req, REC->bytes_alloc, " +
    `(REC->gfp_flags) ? ${GFP_TABLE} : "none", REC->node`,
);

const FORMATS: Record<string, string[]> = {
  kmem: [
    KMALLOC_FORMAT,
    formatText("kfree", KFREE, [
      "field:unsigned long call_site;\toffset:8;\tsize:8;\tsigned:0;",
      "field:const void * ptr;\toffset:16;\tsize:8;\tsigned:0;",
    ], '"call_site=%pS ptr=%p", (void *)REC->call_site, REC->ptr'),
    formatText("kmem_cache_free", CACHE_FREE, [
      "field:unsigned long call_site;\toffset:8;\tsize:8;\tsigned:0;",
      "field:const void * ptr;\toffset:16;\tsize:8;\tsigned:0;",
      "field:__data_loc char[] name;\toffset:24;\tsize:4;\tsigned:1;",
    ], '"call_site=%pS ptr=%p name=%s", (void *)REC->call_site, REC->ptr, __get_str(name)'),
    formatText(
      "mm_page_alloc",
      PAGE_ALLOC,
      [
        "field:unsigned long pfn;\toffset:8;\tsize:8;\tsigned:0;",
        "field:unsigned int order;\toffset:16;\tsize:4;\tsigned:0;",
        "field:unsigned long gfp_flags;\toffset:24;\tsize:8;\tsigned:0;",
        "field:int migratetype;\toffset:32;\tsize:4;\tsigned:1;",
      ],
      '"pfn=0x%lx order=%d migratetype=%d gfp_flags=%s", REC->pfn != -1UL ? REC->pfn : 0, ' +
        `REC->order, REC->migratetype, (REC->gfp_flags) ? ${GFP_TABLE} : "none"`,
    ),
  ],
  sched: [
    formatText(
      "sched_wakeup",
      SCHED_WAKEUP,
      ["field:int pid;\toffset:8;\tsize:4;\tsigned:1;"],
      '"pid=%d", REC->pid',
    ),
  ],
};

/** Symbols with a shared address, an absolute one, an ARM mapping symbol, a module's last. */
const KALLSYMS = [
  "ffffffff81000000 T _text",
  "ffffffff81000000 T startup_64",
  "ffffffff81001000 T alloc_thing",
  "ffffffff81001800 t helper.part.0",
  "0000000000001000 A fixed_percpu_data",
  "ffffffff81003000 T $x",
  "ffffffffc0000000 t mod_func\t[mod]",
].join("\n") + "\n";

/** A record's payload: its common_type, then fields [offset, size, value]. */
function record(id: number, length: number, fields: [number, number, bigint | number][]) {
  const bytes = new Uint8Array(length);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, id, true);
  for (const [offset, size, value] of fields) {
    if (size === 8) view.setBigUint64(offset, BigInt(value), true);
    else view.setUint32(offset, Number(value), true);
  }
  return bytes;
}

function kmalloc(site: bigint, ptr: bigint, req: number, alloc: number, gfp: number) {
  return record(KMALLOC, 56, [[8, 8, site], [16, 8, ptr], [24, 8, req], [32, 8, alloc], [
    40,
    8,
    gfp,
  ], [48, 4, 0xFFFF_FFFF]]);
}

function kfree(site: bigint, ptr: bigint) {
  return record(KFREE, 24, [[8, 8, site], [16, 8, ptr]]);
}

function cacheFree(site: bigint, ptr: bigint, name: string) {
  const text = new TextEncoder().encode(name + "\0");
  const bytes = record(CACHE_FREE, Math.ceil((28 + text.length) / 4) * 4, [[8, 8, site], [
    16,
    8,
    ptr,
  ], [24, 4, (text.length << 16) | 28]]);
  bytes.set(text, 28);
  return bytes;
}

function pageAlloc(pfn: bigint, order: number, gfp: number) {
  return record(PAGE_ALLOC, 40, [[8, 8, pfn], [16, 4, order], [24, 8, gfp], [32, 4, 0]]);
}

/** What a page holds: records after a time delta, time extends, padding, raw bytes. */
type Item =
  | { delta: number; record: Uint8Array }
  | { extend: number }
  | { padding: number }
  | { raw: Uint8Array };

/** A ring-buffer page; `lost`: events lost before it (-1: an unknown number). */
function page(ts: bigint, items: Item[], lost?: number): Uint8Array {
  const bytes = new Uint8Array(PAGE);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, ts, true);
  let at = 16;
  for (const item of items) {
    if ("record" in item) {
      const r = item.record;
      if (r.length <= 112) {
        view.setUint32(at, (item.delta << 5) | (r.length / 4), true);
        bytes.set(r, at + 4);
        at += 4 + r.length;
      } else {
        view.setUint32(at, item.delta << 5, true);
        view.setUint32(at + 4, r.length + 4, true);
        bytes.set(r, at + 8);
        at += 8 + r.length;
      }
    } else if ("extend" in item) {
      view.setUint32(at, ((item.extend % 2 ** 27) << 5) | 30, true);
      view.setUint32(at + 4, Math.floor(item.extend / 2 ** 27), true);
      at += 8;
    } else if ("padding" in item) {
      view.setUint32(at, 29, true);
      view.setUint32(at + 4, item.padding, true);
      at += 4 + item.padding;
    } else {
      bytes.set(item.raw, at);
      at += item.raw.length;
    }
  }
  let commit = at - 16;
  if (lost !== undefined) {
    commit |= 0x8000_0000;
    if (lost >= 0) {
      commit |= 0x4000_0000;
      view.setBigUint64(at, BigInt(lost), true);
    }
  }
  view.setUint32(8, commit >>> 0, true);
  return bytes;
}

const HEADER_PAGE = [
  "\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;",
  "\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;",
  "\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;",
  "\tfield: char data;\toffset:16;\tsize:4080;\tsigned:1;",
].join("\n") + "\n";

interface DatSpec {
  compression: "none" | "zlib" | "zstd";
  /** Each CPU's pages (none: no data for it). */
  cpus: Uint8Array[][];
  /** Pages a compressed chunk holds; default 10, as trace-cmd writes them. */
  pagesPerChunk?: number;
  formats?: Record<string, string[]>;
  tsc2nsec?: { mult: number; shift: number };
}

/** One compressed block: sizes, then the data. */
function block(algorithm: string, data: Uint8Array): Uint8Array {
  const out = new Out();
  const packed = algorithm === "zstd" ? zstdCompressSync(data) : deflateSync(data);
  out.u32(packed.length);
  out.u32(data.length);
  out.bytes(packed);
  return out.done();
}

/** A version 7 trace.dat file, and where its first CPU's chunks start. */
function traceDat(spec: DatSpec): Uint8Array {
  const out = new Out();
  const compressed = spec.compression !== "none";
  out.bytes(new Uint8Array([0x17, 0x08, 0x44]));
  out.text("tracing");
  out.cstring("7");
  out.u8(0); // little-endian
  out.u8(8); // long
  out.u32(PAGE);
  out.cstring(spec.compression);
  out.cstring(compressed ? "test" : "");
  const firstOptions = out.length;
  out.u64(0);
  const section = (id: number, payload: Uint8Array, compress: boolean) => {
    const at = out.length;
    const body = compress ? block(spec.compression, payload) : payload;
    out.u16(id);
    out.u16(compress ? 1 : 0);
    out.u32(0);
    out.u64(body.length);
    out.bytes(body);
    return at;
  };
  const headers = new Out();
  headers.cstring("header_page");
  headers.u64(HEADER_PAGE.length);
  headers.text(HEADER_PAGE);
  headers.cstring("header_event");
  headers.u64(0);
  const ftrace = new Out();
  ftrace.u32(0);
  const events = new Out();
  const formats = spec.formats ?? FORMATS;
  events.u32(Object.keys(formats).length);
  for (const [system, texts] of Object.entries(formats)) {
    events.cstring(system);
    events.u32(texts.length);
    for (const text of texts) {
      events.u64(new TextEncoder().encode(text).length);
      events.text(text);
    }
  }
  const symbols = new Out();
  symbols.u32(KALLSYMS.length);
  symbols.text(KALLSYMS);
  const metadata = [
    [16, section(16, headers.done(), compressed)],
    [17, section(17, ftrace.done(), compressed)],
    [18, section(18, events.done(), compressed)],
    [19, section(19, symbols.done(), compressed)],
  ];
  const options = new Out();
  for (const [id, at] of metadata) {
    options.u16(id);
    options.u32(8);
    options.u64(at);
  }
  if (spec.tsc2nsec !== undefined) {
    options.u16(14);
    options.u32(16);
    options.u32(spec.tsc2nsec.mult);
    options.u32(spec.tsc2nsec.shift);
    options.u64(0);
  }
  options.u16(0); // DONE, with the next options section's offset
  options.u32(8);
  const nextAt = options.length;
  options.u64(0);
  const firstAt = section(0, options.done(), false);
  out.patchU64(firstOptions, firstAt);
  const bufferAt = out.length;
  out.u16(3);
  out.u16(compressed ? 1 : 0);
  out.u32(0);
  const bufferSizeAt = out.length;
  out.u64(0);
  const cpus: { cpu: number; offset: number; size: number }[] = [];
  spec.cpus.forEach((pages, cpu) => {
    if (pages.length === 0) return;
    out.alignTo(PAGE);
    const offset = out.length;
    if (compressed) {
      const perChunk = spec.pagesPerChunk ?? 10;
      const chunks = Math.ceil(pages.length / perChunk);
      out.u32(chunks);
      for (let c = 0; c < chunks; c++) {
        const run = pages.slice(c * perChunk, (c + 1) * perChunk);
        const data = new Uint8Array(run.length * PAGE);
        run.forEach((p, i) => data.set(p, i * PAGE));
        out.bytes(block(spec.compression, data));
      }
      // trace-cmd's size counts the chunks, not their count.
      cpus.push({ cpu, offset, size: out.length - offset - 4 });
    } else {
      for (const p of pages) out.bytes(p);
      cpus.push({ cpu, offset, size: out.length - offset });
    }
  });
  out.patchU64(bufferSizeAt, out.length - bufferSizeAt - 8);
  const option = new Out();
  option.u64(bufferAt);
  option.cstring(""); // the top instance
  option.cstring("local");
  option.u32(PAGE);
  option.u32(cpus.length);
  for (const { cpu, offset, size } of cpus) {
    option.u32(cpu);
    option.u64(offset);
    option.u64(size);
  }
  const buffer = new Out();
  buffer.u16(3);
  buffer.u32(option.length);
  buffer.bytes(option.done());
  buffer.u16(0);
  buffer.u32(8);
  buffer.u64(0);
  out.patchU64(firstAt + 16 + nextAt, section(0, buffer.done(), false));
  return out.done();
}

/** Offset of the first CPU's data in a file traceDat wrote (its first page-aligned offset past the metadata). */
function firstCpuOffset(bytes: Uint8Array): number {
  return readLayoutOf(bytes).cpus[0].offset;
}

function readLayoutOf(bytes: Uint8Array) {
  const path = Deno.makeTempFileSync();
  Deno.writeFileSync(path, bytes);
  const file = Deno.openSync(path);
  try {
    const dat = new DatFile(file, bytes.length);
    return readLayout(dat, readInitialHeader(dat));
  } finally {
    file.close();
    Deno.removeSync(path);
  }
}

// ---------------------------------------------------------------------------
// Synthetic files.

const SITE = 0xFFFF_FFFF_8100_1010n; // alloc_thing+0x10
const GFP_KERNEL = 0xC0;

/** Two CPUs: kmalloc, kfree, kmem_cache_free, mm_page_alloc, lost events, an event of sched. */
function twoCpus(): Uint8Array[][] {
  return [
    [
      page(1000n, [
        { delta: 0, record: kmalloc(SITE, 0xFF11_0000_0000_1000n, 100, 128, GFP_KERNEL | 0x100) },
        { delta: 5, record: kfree(0xFFFF_FFFF_8100_1800n, 0xFF11_0000_0000_1000n) },
      ]),
      page(2000n, [
        { delta: 0, record: cacheFree(0xFFFF_FFFF_8100_0000n, 0x1234n, "my cache") },
        { delta: 3, record: pageAlloc(0xFFFF_FFFF_FFFF_FFFFn, 0, 0x1) },
      ], 7),
      page(3000n, [
        { extend: 2 ** 28 },
        { delta: 1, record: pageAlloc(0x1234n, 2, 0x4) },
      ], 3),
      page(4000n + 2n ** 28n, [
        { delta: 0, record: record(SCHED_WAKEUP, 12, [[8, 4, 5]]) },
        { padding: 8 },
        { delta: 1, record: kmalloc(0xFFFF_FFFF_C000_0010n, 0x10n, 1, 8, 0x40000 | GFP_KERNEL) },
      ], -1),
    ],
    [
      page(1000n, [
        { delta: 0, record: kmalloc(0xFFFF_FFFF_8100_0000n, 0x2000n, 8, 8, 0x80_0000) },
        { delta: 5000, record: kfree(0x1n, 0n) },
      ]),
    ],
  ];
}

Deno.test("readTraceDat() reads a v7 file alike uncompressed, zlib- and zstd-compressed", async () => {
  const read = (compression: DatSpec["compression"]) =>
    withFile(traceDat({ compression, cpus: twoCpus(), pagesPerChunk: 2 }), async (path) => {
      const { seen, sink } = collector();
      const info = await readTraceDat(path, sink);
      return { info, seen };
    });
  const none = await read("none");
  assertEquals(await read("zlib"), none);
  assertEquals(await read("zstd"), none);
  // Compressed whole with gzip: decompressed to a temporary file first.
  const gzipped = gzipSync(traceDat({ compression: "zlib", cpus: twoCpus() }));
  assertEquals(
    await withFile(gzipped, async (path) => {
      const { seen, sink } = collector();
      return { info: await readTraceDat(path, sink), seen };
    }),
    none,
  );
  // What `trace-cmd report` 3.1.6 prints of this file (checked with it):
  //  1 cpus=2
  //  2 [000] 0.000001: kmalloc: (alloc_thing+0x10) ... gfp_flags=GFP_KERNEL|__GFP_ZERO
  //  3 [001] 0.000001: kmalloc: (_text+0x0) ... gfp_flags=__GFP_ZEROTAGS
  //  4 [000] 0.000001: kfree: (helper.part.0+0x0) ...
  //  5 CPU:0 [7 EVENTS DROPPED]
  //  6 [000] 0.000002: kmem_cache_free: (_text+0x0) ... name=my cache
  //  7 [000] 0.000002: mm_page_alloc: pfn=0x0 order=0 ... gfp_flags=GFP_DMA
  //  8 [001] 0.000006: kfree: call_site=0x1 ptr=(nil)
  //  9 [000] 0.268438: mm_page_alloc: pfn=0x1234 order=2 ... gfp_flags=GFP_DMA32
  // 10 CPU:0 [EVENTS DROPPED]
  // 11 [000] 0.268439: sched_wakeup: 5
  // 12 [000] 0.268439: kmalloc: call_site=0xffffffffc0000010 ... gfp_flags=GFP_LIGHT
  assertEquals(none.info, { format: "trace.dat", lines: 12, events: 8, timestampsBackwards: 0 });
  const brief = none.seen.events.map((e) => [e.line, e.op, e.cpu, e.key, e.flags, e.site, e.name]);
  assertEquals(brief, [
    // Keys are the low 52 bits of a pointer: 0xff11000000001000 is 0x1000000001000.
    [2, "galloc", 0, 0x1_0000_0000_1000, GFP_ZERO, "alloc_thing+0x10", ""],
    // __GFP_ZEROTAGS holds "__GFP_ZERO": the text reader's rule, followed.
    [3, "galloc", 1, 0x2000, GFP_ZERO, "_text+0x0", ""],
    [4, "gfree", 0, 0x1_0000_0000_1000, 0, "helper.part.0+0x0", ""],
    [6, "slice_free", 0, 0x1234, 0, "_text+0x0", "my"],
    [7, "skip", 0, 0, 0, "", ""], // pfn -1UL prints 0x0: an allocation that failed
    [8, "gfree", 1, 0, 0, "0x1", ""],
    [9, "alloc_pages", 0, 0x1234, 0, "", ""], // GFP_DMA32 is not GFP_DMA
    [12, "galloc", 0, 0x10, 0, "0xffffffffc0000010", ""], // past the last symbol: not found
  ]);
  assertEquals(none.seen.problems, [[11, 'unknown event "sched_wakeup"']]);
  // Line 5 and 10 print the losses; the page opening with a time extend
  // loses 3 that trace-cmd does not print: counted at its record's line.
  assertEquals(none.seen.lost, [[5, 7], [9, 3], [10, 1]]);
});

Deno.test("readTraceDat() gives GFP flags by the names the print fmt's table gives the bits", async () => {
  const gfp = [
    GFP_KERNEL | 0x100, // GFP_KERNEL|__GFP_ZERO
    GFP_KERNEL | 0x1, // GFP_KERNEL|GFP_DMA
    0x4 | 0x100, // GFP_DMA32|__GFP_ZERO
    0x400C0, // GFP_LIGHT, the mask with "& ~"
    0x80_0000, // __GFP_ZEROTAGS: the text reader sees "__GFP_ZERO" in it
    0x1000_0000 | 0x1, // GFP_DMA|0x10000000
    0,
  ];
  const items = gfp.map((value, i) => ({
    delta: 1,
    record: kmalloc(SITE, BigInt(i + 1), 8, 8, value),
  }));
  const { seen, sink } = collector();
  await withFile(
    traceDat({ compression: "none", cpus: [[page(1n, items)]] }),
    (path) => readTraceDat(path, sink),
  );
  assertEquals(seen.events.map((e) => e.flags), [
    GFP_ZERO,
    GFP_DMA,
    GFP_ZERO,
    0,
    GFP_ZERO,
    GFP_DMA,
    0,
  ]);
});

Deno.test("readTraceDat() maps page frees, vmalloc and kmem's other events as the text reader does", async () => {
  const field = (type: string, name: string, offset: number, size: number, signed = 0) =>
    `field:${type} ${name};\toffset:${offset};\tsize:${size};\tsigned:${signed};`;
  const ulong = (name: string, offset: number) => field("unsigned long", name, offset, 8);
  const formats = {
    kmem: [
      formatText(
        "mm_page_free",
        33,
        [ulong("pfn", 8), field("unsigned int", "order", 16, 4)],
        '"pfn=0x%lx order=%d", REC->pfn, REC->order',
      ),
      formatText("mm_page_free_batched", 34, [ulong("pfn", 8)], '"pfn=0x%lx order=0", REC->pfn'),
      formatText("mm_page_pcpu_drain", 35, [ulong("pfn", 8)], '"pfn=0x%lx", REC->pfn'),
    ],
    vmalloc: [
      formatText(
        "alloc_vmap_area",
        30,
        [
          ulong("addr", 8),
          ulong("size", 16),
          ulong("align", 24),
          ulong("vstart", 32),
          ulong("vend", 40),
          field("int", "failed", 48, 4, 1),
        ],
        '"va_start: %lu size=%lu align=%lu vstart=0x%lx vend=0x%lx failed=%d", REC->addr, REC->size, REC->align, REC->vstart, REC->vend, REC->failed',
      ),
      formatText(
        "free_vmap_area_noflush",
        31,
        [ulong("va_start", 8), ulong("nr_lazy", 16), ulong("nr_lazy_max", 24)],
        '"va_start=0x%lx nr_lazy=%lu nr_lazy_max=%lu", REC->va_start, REC->nr_lazy, REC->nr_lazy_max',
      ),
      formatText("purge_vmap_area_lazy", 32, [
        ulong("start", 8),
        ulong("end", 16),
        field("unsigned int", "npurged", 24, 4),
      ], '"start=0x%lx end=0x%lx num_purged=%u", REC->start, REC->end, REC->npurged'),
    ],
  };
  const va = 0xFFFF_C900_0001_0000n;
  const items: Item[] = [
    record(30, 52, [[8, 8, va], [16, 8, 3 * PAGE]]),
    record(30, 52, [[8, 8, va + 0x10000n], [16, 8, 2 * PAGE], [48, 4, 1]]), // failed=1
    record(31, 32, [[8, 8, va]]),
    record(32, 28, []),
    record(33, 20, [[8, 8, 0x1234n], [16, 4, 3]]),
    record(34, 16, [[8, 8, 0x1234n]]),
    record(35, 16, [[8, 8, 0x99n]]),
    record(33, 20, [[8, 8, 0x1n], [16, 4, 11]]),
    record(33, 20, [[8, 8, 0x1n], [16, 4, 0xFFFF_FFFF]]), // prints order=-1
    record(30, 52, [[8, 8, va], [16, 8, 10n ** 15n]]), // 16 digits
  ].map((r) => ({ delta: 1, record: r }));
  const { seen, sink } = collector();
  await withFile(
    traceDat({ compression: "zstd", cpus: [[page(1n, items)]], formats }),
    (path) => readTraceDat(path, sink),
  );
  const key = Number(va & 0xF_FFFF_FFFF_FFFFn);
  assertEquals(
    seen.events.map((e) => [e.line, e.op, e.key, e.size, e.order, e.batched, e.reason]),
    [
      [2, "vmalloc", key, 2 * PAGE, 0, false, ""], // size less the guard page
      [3, "skip", 0, 0, 0, false, "allocation that failed in the traced kernel"],
      [4, "vfree", key, 0, 0, false, ""],
      [5, "skip", 0, 0, 0, false, "purge_vmap_area_lazy (informational)"],
      [6, "free_pages", 0x1234, 0, 3, false, ""],
      [7, "free_pages", 0x1234, 0, 0, true, ""],
      [8, "skip", 0, 0, 0, false, "mm_page_pcpu_drain (informational)"],
    ],
  );
  assertEquals(seen.problems, [
    [9, "mm_page_free: order 11 is above 10"],
    [10, "mm_page_free: order is missing or not a number"],
    [11, "alloc_vmap_area: size is missing or not a byte count"],
  ]);
});

Deno.test("readTraceDat() gives ties to the lower CPU, and orders TSC2NSEC files by converted time", async () => {
  const cpus = [
    [page(100n, [{ delta: 1, record: kfree(SITE, 0x10n) }])], // ts 101
    [page(100n, [{ delta: 0, record: kfree(SITE, 0x20n) }])], // ts 100
    [page(100n, [{ delta: 0, record: kfree(SITE, 0x30n) }])], // ts 100
  ];
  const order = async (spec: DatSpec) => {
    const { seen, sink } = collector();
    await withFile(traceDat(spec), (path) => readTraceDat(path, sink));
    return seen.events.map((e) => [e.line, e.cpu]);
  };
  assertEquals(await order({ compression: "none", cpus }), [[2, 1], [3, 2], [4, 0]]);
  // ts × 1 >> 1: 101 and 100 both become 50, and CPU 0 comes first.
  assertEquals(await order({ compression: "none", cpus, tsc2nsec: { mult: 1, shift: 1 } }), [
    [2, 0],
    [3, 1],
    [4, 2],
  ]);
});

Deno.test("readTraceDat() reports a record of no known format as a problem on its line", async () => {
  const cpus = [[page(1n, [
    { delta: 0, record: record(999, 8, []) },
    { delta: 0, record: kfree(SITE, 0x10n) },
  ])]];
  const { seen, sink } = collector();
  const info = await withFile(
    traceDat({ compression: "zstd", cpus }),
    (path) => readTraceDat(path, sink),
  );
  assertEquals(seen.problems, [[
    2,
    "a record of event type 999, which no format of the file describes",
  ]]);
  assertEquals([info.lines, info.events], [3, 1]);
});

Deno.test("readTraceDat() refuses a file whose records are none of the kmem events", async () => {
  const cpus = [[page(1n, [{ delta: 0, record: record(SCHED_WAKEUP, 12, [[8, 4, 1]]) }])]];
  await withFile(traceDat({ compression: "none", cpus }), async (path) => {
    const { seen, error } = await readUntilError(path);
    assertEquals(seen.problems, [[2, 'unknown event "sched_wakeup"']]);
    assertEquals(error.message.includes("holds no event"), true, error.message);
    assertEquals(error.line, 2);
  });
  await withFile(traceDat({ compression: "none", cpus: [] }), async (path) => {
    const { error } = await readUntilError(path);
    assertEquals(
      error.message,
      `${path}: holds no event: its CPU data holds no record` +
        " (were the kmem events enabled? trace-cmd record -e kmem)",
    );
  });
});

Deno.test("readTraceDat() reports progress and waits on backpressure", async () => {
  let progress = 0;
  let waits = 0;
  const last: number[] = [];
  await readTraceDat(FS_DAT, collector().sink, {
    onProgress: (read, size) => {
      progress++;
      last.splice(0, 2, read, size);
    },
    backpressure: () => {
      waits++;
      return waits % 2 === 0 ? Promise.resolve() : undefined;
    },
  });
  // A batch every 4,096 records: 85,473 records make 20.
  assertEquals(waits, 20);
  assertEquals(progress, 21);
  assertEquals(last, [1_497_334, 1_497_334]);
});

// ---------------------------------------------------------------------------
// The pieces.

Deno.test("parseEventFormat() reads fields by offset, size and sign; flagTable() evaluates the masks", () => {
  const format = parseEventFormat(KMALLOC_FORMAT, "kmem", 100);
  assertEquals([format.system, format.name, format.id], ["kmem", "kmalloc", KMALLOC]);
  assertEquals(format.fields.get("node"), {
    name: "node",
    offset: 48,
    size: 4,
    signed: true,
    dataLoc: false,
  });
  assertEquals(format.fields.get("common_type")?.offset, 0);
  const table = flagTable(format, "gfp_flags", 100) ?? [];
  assertEquals(table.map((f) => [f.name, f.maskHigh, f.maskLow]), [
    ["GFP_LIGHT", 0, 0x400C0], // (0xc00 | 0x40 | 0x80 | 0x40000) & ~0xc00
    ["GFP_KERNEL", 0, 0xCC0],
    ["GFP_DMA", 0, 0x1],
    ["GFP_DMA32", 0, 0x4],
    ["__GFP_ZERO", 0, 0x100],
    ["__GFP_COMP", 0, 0x40000],
    ["__GFP_ZEROTAGS", 0, 0x80_0000],
  ]);
  const name = parseEventFormat(FORMATS.kmem[2], "kmem", 0).fields.get("name");
  assertEquals([name?.offset, name?.size, name?.dataLoc], [24, 4, true]);
  assertEquals(flagTable(parseEventFormat(FORMATS.kmem[1], "kmem", 0), "gfp_flags", 0), undefined);
});

Deno.test("parseEventFormat() and flagTable() refuse what does not parse, naming the offset", () => {
  const refuse = (fn: () => unknown, includes: string) => {
    try {
      fn();
    } catch (error) {
      assertEquals((error as Error).message.includes(includes), true, (error as Error).message);
      assertEquals((error as { offset?: number }).offset, 77);
      return;
    }
    throw new Error("nothing thrown");
  };
  refuse(() => parseEventFormat("ID: 3\nformat:\n", "kmem", 77), "has no name: line");
  refuse(() => parseEventFormat("name: x\nID: three\n", "kmem", 77), "no numeric ID");
  refuse(
    () =>
      parseEventFormat("name: x\nID: 3\nformat:\n\tfield:int a;\toffset:x;\tsize:4;\n", "k", 77),
    "does not parse: field line",
  );
  const bad = (table: string) =>
    flagTable(
      parseEventFormat(
        `name: x\nID: 3\nformat:\n\nprint fmt: "%s", __print_flags(REC->gfp_flags, "|", ${table})\n`,
        "kmem",
        77,
      ),
      "gfp_flags",
      77,
    );
  refuse(() => bad('{ 0x10 | , "A"} )'), "ends too soon");
  refuse(() => bad('{ 0x10 + REC->x, "A"} )'), "not a number");
  refuse(() => bad("{ 0x10, A} )"), 'has no "NAME"');
  refuse(() => bad('{ 0x10, "A"'), 'an unterminated {mask, "NAME"} entry');
  refuse(() => bad('{ 0x10, "A"} {'), "where , or ) should be");
  assertEquals(bad('{ 0x10 << 2, "A"}, { (1UL) - 1, "none"}, { ~0UL, "all"} )'), [
    { maskHigh: 0, maskLow: 0x40, name: "A" }, // 0 and a mask with bit 63 set are never printed
  ]);
});

Deno.test("Kallsyms resolves as libtraceevent: greatest symbol at or below, ties, skipped kinds", () => {
  const symbols = new Kallsyms(
    new TextEncoder().encode(KALLSYMS + "not a line\nffffffff82000000 T late\n"),
  );
  // Parsing stops at the first line that does not read: "late" is not kept; A and $ are left out.
  assertEquals(symbols.size, 5);
  const hi = 0xFFFF_FFFF;
  assertEquals(symbols.resolve(hi, 0x8100_0000), "_text+0x0"); // bsearch lands on _text of the two
  assertEquals(symbols.resolve(hi, 0x8100_0010), "_text+0x10"); // above both: the later in sorted order
  assertEquals(symbols.resolve(hi, 0x8100_1fff), "helper.part.0+0x7ff");
  assertEquals(symbols.resolve(hi, 0x8200_0000), "helper.part.0+0xffe800"); // $x and late are not symbols
  assertEquals(symbols.resolve(hi, 0xC000_0000), "mod_func+0x0");
  assertEquals(symbols.resolve(hi, 0xC000_0001), "0xffffffffc0000001"); // past the last: not found
  assertEquals(symbols.resolve(0, 0x1000), "0x1000"); // below the first (the A symbol is out)
  assertEquals(new Kallsyms(new Uint8Array(0)).resolve(hi, 1), "0xffffffff00000001");
});

// ---------------------------------------------------------------------------
// Hostile files.

Deno.test("readTraceDat() refuses a corrupt initial header, naming the offset", async () => {
  const whole = await Deno.readFile(FS_DAT);
  const cases: [string, (b: Uint8Array) => Uint8Array, number, string][] = [
    ["bad magic", (b) => b.with(1, 9), 1, "bad magic: not a trace-cmd trace.dat file"],
    ["version 8", (b) => b.with(10, 0x38), 10, 'version "8" is not one pagepile reads (6 and 7)'],
    ["endianness 2", (b) => b.with(12, 2), 12, "bad endianness byte 2 (0 is little, 1 big)"],
    ["page size 3", (b) => b.with(14, 3).with(15, 0), 14, "bad page size 3"],
    ["compression", (b) => b.with(18, 0x78), 18, 'unknown compression "xstd"'],
  ];
  for (const [what, damage, offset, message] of cases) {
    await withFile(damage(whole), async (path) => {
      const { seen, error } = await readUntilError(path);
      assertNamesOffset(error, path, offset);
      assertEquals(error.message.includes(message), true, `${what}: ${error.message}`);
      assertEquals([seen.events.length, error.line], [0, 0]);
    });
  }
});

Deno.test("readTraceDat() refuses a file cut in its header or metadata, naming the offset", async () => {
  const whole = await Deno.readFile(FS_DAT);
  // fs.dat: header to 37, sections at 37 (headers), 316, 2,090, 3,392
  // (kallsyms), options at 895,390, CPU data at 897,024, options at 1,497,138.
  const cuts: [number, number, string][] = [
    [0, 0, "shorter than a trace.dat header"],
    [5, 0, "shorter than a trace.dat header"],
    [11, 10, "the version has no NUL before the end of the file"],
    [20, 18, "the compression name has no NUL"],
    [30, 29, "the options offset"],
    [2_000, 895_390, "would start past the end of the file"], // the first options section is gone
    // The second, with the BUFFER option, is gone, and the CPU data (at
    // 897,024) with it: the BUFFER section's header (895,826) is all there is.
    [896_000, 1_497_138, "no CPU data lies before the cut"],
  ];
  for (const [cut, offset, message] of cuts) {
    await withFile(whole.slice(0, cut), async (path) => {
      const { seen, error } = await readUntilError(path);
      assertNamesOffset(error, path, offset);
      assertEquals(error.message.includes(message), true, `cut at ${cut}: ${error.message}`);
      assertEquals(seen.events.length, 0);
    });
  }
});

Deno.test("readTraceDat() reads a v6 file cut inside its CPU data up to the cut", async () => {
  const v6 = zstdDecompressSync(await Deno.readFile(RECORDED + "fs.v6.dat.zst"));
  const dataAt = 0x3CE000; // fs.v6.dat's CPU data (its README)
  const cut = dataAt + 1_000_000 + 123;
  await withFile(v6.subarray(0, cut), async (path) => {
    const { seen, error } = await readUntilError(path);
    // The cursor reads 64 KiB (16 pages) at a time: the read of the block
    // the cut falls in fails, after every record of the blocks before it.
    const blockBytes = 16 * PAGE;
    const failedAt = dataAt + Math.floor((cut - dataAt) / blockBytes) * blockBytes;
    assertNamesOffset(error, path, failedAt, 0);
    assertEquals(error.message.includes("the file is truncated"), true, error.message);
    const last = seen.events.at(-1)?.line as number;
    assertEquals(error.line, last);
    assertEquals(last > 20_000, true, `${last} lines delivered`);
    // The same events as the whole file's, up to there.
    const whole = collector();
    await withFile(v6, (full) => readTraceDat(full, whole.sink));
    assertEquals(seen.events, whole.seen.events.slice(0, seen.events.length));
  });
});

Deno.test("readTraceDat() finds the CPU data of a v7 file cut before its last options section", async () => {
  // procs-2cpu.dat: BUFFER section at 896,783; CPU 0's data at 897,024 to
  // 1,358,556, CPU 1's at 1,359,872 to 1,825,184; then the options section
  // with the BUFFER option that says so.
  const whole = await Deno.readFile(RECORDED + "procs-2cpu.dat");
  const all = collector();
  await readTraceDat(RECORDED + "procs-2cpu.dat", all.sink);
  const note = (cpus: string) =>
    "at offset 1825184 (0x1bd9a0): the file is cut short before this options section, which " +
    "says where each CPU's data lies; the CPU data was found without it, in the BUFFER " +
    `section at offset 896783 (${cpus})`;

  // Cut in that options section: every event, and a note of what happened.
  await withFile(whole.slice(0, 1_825_200), async (path) => {
    const { seen, sink } = collector();
    await readTraceDat(path, sink);
    assertEquals(seen.problems, [[1, note("CPUs 0, 1")]]);
    assertEquals(seen.events, all.seen.events);
  });

  // Cut in CPU 1's data: the events in report order up to where CPU 1's cursor meets the cut.
  await withFile(whole.slice(0, 1_600_000), async (path) => {
    const { seen, error } = await readUntilError(path);
    assertEquals(seen.problems, [[1, note("CPUs 0, 1")]]);
    assertEquals(error.message.includes("CPU 1: a chunk of"), true, error.message);
    assertEquals(error.message.endsWith("the file is truncated"), true, error.message);
    assertEquals(seen.events.length > 50_000, true, `${seen.events.length} events`);
    assertEquals(seen.events, all.seen.events.slice(0, seen.events.length));
  });

  // Cut in CPU 0's data: CPU 1's data is lost, and the note says so; CPU 0's events up to the cut.
  await withFile(whole.slice(0, 1_100_000), async (path) => {
    const { seen, error } = await readUntilError(path);
    assertEquals(seen.problems, [[1, note("CPU 0; CPU 1 lost")]]);
    assertEquals(error.message.includes("CPU 0: a chunk of"), true, error.message);
    // The same events as CPU 0's in the whole file, but for their lines and
    // pools created (a cache CPU 1 used first is created at CPU 0's first use).
    const cpu0 = (events: Record<string, unknown>[]) =>
      events.filter((e) => e.cpu === 0 && e.op !== "slice_pool_create")
        .map((e) => ({ ...e, line: 0 }));
    const read = cpu0(seen.events);
    assertEquals(seen.events.every((e) => e.cpu === 0), true);
    assertEquals(read.length > 20_000, true, `${read.length} events`);
    assertEquals(read, cpu0(all.seen.events).slice(0, read.length));
  });
});

Deno.test("readTraceDat() finds compressed CPU data without the BUFFER option, not uncompressed", async () => {
  const whole = collector();
  const zlib = traceDat({ compression: "zlib", cpus: twoCpus(), pagesPerChunk: 2 });
  await withFile(zlib, (path) => readTraceDat(path, whole.sink));
  // Cut inside the last options section (the file's last 68 bytes).
  await withFile(zlib.slice(0, zlib.length - 20), async (path) => {
    const { seen, sink } = collector();
    await readTraceDat(path, sink);
    assertEquals(seen.problems[0][1].endsWith("(CPUs 0, 1)"), true, seen.problems[0][1]);
    assertEquals(seen.problems.slice(1), whole.seen.problems);
    assertEquals(seen.lost, whole.seen.lost);
    assertEquals(seen.events, whole.seen.events);
  });
  const none = traceDat({ compression: "none", cpus: twoCpus() });
  await withFile(none.slice(0, none.length - 20), async (path) => {
    const { seen, error } = await readUntilError(path);
    assertEquals(seen.events.length, 0);
    assertEquals(
      error.message.endsWith(
        "its CPU data is not compressed: where one CPU's data ends cannot be told, nor how many " +
          "CPUs have data",
      ),
      true,
      error.message,
    );
  });
});

Deno.test("readTraceDat() reads the CPUs of a v6 file whose data starts before the cut, saying which are lost", async () => {
  // fs.v6.dat given a second CPU whose data lies past the end of the file:
  // the CPU count (before "options  \0") becomes 2, the flyrecord table gets
  // a second entry, and the clock block after the table moves down by 16.
  const v6 = zstdDecompressSync(await Deno.readFile(RECORDED + "fs.v6.dat.zst"));
  const ascii = new TextDecoder("latin1").decode(v6.subarray(0, 0x3CE000));
  const options = ascii.indexOf("options  \0");
  const table = ascii.indexOf("flyrecord\0") + 10;
  const bytes = v6.slice();
  const view = new DataView(bytes.buffer);
  assertEquals(view.getUint32(options - 4, true), 1);
  view.setUint32(options - 4, 2, true);
  bytes.set(v6.subarray(table + 16, table + 16 + 15), table + 32); // u64 7, "[local]"
  view.setBigUint64(table + 16, BigInt(v6.length + PAGE), true);
  view.setBigUint64(table + 24, BigInt(PAGE), true);
  const single = collector();
  await withFile(v6, (path) => readTraceDat(path, single.sink));
  await withFile(bytes, async (path) => {
    const { seen, sink } = collector();
    await readTraceDat(path, sink);
    const at = table + 16;
    assertEquals(seen.problems, [[
      1,
      `at offset ${at} (0x${at.toString(16)}): CPU 1's data starts at ` +
      `${(v6.length + PAGE).toLocaleString("en-US")}, past the end of the file ` +
      `(${v6.length.toLocaleString("en-US")} bytes): the file is truncated; its events are lost`,
    ]]);
    assertEquals(seen.events, single.seen.events);
  });
});

/** fs.dat's chunk headers: offsets of its CPU data's compressed chunks. */
function chunkOffsets(bytes: Uint8Array, dataAt: number): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const offsets: number[] = [];
  let at = dataAt + 4;
  for (let i = view.getUint32(dataAt, true); i > 0; i--) {
    offsets.push(at);
    at += 8 + view.getUint32(at, true);
  }
  return offsets;
}

Deno.test("readTraceDat() stops at a bad compression block, after the chunks before it", async () => {
  const whole = await Deno.readFile(FS_DAT);
  const chunks = chunkOffsets(whole, 897_024);
  assertEquals(chunks.length, 95); // 942 pages, 10 a chunk
  const fifth = chunks[5];
  // The zstd frame's magic, flipped.
  await withFile(whole.with(fifth + 8, whole[fifth + 8] ^ 0xFF), async (path) => {
    const { seen, error } = await readUntilError(path);
    assertNamesOffset(error, path, fifth, 0);
    assertEquals(error.message.includes("bad zstd block"), true, error.message);
    assertEquals(seen.events.length > 0 && error.line === seen.events.at(-1)?.line, true);
  });
  // A chunk claiming more than 64 pages is refused before any allocation.
  const view = new DataView(whole.buffer);
  const claims = whole.slice();
  new DataView(claims.buffer).setUint32(fifth + 4, 64 * PAGE + 1, true);
  await withFile(claims, async (path) => {
    const { error } = await readUntilError(path);
    assertNamesOffset(error, path, fifth, 0);
    assertEquals(
      error.message.includes("a compressed block claims 262,145 bytes, more than the 262,144"),
      true,
      error.message,
    );
  });
  // A chunk whose compressed size runs past the CPU's data.
  const long = whole.slice();
  new DataView(long.buffer).setUint32(fifth, view.getUint32(fifth, true) + 10_000_000, true);
  await withFile(long, async (path) => {
    const { error } = await readUntilError(path);
    assertNamesOffset(error, path, fifth, 0);
    assertEquals(error.message.includes("runs past the end of the CPU's data"), true);
  });
});

Deno.test("readTraceDat() refuses an event format that does not parse, naming where it is", async () => {
  const broken = {
    ...FORMATS,
    kmem: [FORMATS.kmem[0].replace("offset:16;", "offset:sixteen;"), ...FORMATS.kmem.slice(1)],
  };
  const bytes = traceDat({ compression: "none", cpus: twoCpus(), formats: broken });
  await withFile(bytes, async (path) => {
    const { error } = await readUntilError(path);
    assertEquals(
      error.message.includes('the format of event "kmem:kmalloc" does not parse: field line'),
      true,
      error.message,
    );
    // The kmalloc format's text, right after the event formats' counts and its size.
    const at = new TextDecoder("latin1").decode(bytes).indexOf("name: kmalloc");
    assertNamesOffset(error, path, at);
  });
});

Deno.test("readTraceDat() stops at an event whose size runs past its page, after the records before it", async () => {
  const tooLong = new Uint8Array(8);
  new DataView(tooLong.buffer).setUint32(4, 5000, true); // type_len 0, 4,996 bytes of payload
  const cpus = [[
    page(1n, [{ delta: 0, record: kfree(SITE, 0x10n) }]),
    page(2n, [{ delta: 0, record: kfree(SITE, 0x20n) }, { raw: tooLong }]),
  ], [page(1n, [{ delta: 0, record: kfree(SITE, 0x30n) }])]];
  for (const compression of ["none", "zstd"] as const) {
    const bytes = traceDat({ compression, cpus });
    await withFile(bytes, async (path) => {
      const { seen, error } = await readUntilError(path);
      assertEquals(seen.events.map((e) => [e.line, e.key]), [[2, 0x10], [3, 0x30], [4, 0x20]]);
      assertEquals(error.line, 4);
      assertEquals(error.message.includes("an event of 4996 bytes runs past its page"), true);
      if (compression === "none") {
        // The second page, its events from 16, the kfree's 28 bytes: the bad header at 44.
        assertNamesOffset(error, path, firstCpuOffset(bytes) + PAGE + 16 + 28, 0);
      } else {
        const chunk = firstCpuOffset(bytes) + 4;
        assertNamesOffset(error, path, chunk, 0);
        assertEquals(error.message.endsWith("(page 1 of the compressed chunk, byte 44)"), true);
      }
    });
  }
});

Deno.test("readTraceDat() says why a file that is not there or not whole cannot be read", async () => {
  const missing = (await Deno.makeTempDir()) + "/none.dat";
  const { error } = await readUntilError(missing);
  assertEquals(error.message, `${missing}: no such file`);
  await withFile(zstdCompressSync(new Uint8Array(0)).subarray(0, 6), async (path) => {
    const { error } = await readUntilError(path);
    assertEquals(error.message.startsWith(`${path} (decompressed): at offset 0 (0x0): `), true);
  });
});
