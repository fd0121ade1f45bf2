/**
 * Replays one trace on several designs, on the same board size, the same bus
 * and the same checks, each in a worker of its own and as many at once as
 * the machine has cores; then sets their figures side by side. The trace is
 * parsed once, into a tape that sizes the board and whose events every
 * design's replay reads (a trace past the tape's budget is read by each).
 * @module
 */

import { basename } from "node:path";
import { boardForPeak } from "../replay/board_size.ts";
import type { CallLimits } from "../replay/call_guard.ts";
import {
  imageBytes,
  imageFromBytes,
  loadDesign,
  type LoadDesignOptions,
} from "../replay/design_loader.ts";
import type { Rv32TimingModel } from "../../hw/rv32/timing_models.ts";
import type { BoardCaches } from "../../hw/board.ts";
import type { ReplayReport } from "../replay/replay_trace.ts";
import { smallestBoards } from "./smallest_board.ts";
import type { CheckMode } from "../replay/shadow_memory.ts";
import { TraceTape } from "../../traces/trace_tape.ts";
import { ReplayWorkers } from "./replay_workers.ts";
import { siteOpsRead } from "../replay/replayer.ts";
import { formatCacheSpec } from "../../hw/cache/cache_spec.ts";

/** Options of {@link compareDesigns}. */
export interface CompareOptions extends CallLimits {
  /** Stop each design's replay after this many violations. */
  maxViolations?: number;
  /** The timing model of the CPU the designs in C run on; default IBEX_SMALL. */
  cpuTiming?: Rv32TimingModel;
  /**
   * Stop every replay at its next batch of events once this is aborted
   * (Ctrl-C): the table shows what each had found.
   */
  signal?: AbortSignal;
  /** Board RAM in bytes, the same for every design; default: sized from the trace. */
  ramBytes?: number;
  /** How much of each block to fill and verify; default "full". */
  check?: CheckMode;
  /**
   * Caches on every design's board (see BoardCaches); default none. The
   * cycles then include the cache, and each report has its `cache` figures.
   * The smallest-board probes run without it: a cache changes no allocation.
   */
  cache?: BoardCaches;
  /** Collect each replay's pictures (what the HTML reports draw); default false. */
  pictures?: boolean;
  /**
   * Also find the smallest board each design needs: the least RAM on which
   * the trace replays with no allocation failing (see smallest_board.ts).
   * Default false.
   */
  minRam?: boolean;
  /** Called after each probe of that search, with the design's index and the board tried. */
  onProbe?: (design: number, ramBytes: number, fits: boolean) => void;
  /** Replays run at once; default: the machine's cores. */
  parallel?: number;
  /**
   * Called now and then with a design's progress: its index in `designs`,
   * file bytes read, the file's size and events so far.
   */
  onProgress?: (design: number, bytesRead: number, fileBytes: number, events: number) => void;
  /** Called when a design's replay ends, with its index. */
  onDone?: (design: number) => void;
}

/** One design's line of a comparison. */
export interface DesignFigures {
  /** The design's name. */
  design: string;
  /** Violations of the replay's checks. */
  violations: number;
  /** Allocations that returned 0. */
  failures: number;
  /** Events skipped because the design lacks that part of the API. */
  unsupportedSkips: number;
  /** Bytes handed out ÷ bytes requested, for the objects live at the peak of live requested. */
  waste: number;
  /** Peak of the pages the allocators held, in bytes. */
  peakFootprintBytes: number;
  /** That peak ÷ the peak of live requested bytes. */
  footprintRatio: number;
  /** Wall time of the replay, in seconds. */
  wallSeconds: number;
  /**
   * Why its replay stopped before the trace's end, when it did: the design
   * broke (threw, spent its cycles, did not return), too many violations,
   * or an interruption. Its figures then cover the lines before.
   */
  stopped: string | null;
  /**
   * With `minRam`: the smallest board on which the trace replays with no
   * allocation failing; null when not even the largest board does.
   */
  smallestBoardBytes?: number | null;
  /** The whole replay report. */
  report: ReplayReport;
}

