/**
 * The board: flash, RAM and MMIO devices behind one bus that counts cycles.
 * @module
 */

import { BusFault, type BusFaultReason } from "./bus_fault.ts";
import { CycleCountError } from "./cycle_count_error.ts";
import type { CacheConfig } from "./cache/cache_config.ts";
import { boardCacheCosts } from "./cache/cache_costs.ts";
import { CacheModel } from "./cache/cache_model.ts";
import { CacheView } from "./cache/cache_view.ts";
import { CycleLimitExceeded } from "./cycle_limit.ts";
import { ConsoleUart } from "./console_uart.ts";
import { CycleCounter } from "./cycle_counter.ts";
import { FaultStatus } from "./fault_status.ts";
import {
  CONSOLE_BASE,
  CYCLE_COUNTER_BASE,
  FAULT_STATUS_BASE,
  FLASH_BASE,
  FLASH_MAX_BYTES,
  MMIO_BLOCK_BYTES,
  MMU_BASE,
  PAGE_SIZE,
  RAM_BASE,
  RAM_DEFAULT_BYTES,
  RAM_MAX_BYTES,
  RAM_MIN_BYTES,
  SYSINFO_BASE,
} from "./memory_map.ts";
import type { MmioDevice } from "./mmio_device.ts";
import { Mmu, PTE_FRAME_MASK, PTE_PRESENT } from "./mmu.ts";
import { SysInfo } from "./sysinfo.ts";
import { FLASH_ACCESS_CYCLES, MMIO_ACCESS_CYCLES, RAM_ACCESS_CYCLES } from "./timing.ts";
import { clearBits, firstSetBit, setBits } from "./word_bits.ts";

/** Options for {@link Board}. */
export interface BoardOptions {
  /**
   * RAM size in bytes: 64 KiB to 1 GiB; a multiple of 4 KiB up to 4 MiB and a
   * multiple of 4 MiB above. Default 64 MiB.
   */
  ramBytes?: number;
  /**
   * Flash size in bytes, at FLASH_BASE: 0 (no flash) to 16 MiB, a multiple
   * of 4 KiB. Default 0.
   */
  flashBytes?: number;
  /**
   * Caches between the bus's users and memory; default none, and then every
   * access costs what the timing constants say. See {@link BoardCaches}.
   */
  cache?: BoardCaches;
}

/**
 * The board's optional caches. Each is a cost model (a CacheModel): RAM and
 * flash still hold every byte, so what the caches hold never differs from
 * memory, and the debug port, which reads and writes memory directly,
 * bypasses them and changes nothing in them.
 *
 * - `data`: every bus read and write of RAM (fill32 included, at exactly what
 *   as many write32 calls cost) and every bus read of flash (a C design's
 *   constants; as an M7's D-cache caches data reads of its flash). MMIO is
 *   never cached: a register access, and a faulting one, cost what they
 *   cost without a cache.
 * - `instruction`: the board's CPU's fetches (fetch32), from flash or RAM.
 *   Only the CPU fetches, so a board without one has no instruction side.
 *
 * With any cache, fetches stop going through the data side: without an
 * instruction cache they cost what an uncached access of their memory does.
 * A line fill from flash costs the config's missCycles plus flash's wait
 * states for each beat and the request, (1 + line / 8) x (FLASH - RAM access
 * cycles), as the board's price rule (cache_costs.ts) gives for a memory of
 * flash's access cost.
 */
export interface BoardCaches {
  /** The data cache's configuration; none when absent. */
  data?: CacheConfig;
  /** The instruction cache's configuration; none when absent. */
  instruction?: CacheConfig;
}

/** One region of the physical memory map. */
export interface MemoryRegion {
  /** What answers there: "flash", "ram" or a device name. */
  name: string;
  /** First physical address. */
  base: number;
  /** Size in bytes. */
  size: number;
}

const FOUR_MIB = 4 * 1024 * 1024;
/** Registers of one MMIO block. */
const REGISTERS_PER_BLOCK = MMIO_BLOCK_BYTES / 4;
/** Registers from SYSINFO_BASE to the end of the MMU's block, the last. */
const MMIO_REGISTERS = (MMU_BASE + MMIO_BLOCK_BYTES - SYSINFO_BASE) / 4;
/** Written marks are kept per line of RAM of 2^WRITE_LINE_SHIFT bytes (64). */
const WRITE_LINE_SHIFT = 6;
const WRITE_LINE_BYTES = 1 << WRITE_LINE_SHIFT;
/** Bits of a register's entry in the bus's access table. */
const READABLE = 1;
const WRITABLE = 2;
/** Whether this machine stores words little-endian, as the board does. */
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * A simulated board: RAM at {@link RAM_BASE}, optional flash at
 * {@link FLASH_BASE} and MMIO register blocks, reached through 8/16/32-bit
 * little-endian reads and writes on physical addresses. Every access adds its
 * cost ({@link RAM_ACCESS_CYCLES}, {@link FLASH_ACCESS_CYCLES} or
 * {@link MMIO_ACCESS_CYCLES}) to `cycles`; an access nothing answers, and a
 * store to flash, raise a {@link BusFault} and latch it in the fault-status
 * registers. RAM and flash are zero at power-on; the debug port
 * ({@link Board.debugLoad}) programs flash. `vread*`/`vwrite*` go through
 * the MMU first (a TLB miss walks the page tables with bus reads; an
 * unmapped page raises a PageFault). With caches (`options.cache`, see
 * {@link BoardCaches}), a RAM or flash access costs what the cache model
 * says instead; without one, nothing of that path runs.
 *
 * @example
 * ```ts
 * import { Board, RAM_BASE } from "@pagepile/pagepile";
 * const board = new Board({ ramBytes: 1024 * 1024 });
 * board.write32(RAM_BASE, 0xCAFEF00D);
 * console.log(board.read8(RAM_BASE).toString(16)); // "d" (little-endian)
 * console.log(board.cycles); // 4: two RAM accesses of 2 cycles
 * ```
 */
