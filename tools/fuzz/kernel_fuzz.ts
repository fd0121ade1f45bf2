/**
 * Model-based fuzzing of the whole Kernel API: random sequences of page,
 * slice, generic and virtual memory calls — misuse included — run against a
 * freshly booted design and checked against a model of what is live. Every
 * block is checked by the replayer's shadow memory (in RAM, aligned as the
 * design promises, overlapping nothing, its bytes intact); the design's
 * audit must hold at the end, and every page must come back. Misuse is tried
 * on pagepile's Kernel only, the one design that promises to refuse it: each
 * must be refused with a typed KernelError and leave RAM byte for byte as it
 * was. Other designs get the clean steps, and none of the parts they lack.
 *
 * And the design's state must be its RAM (and the MMU's registers): at the
 * end, a twin board is booted alike and given this board's RAM and MMU
 * registers, and every call that gives the blocks back is made on both: the
 * twin must answer each as this board's firmware does, and end with the same
 * RAM. A design that kept its state in the host's memory, off the counted
 * bus, would answer from state the twin does not have.
 *
 * Used by the test suite (tests/kernel_fuzz_test.ts) and by `deno task fuzz`.
 * @module
 */

import fc from "fast-check";
import { Board } from "../../hw/board.ts";
import { PAGE_SIZE } from "../../hw/memory_map.ts";
import { hex32 } from "../../hw/hex.ts";
import { KernelError, PoolBusyError } from "../../core/errors.ts";
import {
  type Design,
  type Firmware,
  type FirmwareStats,
  type KernelPart,
  type PoolHandle,
  ZERO_SIZE_PTR,
} from "../../core/firmware.ts";
import { GFP_DMA, GFP_KERNEL, GFP_ZERO } from "../../core/gfp.ts";
import { Kernel } from "../../core/pagepile/kernel.ts";
import { pagepileDesign } from "../../core/pagepile/design.ts";
import { ShadowMemory } from "../replay/shadow_memory.ts";
import { CallGuard, type CallLimits, DesignBroken } from "../replay/call_guard.ts";
import { firmwareTraits } from "../replay/firmware_traits.ts";
import {
  answerOf,
  answersDiffer,
  bootTwin,
  firstDifference,
  firstRamDifference,
  ramDiffers,
} from "../replay/twin_board.ts";
import {
  pageCountProblems,
  pageMapProblems,
  pagesInUseProblem,
  statsShapeProblem,
} from "../replay/figure_checks.ts";

/** The misuses the fuzzer tries; each must be refused and change nothing. */
export const MISUSES = [
  "gfree-twice",
  "gfree-interior",
  "gfree-wild",
  "put_pages-interior",
  "put_pages-twice",
  "slice_free-wrong-pool",
  "slice_free-twice",
  "slice_alloc-recycled-pool",
  "recycle-busy-pool",
  "vfree-interior",
  "vfree-twice",
  "alloc_pages-bad-order",
  "galloc-bad-size",
  "galloc-bad-flags",
  "vmalloc-bad-size",
  "pool-bad-size",
] as const;

/** One step of a fuzz run. `pick` chooses among live things, modulo their number. */
export type FuzzOp =
  | { kind: "pages"; order: number; dma: boolean; zero: boolean }
  | { kind: "pool"; size: number; zero: boolean }
  | { kind: "slice"; pick: number }
  | { kind: "galloc"; size: number; zero: boolean }
  | { kind: "vmalloc"; size: number }
  | { kind: "free"; pick: number }
  | { kind: "shrink"; pick: number }
  | { kind: "recycle"; pick: number }
  | { kind: "gshrink" }
  | { kind: "audit" }
  | { kind: "misuse"; what: typeof MISUSES[number]; pick: number; value: number };

