/**
 * `deno task bench`: the figures users choose a tool by, from one process
 * that alternates the contenders and takes the median of several rounds:
 * 1. replay throughput per Linux trace and check mode, as a ratio to
 *    a parse-only pass over the same file: warm, in this process, the board
 *    given (a user's cold process is section 7);
 * 2. the traces' kmalloc/kfree stream on pagepile's generic allocator and on
 *    @thi.ng/malloc's MemPool: operations per second and peak footprint;
 * 3. memory per trace: internal waste beside Linux's, footprint ÷ peak live;
 * 4. bus cycles per operation on a 16 MiB and a 1 GiB board;
 * 5. the generic allocator's rate and worst cycles as its live set grows;
 * 6. trace.dat against its report text;
 * 7. as a user runs it: whole `deno task` processes against `deno task parse`;
 * 8. the RV32 core's speed, which a design in C runs at: instructions per second;
 * 9. what a data cache on the board costs a replay in time, warm and cold;
 * and, when asked, the overlap of a replay's reading and simulating, and a
 * 100-million-event replay's rate and memory (scale).
 * @module
 */

import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { relative, resolve } from "node:path";
import { Board } from "../../hw/board.ts";
import { RAM_ACCESS_CYCLES } from "../../hw/timing.ts";
import { boot } from "../../core/pagepile/boot.ts";
import { GFP_KERNEL } from "../../core/gfp.ts";
import type { TraceEvent } from "../../traces/trace_event.ts";
import { readTrace } from "../../traces/trace_reader.ts";
import { TraceInputError } from "../../traces/line_reader.ts";
import { TraceStreamer } from "../../traces/trace_stream.ts";
import type { OpFigures } from "../replay/cycle_stats.ts";
import { type ReplayReport, replayTrace } from "../replay/replay_trace.ts";
import type { CheckMode } from "../replay/shadow_memory.ts";
import { seededRandom } from "../fuzz/seeded_random.ts";
import { userRuns, userRunsTable } from "../bench/as_user_runs_it.ts";
import { scaleRun, scaleTable } from "../bench/scale.ts";
import { overlapRuns, overlapTable } from "../bench/overlap.ts";
import { type Rv32Speed, rv32Speed } from "../bench/rv32_speed.ts";
import { parseEventCount } from "./event_count.ts";
import { cacheReplaySpeed, cacheReplayTable } from "../bench/cache_replay.ts";
import { median } from "../bench/process_timing.ts";
import { boardCaches, CACHE_HELP, CACHE_OPTIONS } from "./judge_options.ts";
import type { BoardCaches } from "../../hw/board.ts";

const HELP = `Usage: deno task bench [TRACE...] [--cycles-trace TRACE] [--rounds N]
                       [--only SECTIONS] [--events N] [--cache SPEC] [--json]

Prints the benchmark tables (see BENCHMARKS.md for the latest) from one run.
Sections 1 to 3 run on each TRACE (default: the Linux 6.1 traces in
traces/recorded/linux-6.1: boot, fs and procs); section 4 on the cycles trace
(default: traces/recorded/linux-6.12/vm.excerpt.trace.gz, which calls every
allocator, vmalloc included). Any trace pagepile reads will do, e.g. the whole
recordings: deno task bench ../shared/traces/linux/*.trace.gz
Sections:
  throughput  replay events/s per trace and check mode, and the ratio to a
              parse-only pass over the same file, warm, in this process, the
              board given (targets: full >= 0.40, off >= 0.70)
  malloc      the traces' kmalloc/kfree stream on pagepile's galloc and on
              @thi.ng/malloc MemPool: ops/s and peak footprint, as ratios
              (targets: >= 1.5x the ops/s, footprint no larger)
  memory      per trace: internal waste beside Linux's, and peak footprint
              / peak live requested (target on fs: <= 1.25)
  cycles      bus cycles per operation (p50, p99, max) on 16 MiB and 1 GiB
  scaling     galloc events/s and worst bus cycles with 10^3..10^6 live objects
  formats     one trace-cmd recording from its trace.dat and from its report
              text: a parse-only pass (in this process) and a whole replay
              (\`deno task replay\` as a process of its own), events/s and the
              ratios (targets: parse-only >= 3x, replay >= 2x); the recordings
              in traces/recorded/trace-cmd, or --dat FILE --text FILE
  user        as a user runs it: whole \`deno task\` processes, cold, timed against
              \`deno task parse\` over the same trace: replay (targets: <= 1.5x),
              replay --check off (<= 1.3x), replay --report (<= +20% on replay),
              compare (<= ceil(3 designs / cores) x 1.3 x replay); at least 5
              rounds; every real trace in traces/recorded and the shared ones
              beside the project (../shared/traces) not in it, or TRACE...
  cpu         the RV32 core a design in C runs on: instructions per second,
              warm, of a loop shaped like allocator code (loads, stores, ALU,
              a call and a branch per iteration) run from flash on the counted
              bus (tools/bench/rv32_speed.ts), and per CPU-second
  cache       a replay of each TRACE (check full) with the data cache of --cache
              (default cortex-m7-d) against the same replay without, warm in
              this process and cold as whole \`deno task replay\` processes,
              alternating, at least 5 rounds (target: <= 1.3x)
  overlap     (only when asked: --only overlap) whole processes, cold, alternated,
              at least 5 rounds: deno task parse T, a process that simulates
              T's events parsed beforehand (full checks, the board of their
              peak), and deno task replay T (board remembered); target: the
              replay <= 1.2 x the longer of the two; on each TRACE (default:
              fs and procs, and the whole shared vm trace when it is there)
  scale       (only when asked: --only scale) a synthetic trace of --events N
              (default 100M) replayed by a process of its own: its time, its
              rate over each tenth (target: the last within 15% of the first)
              and its peak resident memory (target: <= the board + 300 MB)
Machines here are shared and noisy: contenders alternate within each round,
and the tables show medians; read the ratios rather than the absolute rates.

Options:
  --cycles-trace T  the trace of section 4
  --dat FILE        the trace.dat of section 6 (with --text: its report text)
  --text FILE       the report text of section 6
  --rounds N        rounds per measurement (default 3)
  --only LIST       comma-separated sections to run (default: all but overlap, scale)
  --events N        events of the scale section's trace (default 100M)
  --json            print one JSON object instead of the tables
${CACHE_HELP}
                     (with --cache, section 4's boards have the cache too)
`;

