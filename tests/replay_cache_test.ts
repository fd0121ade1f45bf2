import { fileURLToPath } from "node:url";
import { assertEquals } from "./_assert.ts";
import { type DenoRun, runDeno } from "./_helpers.ts";
import { loadDesign } from "../tools/replay/design_loader.ts";
import { CACHE_PRESETS, parseCacheSpec, replayTrace } from "../mod.ts";

const EXCERPT = fileURLToPath(new URL("./fixtures/boot_excerpt.trace.gz", import.meta.url));
const ELF = fileURLToPath(new URL("../examples/first_fit.elf", import.meta.url));
const MiB = 1024 * 1024;
const M7 = { data: CACHE_PRESETS["cortex-m7-d"] };

Deno.test("replayTrace without a cache reports none", async () => {
  const report = await replayTrace(EXCERPT, { ramBytes: 16 * MiB });
  assertEquals(report.cache, undefined);
});

Deno.test("replayTrace with a cache priced like the bus gives the cache-less cycles", async () => {
  // Every access pays hit=2 and nothing else: what a RAM access costs
  // without a cache. Equal figures mean every access the design makes is
  // charged through the cache once, and nothing else is.
  const bus = parseCacheSpec("size=16K,ways=4,line=32,hit=2,miss=0,writeback=0,writethrough=0");
  const cached = await replayTrace(EXCERPT, { ramBytes: 16 * MiB, cache: { data: bus } });
  const plain = await replayTrace(EXCERPT, { ramBytes: 16 * MiB });
  assertEquals(cached.ops, plain.ops);
});

Deno.test("replayTrace with a cache: the same misses on every run", async () => {
  for (const spec of ["cortex-m7-d", "cortex-a53-d"]) {
    const cache = { data: parseCacheSpec(spec) };
    const [a, b] = [
      await replayTrace(EXCERPT, { ramBytes: 16 * MiB, cache }),
      await replayTrace(EXCERPT, { ramBytes: 16 * MiB, cache }),
    ];
    assertEquals(a.cache, b.cache, spec);
    assertEquals(a.ops, b.ops, spec);
  }
});

Deno.test("replayTrace with a cache: the replay's own checks and pictures bypass it", async () => {
  const quiet = await replayTrace(EXCERPT, { ramBytes: 16 * MiB, cache: M7, check: "off" });
  const busy = await replayTrace(EXCERPT, {
    ramBytes: 16 * MiB,
    cache: M7,
    check: "full",
    pictures: true,
    auditEvery: 100,
  });
  assertEquals(busy.cache, quiet.cache);
  assertEquals(busy.ops, quiet.ops);
});

Deno.test("replayTrace with cortex-m7-d on the boot excerpt: exact cache and cycle figures", async () => {
  // Recorded from this model and pagepile's design; a change to either shows here.
  const report = await replayTrace(EXCERPT, { ramBytes: 16 * MiB, cache: M7 });
  const cache = report.cache!;
  assertEquals(
    cache.data.spec,
    "size=16K,ways=4,line=32,policy=wb,alloc=yes,repl=lru,hit=1,miss=10,writeback=10,writethrough=2",
  );
  const t = cache.data.totals;
  assertEquals(
    [t.accesses, t.reads, t.writes, t.misses, t.readMisses, t.writeMisses, t.writeBacks],
    [102_274, 18_228, 84_046, 9_965, 554, 9_411, 9_344],
  );
  // Dinero's traffic: a 32-byte line per fill and per write-back.
  assertEquals([t.bytesFromMemory, t.bytesToMemory], [9_965 * 32, 9_344 * 32]);
  const galloc = cache.data.ops.galloc;
  assertEquals(galloc.accesses, { total: 46_159, p50: 18, p99: 368, max: 1053 });
  assertEquals(galloc.misses, { total: 3_536, p50: 1, p99: 48, max: 132 });
  assertEquals(galloc.writeBacks, { total: 3_453, p50: 1, p99: 47, max: 132 });
  assertEquals(report.ops.galloc.cycles, { mean: 81.7, p50: 37, p99: 1338, max: 3693 });
  // alloc_pages' worst call zeroes 4 pages: 4,096 word writes, the first of
  // each of 512 lines a miss (the cache writes-allocates), and a few more
  // for the allocator's own records.
  const worst = cache.data.ops.alloc_pages;
  assertEquals([worst.accesses.max, worst.misses.max], [4117, 519]);
  assertEquals(report.ops.slice_alloc.cycles, { mean: 29.1, p50: 11, p99: 201, max: 251 });
  assertEquals(cache.instruction, undefined);
});

Deno.test("replayTrace of a design in C runs with both caches", async () => {
  const design = await loadDesign(ELF);
  const report = await replayTrace(EXCERPT, {
    ramBytes: 16 * MiB,
    design,
    cache: { data: CACHE_PRESETS["cortex-m7-d"], instruction: CACHE_PRESETS["cortex-m7-i"] },
  });
  assertEquals([report.violations, report.designBroken], [0, null]);
  const instruction = report.cache!.instruction!;
  assertEquals(instruction.totals.writes, 0);
  assertEquals(instruction.totals.accesses > 100_000, true);
  // The code fits the 16 KiB cache: each line is filled once.
  assertEquals(instruction.totals.misses < 200, true);
  assertEquals(report.cache!.data.totals.accesses > 0, true);
});

