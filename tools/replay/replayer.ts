/**
 * Replays a trace against a design's firmware on a board: every event becomes
 * a call through the seam (core/firmware.ts), timed by the board's cycle
 * counter and checked by a shadow model that shares nothing with the
 * allocators' metadata. Events of a part of the API the design lacks are
 * skipped, counted by reason.
 *
 * The design is judged, not trusted. Every call into it is guarded
 * (call_guard.ts): a refusal (KernelError) or a bus fault in a Kernel call is
 * a violation and the replay goes on; anything else it throws, a call that
 * spends its bus cycles or does not return, and a member that answers
 * nonsense break it: that is a violation naming the call and the line, the
 * design is called no more, and the replay stops with ReplayStopped. The
 * figures it reports of itself are checked against what must hold
 * (figure_checks.ts), and what GFP_ZERO promises is read back.
 *
 * A design whose calls run on the board's CPU (Firmware.cpu: a firmware
 * image) is timed by its core's counters as well: a call's bus cycles are
 * its data accesses alone, the figure that compares with designs in
 * TypeScript, and its instructions and CPU cycles are counted beside them.
 * @module
 */

import type { Board } from "../../hw/board.ts";
import type { CacheView } from "../../hw/cache/cache_view.ts";
import { BusFault } from "../../hw/bus_fault.ts";
import { CYCLES_LO } from "../../hw/cycle_counter.ts";
import { hex32 } from "../../hw/hex.ts";
import { CYCLE_COUNTER_BASE, MMU_BASE, PAGE_SIZE } from "../../hw/memory_map.ts";
import { MMU_TLB_HITS, MMU_TLB_MISSES } from "../../hw/mmu.ts";
import { MMIO_ACCESS_CYCLES } from "../../hw/timing.ts";
import { KernelError, PoolBusyError } from "../../core/errors.ts";
import { GFP_ZERO } from "../../core/gfp.ts";
import {
  type Design,
  type Firmware,
  type FirmwareCpu,
  type FirmwareStats,
  KERNEL_PARTS,
  type KernelPart,
  type PageMap,
  type PageStats,
  type PoolHandle,
  type PoolStats,
  type VmStats,
  ZERO_SIZE_PTR,
} from "../../core/firmware.ts";
import type { Rv32Counters } from "../../hw/rv32/core.ts";
import type { TraceEvent, TraceOp, TraceSink } from "../../traces/trace_event.ts";
import { type CheckMode, ShadowMemory } from "./shadow_memory.ts";
import { CycleStats, type OpFigures } from "./cycle_stats.ts";
import { type CacheFigures, CacheOpStats, cacheSide } from "./cache_stats.ts";
import { KeyTable } from "../../traces/key_table.ts";
import { MemoryTimeline, type ReplayPictures } from "./memory_timeline.ts";
import { CallGuard, type CallLimits, DesignBroken } from "./call_guard.ts";
import { firmwareTraits } from "./firmware_traits.ts";
import { contractBreach } from "./api_contract.ts";
import {
  answerOf,
  answersDiffer,
  bootTwin,
  firstRamDifference,
  NOT_IN_RAM,
  ramDiffers,
} from "./twin_board.ts";
import {
  pageCountProblems,
  pageMapProblems,
  pagesInUseProblem,
  pageStatsShapeProblem,
  statsShapeProblem,
} from "./figure_checks.ts";

/** Options of a {@link Replayer}. */
export interface ReplayOptions extends CallLimits {
  /**
   * The design replayed, to check at the end that its state is all in the
   * board's RAM (twin_board.ts): every live block is given back on this
   * board and on a twin given its RAM, untimed, and a different answer or
   * RAM is a violation. For designs whose state could be elsewhere (a
   * module in TypeScript); not done for a design on the board's CPU, nor
   * once a violation was found. Default: not done.
   */
  twinOf?: Design;
  /** How much of each block to fill and verify; default "full". */
  check?: CheckMode;
  /** Run the allocators' own audit every this many events (0: only at the end). */
  auditEvery?: number;
  /**
   * Collect what the HTML report draws: memory over the trace, and who held
   * each page at the peak and at the end (see {@link MemoryTimeline}).
   * Default false.
   */
  pictures?: boolean;
  /**
   * Called after a bus fault in a Kernel call has been recorded as a
   * violation; a strict replay throws from here to stop. Default: go on.
   */
  onFault?: (line: number, message: string) => void;
  /**
   * Called after an allocation that failed for lack of memory has been
   * recorded; a replay that only asks whether the board is large enough
   * throws from here to stop. Default: go on.
   */
  onFailure?: (line: number, message: string) => void;
  /**
   * Count the cycles of allocations made with GFP_ZERO apart, as the ops
   * "alloc_pages (GFP_ZERO)" and "galloc (GFP_ZERO)": clearing the memory
   * costs every design alike, and would hide the allocator's own worst case.
   * Default false.
   */
  zeroApart?: boolean;
  /** Stop after the event that brings the violations to this many; default: never. */
  maxViolations?: number;
  /**
   * Stop before the next batch of events once this is aborted (a replay
   * interrupted with Ctrl-C); what was found so far is reported.
   */
  signal?: AbortSignal;
}

/**
 * The ops whose call site (TraceEvent.site) a replay reads: vmalloc's, the
 * area's caller in vmallocinfo; with the debug options every allocation's,
 * for its owner tag. A tape for a replay packs only these (TraceTape's
 * siteOps), since packing every kmalloc's site cost a tenth of the parse.
 * @param debug whether the kernel is booted with the debug options
 * @returns the ops, or undefined for every op
 */
export function siteOpsRead(debug: boolean): readonly TraceOp[] | undefined {
  return debug ? undefined : ["vmalloc"];
}

/** Why a replay stopped before the trace's end. */
export type StopReason =
  | "strict"
  | "failure"
  | "design"
  | "violations"
  | "interrupted";

/**
 * Thrown from a replay's sink to stop it: a --strict stop, the first
 * allocation failure of a probe, a design that broke, too many violations,
 * an interruption. What was found up to there stands.
 */
export class ReplayStopped extends Error {
  /** The trace line where it stopped. */
  readonly line: number;
  /** Why. */
  readonly reason: StopReason;

  /**
   * Says where and why the replay stopped.
   * @param line the trace line where it stopped
   * @param message what stopped it
   * @param reason why, in a word
   */
  constructor(line: number, message: string, reason: StopReason) {
    super(message);
    this.name = "ReplayStopped";
    this.line = line;
    this.reason = reason;
  }
}

/** Owner tags the replayer gives to call sites, for kernels booted with the debug options. */
class OwnerTags {
  readonly #bySite = new Map<string, number>();
  readonly #sites: string[] = [""];

  /** The tag of a call site (0 for none). */
  tag(site: string): number {
    if (site === "") return 0;
    let tag = this.#bySite.get(site);
    if (tag === undefined) {
      this.#bySite.set(site, tag = this.#sites.length);
      this.#sites.push(site);
    }
    return tag;
  }

  /** A firmware report with each "owner #N" followed by its call site. */
  name(report: string): string {
    return report.replace(/owner #(\d+)/g, (text, n) => {
      const site = this.#sites[Number(n)];
      return site === undefined || site === "" ? text : `${text} (${site})`;
    });
  }
}

/** A check that failed: what, and the event that caused it. */
export interface Violation {
  /** Trace line of the event (0: before the first event). */
  line: number;
  /** What went wrong. */
  message: string;
}

/** An allocation the firmware could not serve. */
export interface AllocationFailure {
  /** Trace line of the event. */
  line: number;
  /** The Kernel method called. */
  op: string;
  /** Bytes (or, for alloc_pages, the order) asked for. */
  request: string;
  /** Free piles per order, all zones together, at that moment. */
  freeByOrder: number[];
}

/** Memory figures of a replay. */
export interface MemoryFigures {
  /** Peak of live requested bytes: objects' requested sizes plus page allocations at full size. */
  peakRequestedBytes: number;
  /** The trace line where that peak was reached. */
  peakLine: number;
  /** At that peak: bytes of the live objects alone, as requested. */
  objectRequestedBytes: number;
  /**
   * At that peak: bytes the design handed out for those objects (their slot
   * and class sizes, headers included: see Firmware.gtaken).
   */
  objectAllocatedBytes: number;
  /** At that peak: bytes the traced kernel handed out for them (Linux's bytes_alloc). */
  linuxAllocatedBytes: number;
  /** At that peak: bytes of live page allocations. */
  pageBytes: number;
  /** At that peak: bytes of live vmalloc areas, as requested. */
  vmallocBytes: number;
  /** Peak of pages the allocators held (all but free and firmware pages), in bytes. */
  peakFootprintBytes: number;
  /** Firmware structures at the start of RAM, in bytes. */
  firmwareBytes: number;
}

