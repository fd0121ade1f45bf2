/**
 * Formats slice pool statistics like Linux's /proc/slabinfo.
 * @module
 */

import type { PoolStats } from "./firmware.ts";

/**
 * One line per pool that holds slabs or was created by a caller (the
 * firmware's own pools with no slab are left out): name, active and total
 * slices, object size, slices and pages per slab, slabs, and bytes wasted.
 *
 * @param pools `k.stats().slices`
 * @returns the table, ending in a newline
 * @example
 * ```ts
 * import { Board, boot, formatSlabinfo, GFP_KERNEL } from "@pagepile/pagepile";
 * const k = boot(new Board({ ramBytes: 1024 * 1024 }));
 * k.galloc(GFP_KERNEL, 100);
 * console.log(formatSlabinfo(k.stats().slices));
 * ```
 */
export function formatSlabinfo(pools: PoolStats[]): string {
  const header = ["# name", "<active_objs>", "<num_objs>", "<objsize>", "<objperslab>"]
    .concat(["<pagesperslab>", "<slabs>", "<wasted_bytes>"]);
  const rows = pools
    .filter((p) => p.slabs > 0 || !p.internal)
    .map((p) =>
      [
        p.name,
        p.activeObjs,
        p.totalObjs,
        p.objSize,
        p.objsPerSlab,
        p.pagesPerSlab,
        p.slabs,
        p.bytesWasted,
      ].map(String)
    );
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(" ");
  return [header, ...rows].map(line).join("\n") + "\n";
}
