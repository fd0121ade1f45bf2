/**
 * The board's CPU: an RV32IM core in machine mode, little-endian, on the
 * board's counted bus.
 *
 * Every fetch is a `board.fetch32` (read32's access, flash first) and every load or store a
 * `board.read8/16/32` or `write8/16/32` on the physical address, so RAM,
 * flash, MMIO registers, bus faults and the board's cycle limit behave for
 * firmware exactly as for TypeScript code (the MMU is not in the way: a
 * machine-mode core uses physical addresses). The bus adds each access's
 * cost to `board.cycles`; the core adds what its timing model charges on
 * top, so that while firmware runs `board.cycles` — and the cycle-counter
 * registers and the `cycle` CSR that read it — counts CPU cycles.
 *
 * Decoding: each fetched word is looked up in a decode cache, one entry per
 * word of flash and 16,384 more, indexed by address, for code anywhere
 * else (RAM). An entry is tagged with the word it decoded, and every fetch
 * still goes through the bus, which returns the word: a tag that differs
 * means the memory changed (flash reprogrammed through the debug port,
 * code written into RAM) and the word is decoded again. So a flash word is
 * decoded once per image, and no change of code can leave a stale decode:
 * nothing needs invalidating.
 *
 * Translation: a straight run of instructions the interpreter has run, up
 * to a branch or jump, becomes a block, and the blocks that start in one
 * aligned 512 bytes become one JavaScript function (_translate.ts), which runs
 * them from then on with no decoding or dispatch by op. A translated
 * instruction still fetches through `board.fetch32` and compares the word
 * with the one it was made from: a word that differs ends the block before
 * that instruction, which the interpreter runs from the word fetched, and
 * the block is dropped. Blocks charge what the interpreter charges, when it
 * charges it, and start only when the call's instructions left cover them,
 * so counts, limits and traps are the interpreter's to the instruction.
 *
 * Not implemented, and illegal instructions if met: the C, A, F and D
 * extensions, CSR instructions other than CSRRS rd, csr, x0 on the
 * counters (cycle, cycleh, instret, instreth and their machine names
 * mcycle, mcycleh, minstret, minstreth), MRET, WFI. There is no trap
 * handler and no interrupt: a trap ends the run with a typed error.
 * @module
 */

import type { Board } from "../board.ts";
import { BusFault } from "../bus_fault.ts";
import { CycleLimitExceeded } from "../cycle_limit.ts";
import { formatAddress } from "../hex.ts";
import { FLASH_BASE } from "../memory_map.ts";
import { decodeInto, ENTRY_LANES, extraCyclesByOp, SINK_REGISTER } from "./_decode.ts";
import { mulh, mulhsu, mulhu } from "./_multiply.ts";
import {
  type Block,
  type BlockInstruction,
  BlockState,
  isControlTransfer,
  isTranslatable,
  MAX_BLOCK_INSTRUCTIONS,
  MISMATCH,
  Region,
  REGION_SHIFT,
  type TranslationContext,
} from "./_translate.ts";
import { Rv32CycleLimitExceeded } from "./cycle_limit.ts";
import { Rv32InstructionLimitExceeded } from "./instruction_limit.ts";
import { RV32_REGISTERS } from "./registers.ts";
import { IBEX_SMALL, type Rv32TimingModel } from "./timing_models.ts";
import {
  Rv32Breakpoint,
  Rv32BusError,
  Rv32EnvironmentCall,
  Rv32IllegalInstruction,
  Rv32MisalignedAccess,
} from "./traps.ts";

/**
 * The return address `call` gives the function it calls: word-aligned, in
 * the unmapped top of the memory map, so no code can sit there. The core
 * ends the call when a JALR jumps to it (a return, or a tail call's return).
 */