/** The allocators' tables, as `stats()` gives them at the end. */
export interface ReplayTables {
  /** Page counts, like /proc/buddyinfo. */
  pages: PageStats;
  /** Every pool, like /proc/slabinfo. */
  slices: PoolStats[];
  /** The vmalloc window and areas, for a design with vmalloc. */
  vm?: VmStats;
}

/**
 * One kind of operation's figures on the CPU: the instructions each call
 * ran, and the CPU cycles it took. Each is an OpFigures whose `cycles`,
 * `worst` and `histogram` count what the name says: `instructions.cycles.p99`
 * is the 99th percentile of instructions per call.
 */
export interface CpuOpFigures {
  /** Instructions per call. */
  instructions: OpFigures;
  /**
   * CPU cycles per call: the bus's cycles of its fetches and of its loads and
   * stores, and the cycles the timing model adds.
   */
  cycles: OpFigures;
}

/** What a design that runs on the board's CPU did there (see ReplayResult.cpu). */
export interface CpuFigures {
  /** The core's timing model, by name. */
  timing: string;
  /** Per kind of operation, under the names `ops` uses. */
  ops: Record<string, CpuOpFigures>;
}

/** Everything a replay found. */
export interface ReplayResult {
  /** Events read (lines that are events). */
  events: number;
  /** Events replayed as Kernel calls. */
  applied: number;
  /** Events replayed as nothing, counted by reason. */
  skipped: Record<string, number>;
  /** Lines that are not valid events: how many, and the first ones. */
  problems: { count: number; first: Violation[] };
  /** Failed checks: how many. */
  violations: number;
  /** The first failed checks. */
  violationList: Violation[];
  /**
   * The violation that broke the design (it threw, spent its cycles, did
   * not return, or answered nonsense), after which it was called no more:
   * no audit at the end, no tables. Null when it never broke.
   */
  designBroken: Violation | null;
  /** Allocations the firmware could not serve: how many. */
  failures: number;
  /** The first of those. */
  failureList: AllocationFailure[];
  /**
   * Bus cycles per Kernel method. For a design that runs on the board's CPU
   * (a firmware image), the cycles of its data accesses alone, its loads and
   * stores: the figure that compares across designs, since every bus access
   * of a design in TypeScript is a data access (`cpu` has the rest).
   */
  ops: Record<string, OpFigures>;
  /**
   * For a design that runs on the board's CPU (Firmware.cpu): the core's
   * timing model, and per kind of operation the instructions and the CPU
   * cycles of its calls. Absent for other designs.
   */
  cpu?: CpuFigures;
  /** Memory at the peak. */
  memory: MemoryFigures;
  /** How the trace was recorded. */
  trace: {
    /** CPUs that made calls. */
    cpus: number[];
    /** Frees on another CPU than their allocation. */
    crossCpuFrees: number;
    /** Events the tracer reported lost. */
    lostEvents: number;
    /** Allocations of a key still live: the old block was freed first (an unseen free). */
    implicitFrees: number;
  };
  /** The MMU's TLB over the replay (the checker's accesses to vmalloc areas). */
  tlb: { hits: number; misses: number; hitRate: number };
  /** The allocators' tables at the end; null when the design broke (or its stats did). */
  tables: ReplayTables | null;
  /** With the `pictures` option: what the HTML report draws. */
  pictures?: ReplayPictures;
  /**
   * On a board with a data cache: per kind of operation (the names `ops`
   * uses) what its calls did in the cache, and each cache's totals. Absent
   * on a board without one.
   */
  cache?: CacheFigures;
}

/** How the firmware's debug reports start on the console. */
const BUG_PREFIX = "pagepile: BUG ";

/** Lists stop growing here; their counts go on. */
const LIST_LIMIT = 100;

const enum Kind {
  Pages,
  Slice,
  Generic,
  Vmalloc,
}

/** The call that allocates a block of each kind, for messages. */
const ALLOCATED_BY = ["alloc_pages", "slice_alloc", "galloc", "vmalloc"] as const;

/** A live block, as the replayer knows it. */
interface Block {
  kind: Kind;
  /** Physical address (Pages: of the pile; the struct page is `page`). */
  addr: number;
  /** Bytes requested (Pages: the pile's bytes). */
  size: number;
  /** Bytes handed out. */
  usable: number;
  /** Bytes the traced kernel handed out (objects), or 0. */
  linuxBytes: number;
  /** Pattern id. */
  id: number;
  /** The trace line that allocated it. */
  line: number;
  cpu: number;
  page: number;
  pool: PoolEntry | undefined;
}

interface PoolEntry {
  handle: PoolHandle | null;
  /** Why its slices' allocations and frees are skipped, when it could not be created. */
  missing: { alloc: string; free: string } | null;
  /** The pool's record in RAM, which the shadow counts as the firmware's. */
  record: { address: number; bytes: number };
  size: number;
  slotSize: number;
  align: number;
  /** Whether it was created with GFP_ZERO: every slice must come zeroed. */
  zero: boolean;
  /** The cache name a free revealed, for reports. */
  cacheName: string;
  /** Slices of this pool live in the trace. */
  live: number;
}

/** A figure problem seen before: the violation listed for it, and how often it came back. */
interface Recurring {
  violation: Violation | undefined;
  again: number;
}

/**
 * Replays events into a Kernel. A {@link TraceSink}: hand it to `readTrace`,
 * then read {@link result}.
 *
 * @example
 * ```ts
 * import { Board, boot, readTrace, Replayer } from "@pagepile/pagepile";
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "# pagepile trace 1\ngalloc 0x10 0 24\ngfree 0x10\n");
 * const replayer = new Replayer(boot(new Board({ ramBytes: 1024 * 1024 })));
 * await readTrace(path, replayer);
 * const result = replayer.finish();
 * console.log(result.applied, result.violations); // 2 0
 * ```
 */
export class Replayer implements TraceSink {
  readonly #k: Firmware;
  readonly #guard: CallGuard;
  /** Why each op the design lacks is skipped, by op. */
  readonly #unsupported = new Map<string, string>();
  /** The alignment the design promises for objects (see promisedAlign). */
  #align = 8;
  #powerOfTwoAlign = false;
  #maxSliceSize = Infinity;
  #hasGtaken = false;
  #hasPageStats = false;
  #hasPageMap = false;
  #hasDebugReports = false;
  /** The CPU the design's calls run on (a firmware image's core), if they run on one. */
  #cpu: FirmwareCpu | undefined;
  /** The CPU's counters before the Kernel call in progress. */
  #cpuBefore: Rv32Counters | undefined;
  /** Instructions and CPU cycles per op, for a design on the CPU. */
  readonly #cpuOps = new Map<string, { instructions: CycleStats; cycles: CycleStats }>();
  readonly #board: Board;
  readonly #shadow: ShadowMemory;
  readonly #auditEvery: number;
  readonly #pages = new KeyTable<Block>();
  readonly #objects = new KeyTable<Block>();
  readonly #areas = new KeyTable<Block>();
  /**
   * Keys of page and object allocations that were skipped or failed, with
   * the reason their free is skipped for: so that the free is counted with
   * its allocation, not as a free of something never allocated.
   */
  readonly #unallocatedPages = new KeyTable<string>();
  readonly #unallocatedObjects = new KeyTable<string>();
  readonly #pools = new Map<string, PoolEntry>();
  readonly #ops = new Map<string, CycleStats>();
  readonly #skipped: Record<string, number> = {};
  /** cpuSeen[n] is 1 once CPU n made a call (ftrace prints CPU numbers of 3 digits). */
  readonly #cpuSeen = new Uint8Array(1000);
  /** Freed Block records, reused by the next allocations (fewer objects for the GC). */
  readonly #spareBlocks: Block[] = [];
  readonly #problems: Violation[] = [];
  readonly #violations: Violation[] = [];
  readonly #failures: AllocationFailure[] = [];
  /** Figure problems already reported once, by kind: they are listed once, their repeats counted. */
  readonly #recurring = new Map<string, Recurring>();
  #problemCount = 0;
  #skippedCount = 0;
  #violationCount = 0;
  #failureCount = 0;
  #events = 0;
  #applied = 0;
  #nextId = 1;
  #crossCpuFrees = 0;
  #lost = 0;
  #implicitFrees = 0;
  #liveObjectRequested = 0;
  #liveObjectAllocated = 0;
  #liveLinux = 0;
  #livePageBytes = 0;
  #liveVmallocBytes = 0;
  /** The line of the event being replayed (0 before the first). */
  #line = 0;
  /** The violation that broke the design; once set, nothing more is asked of it. */
  #broken: Violation | null = null;
  /** Whether blocks' contents are checked (not with check "off"): patterns, and GFP_ZERO. */
  readonly #checkContents: boolean;
  readonly #maxViolations: number;
  readonly #signal: AbortSignal | undefined;
  readonly #memory: MemoryFigures;
  readonly #timeline: MemoryTimeline | undefined;
  readonly #onFault: ((line: number, message: string) => void) | undefined;
  readonly #onFailure: ((line: number, message: string) => void) | undefined;
  readonly #zeroApart: boolean;
  /** With a debug kernel: call-site tags, and how much of the console was read. */
  #owners: OwnerTags | undefined;
  #consoleRead = 0;
  #reportsSeen = 0;
  /** The board's debug-port calls before the Kernel call in progress. */
  #debugBefore = 0;
  /** The board's data cache, null without one; its counts per op, and before the call in progress. */
  readonly #cache: CacheView | null;
  readonly #cacheOps = new Map<string, CacheOpStats>();
  #cacheAccessesBefore = 0;
  #cacheMissesBefore = 0;
  #cacheWriteBacksBefore = 0;
  /** The high word of the cycle count when the replay last read it (see #readCycles). */
  #cyclesHigh = 0;
  /** The design to check the state of at the end (ReplayOptions.twinOf), and the limits on its calls. */
  readonly #twinOf: Design | undefined;
  readonly #limits: CallLimits;

