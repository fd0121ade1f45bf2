import { assertEquals } from "./_assert.ts";
import { concatBytes } from "./_helpers.ts";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { boardSizeForTrace, readTrace, replayTrace, type TraceEvent } from "../mod.ts";
import { type SynthOptions, TraceSynth } from "../tools/synth/synth_trace.ts";
import { kmallocBytes, SLAB_CACHES } from "../tools/synth/linux_mix.ts";
import { DueQueue } from "../tools/synth/due_queue.ts";
import { parseEventCount } from "../tools/cli/event_count.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const MiB = 1024 * 1024;
/** Small waves, so that 100,000 events climb them: 4 periods of 25,000 events. */
const SMALL: SynthOptions = { floorBytes: 1 * MiB, ceilingBytes: 4 * MiB };

/** The whole trace as one byte array. */
function bytesOf(synth: TraceSynth): Uint8Array {
  return concatBytes([...synth]);
}

/** Writes a synthetic trace to a temporary file; returns its path and the synthesizer. */
async function synthFile(
  events: number,
  options: SynthOptions,
): Promise<{ path: string; synth: TraceSynth }> {
  const synth = new TraceSynth(events, options);
  const path = await Deno.makeTempFile({ suffix: ".trace" });
  await Deno.writeFile(path, bytesOf(synth));
  return { path, synth };
}

/** What a pass over a synthetic trace with pagepile's reader finds. */
interface Reading {
  events: number;
  problems: string[];
  /** Events by op. */
  ops: Record<string, number>;
  /** Frees that name no live block, or a block of another kind or pool. */
  badFrees: string[];
  /** Allocations of a key already live. */
  reusedKeys: number;
  /** alloc_pages by order. */
  orders: number[];
  /** Every galloc size, linux_bytes that is not Linux's, vmalloc sizes. */
  gallocSizes: number[];
  wrongLinuxBytes: number;
  vmallocSizes: number[];
  /** Live bytes (the board-sizing rule) every 1,000 events. */
  liveSamples: number[];
  peak: number;
  end: number;
}

async function readSynth(path: string): Promise<Reading> {
  const r: Reading = {
    events: 0,
    problems: [],
    ops: {},
    badFrees: [],
    reusedKeys: 0,
    orders: [0, 0, 0, 0],
    gallocSizes: [],
    wrongLinuxBytes: 0,
    vmallocSizes: [],
    liveSamples: [],
    peak: 0,
    end: 0,
  };
  const poolSizes = new Map<string, number>();
  /** Live blocks: their allocating op and pool, and their bytes. */
  const live = new Map<number, { op: string; pool: string; bytes: number }>();
  let liveBytes = 0;
  const allocate = (e: TraceEvent, bytes: number): void => {
    if (live.has(e.key)) r.reusedKeys++;
    live.set(e.key, { op: e.op, pool: e.pool, bytes });
    liveBytes += bytes;
    r.peak = Math.max(r.peak, liveBytes);
  };
  const free = (e: TraceEvent, allocOp: string): void => {
    const block = live.get(e.key);
    if (block === undefined || block.op !== allocOp || block.pool !== e.pool) {
      r.badFrees.push(`line ${e.line}: ${e.op} 0x${e.key.toString(16)}`);
      return;
    }
    live.delete(e.key);
    liveBytes -= block.bytes;
  };
  await readTrace(path, {
    event(e) {
      r.events++;
      r.ops[e.op] = (r.ops[e.op] ?? 0) + 1;
      switch (e.op) {
        case "slice_pool_create":
          poolSizes.set(e.pool, e.size);
          break;
        case "galloc":
          r.gallocSizes.push(e.size);
          if (e.linuxBytes !== kmallocBytes(e.size) || e.linuxBytes < e.size) r.wrongLinuxBytes++;
          allocate(e, Math.ceil(e.size / 8) * 8);
          break;
        case "slice_alloc":
          allocate(e, poolSizes.get(e.pool)!);
          break;
        case "alloc_pages":
          r.orders[e.order]++;
          allocate(e, 4096 << e.order);
          break;
        case "vmalloc":
          r.vmallocSizes.push(e.size);
          allocate(e, e.size);
          break;
        case "gfree":
          free(e, "galloc");
          break;
        case "slice_free":
          free(e, "slice_alloc");
          break;
        case "free_pages":
          free(e, "alloc_pages");
          break;
        case "vfree":
          free(e, "vmalloc");
          break;
      }
      if (r.events % 1000 === 0) r.liveSamples.push(liveBytes);
    },
    problem(line, message) {
      r.problems.push(`line ${line}: ${message}`);
    },
    lost() {},
  });
  r.end = liveBytes;
  return r;
}