const MiB = 1024 * 1024;
const RECORDED = fileURLToPath(new URL("../../traces/recorded/", import.meta.url));
const LINUX_TRACES = ["boot", "fs", "procs"].map((name) => `${RECORDED}linux-6.1/${name}.trace.gz`);
const CYCLES_TRACE = `${RECORDED}linux-6.12/vm.excerpt.trace.gz`;
const MODES: CheckMode[] = ["full", "light", "off"];

function timeIt(run: () => void): number {
  const start = performance.now();
  run();
  return performance.now() - start;
}

const n = (x: number): string => Math.round(x).toLocaleString("en-US");
/** A path as typed: relative to the working folder when it lies inside it. */
const shown = (path: string): string => {
  const inside = relative(Deno.cwd(), path);
  return inside.startsWith("..") ? path : inside;
};
const name = (path: string): string => path.split("/").pop()!.replace(".trace.gz", "");

// 1. Replay throughput ----------------------------------------------------

interface ThroughputRow {
  trace: string;
  events: number;
  parseOnly: number;
  replay: Record<CheckMode, number>;
  ratio: Record<CheckMode, number>;
}

async function throughput(
  traces: string[],
  rounds: number,
  reports: Map<string, ReplayReport>,
): Promise<ThroughputRow[]> {
  const rows: ThroughputRow[] = [];
  // One parse worker for every replay, as a tool replaying many traces keeps
  // one: warm after the first (the sizing pass below warms it).
  const streamer = new TraceStreamer();
  try {
    for (const path of traces) {
      rows.push(await traceThroughput(path, rounds, reports, streamer));
    }
  } finally {
    streamer.close();
  }
  return rows;
}

async function traceThroughput(
  path: string,
  rounds: number,
  reports: Map<string, ReplayReport>,
  streamer: TraceStreamer,
): Promise<ThroughputRow> {
  const times: Record<string, number[]> = { parse: [], full: [], light: [], off: [] };
  let events = 0;
  const { ramBytes } = await replayTrace(path, { check: "off", streamer }); // sized once
  for (let round = 0; round < rounds; round++) {
    let start = performance.now();
    events = 0;
    await readTrace(path, { event: () => events++, problem: () => {}, lost: () => {} });
    times.parse.push(performance.now() - start);
    for (const check of MODES) {
      start = performance.now();
      const report = await replayTrace(path, { ramBytes, check, streamer });
      times[check].push(performance.now() - start);
      if (check === "full") reports.set(path, report);
    }
  }
  const rate = (ms: number[]): number => events / (median(ms) / 1000);
  // Each round's ratio compares passes taken moments apart; their median
  // shrugs off a round the other tenants of the machine slowed down.
  const ratio = (check: CheckMode): number =>
    median(times[check].map((ms, round) => times.parse[round] / ms));
  return {
    trace: name(path),
    events,
    parseOnly: rate(times.parse),
    replay: { full: rate(times.full), light: rate(times.light), off: rate(times.off) },
    ratio: { full: ratio("full"), light: ratio("light"), off: ratio("off") },
  };
}