  /**
   * Starts a replay into `firmware`, claiming its reserved area in the
   * shadow. What the firmware says of itself is read now, guarded: a
   * firmware that throws or answers nonsense gives a replayer that reports
   * so at line 0 and replays nothing.
   * @param firmware a freshly booted design to replay into
   * @param options check mode, audit interval, limits on each call
   */
  constructor(firmware: Firmware, options: ReplayOptions = {}) {
    this.#k = firmware;
    this.#twinOf = options.twinOf;
    this.#limits = options;
    this.#board = firmware.board;
    this.#cache = this.#board.dataCache;
    // The caches see the design's boot and the Kernel calls the replay times,
    // nothing of the replay's own work: its checks and its reads of the
    // design's figures bypass them (#clock lets a call through), so that the
    // cache figures do not depend on the check mode or the pictures.
    this.#board.bypassCaches = true;
    this.#guard = new CallGuard(this.#board, options);
    this.#auditEvery = options.auditEvery ?? 0;
    this.#onFault = options.onFault;
    this.#onFailure = options.onFailure;
    this.#zeroApart = options.zeroApart ?? false;
    this.#maxViolations = options.maxViolations ?? Infinity;
    this.#checkContents = (options.check ?? "full") !== "off";
    this.#signal = options.signal;
    let stats: FirmwareStats | null = null;
    try {
      this.#learnTraits();
      stats = this.#stats();
    } catch (error) {
      if (!(error instanceof DesignBroken)) throw error;
      this.#breakDown(0, error.message);
    }
    this.#shadow = new ShadowMemory(
      this.#board,
      options.check ?? "full",
      stats?.vm?.window ?? { start: 0, bytes: 0 },
    );
    this.#shadow.nameOverlap = (addr) => this.#whatIsAt(addr);
    const firmwareBytes = Math.min(stats?.pages.reserved ?? 0, stats?.pages.total ?? 0) *
      PAGE_SIZE;
    this.#shadow.claimReserved(firmwareBytes);
    if (stats !== null) this.#checkPageCounts(stats.pages);
    this.#timeline = options.pictures
      ? new MemoryTimeline({
        ramBytes: this.#board.ramBytes,
        pageMap: () => this.#pageMap(),
        footprintBytes: () => this.#pagesInUse() * PAGE_SIZE,
        freeByOrder: () => this.#pageCounts().freeByOrder,
      })
      : undefined;
    this.#memory = {
      peakRequestedBytes: 0,
      peakLine: 0,
      objectRequestedBytes: 0,
      objectAllocatedBytes: 0,
      linuxAllocatedBytes: 0,
      pageBytes: 0,
      vmallocBytes: 0,
      peakFootprintBytes: 0,
      firmwareBytes,
    };
  }

  /**
   * Boots `design` on `board`, guarded as every call of a replay is, and
   * starts a replay into it. A design that throws, loops or returns no
   * firmware at boot gives a replayer that reports so (at line 0) and
   * replays nothing.
   * @param design the design
   * @param board a board fresh from power-on
   * @param options the replay's options, and whether to boot with the debug options
   * @returns the replayer
   * @example
   * ```ts
   * import { Board, pagepileDesign, Replayer } from "@pagepile/pagepile";
   * const replayer = Replayer.boot(pagepileDesign, new Board({ ramBytes: 1024 * 1024 }));
   * console.log(replayer.finish().violations); // 0
   * ```
   */
  static boot(
    design: Design,
    board: Board,
    options: ReplayOptions & { debug?: boolean } = {},
  ): Replayer {
    const guard = new CallGuard(board, options);
    let firmware: Firmware;
    try {
      const limit = options.maxCallInstructions;
      const bootOptions = {
        debug: options.debug ?? false,
        ...(limit === undefined ? {} : { maxCallInstructions: limit }),
      };
      firmware = guard.call("boot", () => design.boot(board, bootOptions));
      if (typeof firmware !== "object" || firmware === null || firmware.board !== board) {
        throw new DesignBroken(
          "boot",
          `boot returned ${firmware}, not a firmware on the board it was given`,
        );
      }
    } catch (error) {
      if (!(error instanceof DesignBroken)) throw error;
      firmware = unbooted(board, error);
    }
    return new Replayer(firmware, options);
  }

  /** Replays one event. */
  event(e: TraceEvent): void {
    if (this.#broken !== null) {
      throw new ReplayStopped(this.#broken.line, this.#broken.message, "design");
    }
    this.#line = e.line;
    try {
      const timeline = this.#timeline;
      if (timeline !== undefined && !ALLOCATING.has(e.op)) timeline.beforeRelease();
      this.#replay(e);
      if (this.#owners !== undefined) this.#collectReports(e.line);
      timeline?.afterEvent(
        this.#events,
        e.line,
        this.#liveObjectRequested + this.#livePageBytes + this.#liveVmallocBytes,
      );
    } catch (error) {
      this.#board.bypassCaches = true;
      // An event whose call was made when the replay stopped counts as applied.
      if (this.#events > this.#applied + this.#skippedCount) this.#applied++;
      throw this.#stopOn(error, e.line);
    }
    if (this.#violationCount >= this.#maxViolations) {
      throw new ReplayStopped(
        e.line,
        `${this.#violationCount.toLocaleString("en-US")} violations (--max-violations)`,
        "violations",
      );
    }
  }

  /**
   * Runs a batch of this sink's calls (deliverBatch hands over 4,096 events
   * at a time) under the watchdog: a call that does not return within its
   * time breaks the design. Stops first if the replay was interrupted.
   * @param deliver the batch
   * @throws {ReplayStopped} when the design broke or the replay was interrupted
   */
  runBatch(deliver: () => void): void {
    if (this.#signal?.aborted) {
      throw new ReplayStopped(this.#line, "the replay was interrupted (Ctrl-C)", "interrupted");
    }
    try {
      this.#guard.watch(deliver);
    } catch (error) {
      if (error instanceof DesignBroken) {
        // The watchdog ends the call from outside: event()'s handler never
        // ran, and the event whose call was made counts as applied here.
        if (this.#events > this.#applied + this.#skippedCount) this.#applied++;
        throw this.#breakDown(this.#line, error.message);
      }
      throw error;
    }
  }

  #replay(e: TraceEvent): void {
    this.#events++;
    if (e.cpu >= 0 && e.cpu < 1000) this.#cpuSeen[e.cpu] = 1;
    try {
      if (!this.#apply(e)) return;
    } catch (error) {
      this.#board.bypassCaches = true; // the call ended, uncharged
      // A Kernel call may refuse, or fault on the bus, and the replay goes
      // on; whatever else is thrown breaks the design (event() says so), or
      // is the replayer's own (calling is "" outside the design).
      const call = this.#guard.calling;
      const refusedOrFaulted = error instanceof KernelError || error instanceof BusFault;
      if (!KERNEL_CALLS.has(call) || !refusedOrFaulted || this.#guard.spent) throw error;
      this.#guard.reset();
      // The firmware refused or faulted on a call whose arguments the API
      // takes (#apply checked them) and the shadow model says is valid: the
      // allocator's fault, whatever it blames.
      if (error instanceof BusFault) {
        const message = `${call} faulted: ${error.message}`;
        this.#violation(e.line, message);
        this.#onFault?.(e.line, message);
        return;
      }
      this.#violation(e.line, `${call} was refused: ${error.message}`);
    }
    this.#applied++;
    this.#trackMemory(e);
    if (this.#auditEvery > 0 && this.#applied % this.#auditEvery === 0) this.#audit(e.line);
  }

  /** Records a line that is not a valid event. */
  problem(line: number, message: string): void {
    this.#problemCount++;
    if (this.#problems.length < LIST_LIMIT) this.#problems.push({ line, message });
  }

  /** Records events the tracer lost. */
  lost(_line: number, count: number): void {
    this.#lost += count;
  }

  /** Events read so far. */
  get events(): number {
    return this.#events;
  }

  /**
   * Ends the replay: verifies every block still live, runs the audit, checks
   * the design's figures, and returns them. A design that broke is asked
   * nothing more: its blocks are verified, but there is no audit and no tables.
   * @param lastLine the trace's last line, for what is found at the end
   */
  finish(lastLine = 0): ReplayResult {
    // The caches' totals cover the replay's calls and the checks between
    // them, not the checks and audit of the end.
    const cache = this.#cacheFigures();
    for (const table of [this.#pages, this.#objects, this.#areas]) {
      for (const block of table.values()) {
        this.#verifyBlock(block, lastLine, false);
      }
    }
    const end = this.#broken === null ? this.#endFigures(lastLine) : null;
    const tables = end?.tables ?? null;
    // Read before the check of the design's state gives every block back.
    const tlb = this.#tlb();
    if (end !== null && this.#violationCount === 0) this.#twinCheck(lastLine);
    // A broken design's pictures have no map of the end.
    const pictures = end !== null ? end.pictures : this.#timeline?.finish();
    for (const { violation, again } of this.#recurring.values()) {
      if (violation !== undefined && again > 0) {
        violation.message += ` (and again ${
          again === 1 ? "once" : `${again.toLocaleString("en-US")} times`
        } after)`;
      }
    }
    this.#recurring.clear();
    const ops: Record<string, OpFigures> = {};
    for (const [name, stats] of this.#ops) ops[name] = stats.figures();
    const cpu = this.#cpu;
    const cpuOps: Record<string, CpuOpFigures> = {};
    for (const [name, stats] of this.#cpuOps) {
      cpuOps[name] = { instructions: stats.instructions.figures(), cycles: stats.cycles.figures() };
    }
    return {
      events: this.#events,
      applied: this.#applied,
      skipped: { ...this.#skipped },
      problems: { count: this.#problemCount, first: [...this.#problems] },
      violations: this.#violationCount,
      violationList: [...this.#violations],
      designBroken: this.#broken,
      failures: this.#failureCount,
      failureList: [...this.#failures],
      ops,
      ...(cpu === undefined ? {} : { cpu: { timing: cpu.timing.name, ops: cpuOps } }),
      memory: { ...this.#memory },
      trace: {
        cpus: [...this.#cpuSeen.keys()].filter((cpu) => this.#cpuSeen[cpu] === 1),
        crossCpuFrees: this.#crossCpuFrees,
        lostEvents: this.#lost,
        implicitFrees: this.#implicitFrees,
      },
      tlb,
      tables,
      ...(pictures === undefined ? {} : { pictures }),
      ...(cache === undefined ? {} : { cache }),
    };
  }

  /**
   * At the end, with ReplayOptions.twinOf: that the design's state is all
   * in the board's RAM. Every live block is given back, untimed (the figures
   * were taken), on this board and on a twin given its RAM and MMU
   * registers; the first answer that differs, or RAM that differs after, is
   * a violation at the trace's last line.
   */
  #twinCheck(line: number): void {
    const design = this.#twinOf;
    if (design === undefined || this.#cpu !== undefined) return;
    try {
      const twin = bootTwin(
        design,
        this.#board,
        this.#k.debug === true,
        (run, board) => new CallGuard(board, this.#limits).call("boot", run),
      );
      const guard = new CallGuard(twin.board, this.#limits);
      // Every block, then gshrink and pagesInUse: what a design kept aside comes out there.
      const calls: [string, (k: Firmware) => unknown][] = [];
      for (const table of [this.#pages, this.#objects, this.#areas]) {
        for (const block of table.values()) calls.push(givingBack(block));
      }
      calls.push(["gshrink", (k) => k.gshrink()], ["pagesInUse", (k) => k.pagesInUse()]);
      for (const [call, make] of calls) {
        const here = answerOf(() => this.#guard.call(call, () => make(this.#k)));
        const differ = answersDiffer(
          call,
          here,
          answerOf(() => guard.call(call, () => make(twin))),
        );
        if (differ !== "") {
          this.#violation(line, differ);
          return;
        }
      }
      const at = firstRamDifference(this.#board, twin.board);
      if (at !== -1) this.#violation(line, ramDiffers(at));
    } catch (error) {
      if (!(error instanceof DesignBroken)) throw error;
      this.#violation(line, `${NOT_IN_RAM}: ${error.message}`);
    }
  }

  /** The caches' figures so far; undefined on a board without a data cache. */
  #cacheFigures(): CacheFigures | undefined {
    if (this.#cache === null) return undefined;
    const ops: Record<string, ReturnType<CacheOpStats["figures"]>> = {};
    for (const [name, stats] of this.#cacheOps) ops[name] = stats.figures();
    const instruction = this.#board.instructionCache;
    return {
      data: { ...cacheSide(this.#cache), ops },
      ...(instruction === null || this.#cpu === undefined
        ? {}
        : { instruction: cacheSide(instruction) }),
    };
  }

  /**
   * At the end: the audit, the design's figures checked once more (and its
   * page map), and its tables and pictures; null when the design broke on the way.
   */
  #endFigures(
    lastLine: number,
  ): { tables: ReplayTables; pictures: ReplayPictures | undefined } | null {
    this.#line = lastLine;
    try {
      return this.#guard.watch(() => {
        this.#audit(lastLine); // its page counts and pagesInUse checked with it
        const stats = this.#stats();
        // With pictures, the end's map is read (and checked) by the timeline.
        if (this.#timeline === undefined) this.#pageMap();
        const { pages, slices, vm } = stats;
        return {
          tables: { pages, slices, ...(vm === undefined ? {} : { vm }) },
          pictures: this.#timeline?.finish(),
        };
      });
    } catch (error) {
      const stop = this.#stopOn(error, lastLine);
      if (!(stop instanceof ReplayStopped)) throw stop;
      return null;
    }
  }

  #tlb(): ReplayResult["tlb"] {
    const hits = this.#board.read32(MMU_BASE + MMU_TLB_HITS);
    const misses = this.#board.read32(MMU_BASE + MMU_TLB_MISSES);
    const total = hits + misses;
    return { hits, misses, hitRate: total === 0 ? 0 : Math.round((hits / total) * 1000) / 1000 };
  }

  /** The cache name learned for each pool from the trace's frees. */
  poolNames(): Map<string, string> {
    const names = new Map<string, string>();
    for (const [key, pool] of this.#pools) {
      if (pool.cacheName !== "") names.set(key, pool.cacheName);
    }
    return names;
  }

  /**
   * Reads the firmware's promises and optional members, guarded: a member
   * that throws or is not what the seam says breaks the design.
   */
  #learnTraits(): void {
    const traits = this.#guard.call("reading its members", () => {
      try {
        return firmwareTraits(this.#k);
      } catch (error) {
        if (!(error instanceof TypeError)) throw error;
        throw new DesignBroken("reading its members", `the firmware's ${error.message}`);
      }
    });
    this.#align = traits.align;
    this.#powerOfTwoAlign = traits.powerOfTwoAlign;
    this.#maxSliceSize = traits.maxSliceSize;
    this.#hasGtaken = traits.hasGtaken;
    this.#hasPageStats = traits.hasPageStats;
    this.#hasPageMap = traits.hasPageMap;
    this.#hasDebugReports = traits.hasDebugReports;
    this.#cpu = traits.cpu;
    for (const part of traits.lacks) {
      for (const op of KERNEL_PARTS[part]) this.#unsupported.set(op, unsupportedReason(op, part));
    }
    if (traits.debug) {
      this.#owners = new OwnerTags();
      this.#consoleRead = this.#board.console.text().length;
    }
  }

  /** Replays an event; false when it was skipped or failed. */
  #apply(e: TraceEvent): boolean {
    const unsupported = this.#unsupported.get(e.op);
    if (unsupported !== undefined) return this.#skip(unsupported);
    // Arguments the API does not take are the trace's fault: no call is made.
    const breach = contractBreach(e);
    if (breach !== "") return this.#invalid(e.line, `${e.op}: ${breach}`);
    switch (e.op) {
      case "alloc_pages":
        return this.#allocPages(e);
      case "free_pages": {
        const block = this.#pages.get(e.key);
        if (block === undefined) {
          const unallocated = this.#unallocatedPages.get(e.key);
          if (unallocated !== undefined) {
            this.#unallocatedPages.delete(e.key);
            return this.#skip(unallocated);
          }
          return this.#skip(
            e.batched
              ? "batched free of a page already freed (mm_page_free_batched)"
              : "free of a page not allocated in the trace (boot-time memory, or a bulk allocation)",
          );
        }
        this.#free(block, e);
        return true;
      }
      case "slice_pool_create":
        return this.#createPool(e);
      case "slice_pool_recycle":
      case "slice_pool_shrink":
        return this.#poolCall(e);
      case "slice_alloc":
        return this.#sliceAlloc(e);
      case "galloc":
        return this.#galloc(e);
      case "slice_free":
      case "gfree":
        return this.#objectFree(e);
      case "gshrink":
        this.#timed("gshrink", "gshrink", e.line, () => this.#k.gshrink());
        return true;
      case "vmalloc":
        return this.#vmalloc(e);
      case "vfree": {
        const block = this.#areas.get(e.key);
        if (block === undefined) {
          return this.#skip("vfree of an area not allocated in the trace (before recording)");
        }
        this.#free(block, e);
        return true;
      }
      case "skip":
        return this.#skip(e.reason);
    }
  }

  #allocPages(e: TraceEvent): boolean {
    this.#freeIfLive(this.#pages, e);
    const before = this.#clock("alloc_pages");
    const page = this.#k.alloc_pages(e.flags, e.order);
    this.#charge(this.#opName("alloc_pages", e.flags), e.line, before);
    if (page === 0) {
      this.#unallocatedPages.set(e.key, FREE_OF_FAILED);
      return this.#failure(e, "alloc_pages", `order ${e.order}`);
    }
    number("alloc_pages", page, "a page");
    const guard = this.#guard;
    guard.enter("page_to_addr");
    const addr = number("page_to_addr", this.#k.page_to_addr(page), "an address");
    guard.leave();
    const size = PAGE_SIZE << e.order;
    const block = this.#block(e, Kind.Pages, addr, size, size);
    block.page = page;
    return this.#add(this.#pages, e, block, size, (e.flags & GFP_ZERO) !== 0);
  }

  #sliceAlloc(e: TraceEvent): boolean {
    const pool = this.#pools.get(e.pool);
    if (pool === undefined) {
      return this.#invalid(
        e.line,
        `slice_alloc from pool "${e.pool}", which no slice_pool_create made`,
      );
    }
    this.#freeIfLive(this.#objects, e);
    if (pool.handle === null) {
      // No such pool: its slices go unallocated, and their frees with them.
      const missing = pool.missing ?? NOT_CREATED;
      this.#unallocatedObjects.set(e.key, missing.free);
      return this.#skip(missing.alloc);
    }
    const handle = pool.handle;
    const before = this.#clock("slice_alloc");
    const addr = this.#k.slice_alloc(handle, this.#owners?.tag(e.site) ?? 0);
    this.#charge("slice_alloc", e.line, before);
    if (addr === 0) {
      this.#unallocatedObjects.set(e.key, FREE_OF_FAILED);
      return this.#failure(e, "slice_alloc", `${pool.size} bytes`);
    }
    number("slice_alloc", addr, "an address");
    pool.live++;
    const block = this.#block(e, Kind.Slice, addr, pool.size, pool.slotSize);
    block.pool = pool;
    return this.#add(this.#objects, e, block, pool.align, pool.zero);
  }

  #galloc(e: TraceEvent): boolean {
    this.#freeIfLive(this.#objects, e);
    const before = this.#clock("galloc");
    const addr = this.#k.galloc(e.flags, e.size, this.#owners?.tag(e.site) ?? 0);
    this.#charge(this.#opName("galloc", e.flags), e.line, before);
    if (addr === 0) {
      this.#unallocatedObjects.set(e.key, FREE_OF_FAILED);
      return this.#failure(e, "galloc", `${e.size} bytes`);
    }
    number("galloc", addr, "an address");
    // Asked only of an address in RAM: of any other, the shadow says what is wrong.
    const board = this.#board;
    const inRam = addr >= board.ramBase && addr < board.ramBase + board.ramBytes;
    let usable = 0;
    if (addr !== ZERO_SIZE_PTR && inRam) {
      const k = this.#k;
      const guard = this.#guard;
      const call = this.#hasGtaken ? "gtaken" : "gsize";
      guard.enter(call);
      usable = number(call, this.#hasGtaken ? k.gtaken!(addr) : k.gsize(addr), "a size");
      guard.leave();
      if (usable < e.size) {
        // Fewer bytes than asked for cannot be what a block holds: the waste
        // figure would count a lie. Counted as the request.
        this.#figureProblem(
          `${call} below the request`,
          `${call} says the ${e.size}-byte block at ${hex32(addr)} holds ${usable} bytes`,
        );
        usable = e.size;
      }
    }
    const align = e.size < 8 ? Math.min(4, this.#align) : this.#align;
    const block = this.#block(e, Kind.Generic, addr, e.size, usable);
    return this.#add(this.#objects, e, block, align, (e.flags & GFP_ZERO) !== 0);
  }

  #vmalloc(e: TraceEvent): boolean {
    this.#freeIfLive(this.#areas, e);
    const caller = e.site;
    const before = this.#clock("vmalloc");
    const addr = this.#k.vmalloc!(e.size, { caller });
    this.#charge("vmalloc", e.line, before);
    if (addr === 0) return this.#failure(e, "vmalloc", `${e.size} bytes`);
    number("vmalloc", addr, "an address");
    const usable = Math.ceil(e.size / PAGE_SIZE) * PAGE_SIZE;
    const block = this.#block(e, Kind.Vmalloc, addr, e.size, usable);
    return this.#add(this.#areas, e, block, PAGE_SIZE, false);
  }

  #objectFree(e: TraceEvent): boolean {
    if (e.op === "gfree" && e.key === 0) return this.#skip("kfree(NULL) (a no-op)");
    const block = this.#objects.get(e.key);
    if (block === undefined) {
      const unallocated = this.#unallocatedObjects.get(e.key);
      if (unallocated !== undefined) {
        this.#unallocatedObjects.delete(e.key);
        return this.#skip(unallocated);
      }
      return this.#skip(
        "free of an object not allocated in the trace (allocated before recording, or in bulk)",
      );
    }
    const freedAs = e.op === "gfree" ? Kind.Generic : Kind.Slice;
    if (block.kind !== freedAs) {
      const by = e.op === "gfree" ? "galloc" : "slice_alloc";
      return this.#invalid(e.line, `${e.op} of ${hex32(block.addr)}, which ${by} did not allocate`);
    }
    if (e.name !== "" && block.pool !== undefined) block.pool.cacheName = e.name;
    this.#free(block, e);
    return true;
  }

  #createPool(e: TraceEvent): boolean {
    if (this.#pools.get(e.pool)?.handle) {
      return this.#invalid(e.line, `slice_pool_create of pool "${e.pool}", which is already live`);
    }
    const entry: PoolEntry = {
      handle: null,
      missing: NOT_CREATED, // until it is
      record: { address: 0, bytes: 0 },
      size: e.size,
      slotSize: 0,
      // Debug slots (object, red zone, owner tag) are aligned to 8 bytes only.
      align: this.#owners === undefined
        ? promisedAlign(e.size, this.#align, this.#powerOfTwoAlign)
        : Math.min(promisedAlign(e.size, this.#align, this.#powerOfTwoAlign), 8),
      zero: (e.flags & GFP_ZERO) !== 0,
      cacheName: "",
      live: 0,
    };
    this.#pools.set(e.pool, entry);
    if (e.size > this.#maxSliceSize) {
      const lacks = `the design has no slices over ${this.#maxSliceSize} bytes`;
      entry.missing = { alloc: `slice_alloc: ${lacks}`, free: `slice_free: ${lacks}` };
      return this.#skip(`slice_pool_create: ${lacks}`);
    }
    try {
      entry.handle = this.#timed(
        "slice_pool_create",
        "slice_pool_create",
        e.line,
        () => this.#k.slice_pool_create(e.flags, e.size, { name: e.name || e.pool }),
      );
    } catch (error) {
      // A creation whose arguments the API takes (#apply checked them) and
      // whose object size the design said it has: refusing it is the design's
      // fault. Its pool's slices are then skipped, as a failed creation's.
      if (!(error instanceof KernelError) || this.#guard.calling !== "slice_pool_create") {
        throw error;
      }
      this.#guard.reset();
      this.#violation(e.line, `slice_pool_create was refused: ${error.message}`);
      return true;
    }
    const handle = entry.handle;
    if (handle === null || handle === undefined) {
      entry.handle = null;
      return this.#failure(e, "slice_pool_create", `${e.size}-byte objects`);
    }
    entry.missing = null;
    const stats = this.#guard.call("poolStats", () => this.#k.poolStats(handle));
    if (typeof stats !== "object" || stats === null) {
      throw new DesignBroken("poolStats", `poolStats returned ${stats}, not a pool's figures`);
    }
    entry.slotSize = number("poolStats", stats.slotSize, "a slot size (slotSize)");
    if (entry.slotSize < e.size) {
      // A slot smaller than its object cannot be: counted as the object.
      this.#figureProblem(
        "slotSize below the object",
        `poolStats says pool "${e.pool}" of ${e.size}-byte objects has ${entry.slotSize}-byte slots`,
      );
      entry.slotSize = e.size;
    }
    entry.record = {
      address: number("poolStats", stats.address, "an address (address)"),
      bytes: number("poolStats", stats.recordBytes, "a size (recordBytes)"),
    };
    const wrong = this.#shadow.claimFirmware(stats.address, stats.recordBytes);
    if (wrong !== undefined) {
      this.#violation(e.line, `slice_pool_create put the pool's record at ${wrong}`);
    }
    return true;
  }

  #poolCall(e: TraceEvent): boolean {
    const pool = this.#pools.get(e.pool);
    if (pool?.handle == null) {
      return this.#invalid(e.line, `${e.op} of pool "${e.pool}", which is not live`);
    }
    const handle = pool.handle;
    if (e.op === "slice_pool_shrink") {
      this.#timed(
        "slice_pool_shrink",
        "slice_pool_shrink",
        e.line,
        () => this.#k.slice_pool_shrink(handle),
      );
      return true;
    }
    if (pool.live > 0) {
      // The trace recycles a pool that still has slices: the firmware must
      // refuse, and then the trace, not the firmware, is at fault.
      const guard = this.#guard;
      try {
        guard.enter("slice_pool_recycle");
        this.#k.slice_pool_recycle(handle);
        guard.leave();
      } catch (error) {
        if (!(error instanceof PoolBusyError) || error.live !== pool.live) throw error;
        guard.reset();
        return this.#invalid(
          e.line,
          `slice_pool_recycle of pool "${e.pool}" with ${pool.live} live slices (refused)`,
        );
      }
      this.#violation(
        e.line,
        `slice_pool_recycle of pool "${e.pool}" with ${pool.live} live slices was not refused`,
      );
    } else {
      this.#timed(
        "slice_pool_recycle",
        "slice_pool_recycle",
        e.line,
        () => this.#k.slice_pool_recycle(handle),
      );
    }
    this.#shadow.releaseFirmware(pool.record.address, pool.record.bytes);
    this.#pools.delete(e.pool);
    return true;
  }

  /** An allocation of a key still live means its free went unseen: free it first. */
  #freeIfLive(table: KeyTable<Block>, e: TraceEvent): void {
    (table === this.#pages ? this.#unallocatedPages : this.#unallocatedObjects).delete(e.key);
    const old = table.get(e.key);
    if (old === undefined) return;
    this.#implicitFrees++;
    this.#free(old, e);
  }

  /** The record of a block event `e` allocated: a freed one reused, or a new one. */
  #block(e: TraceEvent, kind: Kind, addr: number, size: number, usable: number): Block {
    const block = this.#spareBlocks.pop() ?? {} as Block;
    block.kind = kind;
    block.addr = addr;
    block.size = size;
    block.usable = usable;
    block.linuxBytes = e.linuxBytes;
    block.id = this.#nextId++;
    block.line = e.line;
    block.cpu = e.cpu;
    block.page = 0;
    block.pool = undefined;
    return block;
  }

  /**
   * Claims a new block in the shadow (after checking that an allocation
   * made with GFP_ZERO came zeroed), lists it under its key and counts it live.
   */
  #add(
    table: KeyTable<Block>,
    e: TraceEvent,
    entry: Block,
    align: number,
    zeroed: boolean,
  ): boolean {
    if (zeroed && this.#checkContents && entry.addr !== ZERO_SIZE_PTR) this.#checkZeroed(e, entry);
    if (entry.kind === Kind.Vmalloc) {
      const wrong = this.#shadow.addArea(entry.id, entry.addr, entry.usable);
      if (wrong !== undefined) this.#violation(e.line, `vmalloc returned a bad area: ${wrong}`);
    } else if (entry.addr !== ZERO_SIZE_PTR) {
      const wrong = this.#shadow.add(entry.id, entry.addr, entry.size, align);
      if (wrong !== undefined) this.#violation(e.line, `${e.op} returned a bad block: ${wrong}`);
    }
    // Listed only now, so that an overlap is never named after the new block itself.
    table.set(e.key, entry);
    if (entry.kind === Kind.Pages) {
      this.#livePageBytes += entry.size;
    } else if (entry.kind === Kind.Vmalloc) {
      this.#liveVmallocBytes += entry.size;
    } else {
      this.#liveObjectRequested += entry.size;
      this.#liveObjectAllocated += entry.usable;
      this.#liveLinux += entry.linuxBytes || entry.size;
    }
    return true;
  }

  /** Reads a block handed out with GFP_ZERO through the debug port: every byte must be 0. */
  #checkZeroed(e: TraceEvent, block: Block): void {
    const board = this.#board;
    const at = board.debugFindMismatch(block.addr, block.size, 0);
    if (at === -1) return;
    const byte = (board.debugRead32(at & ~3) >>> ((at & 3) * 8)) & 0xFF;
    this.#violation(
      e.line,
      `${e.op} with GFP_ZERO handed out ${hex32(block.addr)} + ${block.size} bytes ` +
        `not zeroed: the byte at ${hex32(at)} is 0x${byte.toString(16).padStart(2, "0")}`,
    );
  }

  /** Verifies, then frees a block the way it was allocated; its record is then reused. */
  #free(block: Block, e: TraceEvent): void {
    this.#verifyBlock(block, e.line, true);
    if (block.kind === Kind.Vmalloc) {
      this.#areas.delete(e.key);
      this.#shadow.removeArea(block.addr, block.usable);
      this.#liveVmallocBytes -= block.size;
      const before = this.#clock("vfree");
      this.#k.vfree!(block.addr);
      this.#charge("vfree", e.line, before);
      this.#spareBlocks.push(block);
      return;
    }
    const table = block.kind === Kind.Pages ? this.#pages : this.#objects;
    if (block.addr !== ZERO_SIZE_PTR) this.#shadow.remove(block.addr, block.size);
    table.delete(e.key);
    if (block.cpu >= 0 && e.cpu >= 0 && block.cpu !== e.cpu) this.#crossCpuFrees++;
    if (block.kind === Kind.Pages) {
      this.#livePageBytes -= block.size;
      const before = this.#clock("free_pages");
      this.#k.free_pages(block.page);
      this.#charge("free_pages", e.line, before);
      this.#spareBlocks.push(block);
      return;
    }
    this.#liveObjectRequested -= block.size;
    this.#liveObjectAllocated -= block.usable;
    this.#liveLinux -= block.linuxBytes || block.size;
    if (block.kind === Kind.Slice) {
      const handle = block.pool!.handle!;
      const before = this.#clock("slice_free");
      this.#k.slice_free(block.addr, handle);
      this.#charge("slice_free", e.line, before);
      block.pool!.live--;
    } else {
      const before = this.#clock("gfree");
      this.#k.gfree(block.addr);
      this.#charge("gfree", e.line, before);
    }
    this.#spareBlocks.push(block);
  }

  /** Verifies a block when it is freed, or at the end of the trace. */
  #verifyBlock(block: Block, line: number, freed: boolean): void {
    if (block.addr === ZERO_SIZE_PTR) return;
    const changed = block.kind === Kind.Vmalloc
      ? this.#shadow.verifyArea(block.id, block.addr, block.usable)
      : this.#shadow.verify(block.id, block.addr, block.size);
    if (changed !== -1) {
      // Worded only now: most blocks are freed unchanged.
      this.#violation(
        line,
        `${describe(block)} changed at ${hex32(changed)} ${
          freed ? "when freed" : "by the end of the trace"
        }`,
      );
    }
  }

  /**
   * What lies at `addr`, which a new block overlaps: the reserved pages, a
   * pool's record, or a live block and the line that allocated it. Searched
   * only for violations that will be listed.
   */
  #whatIsAt(addr: number): string | undefined {
    if (this.#violations.length >= LIST_LIMIT) return undefined;
    const board = this.#board;
    const reserved = this.#memory?.firmwareBytes ?? 0;
    if (addr >= board.ramBase && addr < board.ramBase + reserved) {
      return `the firmware's reserved pages (${hex32(board.ramBase)} + ${reserved} bytes)`;
    }
    for (const [name, pool] of this.#pools) {
      const { address, bytes } = pool.record;
      if (pool.handle !== null && addr >= address && addr < address + bytes) {
        return `the record of pool "${name}" (${hex32(address)} + ${bytes} bytes)`;
      }
    }
    for (const table of [this.#pages, this.#objects]) {
      for (const block of table.values()) {
        if (addr >= block.addr && addr < block.addr + Math.max(block.size, 1)) {
          return describe(block);
        }
      }
    }
    for (const area of this.#areas.values()) {
      for (let offset = 0; offset < area.usable; offset += PAGE_SIZE) {
        const physical = board.debugTranslate(area.addr + offset);
        if (physical !== -1 && addr >= physical && addr < physical + PAGE_SIZE) {
          return `page ${offset / PAGE_SIZE} (${hex32(physical)}) of ${describe(area)}`;
        }
      }
    }
    return undefined;
  }

  /** The name an allocation's cycles are counted under (see ReplayOptions.zeroApart). */
  #opName(op: "alloc_pages" | "galloc", flags: number): string {
    return this.#zeroApart && (flags & GFP_ZERO) !== 0 ? `${op} (GFP_ZERO)` : op;
  }

  /** Calls `fn`, the Kernel call `call`, charging its bus cycles to `op`. */
  #timed<T>(call: string, op: string, line: number, fn: () => T): T {
    const before = this.#clock(call);
    const result = fn();
    this.#charge(op, line, before);
    return result;
  }

  /**
   * The cycle count, read as a read of the cycle counter's CYCLES_LO through
   * the bus reads it: the count before the read, which then costs
   * MMIO_ACCESS_CYCLES. Through the bus itself only when the count's high
   * word changed since the last read, so that CYCLES_HI, which a CYCLES_LO
   * read latches, holds what it did when every read went through the bus;
   * otherwise the board is charged the read's cycles directly, saving the
   * bus's dispatch to the device. No limit is set between calls, so the read
   * is never refused.
   * @returns the count before the read
   */
  #readCycles(): number {
    const board = this.#board;
    const cycles = board.cycles;
    const high = Math.floor(cycles / 0x1_0000_0000);
    if (high !== this.#cyclesHigh) {
      this.#cyclesHigh = high;
      board.read32(CYCLE_COUNTER_BASE + CYCLES_LO);
    } else {
      board.cycles = cycles + MMIO_ACCESS_CYCLES;
    }
    return cycles;
  }

  /**
   * The cycle count before the Kernel call `call` (see #readCycles), which
   * it enters (and the CPU's counters, for a design on it).
   */
  #clock(call: string): number {
    const board = this.#board;
    const before = this.#readCycles();
    this.#debugBefore = board.debugAccesses;
    const cache = this.#cache;
    if (cache !== null) {
      this.#cacheAccessesBefore = cache.accesses;
      this.#cacheMissesBefore = cache.misses;
      this.#cacheWriteBacksBefore = cache.writeBacks;
    }
    board.bypassCaches = false;
    this.#guard.enter(call);
    if (this.#cpu !== undefined) this.#cpuBefore = this.#cpu.counters();
    return before;
  }

  /**
   * After the call: leaves it, and charges the cycles since `before` (less
   * the counter read's own) to `op`. A call that read RAM through the debug
   * port hid those reads from its cycles: a violation (but for the one write
   * of a pool's name a design on the CPU makes in slice_pool_create).
   */
  #charge(op: string, line: number, before: number): void {
    const call = this.#guard.calling;
    if (this.#cache !== null && this.#board.bypassCaches) {
      this.#figureProblem(
        `caches bypassed in ${call}`,
        `${call} set board.bypassCaches: its accesses skipped the caches, so its cycles do not ` +
          "count what a cached core pays (a Kernel call must go through the bus as it is)",
      );
    }
    this.#board.bypassCaches = true;
    const cpuAfter = this.#cpu?.counters();
    this.#guard.leave();
    const debugCalls = this.#board.debugAccesses - this.#debugBefore;
    if (debugCalls > (cpuAfter !== undefined && call === "slice_pool_create" ? 1 : 0)) {
      this.#figureProblem(
        `debug port in ${call}`,
        `${call} used the debug port, which costs no bus cycles: its cycles do not count ` +
          "what it read (a Kernel call must go through the bus)",
      );
    }
    // The counter read again, less the first read's own cycles.
    const cycles = this.#readCycles() - before - MMIO_ACCESS_CYCLES;
    let stats = this.#ops.get(op);
    if (stats === undefined) this.#ops.set(op, stats = new CycleStats());
    if (this.#cache !== null) this.#chargeCache(op, line);
    if (cpuAfter === undefined) {
      stats.add(cycles, line);
      return;
    }
    this.#chargeCpu(op, call, line, cycles, cpuAfter, stats);
  }

  /** Charges what the call did in the data cache since #clock to `op`. */
  #chargeCache(op: string, line: number): void {
    const cache = this.#cache!;
    let stats = this.#cacheOps.get(op);
    if (stats === undefined) this.#cacheOps.set(op, stats = new CacheOpStats());
    stats.add(
      cache.accesses - this.#cacheAccessesBefore,
      cache.misses - this.#cacheMissesBefore,
      cache.writeBacks - this.#cacheWriteBacksBefore,
      line,
    );
  }

  /**
   * For a design on the CPU: charges the call's data-access cycles to `op`
   * (the figure that compares with designs in TypeScript), and its
   * instructions and CPU cycles beside them. Every bus cycle of the call
   * must be the core's: one spent outside it would be missing from its figures.
   */
  #chargeCpu(
    op: string,
    call: string,
    line: number,
    cycles: number,
    after: Rv32Counters,
    stats: CycleStats,
  ): void {
    const before = this.#cpuBefore!;
    const data = after.dataCycles - before.dataCycles;
    const core = data + after.fetchCycles - before.fetchCycles + after.extraCycles -
      before.extraCycles;
    if (core !== cycles) {
      this.#figureProblem(
        `bus outside the CPU in ${call}`,
        `${call} spent ${cycles} bus cycles, and its CPU ${core} of them: a design that runs ` +
          "on the CPU must do all of its work there (its figures count the core's accesses)",
      );
    }
    stats.add(data, line);
    let cpu = this.#cpuOps.get(op);
    if (cpu === undefined) {
      this.#cpuOps.set(op, cpu = { instructions: new CycleStats(), cycles: new CycleStats() });
    }
    cpu.instructions.add(after.instructions - before.instructions, line);
    cpu.cycles.add(cycles, line);
  }

  /** Raises the peaks; the footprint can only grow on an allocation, so it is read only then. */
  #trackMemory(e: TraceEvent): void {
    const m = this.#memory;
    const requested = this.#liveObjectRequested + this.#livePageBytes + this.#liveVmallocBytes;
    if (requested > m.peakRequestedBytes) {
      m.peakRequestedBytes = requested;
      m.peakLine = e.line;
      m.objectRequestedBytes = this.#liveObjectRequested;
      m.objectAllocatedBytes = this.#liveObjectAllocated;
      m.linuxAllocatedBytes = this.#liveLinux;
      m.pageBytes = this.#livePageBytes;
      m.vmallocBytes = this.#liveVmallocBytes;
    }
    if (ALLOCATING.has(e.op)) {
      const footprint = this.#pagesInUse() * PAGE_SIZE;
      if (footprint > m.peakFootprintBytes) m.peakFootprintBytes = footprint;
      this.#timeline?.allocated(footprint, e.line);
    }
  }

  /**
   * The design's pagesInUse(), checked: a count of pages, no fewer than the
   * live blocks and pool records lie on, no more than the board has.
   */
  #pagesInUse(): number {
    const guard = this.#guard;
    guard.enter("pagesInUse");
    const pages = number("pagesInUse", this.#k.pagesInUse(), "a count of pages");
    guard.leave();
    const covered = this.#shadow.pagesCovered;
    if (pages < covered) {
      this.#figureProblem(
        "pagesInUse below",
        `pagesInUse() is ${pages}, but the live blocks and pool records lie on ${covered} ` +
          "pages outside the reserved ones: the footprint cannot be below that",
      );
    } else if (pages > this.#board.ramBytes / PAGE_SIZE) {
      this.#figureProblem(
        "pagesInUse above",
        `pagesInUse() is ${pages}, more pages than the board has`,
      );
    }
    return pages;
  }

  /** The design's stats(), guarded and of a valid shape (else the design is broken). */
  #stats(): FirmwareStats {
    const stats = this.#guard.call("stats", () => this.#k.stats());
    const wrong = statsShapeProblem(stats);
    if (wrong !== undefined) throw new DesignBroken("stats", `stats(): ${wrong}`);
    return stats;
  }

  /** The design's page counts (pageStats, or stats().pages), guarded and checked. */
  #pageCounts(): PageStats {
    if (!this.#hasPageStats) {
      const pages = this.#stats().pages;
      this.#checkPageCounts(pages);
      return pages;
    }
    const pages = this.#guard.call("pageStats", () => this.#k.pageStats!());
    const wrong = pageStatsShapeProblem(pages);
    if (wrong !== undefined) throw new DesignBroken("pageStats", `pageStats(): ${wrong}`);
    this.#checkPageCounts(pages);
    return pages;
  }

  /** Page counts that cannot be true on this board are a violation (listed once). */
  #checkPageCounts(pages: PageStats): void {
    const problems = pageCountProblems(pages, this.#board.ramBytes / PAGE_SIZE);
    if (problems.length > 0) this.#figureProblem("page counts", `stats(): ${problems.join("; ")}`);
  }

  /**
   * The design's page map, guarded and checked against its counts; null
   * for a design without one, or one that broke.
   */
  #pageMap(): PageMap | null {
    if (!this.#hasPageMap || this.#broken !== null) return null;
    const map = this.#guard.call("pageMap", () => this.#k.pageMap!());
    if (map === null || map === undefined) return null;
    const pages = this.#pageCounts();
    const problems = pageMapProblems(map, {
      ramBase: this.#board.ramBase,
      pages: this.#board.ramBytes / PAGE_SIZE,
      pagesInUse: this.#pagesInUse(),
      reserved: pages.reserved,
    });
    if (problems.length === 0) return map;
    this.#figureProblem("page map", `pageMap(): ${problems.join("; ")}`);
    return null;
  }

  /** The debug options' new console reports: each a violation at `line`, owners named. */
  #collectReports(line: number): void {
    if (!this.#hasDebugReports) return;
    const guard = this.#guard;
    guard.enter("debugReports");
    const count = this.#k.debugReports!();
    guard.leave();
    if (count === this.#reportsSeen) return;
    this.#reportsSeen = count;
    const text = this.#board.console.text();
    const fresh = text.slice(this.#consoleRead);
    this.#consoleRead = text.length;
    for (const report of fresh.split("\n")) {
      if (report.startsWith(BUG_PREFIX)) {
        this.#violation(line, `debug: ${this.#owners!.name(report.slice(BUG_PREFIX.length))}`);
      }
    }
  }

  /** Runs the design's audit: each problem it returns is a violation; its page counts too. */
  #audit(line: number): void {
    const problems = this.#guard.call("audit", () => this.#k.audit());
    if (!Array.isArray(problems)) {
      throw new DesignBroken("audit", `audit returned ${problems}, not a list of problems`);
    }
    for (const problem of problems) this.#violation(line, `audit: ${String(problem)}`);
    this.#checkInUse(this.#pageCounts());
  }

  /** pagesInUse() must be every page but the free and the reserved ones. */
  #checkInUse(pages: PageStats): void {
    const wrong = pagesInUseProblem(this.#pagesInUse(), pages);
    if (wrong !== undefined) this.#figureProblem("pagesInUse beside stats", wrong);
  }

  /**
   * Turns what a replay of an event threw into why it stops: a design that
   * broke is reported and stopped; the replayer's own errors go through.
   */
  #stopOn(error: unknown, line: number): unknown {
    if (error instanceof ReplayStopped) return error;
    if (error instanceof DesignBroken) return this.#breakDown(line, error.message);
    if (this.#guard.calling !== "") {
      return this.#breakDown(line, this.#guard.broken(error).message);
    }
    return error;
  }

  /** Records that the design broke at `line`: a violation, and no more calls into it. */
  #breakDown(line: number, message: string): ReplayStopped {
    this.#guard.reset();
    if (this.#broken === null) {
      // Listed even past the list's limit: it is why the replay ends.
      this.#broken = { line, message };
      this.#violationCount++;
      this.#violations.push(this.#broken);
    }
    return new ReplayStopped(this.#broken.line, this.#broken.message, "design");
  }

  /**
   * A figure the design reports that cannot be true, at the current line:
   * a violation the first time, counted (not listed again) after.
   */
  #figureProblem(kind: string, message: string): void {
    const seen = this.#recurring.get(kind);
    if (seen !== undefined) {
      seen.again++;
      return;
    }
    this.#recurring.set(kind, { violation: this.#violation(this.#line, message), again: 0 });
  }

  #skip(reason: string): false {
    this.#skippedCount++;
    this.#skipped[reason] = (this.#skipped[reason] ?? 0) + 1;
    return false;
  }

  /** An allocation that returned 0: applied (the call was made), and listed. */
  #failure(e: TraceEvent, op: string, request: string): true {
    this.#failureCount++;
    if (this.#failures.length < LIST_LIMIT) {
      this.#failures.push({
        line: e.line,
        op,
        request,
        freeByOrder: this.#pageCounts().freeByOrder,
      });
    }
    this.#onFailure?.(e.line, `${op} of ${request} failed for lack of memory`);
    return true;
  }

  /** An event that cannot be replayed as it stands: listed with the problems, skipped. */
  #invalid(line: number, message: string): false {
    this.problem(line, message);
    return this.#skip("invalid event (listed under problems)");
  }

  /** Counts a violation, and lists it while the list has room. */
  #violation(line: number, message: string): Violation | undefined {
    this.#violationCount++;
    if (this.#violations.length >= LIST_LIMIT) return undefined;
    const violation = { line, message };
    this.#violations.push(violation);
    return violation;
  }
}

