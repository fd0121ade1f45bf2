/**
 * `deno task compare <trace>`: replays one trace on several allocator
 * designs, on the same board and bus with the same checks, and sets their
 * figures side by side.
 * @module
 */

import { parseArgs } from "node:util";
import { DESIGNS } from "../../core/designs.ts";
import { TraceInputError } from "../../traces/line_reader.ts";
import { compareDesigns } from "../compare/compare_designs.ts";
import { formatComparison } from "../compare/comparison_table.ts";
import { DesignLoadError, loadDesign } from "../replay/design_loader.ts";
import { openProblem } from "../../traces/input_file.ts";
import { CHECK_MODES, type CheckMode } from "../replay/shadow_memory.ts";
import { parseByteSize } from "./byte_size.ts";
import { ProgressLines } from "./progress_lines.ts";
import {
  boardCaches,
  CACHE_HELP,
  CACHE_OPTIONS,
  INTERRUPTED_STATUS,
  JUDGE_HELP,
  JUDGE_OPTIONS,
  judgeValues,
  stopOnCtrlC,
  typeCheckDesigns,
} from "./judge_options.ts";

const HELP = `Usage: deno task compare <trace> [options]

Replays the trace on each design, each in a worker of its own (as many at once
as the machine has cores), all on the same board size, the same bus and the
same checks, and prints one table: per design, violations, allocation
failures, events skipped because the design lacks that part of the API,
internal waste, peak footprint (and its ratio to the peak of live requested
bytes) and wall time; then bus cycles p50 / p99 / max per operation kind (for
a design in C, its core's loads and stores: the figure that compares across
designs), and for designs in C their instructions and CPU cycles. The exit
status is 0 when every check passed on every design, 1 when one failed, the
trace could not be read or a design file is no firmware image the board can
run, 2 for bad usage (a design module that does not type-check, or C that does
not compile, included), 130 when interrupted with Ctrl-C (the table shows what
each replay had found). A design that breaks (throws, spends its bus
cycles, does not return) gets a line saying where, and the others' figures
stand.

Options:
  --designs LIST   comma-separated designs: shipped names (${DESIGNS.map((d) => d.name).join(", ")})
                   or paths of modules of your own that export \`design\`, of
                   firmware images (.elf) or of C built into one (.c)
                   (default: every shipped design)
  --ram SIZE       board RAM for every design, e.g. 64M (default: sized from
                   the trace, as replay sizes it)
  --check MODE     full (default), light or off, as for replay
  --min-ram        also find each design's smallest board: the least RAM the
                   trace replays on with no allocation failing (a search over
                   the board sizes, probes spread over the cores)
  --report FILE    also write an HTML report to FILE: the table, footprint over
                   the trace per design, each operation's bus cycles per design
                   on shared scales, and each design's memory map at its peak
                   (one self-contained file, no network needed)
  --json           print one JSON object instead of the tables
${CACHE_HELP}
${JUDGE_HELP}
  --help           show this

Examples:
  deno task compare traces/recorded/linux-6.1/boot.trace.gz
  deno task compare traces/recorded/linux-6.1/procs.trace.gz --min-ram
  deno task compare traces/recorded/linux-6.1/boot.trace.gz --report boot.html
  deno task compare traces/recorded/linux-6.1/procs.trace.gz --designs pagepile,./examples/first_fit.ts
  deno task compare traces/recorded/linux-6.1/procs.trace.gz --designs ./examples/first_fit.ts,./examples/first_fit.elf
`;

