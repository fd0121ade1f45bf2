/**
 * Boot: the firmware asks the board what it has, lays out its own structures
 * at the start of RAM, and brings up the page allocator.
 * @module
 */

import type { Board } from "../../hw/board.ts";
import { hex32 } from "../../hw/hex.ts";
import { BOARD_ID, SYSINFO_BASE } from "../../hw/memory_map.ts";
import { CONSOLE_BASE } from "../../hw/memory_map.ts";
import { CONSOLE_TX } from "../../hw/console_uart.ts";
import {
  SYSINFO_BOARD_ID,
  SYSINFO_PAGE_SIZE,
  SYSINFO_RAM_BASE,
  SYSINFO_RAM_SIZE,
} from "../../hw/sysinfo.ts";
import { GenericAllocator } from "./generic_alloc.ts";
import { Kernel } from "./kernel.ts";
import { SliceAllocator } from "./slice_alloc.ts";
import { VmAllocator } from "./vmalloc.ts";
import { CLASS_SIZES, MAX_CLASS_SIZE } from "./size_classes.ts";
import {
  G_DEBUG_REPORTS,
  G_MAGIC,
  G_MEM_MAP,
  G_NR_PAGES,
  G_NR_ZONES,
  G_PAGE_SIZE,
  G_RAM_BASE,
  G_RAM_SIZE,
  G_RESERVED_PAGES,
  G_ZONES,
  GLOBALS_BYTES,
  KERNEL_MAGIC,
  PAGE_STRUCT_BYTES,
  pageFlags,
  PageOwner,
  PageState,
  ZONE_BYTES,
} from "./layout.ts";
import {
  formatZones,
  PageAllocator,
  type PageAllocatorLayout,
  type ZoneHandle,
} from "./page_alloc.ts";

/** The firmware is built for 4 KiB pages. */
const FIRMWARE_PAGE_SIZE = 4096;
/** Zone DMA covers the first 16 MiB of RAM (all of it on smaller boards). */
const DMA_ZONE_BYTES = 16 * 1024 * 1024;

/** What the firmware read from the system-information registers at boot. */
export interface BootInfo {
  /** RAM_BASE register. */
  ramBase: number;
  /** RAM_SIZE register. */
  ramSize: number;
  /** PAGE_SIZE register. */
  pageSize: number;
  /** BOARD_ID register. */
  boardId: number;
  /** Whether the debug options are on (the boot option). */
  debug: boolean;
}

/**
 * Boots the firmware on a board: reads RAM base, RAM size and page size from
 * the system-information registers, lays out the kernel globals and the
 * struct page array at the start of RAM, puts every other page on the free
 * lists of its zone, and logs what it did to the console.
 *
 * @param board the board to run on; its RAM is overwritten
 * @returns the running kernel
 * @example
 * ```ts
 * import { Board, boot, GFP_KERNEL } from "@pagepile/pagepile";
 * const board = new Board({ ramBytes: 4 * 1024 * 1024 });
 * const k = boot(board);
 * const addr = k.get_pages(GFP_KERNEL, 2); // 4 contiguous pages
 * k.put_pages(addr);
 * console.log(board.console.text().split("\n")[0]);
 * ```
 */
export function boot(board: Board, options: BootOptions = {}): Kernel {
  const debug = options.debug ?? false;
  const info = readBootInfo(board);
  const layout = planLayout(info);
  writeGlobals(board, info, layout);
  initMemMap(board, layout);
  formatZones(board, layout);
  const pages = new PageAllocator(board, layout, debug);
  if (debug) pages.poisonFreePages();
  const slices = new SliceAllocator(board, pages, info.ramBase, info.pageSize, debug);
  slices.format();
  const generic = new GenericAllocator(board, pages, slices, info.ramBase);
  generic.format(debug);
  const vm = new VmAllocator(board, pages, slices, info.ramBase);
  vm.format();
  logBoot(board, info, layout, debug);
  return new Kernel(board, { ...info, debug }, { pages, slices, generic, vm });
}

/** Options of {@link boot}. */
export interface BootOptions {
  /**
   * The debug options for the whole kernel (see core/pagepile/debug.ts): red zones,
   * poisoning and owner tags in every generic class and every pool created,
   * and page poisoning. They cost bus cycles; default false.
   */
  debug?: boolean;
}

