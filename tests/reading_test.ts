// The readers read lines in place (issue 25): the line reader hands each line
// over as a span of the text it was decoded in, and the parsers read fields
// and numbers there without substrings. Nothing they deliver may change: the
// lines (their ends, CRs, cuts, the last line without a line end, lines across
// the reader's chunks) are compared with a plain split of the whole text, and
// every event, problem and lost-events count of the parsers with the parsers
// as they were (tests/_reference_parsers.ts), on real lines mutated at random,
// each line read alone and inside a longer text.

import fc from "fast-check";
import { gunzipSync } from "node:zlib";
import { gzipSync } from "node:zlib";
import { concatBytes } from "./_helpers.ts";
import {
  asciiCodes,
  MAX_LINE_CHARS,
  readLines,
  readLineSpans,
  TraceInputError,
} from "../traces/line_reader.ts";
import { readTrace } from "../traces/trace_reader.ts";
import { REPLAY_SITE_OPS } from "../tools/cli/parse.ts";
import { siteOpsRead } from "../tools/replay/replayer.ts";
import { LinuxTraceParser } from "../traces/linux_ftrace.ts";
import { NativeTraceParser } from "../traces/native_format.ts";
import type { TraceOp, TraceSink } from "../traces/trace_event.ts";
import { ReferenceLinuxParser, ReferenceNativeParser } from "./_reference_parsers.ts";
import { assertEquals } from "./_assert.ts";

/** What a plain split of the whole text gives: readLines' contract. */
function splitLines(text: string): { line: string; cut: boolean }[] {
  const parts = text.split("\n");
  if (parts[parts.length - 1] === "") parts.pop();
  return parts.map((part) =>
    part.length > MAX_LINE_CHARS
      ? { line: part.slice(0, MAX_LINE_CHARS), cut: true }
      : { line: part.endsWith("\r") ? part.slice(0, -1) : part, cut: false }
  );
}

const PIECES = ["a", "b", " ", "=", "\r", "\r\n", "\n", "\n\n", "é", "€", "0x1f", "galloc 0x1 0 8"];

Deno.test("readLines() gives the lines of a plain split, across chunks, CRs and cut lines", async () => {
  const path = await Deno.makeTempFile();
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.constantFrom(...PIECES),
            // long runs: lines across the reader's 64 KiB chunks, and cut ones
            fc.integer({ min: 1, max: 3 * MAX_LINE_CHARS }).map((n) => "x".repeat(n)),
          ),
          { maxLength: 40 },
        ),
        async (pieces) => {
          const text = pieces.join("");
          await Deno.writeTextFile(path, text);
          const lines: { line: string; cut: boolean }[] = [];
          if (text.length > 0) await readLines(path, (line, _, cut) => lines.push({ line, cut }));
          assertEquals(lines, text.length > 0 ? splitLines(text) : []);
        },
      ),
      { numRuns: 60 },
    );
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("readLines() reads gzip members one after another, and names the line a cut stream ends at", async () => {
  const path = await Deno.makeTempFile();
  const encode = (text: string) => new TextEncoder().encode(text);
  const first = Array.from({ length: 3000 }, (_, i) => `first ${i}\n`).join("");
  const second = Array.from({ length: 3000 }, (_, i) => `second ${i}\n`).join("");
  try {
    // `cat a.gz b.gz > c.gz`: gunzip reads c.gz as a's text, then b's.
    await Deno.writeFile(path, concatBytes([gzipSync(encode(first)), gzipSync(encode(second))]));
    const lines: string[] = [];
    await readLines(path, (line) => lines.push(line));
    assertEquals(lines, splitLines(first + second).map(({ line }) => line));

    const whole = gzipSync(encode(first + second));
    await Deno.writeFile(path, whole.subarray(0, whole.length - 100));
    let failure: unknown;
    await readLines(path, () => {}).catch((error) => failure = error);
    assertEquals(failure instanceof TraceInputError, true, String(failure));
    const { message, line } = failure as TraceInputError;
    assertEquals(
      /cannot read past line \d+: .* \(a truncated or corrupt gzip stream\?\)$/.test(message),
      true,
      message,
    );
    assertEquals(line > 0 && line < 6000, true, message);
  } finally {
    await Deno.remove(path);
  }
});