/** Random fuzz steps: allocations and frees mostly, misuse about one step in eight. */
export const fuzzOp: fc.Arbitrary<FuzzOp> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("pages" as const),
      order: fc.oneof({ weight: 4, arbitrary: fc.nat(3) }, fc.nat(10)),
      dma: fc.boolean(),
      zero: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("pool" as const),
      size: fc.oneof(fc.constantFrom(4, 40, 200, 600, 2040), fc.integer({ min: 1, max: 32768 })),
      zero: fc.boolean(),
    }),
  },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("slice" as const), pick: fc.nat() }) },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("galloc" as const),
      size: fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(0, 8, 24, 100, 512, 3000, 10000) },
        fc.nat(300),
        fc.nat(40000),
      ),
      zero: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("vmalloc" as const),
      size: fc.oneof(fc.integer({ min: 1, max: 5 * PAGE_SIZE }), fc.integer({ min: 1, max: 1e6 })),
    }),
  },
  { weight: 12, arbitrary: fc.record({ kind: fc.constant("free" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("shrink" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("recycle" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("gshrink" as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("audit" as const) }) },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("misuse" as const),
      what: fc.constantFrom(...MISUSES),
      pick: fc.nat(),
      value: fc.integer(),
    }),
  },
);

/** A live block, as the model knows it. */
type Live =
  | { kind: "pages"; addr: number; bytes: number; id: number }
  | { kind: "slice"; addr: number; bytes: number; id: number; pool: PoolModel }
  | { kind: "galloc"; addr: number; bytes: number; id: number }
  | { kind: "vmalloc"; addr: number; bytes: number; id: number };

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

interface PoolModel {
  pool: PoolHandle;
  size: number;
  /** Created with GFP_ZERO: every slice must come zeroed. */
  zero: boolean;
  live: number;
  /** Its record in RAM, claimed in the shadow as the firmware's. */
  record: { address: number; bytes: number };
}

/** Thrown when the kernel and the model disagree; says which step and why. */
export class FuzzFailure extends Error {}

/** Options of {@link runFuzzOps}. */
export interface FuzzOptions extends CallLimits {
  /** The design to fuzz; default pagepile's (misuse included). */
  design?: Design;
  /** Boot it with its debug options; default false. */
  debug?: boolean;
}

/**
 * Runs fuzz steps on a freshly booted design and checks everything the
 * module header lists; with `debug`, also that the debug options report
 * nothing (the steps never write outside a block, nor into a freed one).
 * @param ops the steps
 * @param ramBytes the board's RAM
 * @param options the design, and its debug options
 * @throws {FuzzFailure} at the first disagreement, naming the step
 */
export function runFuzzOps(
  ops: readonly FuzzOp[],
  ramBytes: number,
  options: FuzzOptions = {},
): void {
  // Guarded as a replay is: a design that throws, spends a step's bus
  // cycles or loops is a failure of the step, never a crash or a hang.
  const design = options.design ?? pagepileDesign;
  // A design's own board options (an image's flash) come with it.
  const board = new Board({ ...design.boardOptions, ramBytes });
  const guard = new CallGuard(board, options);
  let run: FuzzRun | undefined;
  try {
    guard.watch(() => {
      guard.enter("boot");
      run = new FuzzRun(board, guard, design, options.debug ?? false);
      guard.leave();
      run.run(ops);
    });
  } catch (error) {
    if (error instanceof FuzzFailure) throw error;
    const step = run === undefined ? "at boot" : run.where();
    if (error instanceof DesignBroken) throw new FuzzFailure(`${step}: ${error.message}`);
    if (guard.calling !== "") throw new FuzzFailure(`${step}: ${guard.broken(error).message}`);
    throw error;
  }
}

/** The call a step makes, for the message when the design breaks in it. */
const STEP_CALL: Record<FuzzOp["kind"], string> = {
  pages: "alloc_pages",
  pool: "slice_pool_create",
  slice: "slice_alloc",
  galloc: "galloc",
  vmalloc: "vmalloc",
  free: "a free",
  shrink: "slice_pool_shrink",
  recycle: "slice_pool_recycle",
  gshrink: "gshrink",
  audit: "audit",
  misuse: "a misuse",
};