function throughputTable(rows: ThroughputRow[]): string {
  const lines = [
    "1. Replay throughput, warm, in this process, board given: events/s (ratio to parse-only;",
    "   targets: full >= 0.40, off >= 0.70; a user's cold process: section 7)",
    `${"trace".padEnd(8)}${"events".padStart(10)}${"parse-only".padStart(12)}` +
    MODES.map((m) => `replay ${m}`.padStart(22)).join(""),
  ];
  for (const r of rows) {
    lines.push(
      `${r.trace.padEnd(8)}${n(r.events).padStart(10)}${n(r.parseOnly).padStart(12)}` +
        MODES.map((m) => `${n(r.replay[m])} (${r.ratio[m].toFixed(2)})`.padStart(22)).join(""),
    );
  }
  lines.push(
    "   (rates: medians over the rounds; ratios: the median of each round's ratio, its passes",
    "   taken moments apart. The replay parses in a worker while it replays, so it can",
    "   come near 1.0, and past it when the main thread's parse-only pass is slowed)",
  );
  return lines.join("\n");
}

// 2. The kmalloc/kfree stream on pagepile and on @thi.ng/malloc -----------

/**
 * A trace's kmalloc/kfree events, as flat arrays: op (1 alloc, 0 free), the
 * block's slot and the size. Each trace pointer is given a dense slot number
 * up front, so the timed runs look blocks up in a typed array: the harness
 * then costs the contenders next to nothing, and the figures are theirs.
 */
interface Stream {
  ops: Uint8Array;
  slots: Uint32Array;
  sizes: Uint32Array;
  length: number;
  /** How many distinct pointers the trace uses. */
  slotCount: number;
}

async function kmallocStream(path: string): Promise<Stream> {
  const ops: number[] = [];
  const slots: number[] = [];
  const sizes: number[] = [];
  const slotOf = new Map<number, number>();
  const slot = (key: number): number => {
    let s = slotOf.get(key);
    if (s === undefined) slotOf.set(key, s = slotOf.size);
    return s;
  };
  await readTrace(path, {
    event(e: TraceEvent): void {
      if (e.op === "galloc") {
        ops.push(1);
        slots.push(slot(e.key));
        sizes.push(e.size);
      } else if (e.op === "gfree" && e.key !== 0) {
        ops.push(0);
        slots.push(slot(e.key));
        sizes.push(0);
      }
    },
    problem: () => {},
    lost: () => {},
  });
  return {
    ops: Uint8Array.from(ops),
    slots: Uint32Array.from(slots),
    sizes: Uint32Array.from(sizes),
    length: ops.length,
    slotCount: slotOf.size,
  };
}

/**
 * Runs the stream on an allocator, freeing what is still live at the end.
 * An allocation of a pointer still live frees it first (the trace lost its
 * free); a free of a pointer not live is skipped (allocated before recording).
 * @param footprint when given, read after every allocation: returns the peak
 */
function runStream(
  stream: Stream,
  malloc: (size: number) => number,
  free: (addr: number) => void,
  footprint?: () => number,
): number {
  // Addresses by slot; 0 is no block (neither allocator returns 0 here).
  const live = new Float64Array(stream.slotCount);
  let peak = 0;
  for (let i = 0; i < stream.length; i++) {
    const slot = stream.slots[i];
    if (stream.ops[i] === 1) {
      if (live[slot] !== 0) free(live[slot]);
      live[slot] = malloc(stream.sizes[i]);
      if (footprint !== undefined) peak = Math.max(peak, footprint());
    } else if (live[slot] !== 0) {
      free(live[slot]);
      live[slot] = 0;
    }
  }
  for (let slot = 0; slot < live.length; slot++) if (live[slot] !== 0) free(live[slot]);
  return peak;
}

interface MallocRow {
  trace: string;
  operations: number;
  opsPerSecond: Record<string, number>;
  /** pagepile's speed over each contender's: the median of the rounds' ratios. */
  speedRatio: Record<string, number>;
  peakFootprintBytes: Record<string, number>;
  /** pagepile's mean bus cycles per operation on the stream (deterministic). */
  pagepileCyclesPerOp: number;
  /**
   * What one bare RAM access through the bus costs the host, in ns (a floor:
   * cache-warm), measured right after this trace's rounds, as the load of the
   * machine changes.
   */
  bareBusAccessNs: number;
}

const CONTENDERS = ["pagepile", "MemPool", "MemPool compact:false"];
/** Each timed run repeats a trace's stream to at least this many operations. */
const TIMED_OPERATIONS = 300_000;

/** A contender: its malloc, free and footprint (bytes of memory it holds). */
/** @thi.ng/malloc, loaded by the one section that uses it, so that the others never fetch it. */
type MallocModule = typeof import("@thi.ng/malloc");

