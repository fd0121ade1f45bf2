/**
 * `deno task replay <trace>`: replays a recorded allocation trace against
 * the firmware and reports correctness, bus cycles and memory. Run through
 * tools/cli/replay.ts, which starts the parse worker before loading this.
 * @module
 */

import { parseArgs } from "node:util";
import { CHECK_MODES, type CheckMode } from "../replay/shadow_memory.ts";
import { parseByteSize } from "./byte_size.ts";
import { ProgressBar } from "./progress_bar.ts";
import { formatReplayReport } from "../replay/replay_report.ts";
import { replayTrace } from "../replay/replay_trace.ts";
import { defaultBoardMemory } from "../replay/board_memory.ts";
import { isModuleSpec } from "../replay/design_loader.ts";
import { TraceInputError } from "../../traces/line_reader.ts";
import { openProblem } from "../../traces/input_file.ts";
import type { EarlyWorker } from "../../traces/trace_worker_start.ts";
import {
  boardCaches,
  CACHE_HELP,
  CACHE_OPTIONS,
  INTERRUPTED_STATUS,
  JUDGE_HELP,
  JUDGE_OPTIONS,
  judgeValues,
  loadJudgedDesign,
  stopOnCtrlC,
} from "./judge_options.ts";

const HELP = `Usage: deno task replay <trace> [options]

Replays a Linux ftrace kmem trace or a pagepile native trace (plain or gzip)
against an allocator design's firmware on a simulated board. Every event
becomes a Kernel call, timed in bus cycles and checked by a shadow model; the
report lists skipped events by reason (events of a part of the API the design
lacks included), violations, allocation failures, cycles per operation and
memory. The exit status is 0 when every check passed, 1 when one failed or the
trace could not be read (a file that is missing, empty or not a trace gets one
line saying so, and so does a design file that is no firmware image the board
can run, or C with no compiler to build it), 2 for bad usage (a design module
that does not type-check, or C that does not compile, included) or a --strict
stop, 130 when interrupted with Ctrl-C (what was found so far is reported).

A design is judged, not trusted: a call that throws anything but a refusal
(a KernelError), spends more than its bus cycles or runs past the watchdog
ends the replay with a violation naming the call and the line; so does a
design in C whose call traps (a bus fault, an ebreak) or runs past its
instructions, naming the pc as function+offset.

Options:
  --design D         the design: pagepile (default), koowaldah, tlsf, or the path
                     of a module of your own that exports \`design\`, of a
                     firmware image (.elf), or of C built into one (.c: with
                     clang and ld.lld; see the README's "Designs in C")
  --ram SIZE         board RAM, e.g. 256M or 1G (default: sized from the trace:
                     2 x its peak live bytes + 16 MiB, to a power of two)
  --check MODE       full (default): fill and verify whole blocks; light: the
                     first and last words; off: no pattern and no read-back
                     of GFP_ZERO memory (bounds, alignment, overlap and the
                     design's figures are still checked)
  --audit-every N    run the allocators' consistency audit every N events
                     (it always runs at the end)
  --debug            boot the firmware with its debug options: red zones,
                     poisoning of freed slices and pages, owner tags (the
                     trace's call sites); what they find is a violation
  --strict           stop at the first malformed or unknown line, or at the
                     first bus fault in a Kernel call
  --stats            print the buddyinfo, slabinfo and vmallocinfo tables at the end
  --report FILE      also write an HTML report to FILE: the memory map at the
                     peak and at the end, memory over the trace, bus-cycle
                     histograms, the tables and the problems (no network needed)
  --json             print one JSON object on stdout instead of the report:
                     every figure, table and picture (deno task report turns
                     it into the HTML report later)
${CACHE_HELP}
${JUDGE_HELP}
  --help             show this

Examples:
  deno task replay traces/recorded/linux-6.1/fs.trace.gz --check=light
  deno task replay traces/recorded/linux-6.1/boot.trace.gz --design koowaldah
  deno task replay traces/recorded/linux-6.1/procs.trace.gz --design ./examples/first_fit.elf
  deno task replay traces/recorded/linux-6.1/boot.trace.gz --report boot.html
  deno task replay traces/recorded/linux-6.1/fs.trace.gz --cache cortex-m7-d
`;

