import { likelyTrace, REPLAY_SITE_OPS } from "../tools/cli/replay.ts";
import { siteOpsRead } from "../tools/replay/replayer.ts";
import { assertEquals } from "./_assert.ts";
import { type DenoRun, runDeno } from "./_helpers.ts";

const EXCERPT = "tests/fixtures/boot_excerpt.trace.gz";

function run(...args: string[]): Promise<DenoRun> {
  return runDeno(["run", "--allow-read", "--allow-write", ...args]);
}

Deno.test("replay --json prints exactly one JSON object with the promised fields", async () => {
  const { code, stdout } = await run("tools/cli/replay.ts", "--json", EXCERPT);
  assertEquals(code, 0);
  const lines = stdout.trim().split("\n");
  assertEquals(lines.length, 1);
  const result = JSON.parse(lines[0]);
  for (const key of ["events", "applied", "skipped", "violations", "failures", "ops", "memory"]) {
    assertEquals(key in result, true, key);
  }
  assertEquals(typeof result.wallSeconds === "number" && result.eventsPerSecond > 0, true);
  assertEquals(Object.keys(result.ops.slice_alloc.cycles), ["mean", "p50", "p99", "max"]);
  assertEquals([result.events, result.applied, result.violations], [3031, 1998, 0]);
});

Deno.test("replay prints a readable report, and exits 2 on bad usage or a --strict stop", async () => {
  const ok = await run("tools/cli/replay.ts", "--ram=64M", "--check=light", "--stats", EXCERPT);
  assertEquals(ok.code, 0);
  for (
    const text of [
      "events: 3,031 = 1,998 applied",
      "violations: 0",
      "bus cycles per operation",
      "slabinfo",
      "trace: CPUs 1 (0); frees on another CPU 0;",
    ]
  ) {
    assertEquals(ok.stdout.includes(text), true, text);
  }
  assertEquals(ok.stdout.trimEnd().endsWith("OK: every check passed"), true);
  const badRam = await run("tools/cli/replay.ts", "--ram=lots", EXCERPT);
  assertEquals([badRam.code, badRam.stderr.includes("--ram lots is not a size")], [2, true]);
  const badCheck = await run("tools/cli/replay.ts", "--check=most", EXCERPT);
  assertEquals(badCheck.code, 2);
  const garbage = await Deno.makeTempFile();
  await Deno.writeTextFile(garbage, "# pagepile trace 1\ngalloc 0x1 0 8\nfrobnicate 0x1\n");
  const strict = await run("tools/cli/replay.ts", "--strict", garbage);
  assertEquals(strict.code, 2);
  assertEquals(
    strict.stdout.includes('STOPPED (--strict) at line 3: unknown operation "frobnicate"'),
    true,
  );
  await Deno.remove(garbage);
});

Deno.test("replay on a board too small says so in its last line, and how large a board the trace needs", async () => {
  const small = await run("tools/cli/replay.ts", "--ram=1M", EXCERPT);
  // Failed allocations are not violations: the exit status stays 0.
  assertEquals(small.code, 0, small.stderr);
  const last = small.stdout.trimEnd().split("\n").pop()!;
  const said = last.match(
    /^NOT ENOUGH MEMORY: ([\d,]+) allocations failed for lack of memory on this 1 MiB board; the trace's peak of live bytes is 1\.2 MiB: replay it with --ram (\d+)M \(every check passed\)$/,
  );
  assertEquals(said !== null, true, last);
  assertEquals(small.stdout.includes(`allocation failures (out of memory): ${said![1]}`), true);
  // The board it names is enough.
  const enough = await run("tools/cli/replay.ts", `--ram=${said![2]}M`, EXCERPT);
  assertEquals(enough.stdout.trimEnd().split("\n").pop(), "OK: every check passed");
  assertEquals(enough.stdout.includes("allocation failures (out of memory): 0"), true);
});

Deno.test("convert writes a native trace that replays to the same counts as the Linux one", async () => {
  const out = await Deno.makeTempFile({ suffix: ".gz" });
  const converted = await run("tools/cli/convert.ts", EXCERPT, out);
  assertEquals(converted.code, 0);
  assertEquals(converted.stderr.includes("3031 events written"), true);
  const linux = JSON.parse(
    (await run("tools/cli/replay.ts", "--json", "--ram=32M", EXCERPT)).stdout,
  );
  const native = JSON.parse((await run("tools/cli/replay.ts", "--json", "--ram=32M", out)).stdout);
  // Line numbers differ (the native file has its own); every figure is the same.
  for (const key of ["events", "applied", "skipped", "violations"]) {
    assertEquals(native[key], linux[key], key);
  }
  for (const op of Object.keys(linux.ops)) {
    assertEquals(native.ops[op].count, linux.ops[op].count, op);
    assertEquals(native.ops[op].cycles, linux.ops[op].cycles, op);
  }
  assertEquals({ ...native.memory, peakLine: 0 }, { ...linux.memory, peakLine: 0 });
  await Deno.remove(out);
});

Deno.test("the replay's worker starts on the trace its command line most likely names", () => {
  const FS = "traces/recorded/linux-6.1/fs.trace.gz"; // 6.8 MB: parsed in a worker
  // The call sites the early worker parses for are the replay's own.
  assertEquals(REPLAY_SITE_OPS, siteOpsRead(false));
  const cases: [string[], string | undefined][] = [
    [[FS], FS],
    [[FS, "--json", "--check", "light"], FS],
    [["--check=light", "--design=koowaldah", FS, "--stats"], FS],
    // After an option without "=", an argument may be its value: no guess.
    [["--design", "koowaldah", FS], undefined],
    [["--json", FS], undefined],
    // A replay that reads its trace otherwise, or not at all.
    [[FS, "--ram", "256M"], undefined],
    [[FS, "--ram=256M"], undefined],
    [[FS, "--debug"], undefined],
    [[FS, "--help"], undefined],
    // Too small for a worker (0.8 MB), or no file.
    [["traces/recorded/linux-6.1/boot.trace.gz"], undefined],
    [["no/such.trace.gz"], undefined],
    [[], undefined],
  ];
  for (const [args, trace] of cases) assertEquals(likelyTrace(args), trace, args.join(" "));
});