function contender(which: string, malloc: MallocModule): {
  malloc: (size: number) => number;
  free: (addr: number) => void;
  footprint: () => number;
  /** Bus cycles spent so far: pagepile only, MemPool has no bus. */
  cycles?: () => number;
} {
  if (which === "pagepile") {
    const board = new Board({ ramBytes: 64 * MiB });
    const k = boot(board);
    const base = k.pagesInUse();
    return {
      malloc: (size) => k.galloc(GFP_KERNEL, size),
      free: (addr) => k.gfree(addr),
      footprint: () => (k.pagesInUse() - base) * 4096,
      cycles: () => board.cycles,
    };
  }
  const pool = new malloc.MemPool({ size: 64 * MiB, compact: which === "MemPool" });
  const top = pool as unknown as { top: number };
  const base = top.top;
  return {
    malloc: (size) => pool.malloc(size),
    free: (addr) => void pool.free(addr),
    footprint: () => top.top - base,
  };
}

async function mallocComparison(traces: string[], rounds: number): Promise<MallocRow[]> {
  const malloc = await import("@thi.ng/malloc");
  const rows: MallocRow[] = [];
  for (const path of traces) {
    const stream = await kmallocStream(path);
    const repeats = Math.ceil(TIMED_OPERATIONS / stream.length);
    const peakFootprintBytes: Record<string, number> = {};
    let pagepileCyclesPerOp = 0;
    for (const which of CONTENDERS) {
      const c = contender(which, malloc);
      const before = c.cycles?.() ?? 0;
      peakFootprintBytes[which] = runStream(stream, c.malloc, c.free, c.footprint);
      if (c.cycles) pagepileCyclesPerOp = (c.cycles() - before) / stream.length;
    }
    const times: Record<string, number[]> = {};
    for (let round = 0; round < rounds; round++) {
      for (const which of CONTENDERS) {
        const c = contender(which, malloc);
        runStream(stream, c.malloc, c.free); // warm up this instance
        (times[which] ??= []).push(timeIt(() => {
          for (let r = 0; r < repeats; r++) runStream(stream, c.malloc, c.free);
        }));
      }
    }
    const opsPerSecond: Record<string, number> = {};
    const speedRatio: Record<string, number> = {};
    for (const which of CONTENDERS) {
      opsPerSecond[which] = (repeats * stream.length) / (median(times[which]) / 1000);
      speedRatio[which] = median(times[which].map((ms, round) => ms / times.pagepile[round]));
    }
    rows.push({
      trace: name(path),
      operations: stream.length,
      opsPerSecond,
      speedRatio,
      peakFootprintBytes,
      pagepileCyclesPerOp,
      bareBusAccessNs: bareBusAccessNs(),
    });
  }
  return rows;
}

/**
 * Host nanoseconds per bus access in a loop that does nothing else, on
 * addresses the host's cache holds: what the simulation of one firmware
 * access costs at the least.
 */
function bareBusAccessNs(): number {
  const board = new Board({ ramBytes: MiB });
  const accesses = 4_000_000;
  const mask = 64 * 1024 - 4;
  const loop = (): void => {
    for (let i = 0; i < accesses / 2; i++) {
      const addr = board.ramBase + ((i * 4) & mask);
      board.write32(addr, board.read32(addr) + 1);
    }
  };
  loop(); // warm up
  return (timeIt(loop) * 1e6) / accesses;
}

function mallocTable(rows: MallocRow[]): string {
  const lines = [
    "2. The traces' kmalloc/kfree stream: pagepile galloc vs @thi.ng/malloc MemPool",
    "   (targets: pagepile >= 1.5x MemPool's ops/s, peak footprint no larger; MemPool's",
    "   default is compact:true, so its two configurations are default and compact:false)",
    `${"trace".padEnd(8)}${"ops".padStart(9)}` +
    CONTENDERS.map((c) => `${c} ops/s`.padStart(28)).join("") +
    CONTENDERS.map((c) => `${c} peak`.padStart(28)).join(""),
  ];
  for (const r of rows) {
    const oursPeak = r.peakFootprintBytes.pagepile;
    lines.push(
      `${r.trace.padEnd(8)}${n(r.operations).padStart(9)}` +
        CONTENDERS.map((c) =>
          `${n(r.opsPerSecond[c])} (${r.speedRatio[c].toFixed(2)}x)`.padStart(28)
        ).join("") +
        CONTENDERS.map((c) =>
          `${(r.peakFootprintBytes[c] / 1024).toFixed(0)} KiB (${
            (oursPeak / r.peakFootprintBytes[c]).toFixed(2)
          })`.padStart(28)
        ).join(""),
    );
  }
  lines.push(
    "   (ratios in parentheses: pagepile's figure over the contender's; for speed, the",
    "   median of the rounds' ratios)",
    "   per operation: pagepile's bus accesses, host time, and what those accesses cost bare:",
  );
  const nanos = (opsPerSecond: number): string => (1e9 / opsPerSecond).toFixed(0);
  for (const r of rows) {
    const accesses = r.pagepileCyclesPerOp / RAM_ACCESS_CYCLES;
    const bare = `${(accesses * r.bareBusAccessNs).toFixed(0)} ns, at ` +
      `${r.bareBusAccessNs.toFixed(1)} ns each`;
    lines.push(
      `   ${r.trace.padEnd(6)} ${accesses.toFixed(1)} accesses, ` +
        `${nanos(r.opsPerSecond.pagepile)} ns (bare: ${bare}); ` +
        `MemPool ${nanos(r.opsPerSecond.MemPool)} ns`,
    );
  }
  return lines.join("\n");
}

