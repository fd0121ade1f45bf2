/**
 * The seam between allocator designs and everything that drives them.
 *
 * A {@link Design} boots on a {@link Board} and returns its {@link Firmware}:
 * the reference document's API — page, slice, generic and virtual memory
 * allocator calls, with the document's names — and the figures a driver
 * reads: statistics, an audit of the design's invariants, the pages it holds
 * and, where it can tell, who holds each page. The replayer, the recorder,
 * the comparison, the fuzzer, the report and the demo know a design only
 * through this seam, so a design written in a file of one's own plugs in
 * like the shipped ones (`deno task replay TRACE --design ./mine.ts`).
 *
 * The rule every design keeps: all of its state lives in the board's RAM and
 * is read and written through the bus (`board.read32`, `board.write32`, ...),
 * which counts each access in cycles. JavaScript objects are only handles
 * holding addresses. That is what makes the cycles of one design compare
 * with another's, and its metadata real memory on the board.
 *
 * A design that lacks a part of the API (a design without vmalloc, say)
 * names it in {@link Firmware.unsupported}: a replay then skips those events,
 * counted by reason, and never calls those methods.
 *
 * A design may also run on the board's CPU: a firmware image compiled from
 * C (core/image), whose firmware names its core in {@link Firmware.cpu}. Its
 * state lives in RAM all the same, and its every fetch, load and store goes
 * through the same counted bus.
 * @module
 */

import type { Board } from "../hw/board.ts";
import type { Rv32Counters } from "../hw/rv32/core.ts";

/**
 * What `galloc(flags, 0)` may return: a non-NULL address that is no block and
 * that nothing answers on the bus, so any access through it faults (as
 * Linux's ZERO_SIZE_PTR). `gfree` accepts it; `gsize` says 0.
 */
export const ZERO_SIZE_PTR = 0x10;

/** A part of the Kernel API, as a design declares what it lacks. */
export type KernelPart = "pages" | "slices" | "generic" | "vmalloc";

/** The parts, and the Kernel methods each one holds. */
export const KERNEL_PARTS: Readonly<Record<KernelPart, readonly string[]>> = {
  pages: ["alloc_pages", "free_pages"],
  slices: [
    "slice_pool_create",
    "slice_pool_recycle",
    "slice_alloc",
    "slice_free",
    "slice_pool_shrink",
  ],
  generic: ["galloc", "gfree", "gshrink"],
  vmalloc: ["vmalloc", "vfree"],
};

/** Options of {@link Design.boot}. */
export interface DesignBootOptions {
  /**
   * Turn the design's debug options on, if it has any (pagepile's: red zones,
   * poisoning, owner tags). Default false.
   */
  debug?: boolean;
  /**
   * For a design whose calls run on the board's CPU (a firmware image): the
   * instructions one call may run before it is stopped as not returning.
   * Default: the design's own (imageDesign's: IMAGE_CALL_INSTRUCTIONS).
   * Designs that do not run on the CPU ignore it.
   */
  maxCallInstructions?: number;
}

/** What a design needs of the board beyond its RAM: see {@link Design.boardOptions}. */
export interface DesignBoardOptions {
  /** Flash at FLASH_BASE, in bytes, for the design's code (a firmware image's). */
  readonly flashBytes: number;
}

/**
 * An allocator design: a name, and how to boot it on a board.
 *
 * A module that holds a design of one's own exports it as `design`.
 * @example
 * ```ts
 * import { Board, type Design, pagepileDesign } from "@pagepile/pagepile";
 * const designs: Design[] = [pagepileDesign];
 * for (const design of designs) {
 *   const firmware = design.boot(new Board({ ramBytes: 1024 * 1024 }));
 *   console.log(design.name, firmware.stats().pages.free);
 * }
 * ```
 */
export interface Design {
  /** Its name, as `--designs` takes it. */
  readonly name: string;
  /** What it is, in a line. */
  readonly summary: string;
  /**
   * What the board must have beyond RAM for the design to boot: a firmware
   * image needs flash for its code. The drivers that make boards (replay,
   * compare, fuzz) give the board these options, with the RAM size they
   * choose. Default: none (a board of RAM and devices alone).
   */
  readonly boardOptions?: DesignBoardOptions;
  /**
   * Boots the design on a board fresh from power-on: lays out its state in
   * RAM through the bus and returns the firmware.
   * @param board the board
   * @param options debug options
   * @returns the booted firmware
   */
  boot(board: Board, options?: DesignBootOptions): Firmware;
}

