/**
 * `deno task report <result.json>`: turns a saved `replay --json` result
 * into the HTML report that `replay --report` writes.
 * @module
 */

import { parseArgs } from "node:util";
import { renderHtmlReport } from "../report/html_report.ts";
import type { ReplayReport } from "../replay/replay_trace.ts";
import { notTraceKind, openProblem } from "../../traces/input_file.ts";

const HELP = `Usage: deno task report <result.json> [--out FILE]

Writes the HTML report of a replay saved with
  deno task replay <trace> --json > result.json
The report is one self-contained file (no network needed): the physical memory
map at the peak and at the end, memory and free piles over the trace, bus-cycle
histograms, the allocator tables, and violations and failures with their lines.

Options:
  --out FILE   where to write it (default: the JSON file's name with .html)
  --help       show this
`;

async function main(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { out: { type: "string" }, help: { type: "boolean", default: false } },
    });
  } catch (error) {
    return usage((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length !== 1) return usage("give exactly one JSON result file");
  const input = positionals[0];
  const out = values.out ?? input.replace(/(\.json)?$/i, ".html");
  const report = await readResult(input);
  if (typeof report === "string") {
    console.error(`report: ${report}`);
    return 1;
  }
  const missing = ["ops", "memory", "tables", "pictures"].filter((key) =>
    typeof (report as unknown as Record<string, unknown>)?.[key] !== "object"
  );
  if (missing.length > 0) {
    console.error(
      `report: ${input}: is not a replay result with pictures (no ${missing.join(", ")}); ` +
        MAKE_ONE,
    );
    return 1;
  }
  try {
    await Deno.writeTextFile(out, renderHtmlReport(report));
  } catch (error) {
    console.error(`report: cannot write ${out}: ${openProblem(error, true)}`);
    return 1;
  }
  console.log(`report: written to ${out}`);
  return 0;
}

const MAKE_ONE = "make one with: deno task replay <trace> --json > result.json";

/** The replay result saved in `path`, or what is wrong with the file. */
async function readResult(path: string): Promise<ReplayReport | string> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    return `${path}: ${openProblem(error)}`;
  }
  if (bytes.length === 0) return `${path}: is empty (0 bytes); ${MAKE_ONE}`;
  if (bytes[0] === 0x1F && bytes[1] === 0x8B) {
    return `${path}: is gzip-compressed, not a replay's JSON result (a trace? ` +
      "deno task replay <trace> --report out.html writes its report)";
  }
  const kind = notTraceKind(bytes);
  if (kind === undefined) {
    return `${path}: is text, not a replay's JSON result (a trace? ` +
      "deno task replay <trace> --report out.html writes its report)";
  }
  if (kind !== "JSON") return `${path}: is ${kind}, not a replay's JSON result; ${MAKE_ONE}`;
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    return `${path}: is not valid JSON (${(error as Error).message}): cut short?`;
  }
}

function usage(message: string): number {
  console.error(`report: ${message}\n\n${HELP}`);
  return 2;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