/** What {@link compareDesigns} returns. */
export interface Comparison {
  /** The trace. */
  tracePath: string;
  /** Board RAM, the same for every design. */
  ramBytes: number;
  /** How the board size was chosen. */
  ramRule: string;
  /** The check mode. */
  check: CheckMode;
  /** The data cache every design's board had, as a spec; null without one. */
  cache: string | null;
  /** Peak of live requested bytes (the same for every design: the trace's). */
  peakRequestedBytes: number;
  /** One line per design, in the order asked for. */
  designs: DesignFigures[];
}

/** A skip reason that says the design lacks the event's part (see the Replayer). */
const UNSUPPORTED = /: the design has no /;

/**
 * Replays `path` on each design: shipped names or paths of modules,
 * firmware images or C files, as `--design` takes them (C is built once,
 * here, for every replay). Each replay runs in a worker; the board is sized
 * once, so every design gets the same RAM.
 * @param path the trace
 * @param designs design names, or paths of modules, images (.elf) or C (.c)
 * @param options board size, checks, parallelism, progress
 * @returns the designs' figures side by side
 * @throws {DesignLoadError} when a design cannot be found or loaded
 * @throws {TraceInputError} when nothing of the trace can be replayed
 * @example
 * ```ts
 * import { compareDesigns } from "@pagepile/pagepile";
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "# pagepile trace 1\ngalloc 0x10 0 24\ngfree 0x10\n");
 * const comparison = await compareDesigns(path, ["pagepile"], { ramBytes: 1024 * 1024 });
 * console.log(comparison.designs[0].violations); // 0
 * ```
 */
export async function compareDesigns(
  path: string,
  designs: string[],
  options: CompareOptions = {},
): Promise<Comparison> {
  // Designs in C are built into a folder of their own, removed at the end.
  const built = designs.some((spec) => spec.endsWith(".c"))
    ? await Deno.makeTempDir({ prefix: "pagepile-compare-" })
    : undefined;
  try {
    // Every design is found before any replay starts, so a typo costs nothing.
    const sources: DesignSource[] = [];
    for (const [i, spec] of designs.entries()) {
      const elfPath = built === undefined ? undefined : `${built}/${i}.elf`;
      sources.push(await designSource(spec, elfPath, options.cpuTiming));
    }
    const tape = await TraceTape.open(path, {
      readWhenWhole: true,
      siteOps: siteOpsRead(false),
      budgetBytes: SHARED_TAPE_BYTES,
    });
    try {
      await tape.whole();
      if (tape.length === 0) tape.end(); // no event at all: the reader's error
      return await compareOnTape(path, sources, options, tape);
    } finally {
      tape.close();
    }
  } finally {
    if (built !== undefined) await Deno.remove(built, { recursive: true });
  }
}

/** A design as the workers load it: a spec for loadDesign, and its options. */
interface DesignSource {
  spec: string;
  load: LoadDesignOptions;
}

/**
 * Loads a design once, to find it or say why not; a design in C is built
 * here, once, into the ELF file `elfPath`, which the workers load (every
 * replay and --min-ram probe), named as the C file.
 */
async function designSource(
  spec: string,
  elfPath: string | undefined,
  cpuTiming: Rv32TimingModel | undefined,
): Promise<DesignSource> {
  if (elfPath === undefined || !spec.endsWith(".c")) {
    await loadDesign(spec, { cpuTiming });
    return { spec, load: { cpuTiming } };
  }
  const elf = await imageBytes(spec);
  const load = { name: basename(spec), cpuTiming };
  imageFromBytes(spec, elf, load);
  await Deno.writeFile(elfPath, elf);
  return { spec: elfPath, load };
}

/**
 * Bytes of parsed events kept to share with every design's replay (and the
 * --min-ram probes), so that the trace is parsed once: about 4 million
 * events. A longer trace is parsed again by each replay, in its own worker.
 */
const SHARED_TAPE_BYTES = 256 * 1024 * 1024;