function run(...args: string[]): Promise<DenoRun> {
  return runDeno(["run", "--allow-read", "--allow-write", "--allow-run", ...args]);
}

Deno.test("replay, compare, bench and demo refuse a bad cache spec in one line, exit 2", async () => {
  const excerpt = "tests/fixtures/boot_excerpt.trace.gz";
  for (
    const args of [
      ["tools/cli/replay.ts", excerpt, "--cache", "size=16K,ways=3,line=32"],
      ["tools/cli/compare.ts", excerpt, "--cache", "size=16K,ways=3,line=32"],
      ["tools/cli/bench.ts", "--only", "cycles", "--cache", "size=16K,ways=3,line=32"],
      ["tools/cli/demo.ts", "--cache", "size=16K,ways=3,line=32"],
    ]
  ) {
    const { code, stdout, stderr } = await run(...args);
    assertEquals(code, 2, args[0]);
    assertEquals(stdout, "", args[0]);
    const lines = stderr.trim().split("\n");
    assertEquals(lines.length, 1, stderr);
    assertEquals(
      lines[0].endsWith(
        "--cache: cache spec: ways=3 must be a power of two from 1 to the 512 lines the cache holds",
      ),
      true,
      lines[0],
    );
  }
  const unknown = await run("tools/cli/replay.ts", excerpt, "--cache", "m7");
  assertEquals(unknown.code, 2);
  assertEquals(unknown.stderr.includes('unknown preset "m7"'), true);
});

Deno.test("replay --cache prints the cache's figures per operation and its totals", async () => {
  const { code, stdout } = await run(
    "tools/cli/replay.ts",
    "tests/fixtures/boot_excerpt.trace.gz",
    "--ram=16M",
    "--cache",
    "cortex-m7-d",
  );
  assertEquals(code, 0);
  for (
    const pattern of [
      /^data cache \(size=16K,ways=4,line=32/m,
      /^ {2}galloc +18\/368\/1053 +46,159 +1\/48\/132 +3,536 +1\/47\/132 +3,453$/m,
      /^ {2}misses +9,965 +554 +9,411$/m,
      /bytes from memory 318,880, to memory 299,008/,
    ]
  ) {
    assertEquals(pattern.test(stdout), true, String(pattern));
  }
});

Deno.test("compare --cache: JSON with each design's cache figures, and both HTML reports", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const json = await run(
      "tools/cli/compare.ts",
      "tests/fixtures/boot_excerpt.trace.gz",
      "--designs=pagepile,tlsf",
      "--ram=16M",
      "--cache=cortex-m7-d",
      "--json",
      `--report=${dir}/compare.html`,
    );
    assertEquals(json.code, 0, json.stderr);
    const comparison = JSON.parse(json.stdout);
    assertEquals(comparison.cache.startsWith("size=16K,ways=4,line=32"), true);
    const pagepile = comparison.designs[0].report;
    // The same board, design and cache as replayTrace's above: the same figures.
    assertEquals(pagepile.cache.data.totals.misses, 9_965);
    assertEquals(Object.keys(pagepile.cache.data.ops.slice_alloc), [
      "accesses",
      "misses",
      "writeBacks",
    ]);
    assertEquals(typeof comparison.designs[1].report.cache.data.totals.misses, "number");
    const html = await Deno.readTextFile(`${dir}/compare.html`);
    assertEquals(html.includes(`id="cache-table"`) && html.includes(`id="cache-totals"`), true);
    const replay = await run(
      "tools/cli/replay.ts",
      "tests/fixtures/boot_excerpt.trace.gz",
      "--cache=u74-d",
      `--report=${dir}/replay.html`,
    );
    assertEquals(replay.code, 0, replay.stderr);
    const page = await Deno.readTextFile(`${dir}/replay.html`);
    assertEquals(page.includes(`id="cache-table"`) && page.includes("size=32K,ways=8"), true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Replayer: a call that sets board.bypassCaches to skip the cache is a violation", async () => {
  const { Board, emptyEvent, pagepileDesign, Replayer, GFP_KERNEL } = await import("../mod.ts");
  const galloc = (line: number) => ({
    ...emptyEvent(),
    line,
    op: "galloc" as const,
    key: 0x1000 * line,
    size: 64,
    flags: GFP_KERNEL,
  });
  const sneaky = {
    ...pagepileDesign,
    name: "sneaky",
    boot(board: InstanceType<typeof Board>, options?: { debug?: boolean }) {
      const k = pagepileDesign.boot(board, options);
      const real = k.galloc.bind(k);
      k.galloc = (flags: number, size: number) => {
        board.bypassCaches = true;
        return real(flags, size);
      };
      return k;
    },
  };
  const board = new Board({ ramBytes: MiB, cache: M7 });
  const replayer = Replayer.boot(sneaky, board);
  replayer.event(galloc(1));
  replayer.event(galloc(2));
  const result = replayer.finish();
  assertEquals(result.violations, 1);
  assertEquals(result.violationList[0].message.startsWith("galloc set board.bypassCaches"), true);
});