class FuzzRun {
  readonly board: Board;
  readonly k: Firmware;
  /** The firmware as pagepile's Kernel, which misuse is tried on; null for other designs. */
  readonly kernel: Kernel | null;
  readonly lacks: Set<KernelPart>;
  readonly align: number;
  /** Free pages after boot: all come back at the end (a design may keep some from boot on). */
  readonly freeAtBoot: number;
  readonly shadow: ShadowMemory;
  readonly live: Live[] = [];
  readonly pools: PoolModel[] = [];
  /** Pools recycled: their handles must be refused. */
  readonly deadPools: PoolHandle[] = [];
  /** Blocks freed, to free again: dropped once their address is live again. */
  readonly freed: Live[] = [];
  nextId = 1;
  step = 0;
  /** Past the last step: giving everything back, the end's checks. */
  ending = false;

  readonly debug: boolean;
  readonly guard: CallGuard;
  readonly design: Design;
  /** The twin's firmware, from the end's first audit on (see the module header). */
  twin: Firmware | null = null;

  constructor(board: Board, guard: CallGuard, design: Design, debug: boolean) {
    this.board = board;
    this.guard = guard;
    this.debug = debug;
    this.design = design;
    this.k = design.boot(this.board, { debug });
    this.kernel = this.k instanceof Kernel ? this.k : null;
    let traits;
    try {
      traits = firmwareTraits(this.k);
    } catch (error) {
      if (!(error instanceof TypeError)) throw error;
      throw new DesignBroken("boot", `the firmware's ${error.message}`);
    }
    this.lacks = traits.lacks;
    this.align = traits.align;
    const stats = this.stats();
    this.freeAtBoot = stats.pages.free;
    this.shadow = new ShadowMemory(this.board, "full", stats.vm?.window ?? { start: 0, bytes: 0 });
    this.shadow.claimReserved(stats.pages.reserved * PAGE_SIZE);
  }

  /** Where the run is, as a failure names it: its step, or the end's checks after the last. */
  where(): string {
    return this.ending ? `at the end, after step ${this.step}` : `step ${this.step}`;
  }

  fail(message: string): never {
    throw new FuzzFailure(`${this.where()}: ${message}`);
  }

  run(ops: readonly FuzzOp[]): void {
    for (const op of ops) {
      this.step++;
      this.guard.enter(op.kind === "misuse" ? op.what : STEP_CALL[op.kind]);
      this.apply(op);
      if (this.debug && (this.k.debugReports?.() ?? 0) !== 0) {
        this.fail(`a debug report where nothing was overwritten: ${this.board.console.text()}`);
      }
      this.guard.leave();
    }
    this.ending = true;
    this.guard.enter("the end");
    this.audit("at the end");
    this.makeTwin();
    // Everything back: blocks, pools, the vmalloc tree; then every page is free.
    while (this.live.length > 0) this.give(this.live.length - 1);
    for (const { pool, record } of this.pools.splice(0)) {
      this.k.slice_pool_recycle(pool);
      this.mirror("slice_pool_recycle", undefined, (k) => k.slice_pool_recycle(pool));
      this.shadow.releaseFirmware(record.address, record.bytes);
    }
    this.mirror("gshrink", this.k.gshrink(), (k) => k.gshrink());
    this.sameRamAsTwin();
    const free = this.stats().pages.free;
    if (free !== this.freeAtBoot) {
      this.fail(`${this.freeAtBoot - free} pages not given back at the end`);
    }
    this.audit("after giving everything back");
    this.guard.leave();
  }

  /**
   * Boots the twin (see the module header, and twin_board.ts): from here on
   * each call that gives something back is made on both.
   */
  makeTwin(): void {
    this.twin = bootTwin(this.design, this.board, this.debug);
  }

  /**
   * Makes on the twin the call this board's firmware just answered with
   * `here`, and fails when the twin answers otherwise (or throws).
   */
  mirror(call: string, here: unknown, there: (k: Firmware) => unknown): void {
    if (this.twin === null) return;
    const twin = this.twin;
    const differ = answersDiffer(call, String(here), answerOf(() => there(twin)));
    if (differ !== "") this.fail(differ);
  }