/** A slice pool as a design hands it out: drivers only give it back. */
export type PoolHandle = object;

/** Options of {@link Firmware.slice_pool_create}. */
export interface SlicePoolOptions {
  /** A name for statistics and messages (up to 32 ASCII bytes kept); default "pool-ID". */
  name?: string;
  /**
   * Red zones, poisoning and owner tags for this pool's slices, where the
   * design has them (pagepile: core/pagepile/debug.ts); a kernel booted with
   * `debug` gives them to every pool.
   */
  debug?: boolean;
}

/** Options of {@link Firmware.vmalloc}. */
export interface VmallocOptions {
  /** Who asked, for vmallocinfo (up to 16 ASCII bytes kept); default "". */
  caller?: string;
}

/** Page counts of one zone, or of all zones together. */
export interface PageCounts {
  /** Pages of RAM. */
  total: number;
  /** Pages held by the firmware's own structures, at the start of RAM. */
  reserved: number;
  /** Free pages. */
  free: number;
  /** `freeByOrder[n]`: number of free piles of order n. */
  freeByOrder: number[];
}

/** Page statistics: totals, and the same per zone. */
export interface PageStats extends PageCounts {
  /** One entry per zone, in address order. */
  zones: (PageCounts & { name: string })[];
}

/** One pool's figures, like a line of Linux's /proc/slabinfo. */
export interface PoolStats {
  /** The pool's id. */
  id: number;
  /** Physical address of its record (its descriptor in RAM). */
  address: number;
  /** Bytes of that record: the replayer counts them as the firmware's. */
  recordBytes: number;
  /** Its name. */
  name: string;
  /** Object size asked for at creation, in bytes. */
  objSize: number;
  /** Bytes each slice takes in its slab. */
  slotSize: number;
  /** Slices per slab. */
  objsPerSlab: number;
  /** Pages per slab. */
  pagesPerSlab: number;
  /** Slices handed out and not freed. */
  activeObjs: number;
  /** Slices the pool's slabs hold. */
  totalObjs: number;
  /** Slabs the pool holds. */
  slabs: number;
  /** Of those, slabs with no slice handed out (`slice_pool_shrink` gives them back). */
  emptySlabs: number;
  /** Bytes the pool's slabs hold that no live object uses: slabs' bytes - active × objSize. */
  bytesWasted: number;
  /** Whether it is one of the firmware's own pools (generic classes, pool of pools). */
  internal: boolean;
}

/** One live area, like a line of Linux's /proc/vmallocinfo. */
export interface VmArea {
  /** First virtual address. */
  start: number;
  /** One past its last mapped byte (the guard page follows). */
  end: number;
  /** Bytes asked for. */
  size: number;
  /** Pages mapped. */
  pages: number;
  /** The caller tag given to vmalloc. */
  caller: string;
}

/** The virtual memory allocator's figures. */
export interface VmStats {
  /** The window: first address, one past the last, bytes. */
  window: { start: number; end: number; bytes: number };
  /** Window bytes reserved by live areas (their blocks: guards and rounding included). */
  reservedBytes: number;
  /** Pages mapped into areas. */
  mappedPages: number;
  /** Page-table pages (the directory included). */
  pageTablePages: number;
  /** Pages the area tree holds (0 until the first vmalloc). */
  treePages: number;
  /** The live areas, in the order they were made, newest first. */
  areas: VmArea[];
}

/** What {@link Firmware.stats} reports. */
export interface FirmwareStats {
  /** The page allocator's counts, like /proc/buddyinfo. */
  pages: PageStats;
  /** Every slice pool, like /proc/slabinfo: created pools and the firmware's own. */
  slices: PoolStats[];
  /** The virtual memory allocator's window and live areas; absent without vmalloc. */
  vm?: VmStats;
}