async function compareOnTape(
  path: string,
  designs: DesignSource[],
  options: CompareOptions,
  tape: TraceTape,
): Promise<Comparison> {
  const ramBytes = options.ramBytes ?? boardForPeak(tape.peak);
  const ramRule = options.ramBytes !== undefined
    ? "given"
    : `sized from the trace: 2 x its peak live ${(tape.peak / 1048576).toFixed(1)} MiB` +
      " + 16 MiB, to a power of two";
  const shared = tape.fromStart ? tape : undefined;
  const check = options.check ?? "full";
  const parallel = Math.max(1, options.parallel ?? navigator.hardwareConcurrency ?? 1);
  const workers = new ReplayWorkers(parallel, shared);
  const stop = (): void => workers.abort();
  options.signal?.addEventListener("abort", stop);
  try {
    const limits = {
      maxCallCycles: options.maxCallCycles,
      maxCallInstructions: options.maxCallInstructions,
      watchdogSeconds: options.watchdogSeconds,
    };
    const reports = await Promise.all(designs.map(async ({ spec, load }, i) => {
      const report = await workers.replay(spec, path, {
        ramBytes,
        cache: options.cache,
        check,
        pictures: options.pictures ?? false,
        zeroApart: true,
        maxViolations: options.maxViolations,
        load,
        ...limits,
      }, (r, s, e) => options.onProgress?.(i, r, s, e));
      options.onDone?.(i);
      return report;
    }));
    const rows = reports.map(figures);
    if (options.minRam && !options.signal?.aborted) {
      // A design whose replay stopped has no smallest board to find: it is left out.
      const whole = rows.flatMap((row, i) => row.stopped === null ? [i] : []);
      const sizedBytes = boardForPeak(tape.peak);
      // The comparison's replays say whether each fits on the sized board, when they ran on it.
      const fitsSized = whole.map((i) => ramBytes === sizedBytes ? fits(reports[i]) : undefined);
      const probe = async (w: number, bytes: number): Promise<boolean> => {
        const i = whole[w];
        const { spec, load } = designs[i];
        const replay = {
          ramBytes: bytes,
          check: "off" as const,
          stopAtFailure: true,
          load,
          ...limits,
        };
        const report = await workers.replay(spec, path, replay);
        options.onProbe?.(i, bytes, fits(report));
        return fits(report);
      };
      for (const [w, known] of fitsSized.entries()) {
        fitsSized[w] = known ?? await probe(w, sizedBytes);
      }
      const smallest = await smallestBoards(
        whole.length,
        sizedBytes,
        fitsSized as boolean[],
        probe,
        parallel,
      );
      whole.forEach((i, w) => rows[i].smallestBoardBytes = smallest[w]);
    }
    return {
      tracePath: path,
      ramBytes,
      ramRule,
      check,
      cache: options.cache?.data === undefined ? null : formatCacheSpec(options.cache.data),
      peakRequestedBytes: Math.max(...reports.map((r) => r.memory.peakRequestedBytes)),
      designs: rows,
    };
  } finally {
    options.signal?.removeEventListener("abort", stop);
    workers.close();
  }
}

/** Whether a replay fitted its board: no allocation failed, and it got to the end whole. */
function fits(report: ReplayReport): boolean {
  return report.failures === 0 && report.inputError === null && report.designBroken === null &&
    report.stoppedAt === null;
}

/** How the table says why a replay stopped (the message follows). */
const STOP_WHY: Record<string, string> = {
  design: " (the design broke)",
  violations: " (--max-violations)",
  interrupted: " (interrupted)",
  strict: " (--strict)",
};

/** A design's line of the comparison, from its report. */
function figures(report: ReplayReport): DesignFigures {
  const m = report.memory;
  const unsupportedSkips = Object.entries(report.skipped)
    .filter(([reason]) => UNSUPPORTED.test(reason))
    .reduce((n, [, count]) => n + count, 0);
  return {
    design: report.design,
    violations: report.violations,
    failures: report.failures,
    unsupportedSkips,
    waste: m.objectRequestedBytes === 0 ? 0 : m.objectAllocatedBytes / m.objectRequestedBytes,
    peakFootprintBytes: m.peakFootprintBytes,
    footprintRatio: m.peakRequestedBytes === 0 ? 0 : m.peakFootprintBytes / m.peakRequestedBytes,
    wallSeconds: report.wallSeconds,
    stopped: report.stoppedAt === null || report.stoppedAt.reason === "failure"
      ? null
      : `stopped at line ${report.stoppedAt.line.toLocaleString("en-US")}${
        STOP_WHY[report.stoppedAt.reason]
      }: ${report.stoppedAt.message}`,
    report,
  };
}
