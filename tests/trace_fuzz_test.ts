// The trace readers and the replay fuzzed with hostile input: real lines
// mutated (huge, negative and fractional numbers, orders above 10, 0-byte and
// enormous sizes, pointers allocated twice, frees of unseen pointers), random
// and binary lines, very long lines, truncated and corrupted gzip. Each must
// end as a report (problems with valid line numbers, counted skips, an input
// error with the replay so far) or, when nothing of it can be replayed (no
// event at all, binary data), as a TraceInputError naming the file: never a
// crash, and never a violation, which would blame the allocators.

import fc from "fast-check";
import { fileURLToPath } from "node:url";
import { gunzipSync, gzipSync } from "node:zlib";
import { NATIVE_HEADER } from "../traces/native_format.ts";
import { TraceInputError } from "../traces/line_reader.ts";
import { type ReplayReport, replayTrace } from "../tools/replay/replay_trace.ts";
import { assertEquals } from "./_assert.ts";

const EXCERPT = fileURLToPath(new URL("./fixtures/boot_excerpt.trace.gz", import.meta.url));
const REAL = new TextDecoder().decode(gunzipSync(Deno.readFileSync(EXCERPT))).split("\n")
  .filter((line) => line.includes(": km") || line.includes("mm_page")).slice(0, 400);

const NATIVE = [
  "alloc_pages 0x1 0 3",
  "free_pages 0x1",
  "slice_pool_create p 0 600 name=inode",
  "slice_alloc 0x2 p",
  "slice_free 0x2 p",
  "galloc 0x3 0 100",
  "gfree 0x3",
  "vmalloc 0x4 20000",
  "vfree 0x4",
  "slice_pool_recycle p",
  "gshrink",
];

/** Replaces the n-th number in a line. */
function replaceNumber(line: string, n: number, value: string): string {
  let i = 0;
  return line.replace(/\b(0x[0-9a-f]+|\d+)\b/g, (match) => i++ === n ? value : match);
}

const hostileNumber = fc.constantFrom(
  "99999999999999999999999999",
  "-1",
  "-4096",
  "0",
  "11",
  "4294967296",
  "1099511627776",
  "1.5",
  "0x",
  "NaN",
  "ffffffffffffffffffff",
);

/** A line: real, mutated, duplicated, or garbage. */
const hostileLine = (source: string[]) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...source) },
    fc.tuple(fc.constantFrom(...source), fc.nat(12), hostileNumber).map(([line, n, v]) =>
      replaceNumber(line, n, v)
    ),
    fc.tuple(fc.constantFrom(...source), fc.nat(200), fc.nat(200)).map(([line, a, b]) =>
      line.slice(0, Math.min(a, b)) + line.slice(Math.max(a, b))
    ),
    fc.string({ maxLength: 80 }),
    fc.uint8Array({ maxLength: 60 }).map((bytes) => String.fromCharCode(...bytes)),
    fc.constantFrom("x".repeat(100_000), "", "#", "  \t "),
  );

/**
 * Replays `path`; null when the replay refused the file as a whole, which
 * must then be for a reason that names the file.
 */
async function replayOrRefuse(path: string, ramBytes: number): Promise<ReplayReport | null> {
  try {
    return await replayTrace(path, { ramBytes, check: "light" });
  } catch (error) {
    if (!(error instanceof TraceInputError)) throw error;
    assertEquals(error.message.startsWith(`${path}: `), true, error.message);
    assertEquals(
      /no event|not a trace|binary data|cannot be read|cannot read past|empty/.test(error.message),
      true,
      error.message,
    );
    return null;
  }
}

async function replayText(text: string | Uint8Array, gzip: boolean) {
  const path = await Deno.makeTempFile({ suffix: gzip ? ".trace.gz" : ".trace" });
  const bytes = typeof text === "string" ? new TextEncoder().encode(text) : text;
  await Deno.writeFile(path, gzip ? gzipSync(bytes) : bytes);
  try {
    return await replayOrRefuse(path, 16 * 1024 * 1024);
  } finally {
    await Deno.remove(path);
  }
}

function checkReport(report: ReplayReport | null, lines: number): void {
  if (report === null) return;
  assertEquals(report.violations, 0, JSON.stringify(report.violationList.slice(0, 3)));
  assertEquals(report.problems.count <= lines + 1, true, "a problem at most per line");
  for (const problem of report.problems.first) {
    assertEquals(problem.line >= 1 && problem.line <= lines + 1, true, `line ${problem.line}`);
    assertEquals(problem.message.length > 0, true);
  }
  const skipped = Object.values(report.skipped).reduce((a, b) => a + b, 0);
  assertEquals(report.applied + skipped, report.events, "every event applied or skipped");
}