// 3. Memory per trace ------------------------------------------------------

interface MemoryRow {
  trace: string;
  wastePagepile: number;
  wasteLinux: number;
  footprintRatio: number;
}

function memoryRows(traces: string[], reports: Map<string, ReplayReport>): MemoryRow[] {
  return traces.filter((p) => reports.has(p)).map((path) => {
    const m = reports.get(path)!.memory;
    return {
      trace: name(path),
      wastePagepile: m.objectAllocatedBytes / m.objectRequestedBytes,
      wasteLinux: m.linuxAllocatedBytes / m.objectRequestedBytes,
      footprintRatio: m.peakFootprintBytes / m.peakRequestedBytes,
    };
  });
}

function memoryTable(rows: MemoryRow[]): string {
  const lines = [
    "3. Memory at the peak of live requested bytes (targets: waste <= Linux's; footprint on fs <= 1.25)",
    `${"trace".padEnd(8)}${"pagepile handed out / requested".padStart(34)}` +
    `${"Linux bytes_alloc / bytes_req".padStart(32)}${"footprint / peak live".padStart(24)}`,
  ];
  for (const r of rows) {
    lines.push(
      `${r.trace.padEnd(8)}${r.wastePagepile.toFixed(3).padStart(34)}${
        r.wasteLinux.toFixed(3).padStart(32)
      }` +
        `${r.footprintRatio.toFixed(3).padStart(24)}`,
    );
  }
  lines.push(
    "   (footprint: pages the allocators hold, metadata included; page allocations count whole)",
  );
  return lines.join("\n");
}

// 4. Bus cycles per operation on two board sizes --------------------------

interface CyclesRow {
  ramMiB: number;
  /** Whether the firmware ran with its debug options. */
  debug: boolean;
  ops: Record<string, OpFigures>;
}

async function cyclesPerOp(path: string, cache?: BoardCaches): Promise<CyclesRow[]> {
  const rows: CyclesRow[] = [];
  for (const ramMiB of [16, 1024]) {
    const report = await replayTrace(path, { ramBytes: ramMiB * MiB, check: "off", cache });
    rows.push({ ramMiB, debug: false, ops: report.ops });
  }
  // The debug options' cost: red zones, poisoning and owner tags, same trace.
  const report = await replayTrace(path, {
    ramBytes: 16 * MiB,
    check: "off",
    debug: true,
    cache,
  });
  rows.push({ ramMiB: 16, debug: true, ops: report.ops });
  return rows;
}

function cyclesTable(path: string, rows: CyclesRow[], cache: string | undefined): string {
  const lines = [
    `4. Bus cycles per operation replaying ${name(path)} (p50 / p99 / max)` +
    (cache === undefined ? "" : `, with --cache ${cache}`),
    `${"operation".padEnd(20)}` +
    rows.map((r) => `${r.ramMiB} MiB board${r.debug ? ", debug" : ""}`.padStart(24)).join(""),
  ];
  for (const op of Object.keys(rows[0].ops)) {
    lines.push(
      op.padEnd(20) +
        rows.map((r) => {
          const c = r.ops[op]?.cycles;
          return (c ? `${c.p50} / ${c.p99} / ${c.max}` : "-").padStart(24);
        }).join(""),
    );
  }
  return lines.join("\n");
}

// 5. Scaling of the generic allocator with its live set -------------------

interface ScalingRow {
  live: number;
  opsPerSecond: number;
  cyclesP99: number;
  cyclesMax: number;
}

function scaling(): ScalingRow[] {
  const rows: ScalingRow[] = [];
  const operations = 200_000;
  for (const live of [1e3, 1e4, 1e5, 1e6]) {
    const random = seededRandom(1);
    const size = (): number => 8 + Math.floor(random() ** 3 * 1000); // mostly small, as kmalloc
    const board = new Board({ ramBytes: 512 * MiB });
    const k = boot(board);
    const blocks = Array.from({ length: live }, () => k.galloc(GFP_KERNEL, size()));
    const cycles = new Uint32Array(operations);
    const elapsed = timeIt(() => {
      for (let i = 0; i < operations; i += 2) {
        const slot = Math.floor(random() * live);
        let before = board.cycles;
        k.gfree(blocks[slot]);
        cycles[i] = board.cycles - before;
        before = board.cycles;
        blocks[slot] = k.galloc(GFP_KERNEL, size());
        cycles[i + 1] = board.cycles - before;
      }
    });
    cycles.sort();
    rows.push({
      live,
      opsPerSecond: operations / (elapsed / 1000),
      cyclesP99: cycles[Math.ceil(0.99 * operations) - 1],
      cyclesMax: cycles[operations - 1],
    });
  }
  return rows;
}

