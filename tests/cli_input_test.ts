// Every command that reads a file answers bad input with one line on stderr
// that names the file and what is wrong, no stack trace, and exit status 1.

import { assertEquals } from "./_assert.ts";
import { type DenoRun, runDeno } from "./_helpers.ts";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

function run(args: string[], denyRead?: string): Promise<DenoRun> {
  const deny = denyRead === undefined ? [] : [`--deny-read=${denyRead}`];
  return runDeno(["run", "--allow-read", "--allow-write", "--allow-env", ...deny, ...args]);
}

/** A PNG's first bytes: its signature and the start of its header chunk. */
const PNG = Uint8Array.from(
  "89504E470D0A1A0A0000000D49484452".match(/../g)!,
  (h) => parseInt(h, 16),
);

type Contents = Uint8Array | string;

/**
 * Writes bad input files into `dir` and returns them, each with what the one
 * line about it must say, after a missing file and the folder itself.
 */
async function badInputs(
  dir: string,
  files: [string, Contents, RegExp][],
): Promise<{ path: string; says: RegExp }[]> {
  const inputs = [
    { path: `${dir}/missing`, says: /: no such file$/ },
    { path: dir, says: /: is a directory, not a file$/ },
  ];
  for (const [name, content, says] of files) {
    await Deno.writeFile(
      `${dir}/${name}`,
      typeof content === "string" ? new TextEncoder().encode(content) : content,
    );
    inputs.push({ path: `${dir}/${name}`, says });
  }
  return inputs;
}

/**
 * A file this process may not read: mode 000 stops anyone but root, so root
 * is kept out by Deno's own permissions instead (see `run`).
 */
async function lockedFile(path: string, content: Contents): Promise<string | undefined> {
  await Deno.writeFile(
    path,
    typeof content === "string" ? new TextEncoder().encode(content) : content,
  );
  await Deno.chmod(path, 0o000);
  return Deno.uid() === 0 ? path : undefined;
}

/** The one line a command printed, checked. */
function assertOneLine(command: string, result: DenoRun, path: string, says: RegExp): void {
  const what = `${command} ${path}: ${result.stderr}`;
  assertEquals(result.code, 1, what);
  const lines = result.stderr.trimEnd().split("\n");
  assertEquals(lines.length, 1, what);
  assertEquals(lines[0].startsWith(`${command}: ${path}: `), true, what);
  assertEquals(says.test(lines[0]), true, what);
  assertEquals(result.stderr.includes("    at "), false, what); // no stack trace
}

/** Each command's arguments for an input; `out` is a file it may write. */
const TRACE_COMMANDS: [string, (path: string, out: string) => string[]][] = [
  ["replay", (path) => ["tools/cli/replay.ts", path]],
  ["convert", (path, out) => ["tools/cli/convert.ts", path, out]],
  ["bench", (path) => ["tools/cli/bench.ts", "--only", "memory", path]],
];

/** Files that are no trace, each with what the one line about it must say. */
function notTraces(): [string, Contents, RegExp][] {
  const junk = new Uint8Array(3000);
  for (let i = 0; i < junk.length; i++) junk[i] = (i * 7919 + 13) % 251;
  return [
    ["empty.trace", "", /is empty \(0 bytes\)/],
    ["junk.bin", junk, /is binary data/],
    ["picture.png", PNG, /is a PNG image, not a trace/],
    ["result.json", '{"events": 3, "ops": {}}\n', /is JSON, not a trace/],
    ["words.txt.gz", gzipSync(new TextEncoder().encode("hello\nworld\n")), /not a trace: none/],
    ["picture.png.gz", gzipSync(PNG), /is a PNG image \(gzip-compressed\)/],
    ["header.trace", "# tracer: nop\n#\n", /holds no event/],
  ];
}

for (const [command, args] of TRACE_COMMANDS) {
  Deno.test(`${command}: a missing, unreadable, empty or non-trace file gets one clear line and exit 1`, async () => {
    const dir = await Deno.makeTempDir();
    const inputs = await badInputs(dir, notTraces());
    const out = (i: number) => `${dir}/out-${i}.native.gz`;
    const results = await Promise.all(inputs.map(({ path }, i) => run(args(path, out(i)))));
    inputs.forEach(({ path, says }, i) => assertOneLine(command, results[i], path, says));
    // Nothing converted, nothing written.
    for (let i = 0; i < inputs.length; i++) {
      assertEquals(await Deno.stat(out(i)).catch(() => null), null);
    }
    const locked = `${dir}/locked.trace`;
    const deny = await lockedFile(
      locked,
      await Deno.readFile(`${ROOT}/tests/fixtures/boot_excerpt.trace.gz`),
    );
    assertOneLine(command, await run(args(locked, out(0)), deny), locked, /: permission denied$/);
    await Deno.remove(dir, { recursive: true });
  });
}

Deno.test("report: a missing, unreadable, empty, binary or non-result file gets one clear line and exit 1", async () => {
  const dir = await Deno.makeTempDir();
  const inputs = await badInputs(dir, [
    ["empty.json", "", /is empty \(0 bytes\)/],
    ["picture.png", PNG, /is a PNG image, not a replay's JSON result/],
    ["cut.json", '{"events": 3, "ops":', /is not valid JSON/],
    ["other.json", '{"name": "x"}', /is not a replay result with pictures/],
    ["boot.trace", "# tracer: nop\n", /is text, not a replay's JSON result \(a trace\?/],
    ["boot.trace.gz", gzipSync(new TextEncoder().encode("# tracer: nop\n")), /is gzip-compressed/],
  ]);
  const report = (path: string) => ["tools/cli/report.ts", path, "--out", `${dir}/out.html`];
  const results = await Promise.all(inputs.map(({ path }) => run(report(path))));
  inputs.forEach(({ path, says }, i) => assertOneLine("report", results[i], path, says));
  const locked = `${dir}/locked.json`;
  const deny = await lockedFile(locked, "{}");
  assertOneLine("report", await run(report(locked), deny), locked, /: permission denied$/);
  await Deno.remove(dir, { recursive: true });
});