/** Everything a sink receives, as text. */
function recorder(): { sink: TraceSink; out: string[] } {
  const out: string[] = [];
  return {
    out,
    sink: {
      event: (e) =>
        out.push(
          `${e.line} ${e.op} ${e.key} ${e.pool}|${e.order} ${e.size} ${e.flags} ${e.linuxBytes} ` +
            `${e.site}|${e.cpu} ${e.name}|${e.batched} ${e.reason}`,
        ),
      problem: (line, message) => out.push(`${line} problem: ${message}`),
      lost: (line, count) => out.push(`${line} lost ${count}`),
    },
  };
}

const LINUX = new TextDecoder().decode(
  gunzipSync(Deno.readFileSync(new URL("./fixtures/boot_excerpt.trace.gz", import.meta.url))),
).split("\n").filter((line) => line.length > 0).slice(0, 300).concat([
  "            bash-1       [001] .....    12.000001: kmem_cache_free: call_site=x+0x1/0x2 ptr=(nil) name=dentry",
  "  kworker/0:1-20  [000] d..1.    99.5: alloc_vmap_area: va_start: 18446628385006059520 size=8192 align=4096 vstart=1 vend=2 failed=0",
  "  kworker/0:1-20  [000] d..1.    99.6: free_vmap_area_noflush: va_start=0xffff966540b6a000 nr_lazy=3 nr_lazy_max=4",
  "  kworker/0:1-20  [000] d..1.    99.7: purge_vmap_area_lazy: start=0x1 end=0x2 npurged=1",
  "  kworker/0:1-20  [000] d..1.    99.8: mm_page_alloc_zone_locked: page=0 pfn=0x1 order=0",
  "  kworker/0:1-20  [000] d..1.    99.9: kmalloc: call_site=a ptr=0x10 bytes_req=8 bytes_alloc=8 gfp_flags=GFP_DMA32|__GFP_ZERO|GFP_DMA",
  "  kworker/0:1-20  [000] d..1.    99.9: kmalloc: call_site=a ptr=0x11 bytes_req=8 bytes_alloc=8 gfp_flags=GFP_DMA32 node=-1",
  "  kworker/0:1-20  [000] d..1.    99.9: mm_page_alloc: page=0 pfn=0x12 order=1 migratetype=0 gfp_flags=__GFP_ZERO|GFP_DMA32",
  "CPU:1 [LOST 42 EVENTS]",
  "CPU:0 [7 EVENTS DROPPED]",
  "CPU:0 [EVENTS DROPPED]",
  "# entries-in-buffer/entries-written: 10/12   #P:2",
  "cpus=2",
  // trace-cmd report's form: padded names, (sym+off) before the fields, 0x pointers
  "              sh-114   [000]     5.177856: kmem_cache_alloc:     (getname_flags.part.0+0x2b) call_site=getname_flags.part.0+0x2b ptr=0xff2acb1b012a9000 bytes_req=4096 bytes_alloc=4096 gfp_flags=GFP_KERNEL node=-1 accounted=false",
  "       trace-cmd-113   [000]     5.182958: kmem_cache_free:      (rcu_do_batch+0x19a) call_site=rcu_do_batch+0x19a ptr=0xff2acb1b0278f600 name=filp",
  "              sh-114   [000]     5.189445: mm_page_free:         page=0xffffffffa4828013 pfn=0x128e3 order=0",
  "              sh-114   [001]     5.189446: mm_page_alloc:        page=0xffffffffa4828013 pfn=0x128e3 order=2 migratetype=0 gfp_flags=GFP_DMA|__GFP_ZERO",
  "              sh-114   [001]     5.189447: mm_page_free_batched: page=0xffffffffa4828013 pfn=0x128e3 order=0",
  "              sh-114   [001]     5.189448: kmalloc_node:         (f+0x1) call_site=f+0x1 ptr=(nil) bytes_req=8 bytes_alloc=8 gfp_flags=GFP_DMA32 node=0",
  "              sh-114   [001]     5.189449: kmem_cache_alloc_node: (f+0x1) call_site=f ptr=0x1 bytes_req=8 bytes_alloc=8 gfp_flags=GFP_NOWAIT node=0",
]);

