/**
 * Formats page statistics like Linux's /proc/buddyinfo.
 * @module
 */

import type { PageStats } from "./firmware.ts";

/**
 * One line per populated zone: the number of free piles of each order, as
 * /proc/buddyinfo prints them, under a header naming the orders.
 *
 * @param pages `k.stats().pages`
 * @returns the table, ending in a newline
 * @example
 * ```ts
 * import { Board, boot, formatBuddyinfo } from "@pagepile/pagepile";
 * const k = boot(new Board({ ramBytes: 1024 * 1024 }));
 * console.log(formatBuddyinfo(k.stats().pages));
 * ```
 */
export function formatBuddyinfo(pages: PageStats): string {
  const orders = pages.freeByOrder.map((_, order) => String(order).padStart(6)).join(" ");
  const lines = [`${"order".padStart(22)} ${orders}`];
  for (const zone of pages.zones) {
    if (zone.total === 0) continue;
    const counts = zone.freeByOrder.map((n) => String(n).padStart(6)).join(" ");
    lines.push(`Node 0, zone ${zone.name.padStart(8)} ${counts}`);
  }
  return lines.join("\n") + "\n";
}