Deno.test("TraceSynth gives the same bytes for the same seed and options, others for another", () => {
  const one = bytesOf(new TraceSynth(50_000, { seed: 1 }));
  assertEquals(bytesOf(new TraceSynth(50_000, { seed: 1 })), one);
  const other = bytesOf(new TraceSynth(50_000, { seed: 2 }));
  assertEquals(other.length === one.length && other.every((b, i) => b === one[i]), false);
  const noVmalloc = bytesOf(new TraceSynth(50_000, { seed: 1, vmalloc: false }));
  assertEquals(new TextDecoder().decode(noVmalloc).includes("vmalloc"), false);
  // The defaults are seed 1 and the default options.
  assertEquals(bytesOf(new TraceSynth(50_000)), one);
});

Deno.test("TraceSynth writes exactly the events asked, each line whole, chunks included", () => {
  const synth = new TraceSynth(300_000, SMALL);
  const chunks = [...synth];
  // 300,000 lines of about 29 bytes: several chunks of 256 KiB, each ending a line.
  assertEquals(chunks.length > 10, true);
  for (const chunk of chunks) assertEquals(chunk[chunk.length - 1], 10);
  const text = new TextDecoder().decode(bytesOf(new TraceSynth(300_000, SMALL)));
  const lines = text.trimEnd().split("\n");
  assertEquals(lines[0], "# pagepile trace 1");
  assertEquals([lines.length - 1, synth.eventsWritten], [300_000, 300_000]);
  assertEquals(lines[1], "slice_pool_create vm_area_struct 0 152 name=vm_area_struct");
  // Shorter than the pool creations: the first ones only.
  const tiny = new TextDecoder().decode(bytesOf(new TraceSynth(3)));
  assertEquals(tiny.split("\n").length, 5);
  assertEquals(new TextDecoder().decode(bytesOf(new TraceSynth(0))), "# pagepile trace 1\n");
});

Deno.test("a synthetic trace reads with no problem, every free names a live block, the mix holds", async () => {
  const { path, synth } = await synthFile(200_000, SMALL);
  const r = await readSynth(path);
  assertEquals(r.problems, []);
  assertEquals(r.badFrees, []);
  assertEquals([r.events, r.reusedKeys], [200_000, 0]);
  assertEquals(r.ops.slice_pool_create, SLAB_CACHES.length);
  // Each kind present, in about the measured shares of allocations (63%
  // slices, 29% pages, 8% kmalloc, 0.2% vmalloc).
  const allocations = r.ops.galloc + r.ops.slice_alloc + r.ops.alloc_pages + r.ops.vmalloc;
  const share = (op: string): number => r.ops[op] / allocations;
  assertEquals(
    Math.abs(share("slice_alloc") - 0.633) < 0.02,
    true,
    `slices ${share("slice_alloc")}`,
  );
  assertEquals(
    Math.abs(share("alloc_pages") - 0.291) < 0.02,
    true,
    `pages ${share("alloc_pages")}`,
  );
  assertEquals(Math.abs(share("galloc") - 0.076) < 0.01, true, `galloc ${share("galloc")}`);
  assertEquals(
    share("vmalloc") > 0.0005 && share("vmalloc") < 0.005,
    true,
    `vm ${share("vmalloc")}`,
  );
  for (const op of ["gfree", "slice_free", "free_pages", "vfree"]) {
    assertEquals(r.ops[op] > 0, true);
  }
  // Page orders 0 to 3, order 0 the most by far.
  assertEquals(r.orders.length, 4);
  assertEquals(r.orders.every((n) => n > 0), true, `orders ${r.orders}`);
  assertEquals(r.orders[0] / r.ops.alloc_pages > 0.93, true);
  // kmalloc sizes from 1 byte to 64 KiB, mostly small, each with Linux's bytes.
  assertEquals(Math.min(...r.gallocSizes) >= 1 && Math.max(...r.gallocSizes) <= 65536, true);
  const small = r.gallocSizes.filter((size) => size <= 256).length / r.gallocSizes.length;
  assertEquals(small > 0.7 && small < 0.85, true, `sizes up to 256: ${small}`);
  assertEquals(r.gallocSizes.some((size) => size > 8192), true);
  assertEquals(r.wrongLinuxBytes, 0);
  // vmalloc areas: whole pages, 1 to 187 of them.
  assertEquals(r.vmallocSizes.every((size) => size % 4096 === 0 && size <= 187 * 4096), true);
  // The reader's live bytes are the synthesizer's.
  assertEquals([r.peak, r.end], [synth.peakLiveBytes, synth.liveBytes]);
  await Deno.remove(path);
});

