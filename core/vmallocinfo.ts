/**
 * Formats the virtual memory allocator's figures like Linux's /proc/vmallocinfo.
 * @module
 */

import { hex32 } from "../hw/hex.ts";
import type { VmStats } from "./firmware.ts";

/**
 * One line per live area — its range (guard page included, as Linux prints
 * it), bytes, caller and pages — then the window's use.
 *
 * @param vm `k.stats().vm`
 * @returns the table, ending in a newline
 * @example
 * ```ts
 * import { Board, boot, formatVmallocinfo } from "@pagepile/pagepile";
 * const k = boot(new Board({ ramBytes: 1024 * 1024 }));
 * k.vmalloc(20000, { caller: "demo" });
 * console.log(formatVmallocinfo(k.stats().vm));
 * // 0xc0000000-0xc0006000   24576 demo pages=5 vmalloc
 * ```
 */
export function formatVmallocinfo(vm: VmStats): string {
  const lines = [...vm.areas].reverse().map((area) => {
    const end = area.end + 4096; // the guard page, as Linux counts it
    const bytes = String(end - area.start).padStart(8);
    return `${hex32(area.start)}-${hex32(end)} ${bytes} ${
      area.caller || "-"
    } pages=${area.pages} vmalloc`;
  });
  lines.push(
    `# window ${hex32(vm.window.start)}-${hex32(vm.window.end - 1)}: ` +
      `${vm.reservedBytes / 1024} KiB of ${
        vm.window.bytes / 1024
      } KiB reserved by ${vm.areas.length} area${vm.areas.length === 1 ? "" : "s"}; ` +
      `${vm.mappedPages} pages mapped, ${vm.pageTablePages} page-table pages`,
  );
  return lines.join("\n") + "\n";
}