/** The call that gives a live block back, as messages name it, and a function that makes it on a firmware. */
function givingBack(block: Block): [string, (k: Firmware) => unknown] {
  const at = hex32(block.addr);
  switch (block.kind) {
    case Kind.Pages:
      return [`free_pages of ${at}`, (k) => k.free_pages(block.page)];
    case Kind.Slice:
      return [`slice_free of ${at}`, (k) => k.slice_free(block.addr, block.pool!.handle!)];
    case Kind.Generic:
      return [`gfree of ${at}`, (k) => k.gfree(block.addr)];
    case Kind.Vmalloc:
      return [`vfree of ${at}`, (k) => k.vfree!(block.addr)];
  }
}

/** A block as messages name it: where, how large, and the line that allocated it. */
function describe(block: Block): string {
  const what = block.kind === Kind.Vmalloc ? "area" : "block";
  return `${what} ${hex32(block.addr)} (${block.size} bytes, ${
    ALLOCATED_BY[block.kind]
  } at line ${block.line})`;
}

/**
 * A value a design returned, which must be a whole number of 32 bits.
 * @throws {DesignBroken} naming the call, when it is not
 */
function number(call: string, value: unknown, what: string): number {
  if (typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 0xFFFF_FFFF) {
    return value;
  }
  throw new DesignBroken(call, `${call} returned ${String(value)}, not ${what}`);
}