function scalingTable(rows: ScalingRow[]): string {
  const lines = [
    "5. galloc/gfree with a live set of N objects (200,000 operations; cost must stay flat)",
    `${"live objects".padEnd(14)}${"ops/s".padStart(12)}${"p99 cycles".padStart(12)}${
      "max cycles".padStart(12)
    }`,
  ];
  for (const r of rows) {
    lines.push(
      `${n(r.live).padEnd(14)}${n(r.opsPerSecond).padStart(12)}${
        String(r.cyclesP99).padStart(12)
      }` +
        `${String(r.cyclesMax).padStart(12)}`,
    );
  }
  return lines.join("\n");
}

// ---------------------------------------------------------------------------

// 6. One recording in two formats: trace.dat against its report text -----

/** The recordings section 6 reads, each as trace.dat and as `trace-cmd report` text. */
const FORMAT_PAIRS = ["fs", "procs-2cpu"].map((name) => ({
  dat: `${RECORDED}trace-cmd/${name}.dat`,
  text: `${RECORDED}trace-cmd/${name}.report.txt.zst`,
}));

interface FormatsRow {
  dat: string;
  text: string;
  events: number;
  /** Parse-only events/s, in this process: trace.dat, text, and their ratio. */
  parse: { dat: number; text: number; ratio: number };
  /** Whole replays as processes of their own, events/s: trace.dat, text, ratio. */
  replay: { dat: number; text: number; ratio: number };
}

async function formats(
  pairs: { dat: string; text: string }[],
  rounds: number,
): Promise<FormatsRow[]> {
  const rows: FormatsRow[] = [];
  for (const { dat, text } of pairs) {
    const parse: Record<string, number[]> = { dat: [], text: [] };
    const replay: Record<string, number[]> = { dat: [], text: [] };
    let events = 0;
    for (let round = 0; round < rounds; round++) {
      for (const [which, path] of [["dat", dat], ["text", text]]) {
        let start = performance.now();
        events = 0;
        await readTrace(path, { event: () => events++, problem: () => {}, lost: () => {} });
        parse[which].push(performance.now() - start);
        start = performance.now();
        const run = await new Deno.Command(Deno.execPath(), {
          args: ["run", "--allow-read", "--allow-write", REPLAY_CLI, path],
          stdout: "null",
          stderr: "null",
        }).output();
        if (!run.success) throw new Error(`the replay of ${path} failed`);
        replay[which].push(performance.now() - start);
      }
    }
    const rate = (ms: number[]): number => events / (median(ms) / 1000);
    const ratio = (times: Record<string, number[]>): number =>
      median(times.dat.map((ms, round) => times.text[round] / ms));
    rows.push({
      dat: shown(dat),
      text: shown(text),
      events,
      parse: { dat: rate(parse.dat), text: rate(parse.text), ratio: ratio(parse) },
      replay: { dat: rate(replay.dat), text: rate(replay.text), ratio: ratio(replay) },
    });
  }
  return rows;
}

function formatsTable(rows: FormatsRow[]): string {
  const lines = [
    "6. One recording as trace.dat and as report text, events/s (targets: trace.dat >= 3x the",
    "   text's parse-only rate, >= 2x its replay rate; replays are whole `deno task replay`",
    "   processes, checks full, the board sized from the trace)",
    `${"recording".padEnd(40)}${"events".padStart(9)}${"parse-only dat / text".padStart(32)}` +
    `${"replay dat / text".padStart(30)}`,
  ];
  for (const r of rows) {
    lines.push(
      `${r.dat.padEnd(40)}${n(r.events).padStart(9)}` +
        `${`${n(r.parse.dat)} / ${n(r.parse.text)} (${r.parse.ratio.toFixed(2)}x)`.padStart(32)}` +
        `${
          `${n(r.replay.dat)} / ${n(r.replay.text)} (${r.replay.ratio.toFixed(2)}x)`.padStart(30)
        }`,
    );
  }
  lines.push("   (ratios: the median of each round's ratio, the two formats alternated)");
  return lines.join("\n");
}

// 8. The RV32 core's speed ---------------------------------------------------

/** Instructions each round of section 8 times: about 4 s at 75 million a second. */
const CPU_ROUND_INSTRUCTIONS = 300_000_000;

/** Section 8: the core's rate, each round on a fresh core; the rounds' median. */
function cpuSpeed(rounds: number): Rv32Speed & { rounds: Rv32Speed[] } {
  const runs = Array.from({ length: rounds }, () => rv32Speed(CPU_ROUND_INSTRUCTIONS));
  const middle = [...runs].sort((a, b) => a.instructionsPerSecond - b.instructionsPerSecond)[
    (rounds - 1) >> 1
  ];
  return { ...middle, rounds: runs };
}

