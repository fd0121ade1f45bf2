/**
 * Records every allocator call a program makes on a design's firmware, as a
 * native trace that `deno task replay` replays (on any design).
 * @module
 */

import type {
  Firmware,
  FirmwareStats,
  KernelPart,
  PageMap,
  PoolHandle,
  PoolStats,
  SlicePoolOptions,
  VmallocOptions,
} from "../../core/firmware.ts";
import { ZERO_SIZE_PTR } from "../../core/firmware.ts";
import type { Board } from "../../hw/board.ts";
import { escapeField, NATIVE_HEADER } from "../../traces/native_format.ts";

/**
 * Keys for blocks that have no address of their own (failed allocations,
 * ZERO_SIZE_PTR) start here, above every physical address.
 */
const SYNTHETIC_KEY_BASE = 2 ** 40;

/**
 * A firmware that writes each allocator call to a native trace before
 * returning its result, with the whole API of the reference document (the
 * page calls get_pages, alloc_page, get_page, put_pages, free_page and
 * put_page made of the design's own). Use it where a program takes the
 * firmware; calls the firmware refuses are not recorded (they change nothing).
 *
 * @example
 * ```ts
 * import { Board, boot, GFP_KERNEL, Recorder } from "@pagepile/pagepile";
 * const lines: string[] = [];
 * const k = new Recorder(boot(new Board({ ramBytes: 1024 * 1024 })), (line) => lines.push(line));
 * k.gfree(k.galloc(GFP_KERNEL, 100));
 * console.log(lines.join("\n"));
 * // # pagepile trace 1
 * // galloc 0x4000d000 0 100
 * // gfree 0x4000d000
 * ```
 */
export class Recorder implements Firmware {
  /** The firmware the calls go to. */
  readonly kernel: Firmware;
  readonly #write: (line: string) => void;
  /** Each live pool's name in the trace, from its record's address. */
  readonly #poolTokens = new WeakMap<PoolHandle, string>();
  /** Synthetic keys of live ZERO_SIZE_PTR blocks; any one serves a gfree(ZERO_SIZE_PTR). */
  readonly #zeroSizeKeys: number[] = [];
  #nextSyntheticKey = SYNTHETIC_KEY_BASE;
  #nextPool = 1;

  /**
   * Starts a trace: writes its header line.
   * @param kernel the firmware to forward calls to
   * @param write receives each line of the trace, without a line end
   */
  constructor(kernel: Firmware, write: (line: string) => void) {
    this.kernel = kernel;
    this.#write = write;
    write(NATIVE_HEADER);
  }

  /** {@link Kernel.alloc_pages}, recorded. */
  alloc_pages(flags: number, order: number): number {
    const page = this.kernel.alloc_pages(flags, order);
    const key = page === 0 ? this.#synthetic() : this.kernel.page_to_addr(page);
    this.#write(`alloc_pages ${hex(key)} ${flags} ${order}`);
    return page;
  }

  /** {@link Kernel.get_pages}, recorded. */
  get_pages(flags: number, order: number): number {
    const page = this.alloc_pages(flags, order);
    return page === 0 ? 0 : this.kernel.page_to_addr(page);
  }

  /** {@link Kernel.alloc_page}, recorded. */
  alloc_page(flags: number): number {
    return this.alloc_pages(flags, 0);
  }

  /** {@link Kernel.get_page}, recorded. */
  get_page(flags: number): number {
    return this.get_pages(flags, 0);
  }

  /** {@link Kernel.free_pages}, recorded. */
  free_pages(page: number): void {
    this.kernel.free_pages(page);
    this.#write(`free_pages ${hex(this.kernel.page_to_addr(page))}`);
  }

  /** {@link Kernel.put_pages}, recorded. */
  put_pages(addr: number): void {
    this.free_pages(this.kernel.addr_to_page(addr));
  }

  /** {@link Kernel.free_page}, recorded. */
  free_page(page: number): void {
    this.free_pages(page);
  }

  /** {@link Kernel.put_page}, recorded. */
  put_page(addr: number): void {
    this.put_pages(addr);
  }

  /** {@link Kernel.page_to_addr} (not an allocator call: not recorded). */
  page_to_addr(page: number): number {
    return this.kernel.page_to_addr(page);
  }

  /** {@link Kernel.addr_to_page} (not recorded). */
  addr_to_page(addr: number): number {
    return this.kernel.addr_to_page(addr);
  }

  /** {@link Kernel.slice_pool_create}, recorded under the pool record's address. */
  slice_pool_create(
    flags: number,
    obj_size: number,
    options: SlicePoolOptions = {},
  ): PoolHandle | null {
    const pool = this.kernel.slice_pool_create(flags, obj_size, options);
    const token = `pool-${(this.#nextPool++).toString()}`;
    if (pool !== null) this.#poolTokens.set(pool, token);
    const name = options.name ? ` name=${escapeField(options.name)}` : "";
    this.#write(`slice_pool_create ${token} ${flags} ${obj_size}${name}`);
    return pool;
  }

