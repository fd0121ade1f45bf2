/**
 * The cache's part of the text reports: per kind of operation, the data
 * cache's accesses, misses and dirty write-backs per call (p50, p99, max)
 * and in total; and each cache's totals as Dinero IV prints them.
 * @module
 */

import type { CacheCounters } from "../../hw/cache/cache_model.ts";
import type { CacheFigures } from "./cache_stats.ts";

/**
 * The lines of a replay's cache figures: the table per operation, then the
 * totals of each cache.
 * @param cache the replay's ReplayResult.cache
 * @returns the lines, the first starting with a newline
 */
export function formatCacheFigures(cache: CacheFigures): string[] {
  const n = (x: number): string => x.toLocaleString("en-US");
  const lines = [
    `\ndata cache (${cache.data.spec}), per operation:`,
    "  (per call p50/p99/max, and the total over every call; bus cycles above include the cache)",
    `  ${"operation".padEnd(20)}${"accesses".padStart(22)}${"total".padStart(13)}` +
    `${"misses".padStart(18)}${"total".padStart(12)}${"write-backs".padStart(16)}` +
    `${"total".padStart(11)}`,
  ];
  const triple = (f: { p50: number; p99: number; max: number }, width: number): string =>
    `${f.p50}/${f.p99}/${f.max}`.padStart(width);
  for (const [op, f] of Object.entries(cache.data.ops)) {
    lines.push(
      `  ${op.padEnd(20)}${triple(f.accesses, 22)}${n(f.accesses.total).padStart(13)}` +
        `${triple(f.misses, 18)}${n(f.misses.total).padStart(12)}` +
        `${triple(f.writeBacks, 16)}${n(f.writeBacks.total).padStart(11)}`,
    );
  }
  lines.push(
    ...cacheTotals(
      "data cache totals (the design's boot and its calls)",
      cache.data.totals,
    ),
  );
  if (cache.instruction !== undefined) {
    lines.push(
      ...cacheTotals(
        `instruction cache (${cache.instruction.spec}) totals`,
        cache.instruction.totals,
      ),
    );
  }
  return lines;
}

/**
 * One cache's totals as Dinero IV reports them: fetches and misses split
 * read and write, miss rates, and the traffic to and from memory.
 * @param title what the lines are about
 * @param c the counters
 * @returns the lines
 */
export function cacheTotals(title: string, c: CacheCounters): string[] {
  const n = (x: number): string => x.toLocaleString("en-US");
  const rate = (misses: number, of: number): string => of === 0 ? "-" : (misses / of).toFixed(4);
  return [
    `${title}:`,
    `  ${"".padEnd(16)}${"total".padStart(14)}${"read".padStart(14)}${"write".padStart(14)}`,
    `  ${"accesses".padEnd(16)}${n(c.accesses).padStart(14)}${n(c.reads).padStart(14)}` +
    `${n(c.writes).padStart(14)}`,
    `  ${"misses".padEnd(16)}${n(c.misses).padStart(14)}${n(c.readMisses).padStart(14)}` +
    `${n(c.writeMisses).padStart(14)}`,
    `  ${"miss rate".padEnd(16)}${rate(c.misses, c.accesses).padStart(14)}` +
    `${rate(c.readMisses, c.reads).padStart(14)}${rate(c.writeMisses, c.writes).padStart(14)}`,
    `  line fills ${n(c.fills)}; dirty write-backs ${n(c.writeBacks)}; writes past the cache ` +
    `${n(c.writeThroughs)}; bytes from memory ${n(c.bytesFromMemory)}, to memory ` +
    `${n(c.bytesToMemory)}`,
    `  cycles the model charged ${n(c.cycles)} (a fill from flash adds flash's wait states)`,
  ];
}
