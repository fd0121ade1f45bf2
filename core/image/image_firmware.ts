/**
 * The firmware of a design that runs on the board's CPU: each member of the
 * seam is a call into the image's function of the ABI (pagepile.h, "The
 * image ABI"), by the RISC-V calling convention, on the board's RV32IM core.
 * The firmware object holds the board, the core and the functions'
 * addresses; the design's state is wherever its C code keeps it, in RAM.
 *
 * ```
 * seam member                      image function (a0, a1, a2)
 * boot                             pp_init()
 * alloc_pages(flags, order)        alloc_pages(flags, order)
 * free_pages(page)                 free_pages(page)
 * page_to_addr, addr_to_page       page_to_addr(page), addr_to_page(addr)
 * slice_pool_create(f, size, {name})   slice_pool_create(f, size, name): the name
 *                                  written NUL-terminated into pp_scratch through
 *                                  the debug port (0 without a name); 0 is null,
 *                                  a pool handle holds the pool's address
 * slice_pool_recycle(pool)         slice_pool_recycle(pool): a nonzero result is the
 *                                  live slices, thrown as PoolBusyError
 * slice_alloc, slice_free,         slice_alloc(pool), slice_free(slice, pool),
 * slice_pool_shrink                slice_pool_shrink(pool) (owner tags are not passed)
 * galloc, gfree, gsize, gtaken,    galloc(flags, size), gfree(addr), gsize(addr),
 * gshrink                          gtaken(addr), gshrink()
 * stats, pageStats                 pp_page_stats(pp_scratch), one zone "Normal";
 *                                  pp_pools(pp_scratch, 128), then pp_pool_stats(pool,
 *                                  pp_scratch) for each: read through the debug port
 * poolStats(pool)                  pp_pool_stats(pool, pp_scratch)
 * pagesInUse                       pp_pages_in_use(), or total - reserved - free
 * audit                            pp_audit(): the lines it printed on the console
 * ```
 * Every call runs with sp = __stack_top and a limit on its instructions
 * ({@link IMAGE_CALL_INSTRUCTIONS} by default). A trap in the image (a bus
 * fault, an ebreak, an illegal instruction) or a call stopped at its limit
 * throws the core's typed error, which names the pc as function+offset; so
 * does the board's cycle limit, when a driver set one (an
 * Rv32CycleLimitExceeded, which is a CycleLimitExceeded).
 * @module
 */

import type { Board } from "../../hw/board.ts";
import { hex32 } from "../../hw/hex.ts";
import { Rv32Core } from "../../hw/rv32/core.ts";
import type { ElfImage } from "../../hw/rv32/elf_image.ts";
import type { Rv32TimingModel } from "../../hw/rv32/timing_models.ts";
import { InvalidArgumentError, PoolBusyError } from "../errors.ts";
import type {
  Firmware,
  FirmwareStats,
  KernelPart,
  PageCounts,
  PageStats,
  PoolHandle,
  PoolStats,
  SlicePoolOptions,
} from "../firmware.ts";
import { type ImageAbi, SCRATCH_BYTES } from "./image_abi.ts";

/**
 * The instructions one call into an image may run by default: 20 million,
 * five times what the dearest call of the example makes on a recorded trace
 * (an order-10 alloc_pages with GFP_ZERO clears 4 MiB a word at a time, about
 * 4 million instructions), and under a third of a second of simulation.
 */
export const IMAGE_CALL_INSTRUCTIONS = 20_000_000;

/** Orders of struct pp_page_stats' free_by_order (PP_NR_ORDERS). */
const NR_ORDERS = 11;
/** struct pp_page_stats: total, reserved, free, then free_by_order. */
const PAGE_STATS_FREE_BY_ORDER = 0x0C;
/** struct pp_pool_stats: 13 words, then the name. */
const POOL_STATS_NAME = 0x34;
const POOL_NAME_BYTES = 32;
/** Pool handles pp_pools can write into pp_scratch. */
const POOLS_LISTED = SCRATCH_BYTES / 4;

/** Options of an {@link ImageFirmware}. */
export interface ImageFirmwareOptions {
  /** The core's timing model; default the core's (IBEX_SMALL). */
  timing?: Rv32TimingModel;
  /** Instructions one call may run; default {@link IMAGE_CALL_INSTRUCTIONS}. */
  maxCallInstructions?: number;
}

/** A pool as drivers hold it: the address the image returned for it. */
class ImagePool {
  constructor(readonly address: number) {}
}

