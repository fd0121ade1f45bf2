/**
 * `deno task bench`: replay throughput on each shared Linux trace, in events
 * per second and as a ratio to a parse-only pass over the same file, from one
 * process that alternates the contenders and takes the median of its rounds.
 * @module
 */

import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { readTrace } from "../traces/trace_reader.ts";
import { replayTrace } from "./replay_trace.ts";
import type { CheckMode } from "./shadow_memory.ts";

const HELP = `Usage: deno task bench [--rounds N] [--json] [trace ...]

Measures, for each trace (default: every trace in ../shared/traces/linux/),
a parse-only pass and a replay with each check mode, alternating them round
after round in one process, and prints the median events per second of each
and its ratio to the parse-only pass (the limit for a streaming replayer).
Machines here are shared and noisy: read the ratios, not the absolute rates.
`;

const MODES: CheckMode[] = ["full", "light", "off"];

interface Row {
  trace: string;
  events: number;
  parseOnly: number;
  replay: Record<CheckMode, number>;
}

async function parseOnly(path: string): Promise<number> {
  let events = 0;
  await readTrace(path, { event: () => events++, problem: () => {}, lost: () => {} });
  return events;
}

async function measure(path: string, rounds: number): Promise<Row> {
  const times: Record<string, number[]> = { parse: [], full: [], light: [], off: [] };
  let events = 0;
  // Size the board once, as replay would, so every round measures only the replay.
  const { ramBytes } = await replayTrace(path, { check: "off" });
  for (let round = 0; round < rounds; round++) {
    let start = performance.now();
    events = await parseOnly(path);
    times.parse.push(performance.now() - start);
    for (const check of MODES) {
      start = performance.now();
      await replayTrace(path, { ramBytes, check });
      times[check].push(performance.now() - start);
    }
  }
  const rate = (ms: number[]): number => Math.round(events / (median(ms) / 1000));
  return {
    trace: path.split("/").pop()!,
    events,
    parseOnly: rate(times.parse),
    replay: { full: rate(times.full), light: rate(times.light), off: rate(times.off) },
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function table(rows: Row[]): string {
  const n = (x: number): string => x.toLocaleString("en-US");
  const lines = [
    "replay throughput, events/s (ratio to parse-only)",
    `${"trace".padEnd(16)}${"events".padStart(10)}${"parse-only".padStart(12)}` +
    MODES.map((m) => `replay ${m}`.padStart(22)).join(""),
  ];
  for (const row of rows) {
    lines.push(
      `${row.trace.padEnd(16)}${n(row.events).padStart(10)}${n(row.parseOnly).padStart(12)}` +
        MODES.map((m) =>
          `${n(row.replay[m])} (${(row.replay[m] / row.parseOnly).toFixed(2)})`.padStart(22)
        ).join(""),
    );
  }
  return lines.join("\n");
}

async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      rounds: { type: "string", default: "3" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) {
    console.error(`bench: --rounds ${values.rounds} is not a positive count\n\n${HELP}`);
    return 2;
  }
  const shared = fileURLToPath(new URL("../../shared/traces/linux/", import.meta.url));
  const traces = positionals.length > 0
    ? positionals
    : ["boot", "fs", "procs"].map((name) => `${shared}${name}.trace.gz`);
  const rows: Row[] = [];
  for (const path of traces) {
    if (!values.json) console.error(`measuring ${path} (${rounds} rounds)...`);
    rows.push(await measure(path, rounds));
  }
  console.log(values.json ? JSON.stringify({ replayThroughput: rows }) : table(rows));
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