  /** Fails when the twin's RAM is not this board's, naming the first byte that differs. */
  sameRamAsTwin(): void {
    if (this.twin === null) return;
    const at = firstRamDifference(this.board, this.twin.board);
    if (at !== -1) this.fail(ramDiffers(at));
  }

  /** stats(), of a valid shape, its page counts possible on this board. */
  stats(): FirmwareStats {
    const stats = this.k.stats();
    const shape = statsShapeProblem(stats);
    if (shape !== undefined) this.fail(`stats(): ${shape}`);
    const wrong = pageCountProblems(stats.pages, this.board.ramBytes / PAGE_SIZE);
    if (wrong.length > 0) this.fail(`stats(): ${wrong.join("; ")}`);
    return stats;
  }

  /** The design's audit, and its figures against each other: counts, pagesInUse, page map. */
  audit(when: string): void {
    const problems = this.k.audit();
    if (problems.length > 0) this.fail(`audit ${when}: ${problems.join("; ")}`);
    const pages = this.stats().pages;
    const inUse = this.k.pagesInUse();
    const wrong = pagesInUseProblem(inUse, pages);
    if (wrong !== undefined) this.fail(`${when}: ${wrong}`);
    if (typeof this.k.pageMap === "function") {
      const map = this.k.pageMap();
      const ramBase = this.board.ramBase;
      const expected = { ramBase, pages: pages.total, pagesInUse: inUse, reserved: pages.reserved };
      const mapWrong = map === null ? [] : pageMapProblems(map, expected);
      if (mapWrong.length > 0) this.fail(`pageMap() ${when}: ${mapWrong.join("; ")}`);
    }
  }

  /** After an allocation: pagesInUse() no fewer than the pages live blocks and records lie on. */
  footprint(): void {
    const inUse = this.k.pagesInUse();
    if (inUse < this.shadow.pagesCovered) {
      this.fail(
        `pagesInUse() is ${inUse}, but the live blocks and pool records lie on ` +
          `${this.shadow.pagesCovered} pages outside the reserved ones`,
      );
    }
  }

  /** Claims a new block in the shadow: in RAM (or the window), aligned, clear of all that is live. */
  take(block: DistributiveOmit<Live, "id">, align: number): void {
    const id = this.nextId++;
    const wrong = block.kind === "vmalloc"
      ? this.shadow.addArea(id, block.addr, Math.ceil(block.bytes / PAGE_SIZE) * PAGE_SIZE)
      : this.shadow.add(id, block.addr, block.bytes, align);
    if (wrong !== undefined) this.fail(`${block.kind} returned a bad block: ${wrong}`);
    this.live.push({ ...block, id } as Live);
    this.footprint();
    // A freed block whose address is live again can no longer be freed twice.
    for (let i = this.freed.length - 1; i >= 0; i--) {
      if (this.freed[i].addr === block.addr) this.freed.splice(i, 1);
    }
  }

  /** Frees live block `i` the way it was allocated, after checking its bytes. */
  give(i: number): void {
    const block = this.live.splice(i, 1)[0];
    const pages = Math.ceil(block.bytes / PAGE_SIZE) * PAGE_SIZE;
    const changed = block.kind === "vmalloc"
      ? this.shadow.verifyArea(block.id, block.addr, pages)
      : this.shadow.verify(block.id, block.addr, block.bytes);
    if (changed !== -1) {
      this.fail(`${block.kind} block ${hex32(block.addr)} changed at ${hex32(changed)}`);
    }
    if (block.kind === "vmalloc") {
      this.shadow.removeArea(block.addr, pages);
      this.k.vfree!(block.addr); // live only where the design has vmalloc
      this.mirror("vfree", undefined, (k) => k.vfree!(block.addr));
    } else {
      this.shadow.remove(block.addr, block.bytes);
      if (block.kind === "pages") {
        const page = this.k.addr_to_page(block.addr);
        this.mirror("addr_to_page", page, (k) => k.addr_to_page(block.addr));
        this.k.free_pages(page);
        this.mirror("free_pages", undefined, (k) => k.free_pages(page));
      } else if (block.kind === "galloc") {
        this.k.gfree(block.addr);
        this.mirror("gfree", undefined, (k) => k.gfree(block.addr));
      } else {
        this.k.slice_free(block.addr, block.pool.pool);
        this.mirror("slice_free", undefined, (k) => k.slice_free(block.addr, block.pool.pool));
        block.pool.live--;
      }
    }
    this.freed.push(block);
    if (this.freed.length > 64) this.freed.shift();
  }