function readBootInfo(board: Board): BootInfo {
  const info = {
    debug: false,
    ramBase: board.read32(SYSINFO_BASE + SYSINFO_RAM_BASE),
    ramSize: board.read32(SYSINFO_BASE + SYSINFO_RAM_SIZE),
    pageSize: board.read32(SYSINFO_BASE + SYSINFO_PAGE_SIZE),
    boardId: board.read32(SYSINFO_BASE + SYSINFO_BOARD_ID),
  };
  if (info.boardId !== BOARD_ID) {
    throw new Error(
      `boot: board id ${hex32(info.boardId)} is not a pagepile board (${hex32(BOARD_ID)})`,
    );
  }
  if (info.pageSize !== FIRMWARE_PAGE_SIZE) {
    throw new Error(
      `boot: the board reports ${info.pageSize}-byte pages; the firmware needs ${FIRMWARE_PAGE_SIZE}`,
    );
  }
  return info;
}

function planLayout(info: BootInfo): PageAllocatorLayout {
  const nrPages = info.ramSize / info.pageSize;
  const memMap = info.ramBase + GLOBALS_BYTES;
  const firmwareBytes = GLOBALS_BYTES + nrPages * PAGE_STRUCT_BYTES;
  const reservedPages = Math.ceil(firmwareBytes / info.pageSize);
  const dmaEnd = Math.min(nrPages, DMA_ZONE_BYTES / info.pageSize);
  const zones: ZoneHandle[] = [
    { name: "DMA", record: info.ramBase + G_ZONES, first: 0, end: dmaEnd },
    {
      name: "Normal",
      record: info.ramBase + G_ZONES + ZONE_BYTES,
      first: dmaEnd,
      end: nrPages,
    },
  ];
  return {
    ramBase: info.ramBase,
    pageSize: info.pageSize,
    nrPages,
    memMap,
    reservedPages,
    zones,
  };
}

function writeGlobals(board: Board, info: BootInfo, layout: PageAllocatorLayout): void {
  const g = info.ramBase;
  board.write32(g + G_MAGIC, KERNEL_MAGIC);
  board.write32(g + G_RAM_BASE, info.ramBase);
  board.write32(g + G_RAM_SIZE, info.ramSize);
  board.write32(g + G_PAGE_SIZE, info.pageSize);
  board.write32(g + G_NR_PAGES, layout.nrPages);
  board.write32(g + G_MEM_MAP, layout.memMap);
  board.write32(g + G_RESERVED_PAGES, layout.reservedPages);
  board.write32(g + G_NR_ZONES, layout.zones.length);
  board.write32(g + G_DEBUG_REPORTS, 0);
}

/** Clears every struct page and marks the firmware's own pages reserved. */
function initMemMap(board: Board, layout: PageAllocatorLayout): void {
  const reserved = pageFlags(PageState.RESERVED, 0, PageOwner.FIRMWARE);
  for (let index = 0; index < layout.nrPages; index++) {
    const page = layout.memMap + index * PAGE_STRUCT_BYTES;
    board.write32(page, index < layout.reservedPages ? reserved : 0);
    for (let word = 4; word < PAGE_STRUCT_BYTES; word += 4) board.write32(page + word, 0);
  }
}

function logBoot(board: Board, info: BootInfo, layout: PageAllocatorLayout, debug: boolean): void {
  const lines = [
    `pagepile: RAM ${hex32(info.ramBase)}-${hex32(info.ramBase + info.ramSize - 1)} ` +
    `(${sizeText(info.ramSize)}), ${info.pageSize}-byte pages`,
    `pagepile: mem_map at ${
      hex32(layout.memMap)
    }, ${layout.reservedPages} pages held by the firmware`,
    ...layout.zones.filter((z) => z.end > z.first).map((z) =>
      `pagepile: zone ${z.name}: pages ${z.first}-${z.end - 1}`
    ),
    `pagepile: generic allocator: ${CLASS_SIZES.length} classes of ${
      CLASS_SIZES[0]
    }-${MAX_CLASS_SIZE} bytes per zone`,
    ...(debug ? ["pagepile: debug: red zones, poisoning and owner tags on"] : []),
  ];
  for (const byte of new TextEncoder().encode(lines.join("\n") + "\n")) {
    board.write32(CONSOLE_BASE + CONSOLE_TX, byte);
  }
}

function sizeText(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes / 1024} KiB`;
}
