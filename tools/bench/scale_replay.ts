/**
 * One replay of a long trace, watched: run as a process of its own by the
 * benchmark's scale section (`deno task bench --only scale`), it replays the
 * trace given with the defaults of `deno task replay` (board sized from the
 * trace, full checks) and prints one JSON object: the replay's events and
 * seconds, its events/s over each tenth of its events, and the process's
 * peak resident memory (Linux's VmHWM, which Deno lets a process read only
 * with --allow-all, as scale.ts runs it; elsewhere the largest RSS sampled).
 *
 * A replay that starts over on a larger board counts from its last start:
 * the tenths are those of the replay that ran to the end.
 * @module
 */

import { replayTrace } from "../replay/replay_trace.ts";

/** How the replay went, as printed. */
export interface ScaleRun {
  /** Events replayed, and the replay's wall seconds. */
  events: number;
  seconds: number;
  /** Board RAM, bytes. */
  ramBytes: number;
  /** Violations found (the replay must pass). */
  violations: number;
  /** Events per second in each tenth of the events, first to last. */
  tenths: number[];
  /** Seconds before the last start (spent on boards outgrown). */
  restartSeconds: number;
  /** Peak resident memory of the process, bytes. */
  peakRssBytes: number;
  /** Resident memory sampled at each tenth of the file read, bytes. */
  rssByTenth: number[];
  /**
   * CPU seconds of the thread that replays (the main thread; the parse runs
   * in a worker beside it), and of the whole process; 0 where Linux's /proc
   * cannot be read. On a shared machine wall time swings with the load, and
   * the replaying thread's CPU time far less: events / mainCpuSeconds is
   * about the rate a quiet machine gives a replay that waits for no batch.
   */
  mainCpuSeconds: number;
  /** See mainCpuSeconds. */
  processCpuSeconds: number;
}

/**
 * How often resident memory is sampled, at most: often enough to see the
 * board and the tape grow, seldom enough to cost nothing (a sample is a
 * system call; progress comes after every group of batches, ~25,000 times
 * on 100 million events).
 */
const RSS_EVERY_MS = 100;

async function main(path: string): Promise<void> {
  const mainCpu = cpuSeconds("/proc/thread-self/stat");
  const processCpu = cpuSeconds("/proc/self/stat");
  const start = performance.now();
  // (time, events) through the replay that ends; reset when it starts over.
  let samples: [number, number][] = [];
  let restartAt = start;
  let largestRss = 0;
  let lastRssAt = start;
  let rssByTenth: number[] = [];
  const report = await replayTrace(path, {
    onProgress: (read, size, events) => {
      const now = performance.now();
      const last = samples.at(-1);
      if (last !== undefined && events < last[1]) {
        samples = [];
        rssByTenth = [];
        restartAt = now;
      }
      samples.push([now, events]);
      // Resident memory every RSS_EVERY_MS at most (the largest seen: the
      // peak where VmHWM cannot be read), and at each tenth of the file read.
      const tenth = size > 0 && read / size >= (rssByTenth.length + 1) / 10;
      if (tenth || now - lastRssAt >= RSS_EVERY_MS) {
        const rss = Deno.memoryUsage().rss;
        largestRss = Math.max(largestRss, rss);
        lastRssAt = now;
        if (tenth) rssByTenth.push(rss);
      }
    },
  });
  const end = performance.now();
  const total = report.events;
  const tenths: number[] = [];
  // The time at which the replay passed `events`, interpolated between samples.
  const timeAt = (events: number): number => {
    const i = samples.findIndex(([, e]) => e >= events);
    if (i === -1) return end;
    if (i === 0) return events === 0 ? restartAt : samples[0][0];
    const [t0, e0] = samples[i - 1];
    const [t1, e1] = samples[i];
    return t0 + (t1 - t0) * (events - e0) / Math.max(1, e1 - e0);
  };
  for (let k = 0; k < 10; k++) {
    const from = timeAt(total * k / 10);
    const to = timeAt(total * (k + 1) / 10);
    tenths.push(Math.round((total / 10) / ((to - from) / 1000)));
  }
  const run: ScaleRun = {
    events: total,
    seconds: (end - start) / 1000,
    ramBytes: report.ramBytes,
    violations: report.violations,
    tenths,
    restartSeconds: (restartAt - start) / 1000,
    peakRssBytes: Math.max(largestRss, await peakRss()),
    rssByTenth,
    mainCpuSeconds: cpuSeconds("/proc/thread-self/stat") - mainCpu,
    processCpuSeconds: cpuSeconds("/proc/self/stat") - processCpu,
  };
  console.log(JSON.stringify(run));
}

/**
 * User and system CPU seconds from a Linux /proc stat file (fields 14 and 15,
 * in clock ticks of 1/100 s, Linux's USER_HZ); 0 where it cannot be read.
 * Read synchronously: an asynchronous read runs on one of Deno's I/O
 * threads, whose /proc/thread-self is its own.
 */
function cpuSeconds(statFile: string): number {
  try {
    const stat = Deno.readTextFileSync(statFile);
    // The fields after the command's name, which is in brackets and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** Linux's VmHWM of this process, bytes; 0 where /proc is not there or may not be read. */
async function peakRss(): Promise<number> {
  try {
    const status = await Deno.readTextFile("/proc/self/status");
    const kib = /^VmHWM:\s+(\d+) kB$/m.exec(status);
    return kib === null ? 0 : Number(kib[1]) * 1024;
  } catch {
    return 0;
  }
}

if (import.meta.main) await main(Deno.args[0]);