  apply(op: FuzzOp): void {
    const k = this.k;
    const part = PART_OF[op.kind];
    if (part !== undefined && this.lacks.has(part)) return;
    switch (op.kind) {
      case "pages": {
        const flags = (op.dma ? GFP_DMA : GFP_KERNEL) | (op.zero ? GFP_ZERO : 0);
        const page = k.alloc_pages(flags, op.order);
        if (page === 0) return;
        const addr = k.page_to_addr(page);
        if (op.zero) this.expectZero(addr, PAGE_SIZE << op.order, "get_pages(GFP_ZERO)");
        this.take({ kind: "pages", addr, bytes: PAGE_SIZE << op.order }, PAGE_SIZE << op.order);
        return;
      }
      case "pool": {
        const pool = k.slice_pool_create(GFP_KERNEL | (op.zero ? GFP_ZERO : 0), op.size);
        // A size the design takes no pool of: its refusal is not what is fuzzed.
        if (pool === null) return;
        const { address, recordBytes } = k.poolStats(pool);
        const wrong = this.shadow.claimFirmware(address, recordBytes);
        if (wrong !== undefined) this.fail(`slice_pool_create put the pool's record at ${wrong}`);
        const record = { address, bytes: recordBytes };
        this.pools.push({ pool, size: op.size, zero: op.zero, live: 0, record });
        this.footprint();
        return;
      }
      case "slice": {
        if (this.pools.length === 0) return;
        const pool = this.pools[op.pick % this.pools.length];
        const addr = k.slice_alloc(pool.pool, this.step);
        if (addr === 0) return;
        pool.live++;
        // Debug slots (object, red zone, tag) are aligned to 8 bytes only.
        const promised = sliceAlign(pool.size, this.align, this.k.powerOfTwoAlign ?? false);
        const align = this.debug ? Math.min(promised, 8) : promised;
        if (pool.zero) this.expectZero(addr, pool.size, "slice_alloc from a GFP_ZERO pool");
        this.take({ kind: "slice", addr, bytes: pool.size, pool }, align);
        return;
      }
      case "galloc": {
        const addr = k.galloc(GFP_KERNEL | (op.zero ? GFP_ZERO : 0), op.size, this.step);
        if (addr === 0) return;
        if (addr === ZERO_SIZE_PTR) {
          if (op.size !== 0) this.fail(`galloc(${op.size}) returned ZERO_SIZE_PTR`);
          k.gfree(addr);
          return;
        }
        if (k.gsize(addr) < op.size) this.fail(`gsize ${k.gsize(addr)} < ${op.size} asked`);
        if (op.zero) this.expectZero(addr, op.size, "galloc(GFP_ZERO)");
        this.take({ kind: "galloc", addr, bytes: op.size }, op.size < 8 ? 4 : this.align);
        return;
      }
      case "vmalloc": {
        const addr = k.vmalloc!(op.size); // a design without it is not asked (PART_OF)
        if (addr !== 0) this.take({ kind: "vmalloc", addr, bytes: op.size }, PAGE_SIZE);
        return;
      }
      case "free":
        if (this.live.length > 0) this.give(op.pick % this.live.length);
        return;
      case "shrink":
        if (this.pools.length > 0) {
          k.slice_pool_shrink(this.pools[op.pick % this.pools.length].pool);
        }
        return;
      case "recycle": {
        if (this.pools.length === 0) return;
        const i = op.pick % this.pools.length;
        if (this.pools[i].live > 0) return; // the misuse "recycle-busy-pool" tries that
        const [pool] = this.pools.splice(i, 1);
        k.slice_pool_recycle(pool.pool);
        this.shadow.releaseFirmware(pool.record.address, pool.record.bytes);
        this.deadPools.push(pool.pool);
        return;
      }
      case "gshrink":
        k.gshrink();
        return;
      case "audit":
        this.audit("");
        return;
      case "misuse":
        this.misuse(op);
        return;
    }
  }

