/**
 * What the benchmarks time whole processes and rounds with: a `deno task`
 * process from spawn to exit, and the median of a round's figures.
 * @module
 */

import { fileURLToPath } from "node:url";

/** The folder holding deno.json, where `deno task` runs. */
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/**
 * Seconds a `deno task` process takes from spawn to exit, with `env` added
 * to its environment (a cache folder where boards are remembered, say); it
 * must succeed (else an Error with the last line it printed).
 */
export async function timeProcess(args: string[], env: Record<string, string>): Promise<number> {
  const start = performance.now();
  const run = await new Deno.Command(Deno.execPath(), {
    args: ["task", "-q", ...args],
    cwd: ROOT,
    env,
    stdout: "null",
    stderr: "piped",
  }).output();
  const seconds = (performance.now() - start) / 1000;
  if (!run.success) {
    const why = new TextDecoder().decode(run.stderr).trim().split("\n").pop();
    throw new Error(`deno task ${args.join(" ")} failed: ${why}`);
  }
  return seconds;
}

/** The median of `values` (the mean of the middle two when their count is even). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