/** What kind of holder a page has; the picture colours pages by kind. */
export type PageKind =
  | "free"
  | "firmware"
  | "pages"
  | "slab"
  | "generic-class"
  | "generic-large"
  | "vmalloc"
  | "page-table"
  | "vmap-tree";

/** One holder of pages: its kind and a label naming it. */
export interface PageHolder {
  /** The kind, for the colour. */
  kind: PageKind;
  /** Says who holds the pages, e.g. "slab of pool 'dentry' (id 12)". */
  label: string;
  /**
   * A number that tells holders of one kind apart: the pile's order for
   * free pages and alloc_pages, the pool's id for slabs, the class size for
   * generic classes; 0 otherwise.
   */
  key: number;
}

/** Who holds every page of RAM, as runs of pages with the same holder. */
export interface PageMap {
  /** Physical address of page 0. */
  ramBase: number;
  /** Bytes per page. */
  pageSize: number;
  /** Pages of RAM. */
  pages: number;
  /** The distinct holders; runs refer to them by index. */
  holders: PageHolder[];
  /**
   * Runs, flat: [first page, page count, holder index] for each run, in
   * address order. The runs tile RAM: each starts where the last ended.
   */
  runs: number[];
}

/**
 * The CPU a firmware's calls run on (the board's RV32IM core, `Rv32Core`,
 * is one): its counters since it was made, and the timing model it charges by.
 */
export interface FirmwareCpu {
  /** The core's timing model; its name goes in reports. */
  readonly timing: { readonly name: string };
  /** The core's cumulative counters: instructions, and the cycles of fetches, data accesses and its own. */
  counters(): Rv32Counters;
}

/**
 * A booted design: the reference document's allocator calls, and what a
 * driver reads about them.
 *
 * A "page" names a pile's first page as the design chooses (pagepile and
 * Koowaldah: the address of its struct page); `page_to_addr` turns it into
 * the pile's physical address. Addresses are physical, NULL is 0, and an
 * allocation that cannot be served returns 0 (a pool creation, null). A
 * design may refuse misuse by throwing a `KernelError`; a replay counts a
 * refusal of a call its shadow model says is valid as a violation.
 */
export interface Firmware {
  /** The board the firmware runs on. */
  readonly board: Board;
  /** Parts of the API this design lacks; their methods are never called. Default: none. */
  readonly unsupported?: readonly KernelPart[];
  /** Whether it was booted with its debug options (a replay then passes owner tags). */
  readonly debug?: boolean;
  /**
   * The alignment it promises for slices and galloc blocks: 8 by default (4
   * for sizes under 8). A replay checks every block against it.
   */
  readonly align?: number;
  /**
   * Whether it also promises that a slice of a power-of-two size up to a
   * page is aligned to its size (pagepile does; Linux promises it of kmalloc,
   * not of its caches). Default false.
   */
  readonly powerOfTwoAlign?: boolean;
  /**
   * The largest object size `slice_pool_create` takes. A replay skips the
   * creation of a pool of larger objects, and its slices, counted as
   * unsupported. Default: no limit.
   */
  readonly maxSliceSize?: number;
  /**
   * For a design whose calls run on the board's CPU (a firmware image, see
   * core/image): the core. A replay then counts a call's bus cycles as the
   * core's data accesses alone (its loads and stores: the figure that
   * compares with a design in TypeScript, whose every bus access is a data
   * access), and beside them the instructions it ran and its CPU cycles
   * (fetches, data accesses and the timing model's own). Every bus cycle of
   * a call must be the core's; the one debug-port call allowed is
   * slice_pool_create's, writing the pool's name where the image reads it.
   * Default: none (the design's methods do its work).
   */
  readonly cpu?: FirmwareCpu;

  /**
   * Allocates a pile of 2^order physically contiguous pages, aligned to its size.
   * @param flags GFP flags: zone bits and GFP_ZERO
   * @param order 0..10
   * @returns the pile's first page, or 0
   */
  alloc_pages(flags: number, order: number): number;
  /**
   * Frees a pile from {@link alloc_pages}.
   * @param page its first page
   */
  free_pages(page: number): void;
  /**
   * The physical address of a page.
   * @param page a page, as alloc_pages returns it
   * @returns its address
   */
  page_to_addr(page: number): number;
  /**
   * The page that holds an address.
   * @param addr a physical address in RAM
   * @returns the page
   */
  addr_to_page(addr: number): number;

