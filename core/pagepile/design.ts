/**
 * pagepile's own design, as the seam names it: the Koowaldah document's
 * page and slice allocators rebuilt (O(1) buddy frees through the struct
 * pages, multi-page slabs, typed refusals of misuse), and the generic and
 * virtual memory allocators the document left unwritten.
 * @module
 */

import type { Design } from "../firmware.ts";
import { boot } from "./boot.ts";

/**
 * The design `pagepile`, the default everywhere: its firmware is the
 * {@link Kernel} that {@link boot} returns.
 * @example
 * ```ts
 * import { Board, GFP_KERNEL, pagepileDesign } from "@pagepile/pagepile";
 * const firmware = pagepileDesign.boot(new Board({ ramBytes: 1024 * 1024 }));
 * const block = firmware.galloc(GFP_KERNEL, 100);
 * console.log(firmware.gsize(block)); // 112
 * ```
 */
export const pagepileDesign: Design = {
  name: "pagepile",
  summary: "buddy pages freed in O(1), multi-page slabs, 36 size classes, vmalloc through the MMU",
  boot: (board, options) => boot(board, { debug: options?.debug ?? false }),
};