function cpuTable(speed: Rv32Speed & { rounds: Rv32Speed[] }): string {
  const millions = (x: number): string => (x / 1e6).toFixed(1);
  return [
    "8. The RV32 core, which runs designs in C: million instructions per second, warm, of an",
    "   allocator-shaped loop from flash on the counted bus (median of the rounds; per CPU-second:",
    "   the rate on a machine the process had to itself)",
    `${"instructions".padEnd(16)}${"seconds".padStart(10)}${"million/s".padStart(12)}` +
    `${"per CPU-second".padStart(17)}  rounds (million/s)`,
    `${n(speed.instructions).padEnd(16)}${speed.seconds.toFixed(2).padStart(10)}` +
    `${millions(speed.instructionsPerSecond).padStart(12)}` +
    `${millions(speed.instructions / speed.cpuSeconds).padStart(17)}  ` +
    speed.rounds.map((r) => millions(r.instructionsPerSecond)).join(", "),
  ].join("\n");
}

/** The replay program, run as a process of its own by section 6. */
const REPLAY_CLI = fileURLToPath(new URL("./replay.ts", import.meta.url));

const SECTIONS = [
  "throughput",
  "malloc",
  "memory",
  "cycles",
  "scaling",
  "formats",
  "user",
  "cpu",
  "cache",
  "overlap",
  "scale",
];
/** Sections run when --only does not say: all but overlap and scale, which take minutes. */
const DEFAULT_SECTIONS = SECTIONS.filter((section) => section !== "overlap" && section !== "scale");

/** The overlap section's traces by default: the long real ones. */
async function overlapTraces(): Promise<string[]> {
  const vm = `${SHARED_TRACES}linux-6.12/vm.trace.gz`;
  const shared = await Deno.stat(vm).then(() => [vm], () => []);
  return [LINUX_TRACES[1], LINUX_TRACES[2], ...shared];
}

/**
 * The traces of section 7: every real trace in the repository, and the
 * shared recordings beside the project that are not copies of them.
 */