/** Times live bytes climb above 3 MiB and fall back below 2 MiB. */
function wavesIn(liveSamples: number[]): number {
  let waves = 0;
  let high = false;
  for (const bytes of liveSamples) {
    if (!high && bytes > 3 * MiB) [high, waves] = [true, waves + 1];
    else if (high && bytes < 2 * MiB) high = false;
  }
  return waves;
}

Deno.test("a synthetic trace's live set rises and falls in waves, its peak near the ceiling", async () => {
  const { path, synth } = await synthFile(200_000, SMALL);
  const r = await readSynth(path);
  assertEquals(wavesIn(r.liveSamples), 4);
  assertEquals(r.peak > 3.9 * MiB && r.peak < 4.5 * MiB, true, `peak ${r.peak}`);
  assertEquals(r.end < 1.5 * MiB, true, `end ${r.end}`);
  // The peak a replay sizes its board from is the one the synthesizer reports.
  const size = await boardSizeForTrace(path);
  assertEquals([size.peakLiveBytes, size.ramBytes], [synth.peakLiveBytes, 32 * MiB]);
  await Deno.remove(path);
});

Deno.test("a synthetic trace has as many waves as asked", async () => {
  const { path } = await synthFile(400_000, { ...SMALL, waves: 8 });
  assertEquals(wavesIn((await readSynth(path)).liveSamples), 8);
  await Deno.remove(path);
});

Deno.test("the defaults peak near 32 MiB of live bytes, and a replay sizes a 128 MiB board", () => {
  // 1M events climb the whole default wave; the sizing rule gives
  // 2 × ~33 MiB + 16 MiB, to a power of two.
  const synth = new TraceSynth(1_000_000);
  for (const _ of synth);
  assertEquals(synth.peakLiveBytes > 32 * MiB && synth.peakLiveBytes < 34 * MiB, true);
  assertEquals(synth.liveBytes < 9 * MiB, true);
});

Deno.test("replaying a synthetic trace passes every check", async () => {
  const { path } = await synthFile(100_000, SMALL);
  const report = await replayTrace(path);
  assertEquals(
    [report.events, report.applied, report.violations, report.failures, report.problems.count],
    [100_000, 100_000, 0, 0, 0],
  );
  assertEquals(report.ramBytes, 32 * MiB);
  await Deno.remove(path);
});

Deno.test("TraceSynth refuses a bad count, seed or floor and ceiling", () => {
  for (
    const make of [
      () => new TraceSynth(-1),
      () => new TraceSynth(1.5),
      () => new TraceSynth(10, { seed: -1 }),
      () => new TraceSynth(10, { seed: 2 ** 32 }),
      () => new TraceSynth(10, { floorBytes: 9 * MiB, ceilingBytes: 8 * MiB }),
      () => new TraceSynth(10, { ceilingBytes: 0 }),
      () => new TraceSynth(10, { waves: 0 }),
      () => new TraceSynth(10, { waves: 2.5 }),
    ]
  ) {
    let threw = false;
    try {
      make();
    } catch (error) {
      threw = error instanceof RangeError;
    }
    assertEquals(threw, true, String(make));
  }
});