/**
 * A firmware image, loaded and booted: the seam's calls made on the board's
 * core (see the module comment for what each one calls). `imageDesign`
 * makes it; a driver never needs to.
 * @example
 * ```ts
 * import { Board, GFP_KERNEL, imageDesign } from "@pagepile/pagepile";
 * const elf = await Deno.readFile(new URL("../../examples/first_fit.elf", import.meta.url));
 * const design = imageDesign("first_fit.elf", elf);
 * const firmware = design.boot(new Board({ ramBytes: 1024 * 1024, ...design.boardOptions }));
 * const before = firmware.cpu!.counters().instructions;
 * const block = firmware.galloc(GFP_KERNEL, 100);
 * console.log(firmware.gsize(block), firmware.cpu!.counters().instructions - before > 0); // 104 true
 * ```
 */
export class ImageFirmware implements Firmware {
  /** The board the image runs on. */
  readonly board: Board;
  /** The parts the image lacks: those with a function missing, and vmalloc. */
  readonly unsupported: readonly KernelPart[];
  /** The core every call runs on. */
  readonly cpu: Rv32Core;
  /** gtaken(addr), when the image defines it. */
  readonly gtaken?: (addr: number) => number;
  readonly #functions: ReadonlyMap<string, number>;
  readonly #callOptions: { stackTop: number; maxInstructions: number };
  readonly #scratch: number;

