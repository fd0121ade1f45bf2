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
import { MAX_LINE_CHARS, readLines } from "../traces/line_reader.ts";
import { LinuxTraceParser } from "../traces/linux_ftrace.ts";
import { NativeTraceParser } from "../traces/native_format.ts";
import type { TraceSink } from "../traces/trace_event.ts";
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
  "CPU:1 [LOST 42 EVENTS]",
  "CPU:0 [7 EVENTS DROPPED]",
  "CPU:0 [EVENTS DROPPED]",
  "# entries-in-buffer/entries-written: 10/12   #P:2",
  "cpus=2",
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
