import { assertEquals } from "./_assert.ts";
import { type DenoRun, runDeno } from "./_helpers.ts";
import { fileURLToPath } from "node:url";
import { compareDesigns, DESIGNS, formatComparison, replayTrace } from "../mod.ts";
import { boardSizes, smallestBoards } from "../tools/compare/smallest_board.ts";

const EXCERPT = fileURLToPath(new URL("./fixtures/boot_excerpt.trace.gz", import.meta.url));
const VM = fileURLToPath(
  new URL("../traces/recorded/linux-6.12/vm.excerpt.trace.gz", import.meta.url),
);
const MiB = 1024 * 1024;

function run(...args: string[]): Promise<DenoRun> {
  return runDeno(["run", "--allow-read", "--allow-write", "tools/cli/compare.ts", ...args]);
}

Deno.test("compareDesigns() gives each design the figures of its own replay, on one board", async () => {
  const names = DESIGNS.map((d) => d.name);
  const comparison = await compareDesigns(EXCERPT, names, { ramBytes: 32 * MiB, check: "light" });
  assertEquals(comparison.designs.map((d) => d.design), names);
  assertEquals(comparison.ramBytes, 32 * MiB);
  for (const [i, design] of DESIGNS.entries()) {
    // A replay in a worker is the same replay: bus cycles are deterministic.
    const alone = await replayTrace(EXCERPT, {
      design,
      ramBytes: 32 * MiB,
      check: "light",
      zeroApart: true, // as compare counts them
    });
    const row = comparison.designs[i];
    assertEquals(row.report.ops, alone.ops, design.name);
    assertEquals(row.report.memory, alone.memory, design.name);
    assertEquals([row.violations, row.failures], [alone.violations, alone.failures]);
    const m = alone.memory;
    assertEquals(row.waste, m.objectAllocatedBytes / m.objectRequestedBytes);
    assertEquals(row.footprintRatio, m.peakFootprintBytes / m.peakRequestedBytes);
  }
  const text = formatComparison(comparison);
  for (const name of names) assertEquals(text.includes(`\n  ${name} `), true, name);
});

Deno.test("compareDesigns() counts the events a design cannot replay, by reason", async () => {
  const comparison = await compareDesigns(VM, ["pagepile"], { check: "off" });
  const pagepile = comparison.designs[0];
  assertEquals([pagepile.unsupportedSkips, pagepile.violations], [0, 0]);
  for (const row of comparison.designs) {
    const lacks = Object.entries(row.report.skipped).filter(([r]) => r.includes("design has no"));
    assertEquals(lacks.reduce((n, [, c]) => n + c, 0), row.unsupportedSkips);
  }
});

Deno.test("compare prints the table and exits 0; --json is one object; a bad design is usage", async () => {
  const table = await run("--designs", "pagepile,pagepile", "--ram", "32M", EXCERPT);
  assertEquals(table.code, 0, table.stderr);
  assertEquals(table.stdout.includes("bus cycles per operation, p50 / p99 / max"), true);
  assertEquals(table.stdout.includes("\n  galloc (GFP_ZERO) "), true, "zeroing counted apart");
  assertEquals(table.stdout.trimEnd().endsWith("OK: every check passed on every design"), true);

  const json = await run("--designs", "pagepile", "--json", EXCERPT);
  assertEquals(json.code, 0, json.stderr);
  const lines = json.stdout.trim().split("\n");
  assertEquals(lines.length, 1);
  const parsed = JSON.parse(lines[0]);
  assertEquals(parsed.designs[0].design, "pagepile");
  assertEquals(parsed.designs[0].report.events, 3031);

  const dir = await Deno.makeTempDir();
  const html = await run("--designs", "pagepile,koowaldah", "--report", `${dir}/c.html`, EXCERPT);
  assertEquals(html.code, 0, html.stderr);
  assertEquals(html.stderr.trim(), `compare: HTML report written to ${dir}/c.html`);
  const page = await Deno.readTextFile(`${dir}/c.html`);
  assertEquals(page.startsWith("<!DOCTYPE html>") && page.includes("koowaldah"), true);
  await Deno.remove(dir, { recursive: true });

  const unknown = await run("--designs", "pagepile,nosuch", EXCERPT);
  assertEquals(unknown.code, 2);
  assertEquals(unknown.stderr.trim().startsWith('compare: no design named "nosuch"'), true);
  assertEquals(unknown.stderr.trim().split("\n").length, 1);
  const missing = await run("/nonexistent.trace");
  assertEquals([missing.code, missing.stderr.trim()], [
    1,
    "compare: /nonexistent.trace: no such file",
  ]);
});