  /**
   * Makes a core for the loaded image and calls its pp_init.
   * @param board the board, with the image loaded (loadElf)
   * @param image the image loaded, for its symbols
   * @param abi its functions, stack and scratch buffer
   * @param options the timing model and the limit on each call
   */
  constructor(board: Board, image: ElfImage, abi: ImageAbi, options: ImageFirmwareOptions = {}) {
    this.board = board;
    this.unsupported = abi.lacks;
    this.cpu = new Rv32Core(board, { timing: options.timing, symbolize: image.symbolize });
    this.#functions = abi.functions;
    this.#callOptions = {
      stackTop: abi.stackTop,
      maxInstructions: options.maxCallInstructions ?? IMAGE_CALL_INSTRUCTIONS,
    };
    this.#scratch = abi.scratch;
    if (abi.functions.has("gtaken")) {
      this.gtaken = (addr: number): number => this.#call("gtaken", [addr]);
    }
    this.#call("pp_init", []);
  }

  alloc_pages(flags: number, order: number): number {
    return this.#call("alloc_pages", [flags, order]);
  }
  free_pages(page: number): void {
    this.#call("free_pages", [page]);
  }
  page_to_addr(page: number): number {
    return this.#call("page_to_addr", [page]);
  }
  addr_to_page(addr: number): number {
    return this.#call("addr_to_page", [addr]);
  }

  /**
   * Writes the name (ASCII; other characters as "?") into pp_scratch through
   * the debug port, NUL-terminated, and passes its address; no name, 0.
   */
  slice_pool_create(
    flags: number,
    obj_size: number,
    options: SlicePoolOptions = {},
  ): PoolHandle | null {
    let name = 0;
    if (options.name !== undefined) {
      const text = options.name;
      const bytes = new Uint8Array(Math.min(text.length, SCRATCH_BYTES - 1) + 1);
      for (let i = 0; i < bytes.length - 1; i++) {
        const code = text.charCodeAt(i);
        bytes[i] = code > 0 && code < 0x80 ? code : 0x3F;
      }
      this.board.debugLoad(this.#scratch, bytes);
      name = this.#scratch;
    }
    const pool = this.#call("slice_pool_create", [flags, obj_size, name]);
    return pool === 0 ? null : new ImagePool(pool);
  }
  /** A nonzero result is the number of live slices: the pool was refused, and stays. */
  slice_pool_recycle(pool: PoolHandle): void {
    const address = (pool as ImagePool).address;
    const live = this.#call("slice_pool_recycle", [address]) | 0;
    if (live !== 0) {
      throw new PoolBusyError(`pool ${hex32(address)} has ${live} live slices`, address, live);
    }
  }
  slice_alloc(pool: PoolHandle): number {
    return this.#call("slice_alloc", [(pool as ImagePool).address]);
  }
  slice_free(slice: number, pool: PoolHandle): void {
    this.#call("slice_free", [slice, (pool as ImagePool).address]);
  }
  slice_pool_shrink(pool: PoolHandle): number {
    return this.#call("slice_pool_shrink", [(pool as ImagePool).address]);
  }

  galloc(flags: number, size: number): number {
    return this.#call("galloc", [flags, size]);
  }
  gfree(addr: number): void {
    this.#call("gfree", [addr]);
  }
  gsize(addr: number): number {
    return this.#call("gsize", [addr]);
  }
  gshrink(): number {
    return this.#call("gshrink", []);
  }

  /** The page counts, and every pool pp_pools lists (the first 128: what pp_scratch holds). */
  stats(): FirmwareStats {
    const pages = this.pageStats();
    if (this.unsupported.includes("slices")) return { pages, slices: [] };
    const scratch = this.#scratch;
    const count = this.#call("pp_pools", [scratch, POOLS_LISTED]);
    const handles: number[] = [];
    for (let i = 0; i < Math.min(count, POOLS_LISTED); i++) {
      handles.push(this.board.debugRead32(scratch + i * 4));
    }
    return { pages, slices: handles.map((pool) => this.#poolStats(pool)) };
  }

  /** pp_page_stats, as one zone, "Normal". */
  pageStats(): PageStats {
    const scratch = this.#scratch;
    this.#call("pp_page_stats", [scratch]);
    const word = (offset: number): number => this.board.debugRead32(scratch + offset);
    const freeByOrder: number[] = [];
    for (let order = 0; order < NR_ORDERS; order++) {
      freeByOrder.push(word(PAGE_STATS_FREE_BY_ORDER + order * 4));
    }
    const counts: PageCounts = {
      total: word(0x00),
      reserved: word(0x04),
      free: word(0x08),
      freeByOrder,
    };
    return { ...counts, zones: [{ name: "Normal", ...counts }] };
  }

  poolStats(pool: PoolHandle): PoolStats {
    return this.#poolStats((pool as ImagePool).address);
  }

  /** pp_pages_in_use, or from the page counts when the image leaves it out. */
  pagesInUse(): number {
    if (this.#functions.has("pp_pages_in_use")) return this.#call("pp_pages_in_use", []);
    const pages = this.pageStats();
    return pages.total - pages.reserved - pages.free;
  }

  /**
   * pp_audit: each line it printed on the console is a broken invariant. A
   * count that is not the lines printed is one more problem.
   */
  audit(): string[] {
    if (!this.#functions.has("pp_audit")) return [];
    const printedBefore = this.board.console.text().length;
    const count = this.#call("pp_audit", []);
    const printed = this.board.console.text().slice(printedBefore);
    const problems = printed.split("\n").filter((line) => line !== "");
    if (count !== problems.length) {
      problems.push(`pp_audit returned ${count}, and printed ${problems.length} lines`);
    }
    return problems;
  }

  /** pp_pool_stats of the pool at `pool`, read from pp_scratch. */
  #poolStats(pool: number): PoolStats {
    const scratch = this.#scratch;
    this.#call("pp_pool_stats", [pool, scratch]);
    const word = (index: number): number => this.board.debugRead32(scratch + index * 4);
    let name = "";
    for (let i = 0; i < POOL_NAME_BYTES; i++) {
      const char = (word((POOL_STATS_NAME + i) >> 2) >>> ((i & 3) * 8)) & 0xFF;
      if (char === 0) break;
      name += String.fromCharCode(char);
    }
    return {
      id: word(0),
      address: word(1),
      recordBytes: word(2),
      name,
      objSize: word(3),
      slotSize: word(4),
      objsPerSlab: word(5),
      pagesPerSlab: word(6),
      activeObjs: word(7),
      totalObjs: word(8),
      slabs: word(9),
      emptySlabs: word(10),
      bytesWasted: word(11),
      internal: word(12) !== 0,
    };
  }

  /**
   * Calls the image's function `name` with `args` in a0..: its a0, unsigned.
   * @throws {InvalidArgumentError} when an argument is not a 32-bit unsigned
   *   value (the ABI passes each in one register)
   */
  #call(name: string, args: number[]): number {
    const entry = this.#functions.get(name);
    if (entry === undefined) {
      throw new Error(`the image defines no ${name}: its part of the API is unsupported`);
    }
    for (const arg of args) {
      if (arg >>> 0 !== arg) {
        throw new InvalidArgumentError(
          `${name}: ${arg} is not a 32-bit unsigned value (the image ABI passes each ` +
            "argument in one register)",
        );
      }
    }
    return this.cpu.call(entry, args, this.#callOptions);
  }
}