Deno.test("hostile Linux trace lines become counted problems or skips, never a crash or a violation", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(hostileLine(REAL), { minLength: 1, maxLength: 120 }),
      fc.boolean(),
      async (lines, gzip) => {
        // A hostile line may hold line breaks of its own: count the file's lines.
        const text = lines.join("\n") + "\n";
        checkReport(await replayText(text, gzip), text.split("\n").length - 1);
      },
    ),
    { numRuns: 150 },
  );
});

Deno.test("hostile native trace lines become counted problems or skips, never a crash or a violation", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(hostileLine(NATIVE), { minLength: 1, maxLength: 120 }),
      async (lines) => {
        const text = [NATIVE_HEADER, ...lines].join("\n") + "\n";
        checkReport(await replayText(text, false), text.split("\n").length - 1);
      },
    ),
    { numRuns: 150 },
  );
});

Deno.test("truncated and corrupted gzip traces end in an input error with the replay so far", async () => {
  const whole = gzipSync(new TextEncoder().encode(REAL.join("\n") + "\n"));
  await fc.assert(
    fc.asyncProperty(
      // From 2 bytes on, the gzip magic is there: a cut is then a cut gzip stream.
      fc.integer({ min: 2, max: whole.length - 1 }),
      fc.array(fc.tuple(fc.nat(whole.length - 1), fc.integer({ min: 1, max: 255 })), {
        maxLength: 4,
      }),
      async (cut, flips) => {
        // A copy: Node's Buffer.slice is a view, and the flips must not touch `whole`.
        const bytes = Uint8Array.from(whole.subarray(0, flips.length === 0 ? cut : whole.length));
        for (const [at, xor] of flips) bytes[at] ^= xor;
        const path = await Deno.makeTempFile({ suffix: ".trace.gz" });
        await Deno.writeFile(path, bytes);
        try {
          const report = await replayOrRefuse(path, 16 * 1024 * 1024);
          if (report === null) return; // cut or broken before its first event
          assertEquals(report.violations, 0);
          if (flips.length === 0) {
            assertEquals(typeof report.inputError, "string", "a cut stream is an input error");
          }
          if (report.inputError !== null) {
            assertEquals(
              /line \d+|gzip|corrupt|end/i.test(report.inputError),
              true,
              report.inputError,
            );
          }
        } finally {
          await Deno.remove(path);
        }
      },
    ),
    { numRuns: 100 },
  );
});

Deno.test("flipped and truncated trace.dat files end in a report or an input error naming the offset, never a crash", async () => {
  const whole = Deno.readFileSync(
    fileURLToPath(new URL("../traces/recorded/trace-cmd/fs.dat", import.meta.url)),
  );
  // fs.dat's CPU data section starts at 895,826 (trace-cmd dump --summary):
  // half the damage lands there, past the metadata, so that events come first.
  const dataAt = 895_826;
  const anywhere = fc.oneof(
    fc.nat(whole.length - 1),
    fc.integer({ min: dataAt, max: whole.length - 1 }),
  );
  await fc.assert(
    fc.asyncProperty(
      fc.option(anywhere, { nil: undefined }),
      fc.array(fc.tuple(anywhere, fc.integer({ min: 1, max: 255 })), { maxLength: 4 }),
      async (cut, flips) => {
        const bytes = whole.slice(0, cut);
        for (const [at, xor] of flips) if (at < bytes.length) bytes[at] ^= xor;
        const path = await Deno.makeTempFile({ suffix: ".dat" });
        await Deno.writeFile(path, bytes);
        try {
          const report = await replayTrace(path, { ramBytes: 16 * 1024 * 1024, check: "light" });
          assertEquals(report.violations, 0);
          const skipped = Object.values(report.skipped).reduce((a, b) => a + b, 0);
          assertEquals(report.applied + skipped, report.events, "every event applied or skipped");
          if (report.inputError !== null) {
            assertEquals(/^\S+: at offset \d+ /.test(report.inputError), true, report.inputError);
          }
        } catch (error) {
          if (!(error instanceof TraceInputError)) throw error;
          // A damaged magic or a file cut inside it is no longer a trace.dat:
          // the text reader refuses it as binary data, or as empty.
          assertEquals(
            /: at offset \d+ |holds no event|not a trace|empty/.test(error.message) &&
              error.message.startsWith(`${path}: `),
            true,
            error.message,
          );
        } finally {
          await Deno.remove(path);
        }
      },
    ),
    { numRuns: 40 },
  );
});
