/**
 * `deno task parse <trace>`: reads a trace and does nothing with its events:
 * what every replay is held to (a replay cannot be faster than reading its
 * trace), measured as a user runs it, a whole process; itself held to
 * `deno task floor` (tools/cli/floor.ts), the least work reading can do.
 * @module
 */

import { parseArgs } from "node:util";
import { TraceInputError } from "../../traces/line_reader.ts";
import { readTrace } from "../../traces/trace_reader.ts";
import type { TraceOp } from "../../traces/trace_event.ts";

/**
 * The ops whose call site a replay without the debug options reads
 * (siteOpsRead(false) in tools/replay/replayer.ts, held equal to this by
 * tests/reading_test.ts): the parse reads the trace as that replay does,
 * making no call site it would not read. Written out here rather than
 * imported, since the replayer's modules would cost the process their load.
 */
export const REPLAY_SITE_OPS: readonly TraceOp[] = ["vmalloc"];

const HELP = `Usage: deno task parse <trace>

Reads a trace as a replay reads it — decompresses it, decodes it, splits its
lines, finds each event's fields (or decodes a trace.dat's records), makes the
call sites a replay reads (vmalloc's) — and does nothing else: no board, no
allocator, no check. Prints the events, lines and
seconds. A replay of the same trace is measured against it, and it against
deno task floor, which only decompresses, splits and finds one field a line
(deno task bench, "As a user runs it"). Exit status 0 when the whole trace was
read, 1 when it could not be, 2 for bad usage.

Example:
  deno task parse traces/recorded/linux-6.1/fs.trace.gz
`;

async function main(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { help: { type: "boolean", default: false } },
    });
  } catch (error) {
    console.error(`parse: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length !== 1) {
    console.error(`parse: give one trace\n\n${HELP}`);
    return 2;
  }
  const start = performance.now();
  let events = 0;
  let problems = 0;
  try {
    const info = await readTrace(positionals[0], {
      event: () => events++,
      problem: () => problems++,
      lost: () => {},
    }, { siteOps: REPLAY_SITE_OPS });
    const seconds = (performance.now() - start) / 1000;
    const n = (value: number) => value.toLocaleString("en-US");
    console.log(
      `${positionals[0]}: ${info.format}, ${n(events)} events, ${n(info.lines)} lines ` +
        `(${n(problems)} not valid events), ${seconds.toFixed(2)} s, ` +
        `${n(Math.round(events / seconds))} events/s`,
    );
    return 0;
  } catch (error) {
    if (!(error instanceof TraceInputError)) throw error;
    console.error(`parse: ${error.message}`);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
