/**
 * Boot: the firmware asks the board what RAM it has, lays out the struct
 * page array and its globals at the start of RAM, and brings up the page
 * allocator, the slice allocator and galloc's nine pools, in the original's
 * order (mem_zone_init, slice_init, galloc_init).
 * @module
 */

import type { Board } from "../../hw/board.ts";
import { hex32 } from "../../hw/hex.ts";
import { BOARD_ID, SYSINFO_BASE } from "../../hw/memory_map.ts";
import {
  SYSINFO_BOARD_ID,
  SYSINFO_PAGE_SIZE,
  SYSINFO_RAM_BASE,
  SYSINFO_RAM_SIZE,
} from "../../hw/sysinfo.ts";
import { GenericAllocator } from "./generic_alloc.ts";
import { KoowaldahKernel } from "./kernel.ts";
import { PAGE_SIZE, planLayout } from "./layout.ts";
import { PageAllocator } from "./page_alloc.ts";
import { SliceAllocator } from "./slice_alloc.ts";

/**
 * Boots the original Koowaldah allocators on a board: reads RAM base, RAM
 * size and page size from the system-information registers, writes every
 * struct page, puts the free pages on the free lists, and creates galloc's
 * pools (nine descriptor pages).
 * @param board the board to run on; its RAM is overwritten
 * @returns the running firmware
 */
export function bootKoowaldah(board: Board): KoowaldahKernel {
  const boardId = board.read32(SYSINFO_BASE + SYSINFO_BOARD_ID);
  if (boardId !== BOARD_ID) {
    throw new Error(
      `boot: board id ${hex32(boardId)} is not a pagepile board (${hex32(BOARD_ID)})`,
    );
  }
  const pageSize = board.read32(SYSINFO_BASE + SYSINFO_PAGE_SIZE);
  if (pageSize !== PAGE_SIZE) {
    throw new Error(`boot: the board reports ${pageSize}-byte pages; koowaldah needs ${PAGE_SIZE}`);
  }
  const ramBase = board.read32(SYSINFO_BASE + SYSINFO_RAM_BASE);
  const ramSize = board.read32(SYSINFO_BASE + SYSINFO_RAM_SIZE);
  const layout = planLayout(ramBase, ramSize / PAGE_SIZE);
  const pages = new PageAllocator(board, layout);
  pages.init();
  const slices = new SliceAllocator(board, pages, layout);
  slices.init();
  const generic = new GenericAllocator(board, pages, slices, layout);
  generic.init();
  return new KoowaldahKernel(board, layout, { pages, slices, generic });
}
