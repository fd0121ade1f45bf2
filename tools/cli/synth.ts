/**
 * `deno task synth --events N [--seed S] [--out FILE]`: writes a synthetic
 * allocation trace, as long as asked, in pagepile's native format.
 * @module
 */

import { parseArgs } from "node:util";
import { Duplex } from "node:stream";
import { createGzip } from "node:zlib";
import { parseByteSize } from "./byte_size.ts";
import { parseEventCount } from "./event_count.ts";
import { openProblem } from "../../traces/input_file.ts";
import { boardForPeak } from "../replay/board_size.ts";
import { SYNTH_DEFAULTS, TraceSynth } from "../synth/synth_trace.ts";

const HELP = `Usage: deno task synth --events N [options]

Writes a synthetic kernel allocation trace in pagepile's native format, as long
as asked, from a seed: the same seed and options give the same bytes. Its mix
is a Linux kernel's, measured on the recorded Linux 6.1 traces:
  - slab caches, 63% of allocations: 16 pools, created first, with the names
    and sizes of Linux's busiest caches (vm_area_struct 152 bytes,
    anon_vma_chain 64, names_cache 4096, dentry 192, inode_cache 632,
    radix_tree_node 576, task_struct 8392, ...)
  - page piles, 29%: order 0 mostly, order 1 one in 22, orders 2 and 3 rare;
    45% zeroed
  - kmalloc, 8%: the sizes Linux's callers ask for, 1 byte to 64 KiB (16, 11,
    72 and 4096 bytes the commonest), each with the bytes Linux hands out
    (linux_bytes=); 66% zeroed (kzalloc)
  - vmalloc, 0.2%: areas of 1 to 187 pages
Seven blocks in ten live for 1 to 4,095 events; the others stay, and their
bytes follow a slow wave, 4 periods over the trace (--waves) from the floor
to the ceiling and back. Every free names a live block; keys are a counter in hex.
Memory use is bounded by the live blocks, whatever N.

Options:
  --events N      how many events (required): 50000, 2.5M, 100M, 1e8 (K, M and
                  G are thousands, millions and billions)
  --seed S        seed of the random generator, 0 to 4294967295 (default 1)
  --out FILE      write to FILE, gzip-compressed when its name ends in .gz
                  (default: standard output, to pipe into another program)
  --floor SIZE    live bytes the wave falls to (default 8M)
  --ceiling SIZE  live bytes the wave rises to (default 32M: the peak stays near
                  it, and a replay sizes a 128 MiB board); the live bytes climb
                  at most about 450 bytes an event, so a short trace (under 1M
                  events at the defaults) peaks lower
  --no-vmalloc    no vmalloc areas (a design without vmalloc skips them anyway;
                  they are the slowest events to replay)
  --waves N       periods of the wave over the trace (default 4); 10 makes each
                  tenth of the trace alike, to compare a replay's rate over them
  --help          show this

A line on standard error ends the run: events written, peak of live bytes, the
board a replay sizes from it, time taken. The exit status is 0 when the trace
was written, 1 when it could not be, 2 for bad usage.

Examples:
  deno task synth --events 1M --out synth.trace
  deno task synth --events 100M --seed 7 --out big.trace.gz
  deno task synth --events 2.5M --no-vmalloc | gzip -1 > synth.trace.gz
`;

/**
 * gzip's level for a .gz output. Level 3 makes files 7% larger than the
 * default 6 at well over twice its speed: on 5M events, 22.7 MB at 2.0-2.6M
 * events/s against 21.2 MB at 1.6M (zlib runs on a thread of its own).
 */
const GZIP_LEVEL = 3;

async function main(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        events: { type: "string" },
        seed: { type: "string" },
        out: { type: "string" },
        floor: { type: "string" },
        ceiling: { type: "string" },
        "no-vmalloc": { type: "boolean", default: false },
        waves: { type: "string" },
        help: { type: "boolean", default: false },
      },
    });
  } catch (error) {
    // node:util's messages may run over several lines: one is enough here.
    return usage((error as Error).message.replace(/\s*\n\s*/g, " "));
  }
  const { values } = parsed;
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (values.events === undefined) return usage("give the number of events: --events N");
  const events = parseEventCount(values.events);
  if (events === undefined || events === 0) {
    return usage(`--events ${values.events} is not a count of events (try 50000, 2.5M or 1e8)`);
  }
  const seed = values.seed === undefined ? SYNTH_DEFAULTS.seed : Number(values.seed);
  if (!/^\d+$/.test(values.seed ?? "0") || seed >= 2 ** 32) {
    return usage(`--seed ${values.seed} is not a whole number from 0 to 4294967295`);
  }
  const floorBytes = values.floor === undefined
    ? SYNTH_DEFAULTS.floorBytes
    : parseByteSize(values.floor);
  if (floorBytes === undefined) return usage(`--floor ${values.floor} is not a size (try 8M)`);
  const ceilingBytes = values.ceiling === undefined
    ? SYNTH_DEFAULTS.ceilingBytes
    : parseByteSize(values.ceiling);
  if (ceilingBytes === undefined || ceilingBytes === 0) {
    return usage(`--ceiling ${values.ceiling} is not a size (try 32M)`);
  }
  if (floorBytes > ceilingBytes) {
    return usage(`the floor (${floorBytes} bytes) is above the ceiling (${ceilingBytes} bytes)`);
  }
  const waves = values.waves === undefined ? SYNTH_DEFAULTS.waves : Number(values.waves);
  if (!/^\d+$/.test(values.waves ?? "1") || waves < 1 || !Number.isSafeInteger(waves)) {
    return usage(`--waves ${values.waves} is not a whole number from 1`);
  }
  const synth = new TraceSynth(events, {
    seed,
    floorBytes,
    ceilingBytes,
    vmalloc: !values["no-vmalloc"],
    waves,
  });

  const out = values.out;
  let destination: WritableStream<Uint8Array>;
  if (out === undefined) {
    destination = Deno.stdout.writable;
  } else {
    try {
      destination = (await Deno.open(out, { write: true, create: true, truncate: true })).writable;
    } catch (error) {
      console.error(`synth: cannot write ${out}: ${openProblem(error, true)}`);
      return 1;
    }
  }
  const start = performance.now();
  let source = ReadableStream.from(synth);
  if (out?.endsWith(".gz")) {
    source = source.pipeThrough(Duplex.toWeb(createGzip({ level: GZIP_LEVEL })));
  }
  try {
    await source.pipeTo(destination);
  } catch (error) {
    // A reader that stops early (| head) is not a failure of ours.
    if (out === undefined && error instanceof Deno.errors.BrokenPipe) return 0;
    console.error(`synth: cannot write ${out ?? "standard output"}: ${(error as Error).message}`);
    return 1;
  }
  const seconds = (performance.now() - start) / 1000;
  const MiB = 1024 * 1024;
  console.error(
    `synth: ${events.toLocaleString("en-US")} events written to ${out ?? "standard output"} ` +
      `in ${seconds.toFixed(1)} s (${Math.round(events / seconds).toLocaleString("en-US")}/s); ` +
      `peak live ${(synth.peakLiveBytes / MiB).toFixed(1)} MiB: a replay sizes a ` +
      `${boardForPeak(synth.peakLiveBytes) / MiB} MiB board`,
  );
  return 0;
}

function usage(message: string): number {
  console.error(`synth: ${message} (deno task synth --help explains the options)`);
  return 2;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
