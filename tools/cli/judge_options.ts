/**
 * The options `replay`, `compare` and `fuzz` share for judging a design
 * that may be broken: the limits on each call, when to stop, whether to
 * type-check a design's module first, the timing of the CPU a firmware
 * image runs on; and Ctrl-C, which stops a run and keeps what it found.
 * @module
 */

import { DEFAULT_MAX_CALL_CYCLES, DEFAULT_WATCHDOG_SECONDS } from "../replay/call_guard.ts";
import { typeCheckDesign } from "../replay/design_types.ts";
import { DesignLoadError, isImageSpec, loadDesign } from "../replay/design_loader.ts";
import type { Design } from "../../core/firmware.ts";
import { DESIGNS } from "../../core/designs.ts";
import { CPU_TIMINGS } from "../../core/image/image_design.ts";
import { IMAGE_CALL_INSTRUCTIONS } from "../../core/image/image_firmware.ts";
import type { Rv32TimingModel } from "../../hw/rv32/timing_models.ts";
import type { BoardCaches } from "../../hw/board.ts";
import { type CacheConfig, CacheConfigError } from "../../hw/cache/cache_config.ts";
import { CACHE_PRESETS, type CachePresetName } from "../../hw/cache/cache_presets.ts";
import { parseCacheSpec } from "../../hw/cache/cache_spec.ts";

/** parseArgs' specs of the shared options. */
export const JUDGE_OPTIONS = {
  "max-call-cycles": { type: "string" },
  "max-call-instructions": { type: "string" },
  watchdog: { type: "string" },
  "max-violations": { type: "string" },
  "no-check": { type: "boolean", default: false },
  "cpu-timing": { type: "string" },
} as const;

/** The shared options' lines of a --help. */
export const JUDGE_HELP =
  `  --max-call-cycles N  bus cycles one call into the design may spend before
                     it counts as not returning (default ${
    DEFAULT_MAX_CALL_CYCLES.toLocaleString("en-US")
  });
                     each debug-port call counts as 2
  --max-call-instructions N  instructions one call into a design in C may
                     run before it counts as not returning (default ${
    IMAGE_CALL_INSTRUCTIONS.toLocaleString("en-US")
  })
  --watchdog S       seconds a call may run, touching the board or not, before
                     it counts as not returning (default ${DEFAULT_WATCHDOG_SECONDS}; 0: none)
  --max-violations N stop after N violations (what was found is reported)
  --no-check         do not type-check a design module before running it
  --cpu-timing T     the timing model of the CPU a design in C runs on:
                     ${Object.keys(CPU_TIMINGS).join(" (default) or ")} (see the README)`;

/** The shared options as the engines take them. */
export interface JudgeValues {
  maxCallCycles?: number;
  maxCallInstructions?: number;
  watchdogSeconds?: number;
  maxViolations?: number;
  typeCheck: boolean;
  /** The CPU timing model for designs in C; undefined for the default. */
  cpuTiming?: Rv32TimingModel;
}

/**
 * Reads the shared options.
 * @param values what parseArgs found
 * @returns the options, or what is wrong with one (a usage error)
 */
export function judgeValues(
  values: {
    "max-call-cycles"?: string;
    "max-call-instructions"?: string;
    watchdog?: string;
    "max-violations"?: string;
    "no-check"?: boolean;
    "cpu-timing"?: string;
  },
): JudgeValues | string {
  const count = (name: string, text: string | undefined): number | string | undefined => {
    if (text === undefined) return undefined;
    const value = Number(text.replaceAll("_", ""));
    return Number.isInteger(value) && value > 0 ? value : `--${name} ${text} is not a count`;
  };
  const maxCallCycles = count("max-call-cycles", values["max-call-cycles"]);
  if (typeof maxCallCycles === "string") return maxCallCycles;
  const maxCallInstructions = count("max-call-instructions", values["max-call-instructions"]);
  if (typeof maxCallInstructions === "string") return maxCallInstructions;
  if (maxCallInstructions !== undefined && maxCallInstructions > 0x7FFF_FFFF) {
    return `--max-call-instructions ${values["max-call-instructions"]} is over 2^31 - 1`;
  }
  const maxViolations = count("max-violations", values["max-violations"]);
  if (typeof maxViolations === "string") return maxViolations;
  const timingName = values["cpu-timing"];
  const cpuTiming = timingName === undefined ? undefined : CPU_TIMINGS[timingName];
  if (timingName !== undefined && cpuTiming === undefined) {
    return `--cpu-timing ${timingName} is not one of ${Object.keys(CPU_TIMINGS).join(", ")}`;
  }
  let watchdogSeconds: number | undefined;
  if (values.watchdog !== undefined) {
    watchdogSeconds = Number(values.watchdog);
    if (!(watchdogSeconds >= 0) || values.watchdog.trim() === "") {
      return `--watchdog ${values.watchdog} is not a number of seconds`;
    }
  }
  return {
    maxCallCycles,
    maxCallInstructions,
    watchdogSeconds,
    maxViolations,
    typeCheck: !values["no-check"],
    cpuTiming,
  };
}