export class Board {
  /** Physical address of the first RAM byte. */
  readonly ramBase: number = RAM_BASE;
  /** RAM size in bytes. */
  readonly ramBytes: number;
  /** Flash size in bytes, at FLASH_BASE; 0 when the board has none. */
  readonly flashBytes: number;
  /** Bus cycles spent since power-on (see {@link cycles}). */
  #cycles = 0;
  /**
   * The data cache (see {@link BoardCaches}), read-only: its configuration,
   * counters and line states; null when the board has none. The model that
   * prices each access is the board's alone.
   */
  readonly dataCache: CacheView | null;
  readonly #dataModel: CacheModel | null;
  /** The instruction cache, read-only as {@link dataCache} is; null when the board has none. */
  readonly instructionCache: CacheView | null;
  readonly #instructionModel: CacheModel | null;

  /** Bus cycles spent since power-on. */
  get cycles(): number {
    return this.#cycles;
  }

  /**
   * Sets the count higher: what a driver adds that the bus does not spend
   * itself (a counter read charged without the bus's dispatch, a test's jump
   * past 32 bits). It can only grow: a design that winds it back, to hide
   * what its calls cost, is refused with a {@link CycleCountError}.
   */
  set cycles(value: number) {
    if (!(value >= this.#cycles)) throw new CycleCountError(this.#cycles, value);
    this.#cycles = value;
  }

  /**
   * Adds `cycles` (0 or more) to the count: what a CPU on the board spends
   * beyond its bus accesses, on the core's hot path (measured warm, the
   * setter there slowed the core 10 to 25%, this method about 8%). Refused,
   * as setting the count back is, when negative.
   */
  addCycles(cycles: number): void {
    if (!(cycles >= 0)) throw new CycleCountError(this.#cycles, this.#cycles + cycles);
    this.#cycles += cycles;
  }

  /**
   * While true, bus accesses skip the caches: each costs what it costs on a
   * board without them, and the caches stay as they are. A driver sets it
   * around work of its own that goes through the bus (reading a design's
   * figures, checking blocks), so that what the caches hold, and the
   * figures they give the design's calls, do not depend on that work.
   * No effect on a board without caches. Default false.
   */
  bypassCaches = false;
  /** Cycles a line fill from flash adds to each cache's missCycles (see BoardCaches). */
  readonly #dataFlashExtra: number;
  readonly #instructionFlashExtra: number;
  /** The most one 32-bit access can cost through the data cache: a bound for fill32's limit check. */
  readonly #dataWordBound: number;
  /**
   * The cycle count past which an access raises CycleLimitExceeded (see
   * limitCycles); Infinity while no limit is set. Debug-port calls lower it.
   */
  #cycleLimit = Infinity;
  /** The cycles limitCycles last allowed, for the error's message. */
  #cyclesAllowed = Infinity;
  #debugAccesses = 0;
  /** The console UART; `console.text()` is what the firmware printed. */
  readonly console: ConsoleUart = new ConsoleUart();
  /** The fault-status device, where the bus latches faults. */
  readonly #faultStatus: FaultStatus = new FaultStatus();
  /**
   * The cycle counter, which the replay reads twice per call it times: read
   * directly, not through the device table, whose call site sees every
   * device class and dispatches slowly.
   */
  readonly #cycleCounter: CycleCounter = new CycleCounter(() => this.#cycles);
  /** The MMU, which `vread*`/`vwrite*` go through. */
  readonly #mmu: Mmu = new Mmu((addr) => this.read32(addr));

  readonly #view: DataView;
  readonly #bytes: Uint8Array;
  /** Flash, which only the debug port writes. */
  readonly #flashView: DataView;
  readonly #flash: Uint8Array;
  /** RAM as 32-bit words, for the debug port's fills and compares; null on a big-endian host. */
  readonly #words: Uint32Array | null;
  /**
   * One bit per 64-byte line of RAM, set by every write to it (bus, burst or
   * debug port) and cleared by debugClearWrites: a checker that filled a
   * block can then tell which of its lines may have changed without reading
   * them all. Lines, not words, keep the marks few (a page is 64 of them, two
   * elements) at the price of reading a small block whose line another
   * block shares. Null until the first debugClearWrites, so that a board no
   * checker fills pays nothing for it: until then every line counts as written.
   */
  #written: Uint32Array | null = null;
  /** MMIO devices by block index from SYSINFO_BASE. */
  readonly #blocks: MmioDevice[] = [];
  /**
   * READABLE | WRITABLE for each register, by its index from SYSINFO_BASE:
   * the devices' declarations, flattened when they are attached so that an
   * allowed access costs no Map lookup (the declarations never change).
   */
  readonly #registerAccess = new Uint8Array(MMIO_REGISTERS);

  /**
   * Powers on a board with zeroed RAM and flash, empty caches, and its
   * cycle count at 0.
   * @param options the RAM and flash sizes, and the caches; see {@link BoardOptions}
   * @throws {CacheConfigError} when a cache's configuration fails its checks
   * @example
   * ```ts
   * import { Board, CACHE_PRESETS, RAM_BASE } from "@pagepile/pagepile";
   * const board = new Board({ ramBytes: 1024 * 1024, cache: { data: CACHE_PRESETS["cortex-m7-d"] } });
   * board.read32(RAM_BASE); // a miss: hit 1 + line fill 10
   * board.read32(RAM_BASE + 4); // a hit in the same line: 1
   * console.log(board.cycles, board.dataCache!.misses); // 12 1
   * ```
   */
  constructor(options: BoardOptions = {}) {
    const ramBytes = options.ramBytes ?? RAM_DEFAULT_BYTES;
    checkRamBytes(ramBytes);
    const flashBytes = options.flashBytes ?? 0;
    checkFlashBytes(flashBytes);
    this.ramBytes = ramBytes;
    this.flashBytes = flashBytes;
    this.#flash = new Uint8Array(flashBytes);
    this.#flashView = new DataView(this.#flash.buffer);
    const buffer = new ArrayBuffer(ramBytes);
    this.#view = new DataView(buffer);
    this.#bytes = new Uint8Array(buffer);
    this.#words = LITTLE_ENDIAN_HOST ? new Uint32Array(buffer) : null;
    this.#attach(SYSINFO_BASE, new SysInfo(ramBytes));
    this.#attach(CYCLE_COUNTER_BASE, this.#cycleCounter);
    this.#attach(CONSOLE_BASE, this.console);
    this.#attach(FAULT_STATUS_BASE, this.#faultStatus);
    this.#attach(MMU_BASE, this.#mmu);
    const data = options.cache?.data;
    const instruction = options.cache?.instruction;
    this.#dataModel = data === undefined ? null : new CacheModel(data);
    this.#instructionModel = instruction === undefined ? null : new CacheModel(instruction);
    this.dataCache = this.#dataModel === null ? null : new CacheView(this.#dataModel);
    this.instructionCache = this.#instructionModel === null
      ? null
      : new CacheView(this.#instructionModel);
    this.#dataFlashExtra = data === undefined ? 0 : flashFillExtra(data.lineBytes);
    this.#instructionFlashExtra = instruction === undefined
      ? 0
      : flashFillExtra(instruction.lineBytes);
    this.#dataWordBound = data === undefined
      ? 0
      : data.hitCycles + data.missCycles + data.writeBackCycles + data.writeThroughCycles;
    // A board with a cache serves the bus through the cached variants below,
    // set on the instance; a board without one keeps the methods above
    // untouched, so the cache costs the uncached path nothing, not even a
    // branch per access.
    if (data !== undefined) {
      this.read8 = this.#cachedRead8;
      this.read16 = this.#cachedRead16;
      this.read32 = this.#cachedRead32;
      this.write8 = this.#cachedWrite8;
      this.write16 = this.#cachedWrite16;
      this.write32 = this.#cachedWrite32;
      this.fill32 = this.#cachedFill32;
    }
    if (data !== undefined || instruction !== undefined) this.fetch32 = this.#cachedFetch32;
  }

  /** Reads a byte. */
  read8(addr: number): number {
    const offset = addr - RAM_BASE;
    if (offset >>> 0 === offset && offset < this.ramBytes) {
      if ((this.#cycles += RAM_ACCESS_CYCLES) > this.#cycleLimit) this.#limitReached();
      return this.#bytes[offset];
    }
    return this.#readOutsideRam(addr, 1);
  }

  /** Reads a little-endian 16-bit value. */
  read16(addr: number): number {
    const offset = addr - RAM_BASE;
    if (offset >>> 0 === offset && offset <= this.ramBytes - 2) {
      if ((this.#cycles += RAM_ACCESS_CYCLES) > this.#cycleLimit) this.#limitReached();
      return this.#view.getUint16(offset, true);
    }
    return this.#readOutsideRam(addr, 2);
  }

  /** Reads a little-endian 32-bit value (unsigned). */
  read32(addr: number): number {
    const offset = addr - RAM_BASE;
    if (offset >>> 0 === offset && offset <= this.ramBytes - 4) {
      if ((this.#cycles += RAM_ACCESS_CYCLES) > this.#cycleLimit) this.#limitReached();
      return this.#view.getUint32(offset, true);
    }
    return this.#readOutsideRam(addr, 4);
  }

  /**
   * Fetches an instruction word for the board's CPU: the same access, cost
   * and faults as {@link Board.read32} on the same address, looked up flash
   * first, where code usually runs. The core fetches through this method
   * alone, so that an instruction side (a cache of its own) has one seam.
   */
  fetch32(addr: number): number {
    const offset = addr - FLASH_BASE;
    if (offset >>> 0 === offset && offset <= this.flashBytes - 4) {
      if ((this.#cycles += FLASH_ACCESS_CYCLES) > this.#cycleLimit) this.#limitReached();
      return this.#flashView.getUint32(offset, true);
    }
    return this.read32(addr);
  }

  /** Writes the low byte of `value`. */
  write8(addr: number, value: number): void {
    const offset = addr - RAM_BASE;
    if (offset >>> 0 === offset && offset < this.ramBytes) {
      if ((this.#cycles += RAM_ACCESS_CYCLES) > this.#cycleLimit) this.#limitReached();
      this.#bytes[offset] = value;
      this.#markWritten(offset, offset);
      return;
    }
    this.#writeOutsideRam(addr, 1, value);
  }

  /** Writes the low 16 bits of `value`, little-endian. */
  write16(addr: number, value: number): void {
    const offset = addr - RAM_BASE;
    if (offset >>> 0 === offset && offset <= this.ramBytes - 2) {
      if ((this.#cycles += RAM_ACCESS_CYCLES) > this.#cycleLimit) this.#limitReached();
      this.#view.setUint16(offset, value, true);
      this.#markWritten(offset, offset + 1);
      return;
    }
    this.#writeOutsideRam(addr, 2, value);
  }

  /** Writes the low 32 bits of `value`, little-endian. */
  write32(addr: number, value: number): void {
    const offset = addr - RAM_BASE;
    if (offset >>> 0 === offset && offset <= this.ramBytes - 4) {
      if ((this.#cycles += RAM_ACCESS_CYCLES) > this.#cycleLimit) this.#limitReached();
      this.#view.setUint32(offset, value, true);
      this.#markWritten(offset, offset + 3);
      return;
    }
    this.#writeOutsideRam(addr, 4, value);
  }

  /**
   * Writes `value` to `words` consecutive 32-bit words of RAM from `addr`:
   * a burst that costs exactly what `words` single write32 calls cost, and
   * faults where the first of them that faults would, after the ones before
   * it. `words` is a whole number (a RangeError otherwise); 0 or less writes
   * nothing.
   */
  fill32(addr: number, words: number, value: number): void {
    const offset = addr - RAM_BASE;
    if (!Number.isInteger(words)) throw new RangeError(`fill32: ${words} is not a count of words`);
    if (words <= 0) return;
    if (
      offset >>> 0 !== offset || offset + words * 4 > this.ramBytes || offset % 4 !== 0 ||
      this.#cycles + words * RAM_ACCESS_CYCLES > this.#cycleLimit
    ) {
      // Word by word where the burst would fault or pass the cycle limit:
      // each write32 does what it would alone, up to the one that stops.
      for (let i = 0; i < words; i++) this.write32(addr + i * 4, value);
      return;
    }
    this.#fillRam(offset, words, value);
    this.#cycles += words * RAM_ACCESS_CYCLES;
  }

  /** Writes `value` to `words` (> 0) words of RAM from `offset`, a multiple of 4, marking them written. */
  #fillRam(offset: number, words: number, value: number): void {
    if (this.#words !== null) this.#words.fill(value, offset >>> 2, (offset >>> 2) + words);
    else for (let i = 0; i < words; i++) this.#view.setUint32(offset + i * 4, value, true);
    if (this.#written !== null) this.#markRangeWritten(offset, words * 4);
  }

  // The cached variants of the bus's methods, which a board with a data
  // cache (or, for fetch32, any cache) serves the bus through. Each does what
  // its uncached method does, faults and limit included; only the cost of a
  // RAM or flash access comes from the cache model instead of the constant
  // (or, while bypassCaches is set, is the constant). The RAM paths spell
  // the cost and the limit check out, as the uncached ones do: a helper
  // method there showed in profiles as calls of its own.

  #cachedRead8(addr: number): number {
    const offset = addr - RAM_BASE;
    if (offset >>> 0 === offset && offset < this.ramBytes) {
      const cycles = this.bypassCaches
        ? RAM_ACCESS_CYCLES
        : this.#dataModel!.access(addr, false, 1);
      if ((this.#cycles += cycles) > this.#cycleLimit) this.#limitReached();
      return this.#bytes[offset];
    }
    return this.#cachedReadOutsideRam(addr, 1);
  }

  #cachedRead16(addr: number): number {
    const offset = addr - RAM_BASE;
    if (offset >>> 0 === offset && offset <= this.ramBytes - 2) {
      const cycles = this.bypassCaches
        ? RAM_ACCESS_CYCLES
        : this.#dataModel!.access(addr, false, 2);
      if ((this.#cycles += cycles) > this.#cycleLimit) this.#limitReached();
      return this.#view.getUint16(offset, true);
    }
    return this.#cachedReadOutsideRam(addr, 2);
  }

  #cachedRead32(addr: number): number {
    const offset = addr - RAM_BASE;
    if (offset >>> 0 === offset && offset <= this.ramBytes - 4) {
      const cycles = this.bypassCaches
        ? RAM_ACCESS_CYCLES
        : this.#dataModel!.access(addr, false, 4);
      if ((this.#cycles += cycles) > this.#cycleLimit) this.#limitReached();
      return this.#view.getUint32(offset, true);
    }
    return this.#cachedReadOutsideRam(addr, 4);
  }

  #cachedWrite8(addr: number, value: number): void {
    const offset = addr - RAM_BASE;
    if (offset >>> 0 === offset && offset < this.ramBytes) {
      const cycles = this.bypassCaches ? RAM_ACCESS_CYCLES : this.#dataModel!.access(addr, true, 1);
      if ((this.#cycles += cycles) > this.#cycleLimit) this.#limitReached();
      this.#bytes[offset] = value;
      this.#markWritten(offset, offset);
      return;
    }
    this.#writeOutsideRam(addr, 1, value);
  }

  #cachedWrite16(addr: number, value: number): void {
    const offset = addr - RAM_BASE;
    if (offset >>> 0 === offset && offset <= this.ramBytes - 2) {
      const cycles = this.bypassCaches ? RAM_ACCESS_CYCLES : this.#dataModel!.access(addr, true, 2);
      if ((this.#cycles += cycles) > this.#cycleLimit) this.#limitReached();
      this.#view.setUint16(offset, value, true);
      this.#markWritten(offset, offset + 1);
      return;
    }
    this.#writeOutsideRam(addr, 2, value);
  }

  #cachedWrite32(addr: number, value: number): void {
    const offset = addr - RAM_BASE;
    if (offset >>> 0 === offset && offset <= this.ramBytes - 4) {
      const cycles = this.bypassCaches ? RAM_ACCESS_CYCLES : this.#dataModel!.access(addr, true, 4);
      if ((this.#cycles += cycles) > this.#cycleLimit) this.#limitReached();
      this.#view.setUint32(offset, value, true);
      this.#markWritten(offset, offset + 3);
      return;
    }
    this.#writeOutsideRam(addr, 4, value);
  }

  /**
   * fill32 through the data cache: the burst costs and counts, in the cache
   * too, exactly what as many write32 calls would (CacheModel.accessWords).
   * Where it could fault or pass the cycle limit (bounded by the dearest a
   * word can cost), word by word through write32, as the uncached fill32.
   */
  #cachedFill32(addr: number, words: number, value: number): void {
    const offset = addr - RAM_BASE;
    if (!Number.isInteger(words)) throw new RangeError(`fill32: ${words} is not a count of words`);
    if (words <= 0) return;
    if (this.bypassCaches) {
      Board.prototype.fill32.call(this, addr, words, value);
      return;
    }
    if (
      offset >>> 0 !== offset || offset + words * 4 > this.ramBytes || offset % 4 !== 0 ||
      this.#cycles + words * this.#dataWordBound > this.#cycleLimit
    ) {
      for (let i = 0; i < words; i++) this.write32(addr + i * 4, value);
      return;
    }
    this.#fillRam(offset, words, value);
    this.#cycles += this.#dataModel!.accessWords(addr, words, true);
  }

  /**
   * fetch32 on a board with a cache: through the instruction cache when
   * there is one, else at the uncached cost of flash or RAM; never through
   * the data cache. MMIO and faults as read32.
   */
  #cachedFetch32(addr: number): number {
    if (this.bypassCaches) return Board.prototype.fetch32.call(this, addr);
    const cache = this.#instructionModel;
    const flashOffset = addr - FLASH_BASE;
    if (flashOffset >>> 0 === flashOffset && flashOffset <= this.flashBytes - 4) {
      this.#spend(
        cache === null
          ? FLASH_ACCESS_CYCLES
          : this.#flashRead(cache, addr, 4, this.#instructionFlashExtra),
      );
      return this.#flashView.getUint32(flashOffset, true);
    }
    const offset = addr - RAM_BASE;
    if (offset >>> 0 === offset && offset <= this.ramBytes - 4) {
      this.#spend(cache === null ? RAM_ACCESS_CYCLES : cache.access(addr, false, 4));
      return this.#view.getUint32(offset, true);
    }
    return this.#readOutsideRam(addr, 4);
  }

  /** A read outside RAM on a board with a data cache: flash through it, MMIO (or a fault) not. */
  #cachedReadOutsideRam(addr: number, width: number): number {
    if (this.bypassCaches) return this.#readOutsideRam(addr, width);
    const offset = addr - FLASH_BASE;
    if (offset >>> 0 === offset && offset <= this.flashBytes - width) {
      this.#spend(this.#flashRead(this.#dataModel!, addr, width, this.#dataFlashExtra));
      if (width === 4) return this.#flashView.getUint32(offset, true);
      return width === 2 ? this.#flashView.getUint16(offset, true) : this.#flash[offset];
    }
    return this.#mmioRead(addr, width);
  }

  /** The cost of a read of flash through `cache`: its price, and flash's wait states on each fill. */
  #flashRead(cache: CacheModel, addr: number, width: number, fillExtra: number): number {
    const misses = cache.misses;
    const cycles = cache.access(addr, false, width);
    return cycles + (cache.misses - misses) * fillExtra;
  }

  /** Adds an access's cycles, and refuses it past the cycle limit. */
  #spend(cycles: number): void {
    if ((this.#cycles += cycles) > this.#cycleLimit) this.#limitReached();
  }

  /** Reads a byte at a virtual address, through the MMU. */
  vread8(vaddr: number): number {
    return this.read8(this.#mmu.translate(vaddr, false));
  }

  /** Reads a little-endian 16-bit value at a virtual address, through the MMU. */
  vread16(vaddr: number): number {
    if ((vaddr & 0xFFF) > 0xFFE) return this.vread8(vaddr) | (this.vread8(vaddr + 1) << 8);
    return this.read16(this.#mmu.translate(vaddr, false));
  }

  /** Reads a little-endian 32-bit value at a virtual address, through the MMU. */
  vread32(vaddr: number): number {
    if ((vaddr & 0xFFF) > 0xFFC) {
      return (this.vread16(vaddr) | (this.vread16(vaddr + 2) << 16)) >>> 0;
    }
    return this.read32(this.#mmu.translate(vaddr, false));
  }

  /** Writes a byte at a virtual address, through the MMU. */
  vwrite8(vaddr: number, value: number): void {
    this.write8(this.#mmu.translate(vaddr, true), value);
  }

  /** Writes a little-endian 16-bit value at a virtual address, through the MMU. */
  vwrite16(vaddr: number, value: number): void {
    if ((vaddr & 0xFFF) > 0xFFE) {
      this.vwrite8(vaddr, value);
      this.vwrite8(vaddr + 1, value >>> 8);
      return;
    }
    this.write16(this.#mmu.translate(vaddr, true), value);
  }

  /** Writes a little-endian 32-bit value at a virtual address, through the MMU. */
  vwrite32(vaddr: number, value: number): void {
    if ((vaddr & 0xFFF) > 0xFFC) {
      this.vwrite16(vaddr, value);
      this.vwrite16(vaddr + 2, value >>> 16);
      return;
    }
    this.write32(this.#mmu.translate(vaddr, true), value);
  }

  /**
   * Allows the bus `cycles` more cycles from now on: past them, every access
   * (bus or debug port) raises a {@link CycleLimitExceeded} instead of being
   * served, until the limit is set again. Each debug-port call counts as one
   * RAM access toward the limit, though it adds nothing to `cycles`. A driver
   * sets a limit before each call into firmware, so that firmware looping on
   * the board is stopped; Infinity (the default) lifts it.
   * @param cycles bus cycles allowed, or Infinity
   * @example
   * ```ts
   * import { Board, RAM_BASE } from "@pagepile/pagepile";
   * const board = new Board({ ramBytes: 64 * 1024 });
   * board.limitCycles(4);
   * board.read32(RAM_BASE);
   * console.log(board.cyclesLeft); // 2
   * board.limitCycles(Infinity);
   * ```
   */
  limitCycles(cycles: number): void {
    this.#cyclesAllowed = cycles;
    this.#cycleLimit = this.#cycles + cycles;
  }

  /**
   * Cycles left under the limit {@link limitCycles} set: negative once an
   * access was refused for it, Infinity without a limit.
   */
  get cyclesLeft(): number {
    return this.#cycleLimit - this.#cycles;
  }

  /**
   * Debug-port calls since power-on: a driver that times firmware by the bus
   * can tell whether a call read RAM behind the bus's back.
   */
  get debugAccesses(): number {
    return this.#debugAccesses;
  }

  /** Counts a debug-port call, and counts it toward the cycle limit as one RAM access. */
  #debugAccess(): void {
    this.#debugAccesses++;
    this.#cycleLimit -= RAM_ACCESS_CYCLES;
    if (this.#cycles > this.#cycleLimit) this.#limitReached();
  }

  #limitReached(): never {
    throw new CycleLimitExceeded(this.#cyclesAllowed);
  }

  /**
   * Translates a virtual address by walking the page tables through the
   * debug port: no bus cycles, no TLB, no fault. For checkers.
   * @returns the physical address, or -1 when the page is not mapped
   */
  debugTranslate(vaddr: number): number {
    this.#debugAccess();
    if (!this.#mmu.enabled) return vaddr;
    const peek = (addr: number): number => {
      const offset = addr - RAM_BASE;
      return this.#inRam(offset, 4) ? this.#view.getUint32(offset, true) : 0;
    };
    const pde = peek(this.#mmu.read32(0) + (vaddr >>> 22) * 4);
    if ((pde & PTE_PRESENT) === 0) return -1;
    const pte = peek((pde & PTE_FRAME_MASK) + ((vaddr >>> 12) & 0x3FF) * 4);
    if ((pte & PTE_PRESENT) === 0) return -1;
    return ((pte & PTE_FRAME_MASK) | (vaddr & 0xFFF)) >>> 0;
  }

  /**
   * Reads a little-endian 32-bit word of RAM through the debug port: no bus
   * cycles, no faults. For inspectors that picture the firmware's state.
   * @returns the word, or -1 when `addr` is not a word inside RAM
   */
  debugRead32(addr: number): number {
    this.#debugAccess();
    const offset = addr - RAM_BASE;
    return this.#inRam(offset, 4) ? this.#view.getUint32(offset, true) : -1;
  }

  /**
   * A copy of all of RAM, taken through the debug port: no bus cycles, no
   * faults. For tests and checkers that compare memory before and after; the
   * firmware never uses it.
   */
  snapshot(): Uint8Array {
    this.#debugAccess();
    return this.#bytes.slice();
  }

  /**
   * Fills `length` bytes of RAM at `addr` with the little-endian repetition
   * of `word`, through the debug port: no bus cycles, no faults. For
   * checkers that mark blocks with a pattern.
   * @returns false, filling nothing, when the range is not all in RAM
   */
  debugFill(addr: number, length: number, word: number): boolean {
    this.#debugAccess();
    const offset = addr - RAM_BASE;
    if (!this.#inRam(offset, length)) return false;
    const words = length >>> 2;
    if (this.#words !== null && offset % 4 === 0) {
      this.#words.fill(word, offset >>> 2, (offset >>> 2) + words);
    } else {
      for (let i = 0; i < words; i++) this.#view.setUint32(offset + i * 4, word, true);
    }
    for (let i = words * 4; i < length; i++) this.#bytes[offset + i] = word >>> ((i & 3) * 8);
    if (this.#written !== null && length > 0) this.#markRangeWritten(offset, length);
    return true;
  }

  /**
   * Writes `bytes` at `addr` through the debug port, into flash (which the
   * bus cannot write) or RAM: no bus cycles, no faults. This is how a
   * firmware image is programmed, as a debug probe would. RAM lines it writes
   * are marked written, as {@link debugFill} marks them.
   * @param addr the physical address of the first byte
   * @param bytes what to write
   * @returns false, writing nothing, when the range is not all in flash or all in RAM
   * @example
   * ```ts
   * import { Board, FLASH_BASE } from "@pagepile/pagepile";
   * const board = new Board({ ramBytes: 64 * 1024, flashBytes: 4096 });
   * board.debugLoad(FLASH_BASE, new Uint8Array([0x13, 0, 0, 0])); // nop
   * console.log(board.read32(FLASH_BASE).toString(16), board.cycles); // 13 4
   * ```
   */
  debugLoad(addr: number, bytes: Uint8Array): boolean {
    this.#debugAccess();
    const length = bytes.length;
    const flashOffset = addr - FLASH_BASE;
    if (flashOffset >>> 0 === flashOffset && flashOffset + length <= this.flashBytes) {
      this.#flash.set(bytes, flashOffset);
      return true;
    }
    const offset = addr - RAM_BASE;
    if (!this.#inRam(offset, length)) return false;
    this.#bytes.set(bytes, offset);
    if (this.#written !== null && length > 0) this.#markRangeWritten(offset, length);
    return true;
  }

  /**
   * Clears the written marks of the 64-byte lines of RAM that lie wholly in
   * `length` bytes at `addr`, through the debug port: from now on
   * {@link debugFindWrittenMismatch} reads such a line only once a write (of
   * the bus or the debug port) reaches it. A line the range shares with other bytes
   * keeps its mark. For checkers that fill a block with a pattern and verify
   * it later.
   * @returns false, clearing nothing, when the range is not all in RAM
   */
  debugClearWrites(addr: number, length: number): boolean {
    this.#debugAccess();
    const offset = addr - RAM_BASE;
    if (!this.#inRam(offset, length)) return false;
    this.#written ??= new Uint32Array(this.ramBytes / WRITE_LINE_BYTES / 32).fill(0xFFFF_FFFF);
    const first = (offset + WRITE_LINE_BYTES - 1) >>> WRITE_LINE_SHIFT;
    clearBits(this.#written, first, (offset + length) >>> WRITE_LINE_SHIFT);
    return true;
  }

  /**
   * Finds the first byte of `length` bytes at `addr` that differs from the
   * pattern {@link debugFill} writes for `word`, through the debug port.
   * @returns the address of that byte, or -1 when all match (or the range is not in RAM)
   */
  debugFindMismatch(addr: number, length: number, word: number): number {
    this.#debugAccess();
    const offset = addr - RAM_BASE;
    if (!this.#inRam(offset, length)) return -1;
    const want = word >>> 0;
    const words = length >>> 2;
    const ram = this.#words;
    if (ram !== null && offset % 4 === 0) {
      // Fast path: skip the matching words, then find the byte in the first that differs.
      const first = offset >>> 2;
      let i = 0;
      while (i < words && ram[first + i] === want) i++;
      if (i < words) return this.#firstDifferingByte(offset + i * 4, 4, want, addr + i * 4);
    } else {
      for (let i = 0; i < words; i++) {
        if (this.#view.getUint32(offset + i * 4, true) !== want) {
          return this.#firstDifferingByte(offset + i * 4, 4, want, addr + i * 4);
        }
      }
    }
    const tail = words * 4;
    return tail < length
      ? this.#firstDifferingByte(offset + tail, length - tail, want, addr + tail)
      : -1;
  }

  /**
   * As {@link debugFindMismatch}, but reading only the 64-byte lines written
   * since {@link debugClearWrites} last cleared them (or never cleared): a
   * checker that filled the range and cleared its marks knows the others
   * still hold the pattern.
   * @returns the address of the first differing byte, or -1 when all match (or the range is not in RAM)
   */
  debugFindWrittenMismatch(addr: number, length: number, word: number): number {
    this.#debugAccess();
    const offset = addr - RAM_BASE;
    const written = this.#written;
    if (written === null || !this.#inRam(offset, length) || length === 0) {
      return this.debugFindMismatch(addr, length, word);
    }
    const end = offset + length;
    const lines = ((end - 1) >>> WRITE_LINE_SHIFT) + 1;
    for (let line = offset >>> WRITE_LINE_SHIFT; line < lines; line++) {
      line = firstSetBit(written, line, lines);
      if (line === -1) return -1;
      // From a multiple of 4 bytes into the range, where the pattern's lanes start.
      const from = (Math.max(line * WRITE_LINE_BYTES, offset) - offset) & ~3;
      const to = Math.min((line + 1) * WRITE_LINE_BYTES, end) - offset;
      const changed = this.debugFindMismatch(addr + from, to - from, word);
      if (changed !== -1) return changed;
    }
    return -1;
  }

  /** The address of the first of `length` bytes at RAM `offset` that differs from `word`'s pattern. */
  #firstDifferingByte(offset: number, length: number, word: number, addr: number): number {
    for (let i = 0; i < length; i++) {
      // Every chunk compared starts a multiple of 4 bytes into its block: i & 3 is the lane.
      if (this.#bytes[offset + i] !== ((word >>> ((i & 3) * 8)) & 0xFF)) return addr + i;
    }
    return -1;
  }

  /** Marks the lines holding RAM bytes `first` and `last` (the same line or two) as written. */
  #markWritten(first: number, last: number): void {
    const written = this.#written;
    if (written === null) return;
    const head = first >>> WRITE_LINE_SHIFT;
    const tail = last >>> WRITE_LINE_SHIFT;
    written[head >>> 5] |= 1 << (head & 31);
    written[tail >>> 5] |= 1 << (tail & 31);
  }

  /** Marks every line that `length` (> 0) bytes at RAM `offset` touch as written. */
  #markRangeWritten(offset: number, length: number): void {
    const last = (offset + length - 1) >>> WRITE_LINE_SHIFT;
    setBits(this.#written!, offset >>> WRITE_LINE_SHIFT, last + 1);
  }

  /** Whether RAM holds `length` bytes at `offset` (an integer offset: `>>> 0` keeps only those). */
  #inRam(offset: number, length: number): boolean {
    return offset >>> 0 === offset && length >= 0 && offset + length <= this.ramBytes;
  }

  /** The physical memory map, by address: flash (when the board has some), RAM and each MMIO block. */
  memoryMap(): MemoryRegion[] {
    const regions: MemoryRegion[] = [];
    if (this.flashBytes > 0) {
      regions.push({ name: "flash", base: FLASH_BASE, size: this.flashBytes });
    }
    regions.push({ name: "ram", base: RAM_BASE, size: this.ramBytes });
    this.#blocks.forEach((device, index) =>
      regions.push({
        name: device.name,
        base: SYSINFO_BASE + index * MMIO_BLOCK_BYTES,
        size: MMIO_BLOCK_BYTES,
      })
    );
    return regions;
  }

  #attach(base: number, device: MmioDevice): void {
    this.#blocks[(base - SYSINFO_BASE) / MMIO_BLOCK_BYTES] = device;
    for (const [offset, access] of device.registers) {
      this.#registerAccess[(base - SYSINFO_BASE + offset) / 4] =
        (access.includes("R") ? READABLE : 0) | (access.includes("W") ? WRITABLE : 0);
    }
  }

  /** Whether `register` (an index from SYSINFO_BASE, possibly fractional or out of range) allows `access`. */
  #allows(register: number, access: number): boolean {
    return register >>> 0 === register && register < MMIO_REGISTERS &&
      (this.#registerAccess[register] & access) !== 0;
  }

  #device(addr: number): MmioDevice | undefined {
    if (!Number.isInteger(addr)) return undefined;
    const index = Math.floor((addr - SYSINFO_BASE) / MMIO_BLOCK_BYTES);
    return index >= 0 ? this.#blocks[index] : undefined;
  }

  /**
   * A read that RAM does not answer: flash answers its own addresses (an
   * access that crosses its end is not one of them); MMIO, or a fault, the rest.
   */
  #readOutsideRam(addr: number, width: number): number {
    const offset = addr - FLASH_BASE;
    if (offset >>> 0 === offset && offset <= this.flashBytes - width) {
      if ((this.#cycles += FLASH_ACCESS_CYCLES) > this.#cycleLimit) this.#limitReached();
      if (width === 4) return this.#flashView.getUint32(offset, true);
      return width === 2 ? this.#flashView.getUint16(offset, true) : this.#flash[offset];
    }
    return this.#mmioRead(addr, width);
  }

  /** A write that RAM does not take: one that starts in flash faults, the rest go to MMIO. */
  #writeOutsideRam(addr: number, width: number, value: number): void {
    const offset = addr - FLASH_BASE;
    if (offset >>> 0 === offset && offset < this.flashBytes) {
      this.#fault(addr, width, "write", "read-only");
    } else {
      this.#mmioWrite(addr, width, value);
    }
  }

  #mmioRead(addr: number, width: number): number {
    const register = (addr - SYSINFO_BASE) / 4;
    if (width === 4 && this.#allows(register, READABLE)) {
      const device = this.#blocks[Math.floor(register / REGISTERS_PER_BLOCK)];
      const offset = addr & (MMIO_BLOCK_BYTES - 1);
      const value = device === this.#cycleCounter
        ? this.#cycleCounter.read32(offset)
        : device.read32(offset);
      if ((this.#cycles += MMIO_ACCESS_CYCLES) > this.#cycleLimit) this.#limitReached();
      return value >>> 0;
    }
    // Only an access the registers do not allow gets here: it faults.
    const reason = mmioFaultReason(this.#device(addr), addr & (MMIO_BLOCK_BYTES - 1), width, "R");
    return this.#fault(addr, width, "read", reason);
  }

  #mmioWrite(addr: number, width: number, value: number): void {
    const register = (addr - SYSINFO_BASE) / 4;
    if (width === 4 && this.#allows(register, WRITABLE)) {
      if ((this.#cycles += MMIO_ACCESS_CYCLES) > this.#cycleLimit) this.#limitReached();
      this.#blocks[Math.floor(register / REGISTERS_PER_BLOCK)].write32(
        addr & (MMIO_BLOCK_BYTES - 1),
        value >>> 0,
      );
      return;
    }
    // Only an access the registers do not allow gets here: it faults.
    const reason = mmioFaultReason(this.#device(addr), addr & (MMIO_BLOCK_BYTES - 1), width, "W");
    this.#fault(addr, width, "write", reason);
  }

  #fault(
    addr: number,
    width: number,
    access: "read" | "write",
    reason: BusFaultReason,
  ): never {
    if ((this.#cycles += MMIO_ACCESS_CYCLES) > this.#cycleLimit) this.#limitReached();
    this.#faultStatus.latch(addr, width, access === "write");
    throw new BusFault(addr, width, access, reason);
  }
}

/** Why the bus refuses an MMIO access, one its register table does not allow. */
function mmioFaultReason(
  device: MmioDevice | undefined,
  offset: number,
  width: number,
  want: "R" | "W",
): BusFaultReason {
  if (device === undefined) return "unmapped";
  if (width !== 4 || offset % 4 !== 0) return "misaligned-mmio";
  if (!device.registers.has(offset)) return "unmapped";
  return want === "R" ? "write-only" : "read-only";
}

/**
 * What a line fill from flash costs beyond one from RAM, for lines of
 * `lineBytes`: the board's price rule for a memory of flash's access cost,
 * less the rule for RAM's.
 */
function flashFillExtra(lineBytes: number): number {
  return boardCacheCosts(lineBytes, FLASH_ACCESS_CYCLES).missCycles -
    boardCacheCosts(lineBytes, RAM_ACCESS_CYCLES).missCycles;
}

function checkFlashBytes(flashBytes: number): void {
  const ok = Number.isInteger(flashBytes) && flashBytes >= 0 && flashBytes <= FLASH_MAX_BYTES &&
    flashBytes % PAGE_SIZE === 0;
  if (!ok) {
    throw new RangeError(
      `flashBytes ${flashBytes} is not a valid flash size: it must be 0 to 16 MiB, ` +
        `a multiple of 4 KiB`,
    );
  }
}

function checkRamBytes(ramBytes: number): void {
  const ok = Number.isInteger(ramBytes) && ramBytes >= RAM_MIN_BYTES &&
    ramBytes <= RAM_MAX_BYTES &&
    ramBytes % (ramBytes <= FOUR_MIB ? PAGE_SIZE : FOUR_MIB) === 0;
  if (!ok) {
    throw new RangeError(
      `ramBytes ${ramBytes} is not a valid RAM size: it must be 64 KiB to 1 GiB, ` +
        `a multiple of 4 KiB up to 4 MiB and a multiple of 4 MiB above`,
    );
  }
}
