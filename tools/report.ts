/**
 * `deno task report <result.json>`: turns a saved `replay --json` result
 * into the HTML report that `replay --report` writes.
 * @module
 */

import { parseArgs } from "node:util";
import { renderHtmlReport } from "./html_report.ts";
import type { ReplayReport } from "./replay_trace.ts";

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
  let report: ReplayReport;
  try {
    report = JSON.parse(await Deno.readTextFile(input));
  } catch (error) {
    console.error(`report: cannot read ${input} as JSON: ${(error as Error).message}`);
    return 1;
  }
  const missing = ["ops", "memory", "tables", "pictures"].filter((key) =>
    typeof (report as unknown as Record<string, unknown>)?.[key] !== "object"
  );
  if (missing.length > 0) {
    console.error(
      `report: ${input} is not a replay result with pictures (no ${missing.join(", ")}); ` +
        "make one with: deno task replay <trace> --json > result.json",
    );
    return 1;
  }
  try {
    await Deno.writeTextFile(out, renderHtmlReport(report));
  } catch (error) {
    console.error(`report: cannot write ${out}: ${(error as Error).message}`);
    return 1;
  }
  console.log(`report: written to ${out}`);
  return 0;
}

function usage(message: string): number {
  console.error(`report: ${message}\n\n${HELP}`);
  return 2;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