export const CALL_RETURN_ADDRESS = 0xFFFF_FFF0;
/** Instructions a call may run when its options do not say: 100 million. */
export const DEFAULT_CALL_INSTRUCTIONS = 100_000_000;
/** Most instructions one call or run may be allowed: the loop counts in int32. */
const MAX_INSTRUCTIONS = 0x7FFF_FFFF;
/** Decode-cache entries for code outside flash (a power of 2: indexed by pc bits). */
const OTHER_CODE_ENTRIES = 1 << 14;
/** A stop address no JALR reaches (JALR clears bit 0 of its target): runs that do not return. */
const NO_STOP = 1;
/** Argument registers of the calling convention: a0-a7. */
const ARGUMENT_REGISTERS = 8;
const { a0: A0, sp: SP, ra: RA } = RV32_REGISTERS;

/** Options for {@link Rv32Core}. */
export interface Rv32CoreOptions {
  /** The timing model; default {@link IBEX_SMALL}. */
  timing?: Rv32TimingModel;
  /**
   * Names the function an address falls in, e.g. "malloc+0x1c" (see
   * ElfImage.symbolize); traps and limits put it beside the pc.
   */
  symbolize?: (pc: number) => string | undefined;
  /**
   * Whether code that runs again runs translated (see the module comment);
   * default true. False leaves the interpreter alone: what the translation
   * is tested against, and measured against.
   */
  translate?: boolean;
}

/** Options for {@link Rv32Core.call}. */
export interface Rv32CallOptions {
  /** The stack pointer at entry: the top of the stack, 16-byte aligned. */
  stackTop: number;
  /**
   * Instructions the call may run before it is stopped with an
   * Rv32InstructionLimitExceeded: 1 to 2^31 − 1; default
   * {@link DEFAULT_CALL_INSTRUCTIONS}.
   */
  maxInstructions?: number;
}

/**
 * The core's cumulative counters since it was made. Difference two
 * snapshots around a call for its figures: `fetchCycles + dataCycles +
 * extraCycles` is what it added to `board.cycles`.
 */
export interface Rv32Counters {
  /** Instructions retired (a trapping instruction does not retire). */
  instructions: number;
  /** Bus cycles of instruction fetches. */
  fetchCycles: number;
  /**
   * Bus cycles of loads and stores: the figure that compares with a
   * TypeScript design's, whose every access is a data access.
   */
  dataCycles: number;
  /** Cycles the timing model added beyond the bus's. */
  extraCycles: number;
}

/**
 * An RV32IM core on a board. Registers are `regs` (x0-x31, int32) and
 * `pc`; `step` runs one instruction and `call` runs a function by the
 * RISC-V calling convention until it returns. A trap (Rv32Trap and its subclasses) leaves `pc` at the
 * trapping instruction; the board's CycleLimitExceeded comes out as an
 * Rv32CycleLimitExceeded (a subclass that names the pc), with `pc` at the
 * instruction whose access it refused.
 *
 * @example
 * ```ts
 * import { Board, FLASH_BASE, RAM_BASE, Rv32Core } from "@pagepile/pagepile";
 * const board = new Board({ ramBytes: 64 * 1024, flashBytes: 4096 });
 * // add a0, a0, a1; ret
 * const code = new Uint32Array([0x00B50533, 0x00008067]);
 * board.debugLoad(FLASH_BASE, new Uint8Array(code.buffer));
 * const core = new Rv32Core(board);
 * const sum = core.call(FLASH_BASE, [40, 2], { stackTop: RAM_BASE + 64 * 1024 });
 * console.log(sum, core.counters().instructions); // 42 2
 * ```
 */
export class Rv32Core {
  /** x0-x31, as int32. The core zeroes x0 when it starts running, whatever was written there. */
  readonly regs: Int32Array;
  /** The address of the next instruction. */
  pc = 0;
  /** The timing model the core charges by. */
  readonly timing: Rv32TimingModel;