const NATIVE = [
  "# pagepile trace 1",
  "alloc_pages 0x1 0 3",
  "free_pages 0x1 batched=1 cpu=2",
  "slice_pool_create p 0 600 name=inode%20cache",
  "slice_alloc 0x2 p site=f%25+0x1",
  "slice_free 0x2 -",
  "galloc 0x3 16 100 linux_bytes=128 site=alloc_bprm+0x1c/0x2a0 other=1",
  "gfree 0x3",
  "vmalloc 0x4 20000",
  "vfree 12",
  "slice_pool_recycle p",
  "slice_pool_shrink p",
  "gshrink",
];

/** What a mutation may put into a line: what parsers split, skip or read numbers from. */
const MUTATIONS = [
  " ",
  "  ",
  "\t",
  "=",
  ":",
  ": ",
  "[",
  "]",
  "#",
  "0",
  "9",
  "f",
  "x",
  "0x",
  "-",
  ".",
  "%",
  "%2",
  "(nil)",
  "ptr=",
  " ptr=0",
  "bytes_req=",
  "order=11",
  "\u00a0",
  "é",
  "",
  "__GFP_ZERO",
  "GFP_DMA",
  "3",
  "call_site=",
  "name=",
  "+",
  "kmalloc: ",
  // What the Linux fast path reads as it walks: fields out of their order,
  // long hex, the letters its gfp flags are found by.
  "pfn=",
  " order=1",
  "gfp_flags=",
  "bytes_alloc=8 ",
  "Z",
  "D",
  "0123456789abcdef0",
];

const mutatedLine = (lines: string[]) =>
  fc.tuple(
    fc.constantFrom(...lines),
    fc.array(
      fc.tuple(fc.nat(), fc.nat({ max: 3 }), fc.constantFrom(...MUTATIONS)),
      { maxLength: 4 },
    ),
  ).map(([line, edits]) =>
    edits.reduce((text, [at, cut, put]) => {
      const i = at % (text.length + 1);
      return text.slice(0, i) + put + text.slice(i + cut);
    }, line)
  );

type Parser = { parseLine(text: string, line: number): void };

for (
  const [name, lines, make, reference] of [
    [
      "LinuxTraceParser",
      LINUX,
      (sink: TraceSink) => new LinuxTraceParser(sink),
      (sink: TraceSink): Parser => new ReferenceLinuxParser(sink),
    ],
    [
      "NativeTraceParser",
      NATIVE,
      (sink: TraceSink) => new NativeTraceParser(sink),
      (sink: TraceSink): Parser => new ReferenceNativeParser(sink),
    ],
  ] as const
) {
  Deno.test(`${name} reads mutated lines as the parser before it did, alone and in place`, () => {
    fc.assert(
      fc.property(fc.array(mutatedLine(lines), { minLength: 1, maxLength: 30 }), (batch) => {
        const expected = recorder();
        const old = reference(expected.sink);
        batch.forEach((text, i) => old.parseLine(text, i + 1));
        // Each line alone.
        const alone = recorder();
        const parser = make(alone.sink);
        batch.forEach((text, i) => parser.parseLine(text, i + 1));
        assertEquals(alone.out, expected.out);
        // The same lines as spans of one text, as the reader hands them over.
        const inPlace = recorder();
        const spans = make(inPlace.sink);
        const text = batch.join("\n") + "\n";
        let start = 0;
        batch.forEach((line, i) => {
          spans.parseSpan(text, start, start + line.length, i + 1);
          start += line.length + 1;
        });
        assertEquals(inPlace.out, expected.out);
        // The same text as one run of lines, read by the parser's own loop.
        const run = recorder();
        const runs = make(run.sink);
        assertEquals(runs.parseLines(text, 0, text.length, 0, asciiCodes(text)), batch.length);
        assertEquals(run.out, expected.out);
      }),
      { numRuns: 400 },
    );
  });
}