/**
 * The firmware of a design that did not boot: it holds the board, and
 * answers anything else asked of it by raising the boot's failure, which a
 * replayer reports as the design broken at boot.
 */
function unbooted(board: Board, failure: DesignBroken): Firmware {
  return new Proxy({} as Firmware, {
    get(_target, member) {
      if (member === "board") return board;
      throw failure;
    },
  });
}

/** The Kernel calls a trace's events make: each may refuse, or fault, and the replay go on. */
const KERNEL_CALLS: ReadonlySet<string> = new Set([
  "alloc_pages",
  "free_pages",
  "page_to_addr",
  "slice_pool_create",
  "slice_pool_recycle",
  "slice_pool_shrink",
  "slice_alloc",
  "slice_free",
  "galloc",
  "gfree",
  "gshrink",
  "vmalloc",
  "vfree",
]);

/** Why the slices of a pool that could not be created are skipped. */
const NOT_CREATED = {
  alloc: "allocation from a pool that could not be created",
  free: "free of an object from a pool that could not be created",
};

/** Why the free of an allocation that returned 0 is skipped. */
const FREE_OF_FAILED = "free of an allocation that failed (out of memory)";

/** Operations that can make the allocators take pages. */
const ALLOCATING: ReadonlySet<string> = new Set([
  "alloc_pages",
  "slice_pool_create",
  "slice_alloc",
  "galloc",
  "vmalloc",
]);

/**
 * The alignment slice_alloc promises for objects of `size` bytes: the
 * design's (4 under 8 bytes), or, where it promises so, a power of two up to
 * a page to itself.
 */
function promisedAlign(size: number, align: number, powerOfTwo: boolean): number {
  if (powerOfTwo && size <= PAGE_SIZE && (size & (size - 1)) === 0) return Math.max(size, 4);
  return size < 8 ? Math.min(4, align) : align;
}

/** Why an event of a part the design lacks is skipped. */
function unsupportedReason(op: string, part: KernelPart): string {
  const names: Record<KernelPart, string> = {
    pages: "page allocator",
    slices: "slice allocator",
    generic: "generic allocator",
    vmalloc: "virtual memory allocator",
  };
  return `${op}: the design has no ${names[part]}`;
}