  /** Every byte of a block handed out with GFP_ZERO must be 0 (read through the debug port). */
  expectZero(addr: number, bytes: number, what: string): void {
    const at = this.board.debugFindMismatch(addr, bytes, 0);
    if (at !== -1) this.fail(`${what}: the byte at ${hex32(at)} is not zero`);
  }

  /** A call the model says is wrong: it must throw a KernelError and change no byte of RAM. */
  refused<E extends KernelError>(
    what: string,
    call: () => unknown,
    expected: abstract new (...args: never[]) => E = KernelError as never,
    says: (error: E) => string = () => "",
  ): void {
    const before = this.board.snapshot();
    try {
      call();
    } catch (error) {
      if (!(error instanceof expected)) {
        this.fail(`${what}: threw ${error}, not a ${expected.name}`);
      }
      const wrong = says(error);
      if (wrong !== "") this.fail(`${what}: ${wrong}`);
      const after = this.board.snapshot();
      const changed = firstDifference(before, after);
      if (changed !== -1) {
        this.fail(`${what} was refused but changed RAM at ${hex32(this.board.ramBase + changed)}`);
      }
      return;
    }
    this.fail(`${what} was not refused`);
  }

  misuse(op: Extract<FuzzOp, { kind: "misuse" }>): void {
    // Only pagepile promises to refuse misuse; other designs get clean steps.
    const kernel = this.kernel;
    if (kernel === null) return;
    const k = this.k;
    const of = <T extends Live["kind"]>(kind: T) =>
      this.live.filter((b) => b.kind === kind) as Extract<Live, { kind: T }>[];
    const pick = <T>(list: T[]): T | undefined =>
      list.length === 0 ? undefined : list[op.pick % list.length];
    const isLiveStart = (addr: number) => this.live.some((b) => b.addr === addr);
    switch (op.what) {
      case "gfree-twice": {
        const block = pick(this.freed.filter((b) => b.kind === "galloc"));
        if (block && !isLiveStart(block.addr)) {
          this.refused(`gfree(${hex32(block.addr)}) twice`, () => k.gfree(block.addr));
        }
        return;
      }
      case "gfree-interior": {
        const block = pick(of("galloc").filter((b) => b.bytes > 8));
        if (block) {
          const addr = block.addr + 4 +
            8 * (Math.abs(op.value) % Math.floor((block.bytes - 4) / 8));
          this.refused(`gfree(${hex32(addr)}) inside a block`, () => k.gfree(addr));
        }
        return;
      }
      case "gfree-wild": {
        // Anywhere: in the firmware, past RAM, odd, or page-aligned in the middle of nowhere.
        const addr = (this.board.ramBase + (op.value >>> 0) % (this.board.ramBytes * 2)) | 1;
        this.refused(`gfree(${hex32(addr)})`, () => k.gfree(addr));
        return;
      }
      case "put_pages-interior": {
        const block = pick(of("pages").filter((b) => b.bytes > PAGE_SIZE));
        if (block) {
          const addr = block.addr +
            PAGE_SIZE * (1 + Math.abs(op.value) % (block.bytes / PAGE_SIZE - 1));
          this.refused(`put_pages(${hex32(addr)}) inside a pile`, () => kernel.put_pages(addr));
        }
        return;
      }
      case "put_pages-twice": {
        const block = pick(this.freed.filter((b) => b.kind === "pages"));
        if (block && !isLiveStart(block.addr)) {
          this.refused(`put_pages(${hex32(block.addr)}) twice`, () => kernel.put_pages(block.addr));
        }
        return;
      }
      case "slice_free-wrong-pool": {
        const block = pick(of("slice"));
        const other = this.pools.find((p) => block !== undefined && p !== block.pool);
        if (block && other) {
          this.refused(
            `slice_free(${hex32(block.addr)}) to another pool`,
            () => k.slice_free(block.addr, other.pool),
          );
        }
        return;
      }
      case "slice_free-twice": {
        const block = pick(this.freed.filter((b) => b.kind === "slice"));
        if (block && block.kind === "slice" && !isLiveStart(block.addr)) {
          const pool = block.pool;
          if (!this.pools.includes(pool)) return; // recycled since: another misuse
          this.refused(`slice_free(${hex32(block.addr)}) twice`, () => {
            k.slice_free(block.addr, pool.pool);
          });
        }
        return;
      }
      case "slice_alloc-recycled-pool": {
        const pool = pick(this.deadPools);
        if (pool) this.refused("slice_alloc from a recycled pool", () => k.slice_alloc(pool));
        return;
      }
      case "recycle-busy-pool": {
        const pool = pick(this.pools.filter((p) => p.live > 0));
        if (pool) {
          this.refused(
            `slice_pool_recycle of a pool with ${pool.live} live slices`,
            () => k.slice_pool_recycle(pool.pool),
            PoolBusyError,
            (error) => error.live === pool.live ? "" : `the error says ${error.live} live slices`,
          );
        }
        return;
      }
      case "vfree-interior": {
        const area = pick(of("vmalloc"));
        if (area) {
          const addr = area.addr + 1 + Math.abs(op.value) % Math.max(1, area.bytes - 1);
          this.refused(`vfree(${hex32(addr)}) inside an area`, () => kernel.vfree(addr));
        }
        return;
      }
      case "vfree-twice": {
        const area = pick(this.freed.filter((b) => b.kind === "vmalloc"));
        if (area && !isLiveStart(area.addr)) {
          this.refused(`vfree(${hex32(area.addr)}) twice`, () => kernel.vfree(area.addr));
        }
        return;
      }
      case "alloc_pages-bad-order": {
        const order = [11, -1, 0.5, 1e9, NaN][Math.abs(op.value) % 5];
        this.refused(`alloc_pages(order ${order})`, () => k.alloc_pages(GFP_KERNEL, order));
        return;
      }
      case "galloc-bad-size": {
        const size = [-1, 1.5, NaN, Infinity, -(2 ** 40)][Math.abs(op.value) % 5];
        this.refused(`galloc(${size})`, () => k.galloc(GFP_KERNEL, size));
        return;
      }
      case "galloc-bad-flags": {
        const flags = [GFP_DMA | 2, 0x80, -1, 0.5][Math.abs(op.value) % 4];
        this.refused(`galloc with flags ${flags}`, () => k.galloc(flags, 32));
        return;
      }
      case "vmalloc-bad-size": {
        const size = [-1, 1.5, NaN, -4096][Math.abs(op.value) % 4];
        this.refused(`vmalloc(${size})`, () => kernel.vmalloc(size));
        return;
      }
      case "pool-bad-size": {
        const size = [0, -8, 32769, 2.5][Math.abs(op.value) % 4];
        this.refused(
          `slice_pool_create(size ${size})`,
          () => k.slice_pool_create(GFP_KERNEL, size),
        );
        return;
      }
    }
  }
}

/** The part of the API each step calls, for designs that lack some. */
const PART_OF: Partial<Record<FuzzOp["kind"], KernelPart>> = {
  pages: "pages",
  pool: "slices",
  slice: "slices",
  shrink: "slices",
  recycle: "slices",
  galloc: "generic",
  gshrink: "generic",
  vmalloc: "vmalloc",
};

/**
 * The alignment slice_alloc promises for objects of `size` bytes: the
 * design's (4 under 8 bytes), or, where it promises so, a power of two up to
 * a page to itself.
 */
function sliceAlign(size: number, align: number, powerOfTwo: boolean): number {
  if (powerOfTwo && size <= PAGE_SIZE && (size & (size - 1)) === 0) return Math.max(size, 4);
  return size < 8 ? Math.min(4, align) : align;
}