Deno.test("LinuxTraceParser reads timestamps as Number() does, and counts those that go back", () => {
  const times = [
    "3.301439",
    "3.3014390",
    "03.301440",
    "1e3",
    " 12",
    "5.",
    ".5",
    "",
    "7",
    "123456789.123456",
  ];
  const lines = times.map((time, i) =>
    `init-1 [000] ..... ${time}: kfree: call_site=f+0x1/0x2 ptr=0x${(i + 1).toString(16)}`
  );
  for (const parse of ["old", "new"]) {
    const { sink, out } = recorder();
    const parser = parse === "old" ? new ReferenceLinuxParser(sink) : new LinuxTraceParser(sink);
    lines.forEach((line, i) => parser.parseLine(line, i + 1));
    out.push(`backwards ${parser.timestampsBackwards}`);
    if (parse === "old") times.splice(0, times.length, ...out);
    else assertEquals(out, times);
  }
});

/** Bytes a property test may put between lines or inside them: what UTF-8 decoding trips on. */
const HOSTILE_BYTES = [
  [0xEF, 0xBB, 0xBF], // a byte order mark: the decoder drops it at the start alone
  [0xFF], // never UTF-8
  [0xC3], // a 2-byte character cut short
  [0xE2, 0x82], // a 3-byte one cut short
  [0xE2, 0x82, 0xAC], // €
  [0xF0, 0x9F, 0x98, 0x80], // an emoji: two UTF-16 code units
  [0x0D], // a CR alone
  [0x0D, 0x0A],
  [0x0A],
  [0x00],
];

/** A file of mutated trace lines with hostile bytes here and there, and long lines. */
const traceBytes = (lines: string[]) =>
  fc.tuple(
    fc.array(
      fc.oneof(
        { weight: 8, arbitrary: mutatedLine(lines).map((line) => new TextEncoder().encode(line)) },
        { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_BYTES).map((b) => new Uint8Array(b)) },
        {
          weight: 1,
          // a line across the reader's chunks, or longer than MAX_LINE_CHARS
          arbitrary: fc.integer({ min: 1, max: 2 * MAX_LINE_CHARS }).map((n) =>
            new TextEncoder().encode(lines[n % lines.length] + " " + "é9".repeat(n >> 1))
          ),
        },
      ),
      { maxLength: 40 },
    ),
    fc.boolean(),
  ).map(([pieces, lineEnds]) => {
    const parts: Uint8Array[] = [new TextEncoder().encode(lines[0] + "\n")];
    for (const piece of pieces) {
      parts.push(piece);
      if (lineEnds) parts.push(new Uint8Array([0x0A]));
    }
    return concatBytes(parts);
  });

Deno.test("readLineSpans hands over codes that are the text's, on hostile bytes, plain and gzip", async () => {
  const path = await Deno.makeTempFile();
  try {
    await fc.assert(
      fc.asyncProperty(traceBytes(LINUX), fc.boolean(), async (bytes, gzip) => {
        await Deno.writeFile(path, gzip ? gzipSync(bytes) : bytes);
        const wrong: string[] = [];
        try {
          await readLineSpans(path, (text, start, end, line, _cut, codes) => {
            for (let i = start; i < end; i++) {
              const c = text.charCodeAt(i);
              if (c < 0x80 ? codes[i] !== c : codes[i] < 0x80) {
                wrong.push(`line ${line}, character ${i - start}: code ${codes[i]} for ${c}`);
                return;
              }
            }
          });
        } catch (error) {
          // A short file of many hostile bytes is refused as binary data
          // before its first line: nothing to compare.
          if (!(error instanceof TraceInputError && error.line === 0)) throw error;
        }
        assertEquals(wrong, []);
      }),
      { numRuns: 60 },
    );
  } finally {
    await Deno.remove(path);
  }
});