Deno.test("smallestBoards() is the least size from which every larger one fits, found exactly", async () => {
  const sizes = boardSizes();
  const at = (kib: number) => sizes.indexOf(kib * 1024);
  const sized = 16 * 1048576;
  // Design 0 fits from 700 KiB, but not on 900 KiB; design 1 from 300 KiB;
  // design 2 not even on the sized board, from 24 MiB on.
  const fits = [
    (bytes: number) => bytes >= 700 * 1024 && bytes !== 900 * 1024,
    (bytes: number) => bytes >= 300 * 1024,
    (bytes: number) => bytes >= 24 * 1048576,
  ];
  const asked: number[][] = [[], [], []];
  const probe = (design: number, bytes: number) => {
    asked[design].push(bytes);
    return Promise.resolve(fits[design](bytes));
  };
  const found = await smallestBoards(3, sized, [true, true, false], probe, 2);
  assertEquals(found, [904 * 1024, 300 * 1024, 24 * 1048576]);
  // Each probed every size from the sized board down to its first failure, and none below.
  assertEquals(asked[0].length, at(16384) - at(900));
  // Below the first failure, at most a probe per other worker started before it was known.
  assertEquals(Math.min(...asked[1]) >= 292 * 1024, true);
  assertEquals(asked[2], [20, 24].map((mib) => mib * 1048576));
  // A design that fits nowhere.
  assertEquals(await smallestBoards(1, sized, [false], () => Promise.resolve(false), 2), [null]);
});

Deno.test("--min-ram on a design that fails on one board: the size above it, whatever else is compared", async () => {
  const trace = await Deno.makeTempFile({ suffix: ".trace" });
  await Deno.writeTextFile(trace, "# pagepile trace 1\ngalloc 0x1 0 20000\ngfree 0x1\n");
  const hole = "./tests/fixtures/designs/fails_on_one_board.ts";
  const alone = await compareDesigns(trace, [hole], { check: "off", minRam: true });
  const among = await compareDesigns(trace, ["tlsf", hole, "pagepile"], {
    check: "off",
    minRam: true,
  });
  assertEquals(alone.designs[0].smallestBoardBytes, 604 * 1024);
  assertEquals(among.designs[1].smallestBoardBytes, 604 * 1024);
  // pagepile itself fits on 600 KiB and below: the hole is the fixture's alone.
  assertEquals(among.designs[2].smallestBoardBytes! < 600 * 1024, true);
  await Deno.remove(trace);
});

Deno.test("compareDesigns({ minRam }) finds each design's smallest board: it fits, the size below does not", async () => {
  const comparison = await compareDesigns(EXCERPT, ["pagepile", "koowaldah"], {
    check: "off",
    minRam: true,
  });
  const sizes = boardSizes();
  for (const row of comparison.designs) {
    const smallest = row.smallestBoardBytes!;
    assertEquals(smallest >= comparison.peakRequestedBytes / 2, true, `${row.design}: ${smallest}`);
    const design = DESIGNS.find((d) => d.name === row.design)!;
    const fits = await replayTrace(EXCERPT, { design, ramBytes: smallest, check: "off" });
    assertEquals(fits.failures, 0, `${row.design} on ${smallest}`);
    const below = sizes[sizes.indexOf(smallest) - 1];
    const short = await replayTrace(EXCERPT, { design, ramBytes: below, check: "off" });
    assertEquals(short.failures > 0, true, `${row.design} on ${below}`);
  }
  assertEquals(formatComparison(comparison).includes("smallest board"), true);
});