  /**
   * Creates a pool of `obj_size`-byte slices. Slices are aligned to 8 bytes
   * (4 for sizes under 8), and a power-of-two size up to the page size to itself.
   * @param flags GFP flags for the pool's pages
   * @param obj_size bytes per object
   * @param options a name for statistics
   * @returns the pool, or null when memory is short
   */
  slice_pool_create(
    flags: number,
    obj_size: number,
    options?: SlicePoolOptions,
  ): PoolHandle | null;
  /**
   * Destroys a pool with no live slice, giving back all its memory.
   * @param pool the pool
   */
  slice_pool_recycle(pool: PoolHandle): void;
  /**
   * Gets a slice from a pool.
   * @param pool the pool
   * @param owner a tag a debug pool keeps with the slice; ignored otherwise
   * @returns the slice's address, or 0
   */
  slice_alloc(pool: PoolHandle, owner?: number): number;
  /**
   * Returns a slice to its pool.
   * @param slice the slice's address
   * @param pool the pool it came from
   */
  slice_free(slice: number, pool: PoolHandle): void;
  /**
   * Gives the pool's pages that hold no live slice back to the page allocator.
   * @param pool the pool
   * @returns the pages given back
   */
  slice_pool_shrink(pool: PoolHandle): number;

  /**
   * Allocates `size` bytes, aligned to 8. Size 0 may return ZERO_SIZE_PTR
   * (0x10): not NULL, and no block.
   * @param flags GFP flags
   * @param size bytes
   * @param owner a tag a debug design keeps with the block; ignored otherwise
   * @returns the block's address, or 0
   */
  galloc(flags: number, size: number, owner?: number): number;
  /**
   * Frees a block from {@link galloc}; NULL does nothing.
   * @param addr the block's address
   */
  gfree(addr: number): void;
  /**
   * The bytes a live block from {@link galloc} may use.
   * @param addr the block's address
   * @returns its usable size
   */
  gsize(addr: number): number;
  /**
   * The bytes a live block from {@link galloc} takes from its allocator:
   * its usable size plus any header the design keeps with it. What the
   * replay counts as handed out (its waste figure); without it, gsize.
   * @param addr the block's address
   * @returns bytes taken
   */
  gtaken?(addr: number): number;
  /**
   * Gives the generic allocator's empty pages back to the page allocator.
   * @returns the pages given back
   */
  gshrink(): number;

  /**
   * Maps `size` bytes of scattered pages at consecutive virtual addresses,
   * followed by an unmapped guard page. A design without it leaves it and
   * vfree out (it then lacks "vmalloc", declared or not).
   * @param size bytes
   * @param options a caller tag
   * @returns the area's first virtual address, or 0
   */
  vmalloc?(size: number, options?: VmallocOptions): number;
  /**
   * Unmaps an area and gives its pages back.
   * @param vaddr the area's first virtual address
   */
  vfree?(vaddr: number): void;

  /** The allocators' statistics, read from their state in RAM. */
  stats(): FirmwareStats;
  /**
   * The page counts alone, as `stats().pages` has them, where the design can
   * give them for less than all its statistics: a replay samples them often.
   */
  pageStats?(): PageStats;
  /**
   * One pool's figures, as `stats().slices` has them.
   * @param pool a live pool
   * @returns its line of slabinfo
   */
  poolStats(pool: PoolHandle): PoolStats;
  /**
   * Pages the allocators hold for any caller or for themselves: all pages
   * but the free ones and the firmware's reserved ones. The replay's
   * footprint; cheap, since it is read after every allocation.
   */
  pagesInUse(): number;
  /**
   * Checks the design's invariants against its state in RAM.
   * @returns a description of each broken invariant; empty when all hold
   */
  audit(): string[];
  /**
   * Who holds each page, read through the board's debug port (no bus
   * cycles). Designs that cannot tell leave it out or return null; the
   * report then draws no map.
   */
  pageMap?(): PageMap | null;
  /**
   * How many problems the debug options reported on the console since boot
   * (each a line starting "pagepile: BUG "); designs without debug options
   * leave it out.
   */
  debugReports?(): number;
}