for (
  const [name, lines, reference] of [
    ["Linux", LINUX, (sink: TraceSink): Parser => new ReferenceLinuxParser(sink)],
    ["native", NATIVE, (sink: TraceSink): Parser => new ReferenceNativeParser(sink)],
  ] as const
) {
  Deno.test(`readTrace reads ${name} files with hostile bytes as the parsers before it, line by line`, async () => {
    const path = await Deno.makeTempFile();
    try {
      await fc.assert(
        fc.asyncProperty(traceBytes(lines), fc.boolean(), async (bytes, gzip) => {
          await Deno.writeFile(path, gzip ? gzipSync(bytes) : bytes);
          // What the reference parsers make of a plain split of the decoded text.
          const expected = recorder();
          const old = reference(expected.sink);
          splitLines(new TextDecoder().decode(bytes)).forEach(({ line, cut }, i) => {
            if (cut) {
              expected.sink.problem(
                i + 1,
                `line is longer than ${MAX_LINE_CHARS / 1024} KiB; ignored`,
              );
            } else old.parseLine(line, i + 1);
          });
          const read = recorder();
          try {
            await readTrace(path, read.sink);
          } catch (error) {
            if (!(error instanceof TraceInputError)) throw error;
            // A short file of many hostile bytes is refused as binary data
            // before its first line, the reader as it was: nothing to compare.
            if (error.line === 0 && read.out.length === 0) return;
            // A file of no event is refused after its lines were read: what
            // the sink got is still compared.
          }
          assertEquals(read.out, expected.out);
        }),
        { numRuns: 80 },
      );
    } finally {
      await Deno.remove(path);
    }
  });
}

Deno.test("asciiCodes keeps ASCII codes and puts 0x80 or above for every other character", () => {
  fc.assert(
    fc.property(fc.string({ unit: "binary" }), (text) => {
      const codes = asciiCodes(text);
      assertEquals(codes.length, text.length);
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        assertEquals(
          c < 0x80 ? codes[i] === c : codes[i] >= 0x80,
          true,
          `at ${i} of ${JSON.stringify(text)}`,
        );
      }
    }),
  );
});

Deno.test("readLineSpans' codes stay the text's where a chunk ends inside a character", async () => {
  // A plain file is read in chunks of 64 KiB. Here every other chunk ends
  // with a byte that begins a character, and the chunk after it has one
  // 2-byte character, near its end: the decoder holds the byte across the
  // cut and makes a U+FFFD of it there, so that chunk's text is as long as
  // its bytes, but its lines are one character further on than their bytes.
  const CHUNK = 64 * 1024;
  const bytes = new Uint8Array(4 * CHUNK).fill(0x78);
  for (let at = 100; at < bytes.length; at += 100) bytes[at] = 0x0A;
  for (let chunk = 0; chunk < 4; chunk += 2) {
    bytes[(chunk + 1) * CHUNK - 1] = 0xC3;
    bytes.set(new TextEncoder().encode("é"), (chunk + 2) * CHUNK - 10);
  }
  const path = await Deno.makeTempFile();
  try {
    await Deno.writeFile(path, bytes);
    let wrong = 0;
    await readLineSpans(path, (text, start, end, _line, _cut, codes) => {
      for (let i = start; i < end; i++) {
        const c = text.charCodeAt(i);
        if (c < 0x80 ? codes[i] !== c : codes[i] < 0x80) wrong++;
      }
    });
    assertEquals(wrong, 0, "codes unlike the text's characters");
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("deno task parse makes the call sites a replay reads, no more, no fewer", () => {
  assertEquals(REPLAY_SITE_OPS, siteOpsRead(false));
});

Deno.test("readTrace with siteOps gives every event as without, the other ops' call sites left empty", async () => {
  const traces = [
    new URL("./fixtures/boot_excerpt.trace.gz", import.meta.url).pathname,
    new URL("../traces/recorded/trace-cmd/fs.report.txt.zst", import.meta.url).pathname,
    new URL("../traces/recorded/trace-cmd/fs.dat", import.meta.url).pathname,
  ];
  const opSets: TraceOp[][] = [["vmalloc"], ["galloc", "slice_free"], ["slice_pool_create"]];
  for (const path of traces) {
    for (const siteOps of opSets) {
      const all = recorder();
      await readTrace(path, {
        ...all.sink,
        event: (e) => all.sink.event({ ...e, site: siteOps.includes(e.op) ? e.site : "" }),
      });
      const some = recorder();
      await readTrace(path, some.sink, { siteOps });
      assertEquals(some.out, all.out, `${path}, sites of ${siteOps.join(", ")}`);
    }
  }
});