async function main(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        designs: { type: "string", default: DESIGNS.map((d) => d.name).join(",") },
        ram: { type: "string" },
        check: { type: "string", default: "full" },
        "min-ram": { type: "boolean", default: false },
        json: { type: "boolean", default: false },
        report: { type: "string" },
        help: { type: "boolean", default: false },
        ...JUDGE_OPTIONS,
        ...CACHE_OPTIONS,
      },
    });
  } catch (error) {
    return usage((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length !== 1) return usage("give exactly one trace file");
  const designs = values.designs.split(",").map((d) => d.trim()).filter((d) => d !== "");
  if (designs.length === 0) return usage("--designs names no design");
  const ramBytes = values.ram === undefined ? undefined : parseByteSize(values.ram);
  if (values.ram !== undefined && ramBytes === undefined) {
    return usage(`--ram ${values.ram} is not a size (try 64M or 1G)`);
  }
  if (!CHECK_MODES.includes(values.check as CheckMode)) {
    return usage(`--check ${values.check} is not one of ${CHECK_MODES.join(", ")}`);
  }
  const judge = judgeValues(values);
  if (typeof judge === "string") return usage(judge);
  const cache = boardCaches(values);
  if (typeof cache === "string") {
    // One line: the spec is what is wrong, not how to call the program.
    console.error(`compare: ${cache}`);
    return 2;
  }
  try {
    // A typo is told before anything runs. C is left to compareDesigns, which
    // builds it once for every replay and says the same of a file that is
    // missing or does not compile, before any replay starts.
    for (const spec of designs) {
      if (!spec.endsWith(".c")) await loadDesign(spec, { cpuTiming: judge.cpuTiming });
    }
  } catch (error) {
    if (!(error instanceof DesignLoadError)) throw error;
    console.error(`compare: ${error.message}`);
    return error.kind === "input" ? 1 : 2;
  }
  if (judge.typeCheck) {
    const typeErrors = await typeCheckDesigns(designs);
    for (const line of typeErrors) console.error(`compare: ${line}`);
    if (typeErrors.length > 0) return 2;
  }
  const progress = !values.json && Deno.stderr.isTerminal() ? new ProgressLines(designs) : null;
  const interrupt = stopOnCtrlC();
  let comparison;
  try {
    comparison = await compareDesigns(positionals[0], designs, {
      ramBytes,
      cache,
      check: values.check as CheckMode,
      minRam: values["min-ram"],
      pictures: values.report !== undefined,
      maxCallCycles: judge.maxCallCycles,
      maxCallInstructions: judge.maxCallInstructions,
      watchdogSeconds: judge.watchdogSeconds,
      cpuTiming: judge.cpuTiming,
      maxViolations: judge.maxViolations,
      signal: interrupt.signal,
      onProgress: progress
        ? (i, read, size, events) => progress.update(i, read, size, events)
        : undefined,
      onDone: progress ? (i) => progress.finish(i) : undefined,
    });
  } catch (error) {
    interrupt.dispose();
    if (error instanceof DesignLoadError) {
      console.error(`compare: ${error.message}`);
      return error.kind === "input" ? 1 : 2;
    }
    if (error instanceof RangeError) return usage(error.message);
    if (!(error instanceof TraceInputError)) throw error;
    console.error(`compare: ${error.message}`);
    return 1;
  }
  interrupt.dispose();
  if (values.json) {
    console.log(JSON.stringify(comparison));
  } else {
    console.log(formatComparison(comparison));
  }
  if (values.report !== undefined) {
    // Loaded only here: the report's drawing libraries take a moment to load.
    const { renderCompareReport } = await import("../report/compare_report.ts");
    try {
      await Deno.writeTextFile(values.report, renderCompareReport(comparison));
    } catch (error) {
      console.error(
        `compare: cannot write the report to ${values.report}: ${openProblem(error, true)}`,
      );
      return 1;
    }
    console.error(`compare: HTML report written to ${values.report}`);
  }
  const failed = comparison.designs.some((d) => d.violations > 0 || d.report.inputError !== null);
  if (interrupt.signal.aborted) return INTERRUPTED_STATUS;
  return failed ? 1 : 0;
}

function usage(message: string): number {
  console.error(`compare: ${message}\n\n${HELP}`);
  return 2;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