async function userTraces(): Promise<string[]> {
  const inRepo: string[] = [];
  const sizes = new Set<string>();
  for (const folder of ["linux-6.1", "linux-6.12", "trace-cmd"]) {
    for await (const entry of Deno.readDir(RECORDED + folder)) {
      if (!entry.isFile || entry.name.endsWith(".md")) continue;
      const path = `${RECORDED}${folder}/${entry.name}`;
      inRepo.push(path);
      sizes.add(`${entry.name} ${(await Deno.stat(path)).size}`);
    }
  }
  const shared: string[] = [];
  for (const folder of ["linux", "linux-6.12", "trace-cmd"]) {
    const dir = SHARED_TRACES + folder;
    try {
      for await (const entry of Deno.readDir(dir)) {
        if (!entry.isFile || entry.name.endsWith(".md")) continue;
        const path = `${dir}/${entry.name}`;
        if (!sizes.has(`${entry.name} ${(await Deno.stat(path)).size}`)) shared.push(path);
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return [...inRepo.sort(), ...shared.sort()];
}

/** Where the larger shared recordings are, when the project sits beside them. */
const SHARED_TRACES = fileURLToPath(new URL("../../../shared/traces/", import.meta.url));

async function main(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        "cycles-trace": { type: "string", default: CYCLES_TRACE },
        dat: { type: "string" },
        text: { type: "string" },
        rounds: { type: "string", default: "3" },
        only: { type: "string", default: DEFAULT_SECTIONS.join(",") },
        events: { type: "string", default: "100M" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", default: false },
        ...CACHE_OPTIONS,
      },
    });
  } catch (error) {
    console.error(`bench: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const cache = boardCaches(values);
  if (typeof cache === "string") {
    // One line: the spec is what is wrong, not how to call the program.
    console.error(`bench: ${cache}`);
    return 2;
  }
  const rounds = Number(values.rounds);
  const scaleEvents = parseEventCount(values.events);
  if (scaleEvents === undefined || scaleEvents < 10) {
    console.error(`bench: --events ${values.events} is not a count of events\n\n${HELP}`);
    return 2;
  }
  const only = values.only.split(",");
  const unknown = only.filter((s) => !SECTIONS.includes(s));
  if (!Number.isInteger(rounds) || rounds < 1 || unknown.length > 0) {
    console.error(`bench: bad --rounds or --only (${unknown.join(", ")})\n\n${HELP}`);
    return 2;
  }
  const traces = positionals.length > 0 ? positionals : LINUX_TRACES;
  const cyclesTrace = values["cycles-trace"];
  const say = (text: string): void => {
    if (!values.json) console.log(text + "\n");
  };
  const note = (text: string): void => {
    if (!values.json) console.error(text);
  };
  // One parse-only pass over each trace first: a file that cannot be
  // replayed is named before minutes of measuring, and the figures below
  // say which files they come from.
  const files: { path: string; events: number }[] = [];
  if ((values.dat === undefined) !== (values.text === undefined)) {
    console.error(`bench: give --dat and --text together\n\n${HELP}`);
    return 2;
  }
  const pairs = values.dat !== undefined && values.text !== undefined
    ? [{ dat: values.dat, text: values.text }]
    : FORMAT_PAIRS;
  const used = [
    ...(only.some((s) => ["throughput", "malloc", "memory", "cache"].includes(s)) ? traces : []),
    ...(only.includes("cycles") ? [cyclesTrace] : []),
    ...(only.includes("formats") ? pairs.flatMap((p) => [p.dat, p.text]) : []),
  ];
  for (const path of new Set(used)) {
    try {
      const info = await readTrace(path, { event() {}, problem() {}, lost() {} });
      files.push({ path, events: info.events });
    } catch (error) {
      if (!(error instanceof TraceInputError)) throw error;
      console.error(`bench: ${error.message}`);
      return 1;
    }
  }
  if (files.length > 0) {
    say("Traces:\n" + files.map((f) => `  ${shown(f.path)} (${n(f.events)} events)`).join("\n"));
  }
  const result: Record<string, unknown> = { traces: files };
  const reports = new Map<string, ReplayReport>();
  if (only.includes("throughput") || only.includes("memory")) {
    note(`measuring replay throughput (${rounds} rounds)...`);
    const rows = await throughput(traces, rounds, reports);
    if (only.includes("throughput")) say(throughputTable(result.throughput = rows));
  }
  if (only.includes("malloc")) {
    note("measuring the kmalloc stream on each allocator...");
    say(mallocTable(result.malloc = await mallocComparison(traces, rounds) as MallocRow[]));
  }
  if (only.includes("memory")) {
    say(memoryTable(result.memory = memoryRows(traces, reports) as MemoryRow[]));
  }
  if (only.includes("cycles")) {
    note(`measuring bus cycles on 16 MiB and 1 GiB boards...`);
    const rows = await cyclesPerOp(cyclesTrace, cache);
    say(cyclesTable(cyclesTrace, result.cycles = rows, values.cache));
  }
  if (only.includes("scaling")) {
    note("measuring the generic allocator's scaling...");
    say(scalingTable(result.scaling = scaling() as ScalingRow[]));
  }
  if (only.includes("formats")) {
    note(`measuring trace.dat against report text (${rounds} rounds)...`);
    say(formatsTable(result.formats = await formats(pairs, rounds) as FormatsRow[]));
  }
  if (only.includes("user")) {
    const chosen = positionals.length > 0 ? positionals : await userTraces();
    const userRounds = Math.max(rounds, 5);
    note(`timing whole processes as a user runs them (${userRounds} rounds a trace)...`);
    // The processes run in the project's folder: the traces go by absolute paths.
    const rows = (await userRuns(
      chosen.map((path) => resolve(path)),
      userRounds,
      true,
      (trace, round) => note(`  ${shown(trace)}: round ${round} of ${userRounds}`),
    )).map((row) => ({ ...row, trace: shown(row.trace) }));
    say(userRunsTable(result.user = rows, userRounds));
  }
  if (only.includes("cpu")) {
    note(`measuring the RV32 core's speed (${rounds} rounds)...`);
    say(cpuTable(result.cpu = cpuSpeed(rounds)));
  }
  if (only.includes("cache")) {
    const spec = values.cache ?? "cortex-m7-d";
    const caches = cache ?? boardCaches({ cache: spec }) as BoardCaches;
    note(`timing replays with --cache ${spec} and without (at least 5 rounds a trace)...`);
    const rows = await cacheReplaySpeed(traces, {
      rounds,
      caches,
      spec,
      onRound: (trace, round) => note(`  ${shown(trace)}: round ${round}`),
    });
    say(
      cacheReplayTable(
        result.cache = rows.map((row) => ({ ...row, trace: shown(row.trace) })),
        spec,
      ),
    );
  }
  if (only.includes("overlap")) {
    const chosen = positionals.length > 0 ? positionals : await overlapTraces();
    const overlapRounds = Math.max(rounds, 5);
    note(`timing parse, simulate and replay processes (${overlapRounds} rounds a trace)...`);
    const rows = (await overlapRuns(
      chosen.map((path) => resolve(path)),
      overlapRounds,
      (trace, round) => note(`  ${shown(trace)}: round ${round} of ${overlapRounds}`),
    )).map((row) => ({ ...row, trace: shown(row.trace) }));
    say(overlapTable(result.overlap = rows, overlapRounds));
  }
  if (only.includes("scale")) {
    const run = await scaleRun(scaleEvents, note);
    say(scaleTable(result.scale = run));
  }
  if (values.json) console.log(JSON.stringify(result));
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