/**
 * Type-checks each design given as a module path (shipped names and
 * firmware images need none).
 * @param specs design names or paths
 * @returns one line per module that does not type-check
 */
export async function typeCheckDesigns(specs: string[]): Promise<string[]> {
  const modules = specs.filter((spec) =>
    !DESIGNS.some((d) => d.name === spec) && !isImageSpec(spec)
  );
  const found = await Promise.all(modules.map((path) => typeCheckDesign(path)));
  return found.filter((line): line is string => line !== undefined);
}

/**
 * Loads the one design a command judges (`replay`, `fuzz`), type-checking
 * its module unless --no-check said not to. What goes wrong is one line on
 * stderr, after the command's name.
 * @param command the command's name, to begin the line with
 * @param spec the design's name or path
 * @param judge the judging options given
 * @returns the design, or the exit status: 1 for a file that is no design
 *   (DesignLoadError's "input"), 2 for bad usage (a module that does not
 *   type-check included)
 */
export async function loadJudgedDesign(
  command: string,
  spec: string,
  judge: JudgeValues,
): Promise<Design | number> {
  let design: Design;
  try {
    design = await loadDesign(spec, { cpuTiming: judge.cpuTiming });
  } catch (error) {
    if (!(error instanceof DesignLoadError)) throw error;
    console.error(`${command}: ${error.message}`);
    return error.kind === "input" ? 1 : 2;
  }
  if (judge.typeCheck) {
    const [typeError] = await typeCheckDesigns([spec]);
    if (typeError !== undefined) {
      console.error(`${command}: ${typeError}`);
      return 2;
    }
  }
  return design;
}

/**
 * Ctrl-C stops the run at its next batch of events rather than the process:
 * what was found so far is still reported. A second Ctrl-C ends the process.
 * @returns the signal to give the run, and a function that removes the handler
 */
export function stopOnCtrlC(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onInterrupt = (): void => {
    if (controller.signal.aborted) Deno.exit(130);
    controller.abort();
    console.error("\n(interrupted: stopping, and reporting what was found so far)");
  };
  try {
    Deno.addSignalListener("SIGINT", onInterrupt);
  } catch {
    // No signals here (Windows has SIGINT; a sandbox may refuse): Ctrl-C ends the process.
    return { signal: controller.signal, dispose: () => {} };
  }
  return {
    signal: controller.signal,
    dispose: () => Deno.removeSignalListener("SIGINT", onInterrupt),
  };
}

/** The exit status of a run that was interrupted: 128 + SIGINT, as shells give it. */
export const INTERRUPTED_STATUS = 130;

/** parseArgs' specs of the cache options, which replay, compare, bench and demo take. */
export const CACHE_OPTIONS = {
  cache: { type: "string" },
  icache: { type: "string" },
} as const;

/** The cache options' lines of a --help. */
export const CACHE_HELP = `  --cache SPEC       a data cache on the board: a preset (${
  Object.keys(CACHE_PRESETS).filter((name) => name.endsWith("-d")).join(", ")
})
                     or size=16K,ways=4,line=32[,policy=wb|wt,alloc=yes|no,
                     repl=lru|fifo|random,hit=,miss=,writeback=,writethrough=],
                     or a preset and keys that change it (see the README's
                     "A cache on the board"); default none
  --icache SPEC      the instruction cache of a design in C, in the same form, or
                     none; default: the preset's core's (cortex-m7-i with
                     cortex-m7-d, u74-i with u74-d), none otherwise`;

/** The instruction cache each data preset's core has, for a design that runs on the CPU. */
const INSTRUCTION_SIDE: Partial<Record<CachePresetName, CachePresetName>> = {
  "cortex-m7-d": "cortex-m7-i",
  "u74-d": "u74-i",
};

/**
 * Reads the cache options into the board's caches.
 * @param values what parseArgs found
 * @returns the caches (undefined for none), or the one line saying what is
 *   wrong with a spec (a usage error)
 * @example
 * ```ts
 * import { boardCaches } from "./judge_options.ts";
 * const caches = boardCaches({ cache: "cortex-m7-d" });
 * console.log(typeof caches === "object" && caches.instruction?.ways); // 2: cortex-m7-i
 * console.log(boardCaches({ cache: "size=16K" })); // --cache: cache spec: ways is missing ...
 * ```
 */
export function boardCaches(
  values: { cache?: string; icache?: string },
): BoardCaches | undefined | string {
  if (values.cache === undefined) {
    return values.icache === undefined ? undefined : "--icache needs --cache (a data cache)";
  }
  const data = cacheSpec("cache", values.cache);
  if (typeof data === "string") return data;
  const icache = values.icache ?? INSTRUCTION_SIDE[values.cache.trim() as CachePresetName];
  if (icache === undefined || icache === "none") return { data };
  const instruction = cacheSpec("icache", icache);
  return typeof instruction === "string" ? instruction : { data, instruction };
}

/** The configuration `--option spec` gives, or the one line saying what is wrong with it. */
function cacheSpec(option: string, spec: string): CacheConfig | string {
  try {
    return parseCacheSpec(spec);
  } catch (error) {
    if (error instanceof CacheConfigError) return `--${option}: ${error.message}`;
    throw error;
  }
}