  readonly #board: Board;
  /** x0-x31 and the sink register x32, where decoding sends writes to x0. */
  readonly #x = new Int32Array(SINK_REGISTER + 1);
  /** The decode cache: ENTRY_LANES int32 per entry (see _decode.ts); flash's entries first. */
  readonly #cache: Int32Array;
  /** Entries for flash: one per word. */
  readonly #flashEntries: number;
  readonly #extraByOp: Int32Array;
  /** What a taken branch costs beyond a not-taken one. */
  readonly #branchTakenExtra: number;
  /** What a division by 0 costs beyond one by anything else. */
  readonly #divByZeroExtra: number;
  readonly #symbolize: ((pc: number) => string | undefined) | undefined;
  /** Translated blocks, by the decode-cache slot of their first instruction. */
  readonly #blocks: (Block | undefined)[];
  /** How a region's run ended (see _translate.ts). */
  readonly #blockState = new BlockState();
  readonly #translation: TranslationContext;
  readonly #translating: boolean;
  /** The regions, by the aligned window of 2^REGION_SHIFT bytes their blocks start in. */
  readonly #regions = new Map<number, Region>();
  #instructions = 0;
  #fetchCycles = 0;
  #dataCycles = 0;
  #extraCycles = 0;

  /**
   * A core with its registers and pc at 0, on `board`. Its decode cache
   * takes 16 bytes a word of the board's flash (4 MiB for 1 MiB), and
   * 256 KiB for code elsewhere.
   * @param board the board whose bus the core uses
   * @param options the timing model and a symbolizer; see {@link Rv32CoreOptions}
   */
  constructor(board: Board, options: Rv32CoreOptions = {}) {
    this.#board = board;
    this.timing = options.timing ?? IBEX_SMALL;
    this.#extraByOp = extraCyclesByOp(this.timing);
    const extra = this.timing.extraCycles;
    this.#branchTakenExtra = extra.branchTaken - extra.branchNotTaken;
    this.#divByZeroExtra = extra.divByZero - extra.div;
    this.#symbolize = options.symbolize;
    this.regs = this.#x.subarray(0, 32);
    this.#flashEntries = board.flashBytes >>> 2;
    this.#cache = new Int32Array((this.#flashEntries + OTHER_CODE_ENTRIES) * ENTRY_LANES);
    this.#blocks = new Array(this.#flashEntries + OTHER_CODE_ENTRIES).fill(undefined);
    this.#translating = options.translate ?? true;
    this.#translation = {
      takenExtra: this.#branchTakenExtra,
      divByZeroExtra: this.#divByZeroExtra,
      misaligned: (pc, access, address, width) => this.#misaligned(pc, access, address, width),
    };
  }

  /** A snapshot of the core's cumulative counters; see {@link Rv32Counters}. */
  counters(): Rv32Counters {
    return {
      instructions: this.#instructions,
      fetchCycles: this.#fetchCycles,
      dataCycles: this.#dataCycles,
      extraCycles: this.#extraCycles,
    };
  }

  /** Runs the instruction at `pc`. */
  step(): void {
    this.#run(1, NO_STOP);
  }

  /**
   * Calls the function at `entry` by the RISC-V calling convention (ilp32):
   * a0-a7 get `args` (0 for those not given), sp gets `stackTop`, ra gets
   * {@link CALL_RETURN_ADDRESS}; the core runs until the function returns
   * there. Other registers (gp, tp, the saved ones) keep their values: set
   * gp once, to the image's `__global_pointer$`, if the code uses it.
   * @param entry the function's address
   * @param args up to 8 arguments, each a 32-bit integer, signed or unsigned
   * @param options the stack and the instruction limit; see {@link Rv32CallOptions}
   * @returns a0 as the function left it, unsigned (`| 0` reads it signed;
   * `regs[RV32_REGISTERS.a1]` holds the high half of a 64-bit result)
   * @throws Rv32InstructionLimitExceeded when the function has not returned
   * after `maxInstructions`; an Rv32Trap subclass when it traps
   */
  call(entry: number, args: readonly number[], options: Rv32CallOptions): number {
    const limit = options.maxInstructions ?? DEFAULT_CALL_INSTRUCTIONS;
    checkCall(entry, args, options.stackTop, limit);
    const x = this.#x;
    for (let i = 0; i < ARGUMENT_REGISTERS; i++) x[A0 + i] = args[i] ?? 0;
    x[SP] = options.stackTop;
    x[RA] = CALL_RETURN_ADDRESS;
    this.pc = entry;
    if (!this.#run(limit, CALL_RETURN_ADDRESS | 0)) {
      throw new Rv32InstructionLimitExceeded(limit, this.pc, this.#symbol(this.pc));
    }
    return x[A0] >>> 0;
  }

  /**
   * Runs up to `budget` instructions from `pc`, or until a JALR jumps to
   * `stop` (an int32); settles the counters and `pc` however it ends.
   * @returns whether it stopped at `stop`
   */
  #run(budget: number, stop: number): boolean {
    // Everything the loop touches is a local: V8 keeps locals in registers,
    // and folds neither module constants nor private fields.
    const board = this.#board;
    const x = this.#x;
    const cache = this.#cache;
    const flashBase = FLASH_BASE;
    const flashEntries = this.#flashEntries;
    const lanes = ENTRY_LANES;
    const otherMask = OTHER_CODE_ENTRIES - 1;
    const extraByOp = this.#extraByOp;
    const takenExtra = this.#branchTakenExtra;
    const divByZeroExtra = this.#divByZeroExtra;
    const instructionsBefore = this.#instructions;
    const cyclesBefore = board.cycles;
    let pc = this.pc | 0;
    let end = budget;
    let retired = 0;
    let returned = false;
    let dataCycles = 0;
    let extraCycles = 0;
    /** board.cycles before the load or store under way; -1 between them. */
    let dataMark = -1;
    const blocks = this.#blocks;
    const st = this.#blockState;
    /** Whether a region is running: the catch settles by what it left in st. */
    let inRegion = false;
    /**
     * Where the straight run of instructions the interpreter is on began, to
     * be translated once it ends; -1 when it began inside a block.
     */
    let runStart = pc;
    /** Whether `pendingWord` is the word at pc, fetched by a region that found it changed. */
    let pending = false;
    let pendingWord = 0;
    x[0] = 0; // in case regs[0] was written
    try {
      if ((pc & 3) !== 0) throw this.#misaligned(pc, "fetch", pc, 4);
      while (retired !== end) {
        let slot = (pc - flashBase) >>> 2;
        if (slot >= flashEntries) slot = flashEntries + ((pc >>> 2) & otherMask);
        let word: number;
        if (pending) {
          pending = false;
          word = pendingWord;
        } else {
          const block = blocks[slot];
          if (block !== undefined && block.pc === pc) {
            if (runStart !== pc && runStart !== -1) this.#translate(runStart, pc - 4);
            if (end - retired >= block.length) {
              const region = block.region;
              inRegion = true;
              const next = region.run(x, board, st, pc, end - retired, stop);
              inRegion = false;
              retired += st.retired;
              dataCycles += st.dataCycles;
              extraCycles += st.extraCycles;
              if (next !== MISMATCH) {
                pc = next;
                runStart = next;
                if (st.stopped) {
                  returned = true;
                  break;
                }
                continue;
              }
              // A word changed: its block goes, and the interpreter runs
              // that instruction from the word fetched.
              pc = st.pc;
              this.#dropBlock(region, st.start);
              pending = true;
              pendingWord = st.word | 0;
              runStart = -1;
              continue;
            }
            // The budget ends inside the block: run it one instruction at a time.
            runStart = -1;
          }
          // The fetch is charged and checked by the bus whether or not the
          // decode is cached; the word it returns is the cache's tag.
          word = board.fetch32(pc >>> 0) | 0;
        }
        const entry = slot * lanes;
        if (cache[entry] !== word) decodeInto(cache, entry, word, extraByOp);
        const packed = cache[entry + 1];
        const imm = cache[entry + 2];
        let cycles = cache[entry + 3];
        const rd = (packed >>> 8) & 63;
        const rs1 = (packed >>> 14) & 31;
        const rs2 = (packed >>> 19) & 31;
        let next = (pc + 4) | 0;
        // Case labels are the op numbers of _decode.ts, as literals.
        switch (packed & 0xFF) {
          case 0: // ILLEGAL
            throw new Rv32IllegalInstruction(pc, word, this.#symbol(pc));
          case 1: // LUI
            x[rd] = imm;
            break;
          case 2: // AUIPC
            x[rd] = pc + imm;
            break;
          case 3: { // JAL
            const target = (pc + imm) | 0;
            if ((target & 3) !== 0) throw this.#misaligned(pc, "fetch", target, 4);
            x[rd] = next;
            next = target;
            break;
          }
          case 4: { // JALR
            const target = (x[rs1] + imm) & ~1;
            if ((target & 3) !== 0) throw this.#misaligned(pc, "fetch", target, 4);
            x[rd] = next;
            next = target;
            if (target === stop) {
              returned = true;
              end = retired + 1;
            }
            break;
          }
          case 5: // BEQ
            if (x[rs1] === x[rs2]) {
              next = (pc + imm) | 0;
              if ((next & 3) !== 0) throw this.#misaligned(pc, "fetch", next, 4);
              cycles += takenExtra;
            }
            break;
          case 6: // BNE
            if (x[rs1] !== x[rs2]) {
              next = (pc + imm) | 0;
              if ((next & 3) !== 0) throw this.#misaligned(pc, "fetch", next, 4);
              cycles += takenExtra;
            }
            break;
          case 7: // BLT
            if (x[rs1] < x[rs2]) {
              next = (pc + imm) | 0;
              if ((next & 3) !== 0) throw this.#misaligned(pc, "fetch", next, 4);
              cycles += takenExtra;
            }
            break;
          case 8: // BGE
            if (x[rs1] >= x[rs2]) {
              next = (pc + imm) | 0;
              if ((next & 3) !== 0) throw this.#misaligned(pc, "fetch", next, 4);
              cycles += takenExtra;
            }
            break;
          case 9: // BLTU
            if (x[rs1] >>> 0 < x[rs2] >>> 0) {
              next = (pc + imm) | 0;
              if ((next & 3) !== 0) throw this.#misaligned(pc, "fetch", next, 4);
              cycles += takenExtra;
            }
            break;
          case 10: // BGEU
            if (x[rs1] >>> 0 >= x[rs2] >>> 0) {
              next = (pc + imm) | 0;
              if ((next & 3) !== 0) throw this.#misaligned(pc, "fetch", next, 4);
              cycles += takenExtra;
            }
            break;
          case 11: { // LB
            const addr = (x[rs1] + imm) >>> 0;
            dataMark = board.cycles;
            const value = board.read8(addr);
            dataCycles += board.cycles - dataMark;
            dataMark = -1;
            x[rd] = (value << 24) >> 24;
            break;
          }
          case 12: { // LH
            const addr = (x[rs1] + imm) >>> 0;
            if ((addr & 1) !== 0) throw this.#misaligned(pc, "load", addr, 2);
            dataMark = board.cycles;
            const value = board.read16(addr);
            dataCycles += board.cycles - dataMark;
            dataMark = -1;
            x[rd] = (value << 16) >> 16;
            break;
          }
          case 13: { // LW
            const addr = (x[rs1] + imm) >>> 0;
            if ((addr & 3) !== 0) throw this.#misaligned(pc, "load", addr, 4);
            dataMark = board.cycles;
            const value = board.read32(addr);
            dataCycles += board.cycles - dataMark;
            dataMark = -1;
            x[rd] = value;
            break;
          }
          case 14: { // LBU
            const addr = (x[rs1] + imm) >>> 0;
            dataMark = board.cycles;
            const value = board.read8(addr);
            dataCycles += board.cycles - dataMark;
            dataMark = -1;
            x[rd] = value;
            break;
          }
          case 15: { // LHU
            const addr = (x[rs1] + imm) >>> 0;
            if ((addr & 1) !== 0) throw this.#misaligned(pc, "load", addr, 2);
            dataMark = board.cycles;
            const value = board.read16(addr);
            dataCycles += board.cycles - dataMark;
            dataMark = -1;
            x[rd] = value;
            break;
          }
          case 16: { // SB
            const addr = (x[rs1] + imm) >>> 0;
            dataMark = board.cycles;
            board.write8(addr, x[rs2]);
            dataCycles += board.cycles - dataMark;
            dataMark = -1;
            break;
          }
          case 17: { // SH
            const addr = (x[rs1] + imm) >>> 0;
            if ((addr & 1) !== 0) throw this.#misaligned(pc, "store", addr, 2);
            dataMark = board.cycles;
            board.write16(addr, x[rs2]);
            dataCycles += board.cycles - dataMark;
            dataMark = -1;
            break;
          }
          case 18: { // SW
            const addr = (x[rs1] + imm) >>> 0;
            if ((addr & 3) !== 0) throw this.#misaligned(pc, "store", addr, 4);
            dataMark = board.cycles;
            board.write32(addr, x[rs2]);
            dataCycles += board.cycles - dataMark;
            dataMark = -1;
            break;
          }
          case 19: // ADDI
            x[rd] = x[rs1] + imm;
            break;
          case 20: // SLTI
            x[rd] = x[rs1] < imm ? 1 : 0;
            break;
          case 21: // SLTIU
            x[rd] = x[rs1] >>> 0 < imm >>> 0 ? 1 : 0;
            break;
          case 22: // XORI
            x[rd] = x[rs1] ^ imm;
            break;
          case 23: // ORI
            x[rd] = x[rs1] | imm;
            break;
          case 24: // ANDI
            x[rd] = x[rs1] & imm;
            break;
          case 25: // SLLI
            x[rd] = x[rs1] << imm;
            break;
          case 26: // SRLI
            x[rd] = x[rs1] >>> imm;
            break;
          case 27: // SRAI
            x[rd] = x[rs1] >> imm;
            break;
          case 28: // ADD
            x[rd] = x[rs1] + x[rs2];
            break;
          case 29: // SUB
            x[rd] = x[rs1] - x[rs2];
            break;
          case 30: // SLL (JavaScript, like RV32, shifts by the low 5 bits)
            x[rd] = x[rs1] << x[rs2];
            break;
          case 31: // SLT
            x[rd] = x[rs1] < x[rs2] ? 1 : 0;
            break;
          case 32: // SLTU
            x[rd] = x[rs1] >>> 0 < x[rs2] >>> 0 ? 1 : 0;
            break;
          case 33: // XOR
            x[rd] = x[rs1] ^ x[rs2];
            break;
          case 34: // SRL
            x[rd] = x[rs1] >>> x[rs2];
            break;
          case 35: // SRA
            x[rd] = x[rs1] >> x[rs2];
            break;
          case 36: // OR
            x[rd] = x[rs1] | x[rs2];
            break;
          case 37: // AND
            x[rd] = x[rs1] & x[rs2];
            break;
          case 38: // MUL
            x[rd] = Math.imul(x[rs1], x[rs2]);
            break;
          case 39: // MULH
            x[rd] = mulh(x[rs1], x[rs2]);
            break;
          case 40: // MULHSU
            x[rd] = mulhsu(x[rs1], x[rs2]);
            break;
          case 41: // MULHU
            x[rd] = mulhu(x[rs1], x[rs2]);
            break;
          case 42: { // DIV: by 0 gives -1; -2^31 / -1 overflows back to -2^31, as RV32 says
            const divisor = x[rs2];
            if (divisor === 0) {
              x[rd] = -1;
              cycles += divByZeroExtra;
            } else {
              x[rd] = (x[rs1] / divisor) | 0;
            }
            break;
          }
          case 43: { // DIVU: by 0 gives 2^32 - 1
            const divisor = x[rs2] >>> 0;
            if (divisor === 0) {
              x[rd] = -1;
              cycles += divByZeroExtra;
            } else {
              x[rd] = ((x[rs1] >>> 0) / divisor) >>> 0;
            }
            break;
          }
          case 44: { // REM: by 0 gives the dividend; -2^31 % -1 is 0 (JavaScript's -0)
            const divisor = x[rs2];
            if (divisor === 0) {
              x[rd] = x[rs1];
              cycles += divByZeroExtra;
            } else {
              x[rd] = x[rs1] % divisor;
            }
            break;
          }
          case 45: { // REMU: by 0 gives the dividend
            const divisor = x[rs2] >>> 0;
            if (divisor === 0) {
              x[rd] = x[rs1];
              cycles += divByZeroExtra;
            } else {
              x[rd] = (x[rs1] >>> 0) % divisor;
            }
            break;
          }
          case 46: // FENCE: nothing to order on one hart without caches
          case 47: // FENCE.I: the decode cache checks every fetched word, nothing to flush
            break;
          case 48: // ECALL
            throw new Rv32EnvironmentCall(pc, this.#symbol(pc));
          case 49: // EBREAK
            throw new Rv32Breakpoint(pc, this.#symbol(pc));
          case 50: // RDCYCLE: the count after this instruction's fetch, before its extra cycles
            x[rd] = board.cycles % 0x1_0000_0000;
            break;
          case 51: // RDCYCLEH
            x[rd] = Math.floor(board.cycles / 0x1_0000_0000);
            break;
          case 52: // RDINSTRET: the instructions retired before this one
            x[rd] = (instructionsBefore + retired) % 0x1_0000_0000;
            break;
          case 53: // RDINSTRETH
            x[rd] = Math.floor((instructionsBefore + retired) / 0x1_0000_0000);
            break;
        }
        if (cycles !== 0) {
          board.addCycles(cycles);
          extraCycles += cycles;
        }
        retired++;
        // A control transfer ends a straight run, which is translated if
        // it began outside a block; so does an instruction blocks do not
        // hold, which the run stops before; and so does reaching the most
        // a block holds.
        const op = packed & 0xFF;
        if (isControlTransfer(op)) {
          if (runStart !== -1) this.#translate(runStart, pc);
          runStart = next;
        } else if (!isTranslatable(op)) {
          if (runStart !== -1 && runStart !== pc) this.#translate(runStart, pc - 4);
          runStart = next;
        } else if (runStart !== -1 && pc - runStart === (MAX_BLOCK_INSTRUCTIONS - 1) * 4) {
          this.#translate(runStart, pc);
          runStart = next;
        }
        pc = next;
      }
    } catch (error) {
      let dataAccess: boolean;
      if (inRegion) {
        // The region stopped inside: st says where and what it had spent.
        retired += st.retired;
        dataCycles += st.dataCycles;
        extraCycles += st.extraCycles;
        pc = st.pc;
        dataAccess = st.dataAccess;
      } else {
        dataAccess = dataMark !== -1;
        if (dataAccess) dataCycles += board.cycles - dataMark;
      }
      this.#settle(pc, retired, cyclesBefore, dataCycles, extraCycles);
      if (error instanceof CycleLimitExceeded) {
        throw new Rv32CycleLimitExceeded(error.limit, pc, this.#symbol(pc));
      }
      if (!(error instanceof BusFault)) throw error;
      const access = !dataAccess ? "fetch" : error.access === "read" ? "load" : "store";
      throw new Rv32BusError(pc, access, error, this.#symbol(pc));
    }
    this.#settle(pc, retired, cyclesBefore, dataCycles, extraCycles);
    return returned;
  }

  /**
   * Translates the straight run of instructions from `start` to `last`
   * (int32 addresses), which the interpreter has just run: their decode-cache
   * entries hold the words the bus returned. (A run holds at most
   * MAX_BLOCK_INSTRUCTIONS, far fewer than the entries for code outside
   * flash, so no two of its instructions share an entry.)
   */
  #translate(start: number, last: number): void {
    if (!this.#translating) return;
    const cache = this.#cache;
    const instructions: BlockInstruction[] = [];
    for (let pc = start; pc !== ((last + 4) | 0); pc = (pc + 4) | 0) {
      const entry = this.#slot(pc) * ENTRY_LANES;
      const packed = cache[entry + 1];
      instructions.push({
        word: cache[entry],
        op: packed & 0xFF,
        rd: (packed >>> 8) & 63,
        rs1: (packed >>> 14) & 31,
        rs2: (packed >>> 19) & 31,
        imm: cache[entry + 2],
        extra: cache[entry + 3],
      });
    }
    const window = start >>> REGION_SHIFT;
    let region = this.#regions.get(window);
    if (region === undefined) {
      region = new Region(this.#translation);
      this.#regions.set(window, region);
    }
    this.#blocks[this.#slot(start)] = region.add(start, instructions);
  }

  /** Drops the block at `start` (int32) from `region` and from the blocks by slot. */
  #dropBlock(region: Region, start: number): void {
    region.remove(start);
    const slot = this.#slot(start);
    const block = this.#blocks[slot];
    if (block !== undefined && block.pc === start && block.region === region) {
      this.#blocks[slot] = undefined;
    }
  }

  /** The decode-cache slot of the instruction at `pc` (int32). */
  #slot(pc: number): number {
    const slot = (pc - FLASH_BASE) >>> 2;
    if (slot < this.#flashEntries) return slot;
    return this.#flashEntries + ((pc >>> 2) & (OTHER_CODE_ENTRIES - 1));
  }

  /** Records where a run ended and what it spent; the fetches are the cycles no other counter took. */
  #settle(
    pc: number,
    retired: number,
    cyclesBefore: number,
    dataCycles: number,
    extraCycles: number,
  ): void {
    this.pc = pc >>> 0;
    this.#instructions += retired;
    this.#dataCycles += dataCycles;
    this.#extraCycles += extraCycles;
    this.#fetchCycles += this.#board.cycles - cyclesBefore - dataCycles - extraCycles;
  }

  #misaligned(
    pc: number,
    access: "fetch" | "load" | "store",
    address: number,
    width: number,
  ): Rv32MisalignedAccess {
    return new Rv32MisalignedAccess(pc, access, address, width, this.#symbol(pc));
  }

  #symbol(pc: number): string | undefined {
    return this.#symbolize?.(pc >>> 0);
  }
}

/** Refuses a call whose arguments the calling convention cannot carry. */
function checkCall(
  entry: number,
  args: readonly number[],
  stackTop: number,
  limit: number,
): void {
  if (!isWord(entry)) {
    throw new RangeError(`call: entry ${formatAddress(entry)} is not a 32-bit address`);
  }
  if (args.length > ARGUMENT_REGISTERS) {
    throw new RangeError(
      `call: ${args.length} arguments; registers a0-a7 carry 8 (stack arguments are not supported)`,
    );
  }
  args.forEach((arg, i) => {
    if (!Number.isInteger(arg) || arg < -0x8000_0000 || arg > 0xFFFF_FFFF) {
      throw new RangeError(`call: argument ${i} (${arg}) is not a 32-bit integer`);
    }
  });
  if (!isWord(stackTop) || stackTop % 16 !== 0) {
    throw new RangeError(
      `call: stackTop ${formatAddress(stackTop)} is not a 16-byte aligned 32-bit address`,
    );
  }
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_INSTRUCTIONS) {
    throw new RangeError(`call: maxInstructions ${limit} is not a whole number from 1 to 2^31 - 1`);
  }
}

function isWord(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= 0xFFFF_FFFF;
}