/**
 * Runs the replay command.
 * @param args the command line's arguments
 * @param early a parse worker started ahead, for the replay's tape to take
 *   (it is stopped if the replay does not parse in a worker)
 * @returns the exit status
 */
export async function main(args: string[], early?: EarlyWorker): Promise<number> {
  try {
    return await run(args, early);
  } finally {
    early?.close();
  }
}

async function run(args: string[], early: EarlyWorker | undefined): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        design: { type: "string", default: "pagepile" },
        ram: { type: "string" },
        check: { type: "string", default: "full" },
        "audit-every": { type: "string" },
        strict: { type: "boolean", default: false },
        debug: { type: "boolean", default: false },
        stats: { type: "boolean", default: false },
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
  const ramBytes = values.ram === undefined ? undefined : parseByteSize(values.ram);
  if (values.ram !== undefined && ramBytes === undefined) {
    return usage(`--ram ${values.ram} is not a size (try 256M or 1G)`);
  }
  if (!CHECK_MODES.includes(values.check as CheckMode)) {
    return usage(`--check ${values.check} is not one of ${CHECK_MODES.join(", ")}`);
  }
  const auditEvery = values["audit-every"] === undefined ? 0 : Number(values["audit-every"]);
  if (!Number.isInteger(auditEvery) || auditEvery < 0) {
    return usage(`--audit-every ${values["audit-every"]} is not a count of events`);
  }
  const judge = judgeValues(values);
  if (typeof judge === "string") return usage(judge);
  const cache = boardCaches(values);
  if (typeof cache === "string") {
    // One line: the spec is what is wrong, not how to call the program.
    console.error(`replay: ${cache}`);
    return 2;
  }
  const design = await loadJudgedDesign("replay", values.design, judge);
  if (typeof design === "number") return design;
  const bar = !values.json && Deno.stderr.isTerminal() ? new ProgressBar() : undefined;
  const interrupt = stopOnCtrlC();
  // The report's drawing libraries are loaded only when asked for, and begin
  // loading now, while the replay waits for the trace's first batches.
  const htmlReport = values.report === undefined ? undefined : import("../report/html_report.ts");
  let report;
  try {
    report = await replayTrace(positionals[0], {
      design,
      stateCheck: isModuleSpec(values.design),
      ramBytes,
      cache,
      check: values.check as CheckMode,
      auditEvery,
      strict: values.strict,
      debug: values.debug,
      pictures: values.json || values.report !== undefined,
      boardMemory: defaultBoardMemory(),
      startedWorker: early === undefined ? undefined : (path, siteOps) => early.take(path, siteOps),
      maxCallCycles: judge.maxCallCycles,
      maxCallInstructions: judge.maxCallInstructions,
      watchdogSeconds: judge.watchdogSeconds,
      maxViolations: judge.maxViolations,
      signal: interrupt.signal,
      onProgress: bar && ((read, size, events) => bar.update(read, size, events)),
    });
  } catch (error) {
    interrupt.dispose();
    bar?.done();
    if (error instanceof RangeError) return usage(error.message);
    if (!(error instanceof TraceInputError)) throw error;
    console.error(`replay: ${error.message}`);
    return 1;
  }
  interrupt.dispose();
  bar?.done();
  if (values.json) {
    console.log(JSON.stringify(report));
  } else {
    console.log(formatReplayReport(report, { stats: values.stats }));
  }
  if (htmlReport !== undefined && values.report !== undefined) {
    const { renderHtmlReport } = await htmlReport;
    try {
      await Deno.writeTextFile(values.report, renderHtmlReport(report));
    } catch (error) {
      console.error(
        `replay: cannot write the report to ${values.report}: ${openProblem(error, true)}`,
      );
      return 1;
    }
    console.error(`replay: HTML report written to ${values.report}`);
  }
  if (report.stoppedAt?.reason === "interrupted") return INTERRUPTED_STATUS;
  if (report.stoppedAt?.reason === "strict") return 2;
  return report.violations > 0 || report.inputError ? 1 : 0;
}

function usage(message: string): number {
  console.error(`replay: ${message}\n\n${HELP}`);
  return 2;
}