  /** {@link Kernel.slice_pool_recycle}, recorded. */
  slice_pool_recycle(pool: PoolHandle): void {
    this.kernel.slice_pool_recycle(pool);
    this.#write(`slice_pool_recycle ${this.#token(pool)}`);
  }

  /** {@link Kernel.slice_pool_shrink}, recorded. */
  slice_pool_shrink(pool: PoolHandle): number {
    const pages = this.kernel.slice_pool_shrink(pool);
    this.#write(`slice_pool_shrink ${this.#token(pool)}`);
    return pages;
  }

  /** {@link Kernel.slice_alloc}, recorded. */
  slice_alloc(pool: PoolHandle): number {
    const slice = this.kernel.slice_alloc(pool);
    const key = slice === 0 ? this.#synthetic() : slice;
    this.#write(`slice_alloc ${hex(key)} ${this.#token(pool)}`);
    return slice;
  }

  /** {@link Kernel.slice_free}, recorded. */
  slice_free(slice: number, pool: PoolHandle): void {
    this.kernel.slice_free(slice, pool);
    this.#write(`slice_free ${hex(slice)} ${this.#token(pool)}`);
  }

  /** {@link Kernel.galloc}, recorded. */
  galloc(flags: number, size: number): number {
    const addr = this.kernel.galloc(flags, size);
    let key = addr;
    if (addr === 0 || addr === ZERO_SIZE_PTR) {
      key = this.#synthetic();
      if (addr === ZERO_SIZE_PTR) this.#zeroSizeKeys.push(key);
    }
    this.#write(`galloc ${hex(key)} ${flags} ${size}`);
    return addr;
  }

  /** {@link Kernel.gfree}, recorded. */
  gfree(addr: number): void {
    this.kernel.gfree(addr);
    const key = addr === ZERO_SIZE_PTR ? this.#zeroSizeKeys.pop() ?? addr : addr;
    this.#write(`gfree ${hex(key)}`);
  }

  /** {@link Kernel.gsize} (not recorded). */
  gsize(addr: number): number {
    return this.kernel.gsize(addr);
  }

  /** {@link Kernel.gshrink}, recorded. */
  gshrink(): number {
    const pages = this.kernel.gshrink();
    this.#write("gshrink");
    return pages;
  }

  /** {@link Kernel.vmalloc}, recorded with its caller tag as the site. */
  vmalloc(size: number, options: VmallocOptions = {}): number {
    const vaddr = this.#vm().vmalloc(size, options);
    const site = options.caller ? ` site=${escapeField(options.caller)}` : "";
    this.#write(`vmalloc ${hex(vaddr === 0 ? this.#synthetic() : vaddr)} ${size}${site}`);
    return vaddr;
  }

  /** {@link Kernel.vfree}, recorded. */
  vfree(vaddr: number): void {
    this.#vm().vfree(vaddr);
    this.#write(`vfree ${hex(vaddr)}`);
  }

  /** {@link Kernel.stats} (not recorded). */
  stats(): FirmwareStats {
    return this.kernel.stats();
  }

  /** {@link Kernel.poolStats} (not recorded). */
  poolStats(pool: PoolHandle): PoolStats {
    return this.kernel.poolStats(pool);
  }

  /** {@link Kernel.pagesInUse} (not recorded). */
  pagesInUse(): number {
    return this.kernel.pagesInUse();
  }

  /** {@link Kernel.audit} (not recorded). */
  audit(): string[] {
    return this.kernel.audit();
  }

  /** {@link Kernel.pageMap} (not recorded), where the design has one. */
  pageMap(): PageMap | null {
    return this.kernel.pageMap?.() ?? null;
  }

  /** The board of the firmware recorded. */
  get board(): Board {
    return this.kernel.board;
  }

  /** What the recorded design lacks. */
  get unsupported(): readonly KernelPart[] | undefined {
    return this.kernel.unsupported;
  }

  /** The recorded firmware's vmalloc and vfree; a design without them cannot be asked. */
  #vm(): Required<Pick<Firmware, "vmalloc" | "vfree">> {
    const { vmalloc, vfree } = this.kernel;
    if (vmalloc === undefined || vfree === undefined) {
      throw new Error("the recorded design has no vmalloc");
    }
    return { vmalloc: vmalloc.bind(this.kernel), vfree: vfree.bind(this.kernel) };
  }

  /** The trace's name for a pool this recorder created. */
  #token(pool: PoolHandle): string {
    return this.#poolTokens.get(pool) ?? "pool-unknown";
  }

  #synthetic(): number {
    return this.#nextSyntheticKey++;
  }
}

function hex(key: number): string {
  return "0x" + key.toString(16);
}