Deno.test("DueQueue hands out entries earliest due first", () => {
  const queue = new DueQueue<{ due: number }>();
  const dues = [5, 3, 9, 1, 3, 7, 2, 8, 6, 4, 0, 9];
  for (const due of dues) queue.push({ due });
  const out: number[] = [];
  while (queue.peek() !== undefined) out.push(queue.pop().due);
  assertEquals(out, [...dues].sort((a, b) => a - b));
});

Deno.test("parseEventCount reads whole counts with K, M, G and exponents", () => {
  assertEquals(
    ["50000", "2.5M", "100M", "1e8", "3k", "2.3M", "1.5e3", "1G"].map(parseEventCount),
    [50_000, 2_500_000, 100_000_000, 100_000_000, 3_000, 2_300_000, 1_500, 1_000_000_000],
  );
  for (const text of ["1.5", "1.0000001M", "-5", "5X", "lots", "", "1e20", "2 M"]) {
    assertEquals(parseEventCount(text), undefined, text);
  }
});

async function synthCli(
  ...args: string[]
): Promise<{ code: number; stdout: Uint8Array; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-write", "tools/cli/synth.ts", ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: output.code,
    stdout: output.stdout,
    stderr: new TextDecoder().decode(output.stderr),
  };
}

Deno.test("synth writes the trace to standard output, or to a file, gzip when it ends in .gz", async () => {
  const expected = bytesOf(new TraceSynth(2_500, { seed: 3 }));
  const piped = await synthCli("--events", "2.5K", "--seed", "3");
  assertEquals(piped.code, 0);
  assertEquals(piped.stdout, expected);
  // One line on stderr: the summary.
  assertEquals(piped.stderr.trimEnd().split("\n").length, 1);
  assertEquals(piped.stderr.startsWith("synth: 2,500 events written to standard output"), true);
  const dir = await Deno.makeTempDir();
  const gz = await synthCli("--events=2500", "--seed=3", "--out", `${dir}/t.trace.gz`);
  assertEquals(gz.code, 0);
  assertEquals(gz.stdout.length, 0);
  assertEquals(new Uint8Array(gunzipSync(await Deno.readFile(`${dir}/t.trace.gz`))), expected);
  const small = await synthCli("--events=1e4", "--floor=1M", "--ceiling=2M", "--no-vmalloc");
  assertEquals(
    small.stdout,
    bytesOf(new TraceSynth(10_000, { floorBytes: MiB, ceilingBytes: 2 * MiB, vmalloc: false })),
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("synth --help explains the options; bad usage gets one line and status 2", async () => {
  const help = await synthCli("--help");
  assertEquals(help.code, 0);
  const text = new TextDecoder().decode(help.stdout);
  for (const option of ["--events", "--seed", "--out", "--floor", "--ceiling", "--no-vmalloc"]) {
    assertEquals(text.includes(option), true, option);
  }
  for (
    const [args, says] of [
      [[], "give the number of events"],
      [["--events", "1.5"], "--events 1.5 is not a count of events"],
      [["--events", "0"], "--events 0 is not a count of events"],
      [["--events", "5", "--seed", "x"], "--seed x is not a whole number"],
      [["--events", "5", "--seed", "4294967296"], "--seed 4294967296 is not a whole number"],
      [["--events", "5", "--floor", "9M", "--ceiling", "8M"], "is above the ceiling"],
      [["--events", "5", "--ceiling", "lots"], "--ceiling lots is not a size"],
      [["--events", "5", "--frobnicate"], "Unknown option '--frobnicate'"],
      [["--events", "5", "extra"], "Unexpected argument 'extra'"],
      [["--seed", "-1", "--events", "5"], "argument is ambiguous"],
    ]
  ) {
    const run = await synthCli(...args as string[]);
    assertEquals(run.code, 2, String(args));
    assertEquals(run.stdout.length, 0);
    assertEquals(run.stderr.trimEnd().split("\n").length, 1, run.stderr);
    assertEquals(run.stderr.startsWith("synth: ") && run.stderr.includes(says as string), true);
  }
  const nowhere = await synthCli("--events", "5", "--out", "/nonexistent-folder/t.trace");
  assertEquals(nowhere.code, 1);
  assertEquals(
    nowhere.stderr.trimEnd(),
    "synth: cannot write /nonexistent-folder/t.trace: its folder does not exist",
  );
});
