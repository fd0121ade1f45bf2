/**
 * Translation of RV32IM code into JavaScript: the core's fast path for code
 * it has run before.
 *
 * A block is a run of instructions from one address to the first control
 * transfer (branch, JAL, JALR), which it includes, or up to an instruction
 * the interpreter keeps (a counter read, ecall, ebreak, an illegal word),
 * which it does not; it holds at most MAX_BLOCK_INSTRUCTIONS. Blocks are
 * gathered in regions: a region is one JavaScript function, a loop around
 * a switch on the pc with a case per block, so that a jump from one of its
 * blocks to another (a loop's back edge, a call and its return) stays in
 * the function; a jump anywhere else returns the pc to the core. A block
 * belongs to the region of the aligned window it starts in (REGION_SHIFT),
 * and a new block makes its region's function again.
 *
 * Each case does, instruction by instruction, what the interpreter's
 * switch does, with the operands and the timing model's cycles written in
 * as literals:
 *
 * - every instruction is fetched through `board.fetch32`, and its word
 *   compared with the one the block was translated from; a different word
 *   (reprogrammed flash, code written in RAM) ends the run there, before
 *   that instruction runs: MISMATCH is returned, `st.pc` is its address and
 *   `st.word` what the fetch returned;
 * - each load and store is timed on `board.cycles` around the access, as
 *   data cycles; the model's extra cycles go onto `board.cycles` after each
 *   instruction, where the interpreter puts them, so the bus's cycle limit
 *   stops the same access and the counter registers read the same counts;
 * - a block starts only when the instructions left to the call cover it
 *   whole, so the instruction limit stops where the interpreter would;
 * - an exception (a bus fault, the cycle limit, a trap a block raises)
 *   leaves `st.pc` at the instruction that raised it, with the cycles
 *   counted so far and whether a data access was under way, and goes on.
 *
 * However it ends, `st.retired` is the instructions that retired and
 * `st.dataCycles`, `st.extraCycles` what they added; otherwise the function
 * returns the next pc, and `st.stopped` says whether a JALR jumped to the
 * stop address (a call's return).
 * @module
 */

import { mulh, mulhsu, mulhu } from "./_multiply.ts";
import type { Rv32MisalignedAccess } from "./traps.ts";

/** What a region returns when a fetched word is not the one it was translated from. */
export const MISMATCH = -1;
/** Most instructions in one block. */
export const MAX_BLOCK_INSTRUCTIONS = 64;
/**
 * A region holds the blocks that start in one aligned window of 2^REGION_SHIFT
 * bytes (512): a block for each of its 128 addresses at most, and in
 * practice about one per branch target in it, which keeps each function
 * well under the size past which V8 does not optimize it.
 */
export const REGION_SHIFT = 9;

/** How a region's run ended, beyond its return value; one per core, reused. */
export class BlockState {
  /** Instructions that retired. */
  retired = 0;
  /** Bus cycles of their loads and stores. */
  dataCycles = 0;
  /** Cycles the timing model added. */
  extraCycles = 0;
  /** Whether the run ended on a JALR to the stop address. */
  stopped = false;
  /** Where a mismatch or an exception stopped the run. */
  pc = 0;
  /** The word fetched where a mismatch stopped the run. */
  word = 0;
  /** The first instruction of the block a mismatch stopped. */
  start = 0;
  /** Whether an exception came from a load or store (not a fetch). */
  dataAccess = false;
}

/** Makes the trap for a misaligned access, naming the instruction's pc. */
export type MisalignedTrap = (
  pc: number,
  access: "fetch" | "load" | "store",
  address: number,
  width: number,
) => Rv32MisalignedAccess;

/** One decoded instruction, as the decode cache holds it (see _decode.ts). */
export interface BlockInstruction {
  /** The instruction word, as the bus returned it. */
  word: number;
  op: number;
  rd: number;
  rs1: number;
  rs2: number;
  imm: number;
  /** The timing model's extra cycles (a branch's not-taken, a division's nonzero). */
  extra: number;
}

/** What a region touches of the board. */
export interface BoardBus {
  cycles: number;
  fetch32(addr: number): number;
  read8(addr: number): number;
  read16(addr: number): number;
  read32(addr: number): number;
  write8(addr: number, value: number): void;
  write16(addr: number, value: number): void;
  write32(addr: number, value: number): void;
}

/** A region's function: (registers, board, state, pc, instructions left, stop address) → next pc. */
export type RegionRun = (
  x: Int32Array,
  board: BoardBus,
  st: BlockState,
  pc: number,
  left: number,
  stop: number,
) => number;

/** The timing model's variable costs and the trap maker, which every case needs. */
export interface TranslationContext {
  /** What a taken branch costs beyond a not-taken one. */
  takenExtra: number;
  /** What a division by 0 costs beyond one by anything else. */
  divByZeroExtra: number;
  misaligned: MisalignedTrap;
}

/** A block translated: where it starts (int32, as the core keeps pc), its length, its case. */
export interface Block {
  readonly pc: number;
  readonly length: number;
  /** The region whose function runs it. */
  readonly region: Region;
  /** Its case of the region's switch. */
  readonly source: string;
}

/** Ops that end a block, included: the branches, JAL and JALR (op numbers 3 to 10). */
export function isControlTransfer(op: number): boolean {
  return op >= 3 && op <= 10;
}

/** Ops a block can hold: all but ILLEGAL, ECALL, EBREAK and the counter reads. */
export function isTranslatable(op: number): boolean {
  return op !== 0 && op < 48;
}

/** Blocks run by one function (see the module comment). */
export class Region {
  /** Runs the region from `pc`, which must start one of its blocks. */
  run: RegionRun;
  readonly #context: TranslationContext;
  #blocks: Block[] = [];

  /** An empty region. */
  constructor(context: TranslationContext) {
    this.#context = context;
    this.run = this.#makeAndRun;
  }

  /**
   * Translates the block of `instructions` starting at `pc` (each one
   * translatable, a control transfer only last) into this region, in place
   * of any block it had at `pc`.
   */
  add(pc: number, instructions: readonly BlockInstruction[]): Block {
    const block: Block = {
      pc: pc | 0,
      length: instructions.length,
      region: this,
      source: blockCase(pc | 0, instructions, this.#context),
    };
    this.#blocks = this.#blocks.filter((other) => other.pc !== block.pc);
    this.#blocks.push(block);
    this.#update();
    return block;
  }

  /** Drops the block at `pc`, whose code changed. */
  remove(pc: number): void {
    this.#blocks = this.#blocks.filter((block) => block.pc !== pc);
    this.#update();
  }

  /**
   * The function is made again when the region next runs, not at once: the
   * blocks of a first call, translated one after another as it runs, make
   * it once.
   */
  #update(): void {
    this.run = this.#makeAndRun;
  }

  readonly #makeAndRun: RegionRun = (x, board, st, pc, left, stop) => {
    this.run = this.#make();
    return this.run(x, board, st, pc, left, stop);
  };

  #make(): RegionRun {
    const factory = new Function(
      "mulh",
      "mulhsu",
      "mulhu",
      "misaligned",
      `return function region(x, board, st, pc, left, stop) {
  let done = 0, start = pc, n = 0, w = 0, a = 0, v = 0, dc = 0, ec = 0, m = -1;
  st.stopped = false;
  try {
    changed: {
      run: for (;;) {
        switch (pc) {
${this.#blocks.map((block) => block.source).join("\n")}
        }
        break;
      }
      st.retired = done;
      st.dataCycles = dc;
      st.extraCycles = ec;
      return pc;
    }
  } catch (error) {
    if (m !== -1) dc += board.cycles - m;
    st.retired = done + n;
    st.pc = (start + 4 * n) | 0;
    st.dataCycles = dc;
    st.extraCycles = ec;
    st.dataAccess = m !== -1;
    throw error;
  }
  // Instruction n of the block at start fetched the word w, not its own.
  st.retired = done + n;
  st.pc = (start + 4 * n) | 0;
  st.word = w;
  st.start = start;
  st.dataCycles = dc;
  st.extraCycles = ec;
  return ${MISMATCH};
};`,
    );
    const { misaligned } = this.#context;
    return factory(mulh, mulhsu, mulhu, misaligned);
  }
}

/**
 * A block's case: it starts if the instructions left cover it (else the
 * run ends there, at its pc), and ends by setting pc and going round the
 * loop (or returning, for MISMATCH).
 */
function blockCase(
  pc: number,
  instructions: readonly BlockInstruction[],
  context: TranslationContext,
): string {
  const length = instructions.length;
  const lines = [`case ${pc}: {`, `if (left - done < ${length}) break run;`, "start = pc;"];
  instructions.forEach((instruction, i) => {
    const at = (pc + 4 * i) | 0;
    lines.push(
      `n = ${i}; w = board.fetch32(${at >>> 0});`,
      `if (w !== ${instruction.word >>> 0}) break changed;`,
      instructionBody(at, instruction, length, context),
    );
  });
  if (!isControlTransfer(instructions[length - 1].op)) {
    lines.push(`done += ${length}; pc = ${(pc + 4 * length) | 0}; continue run;`);
  }
  lines.push("}");
  return lines.join("\n");
}

/** Adds `cycles` of the timing model to the board's count and the block's. */
function charge(cycles: number): string {
  return cycles === 0 ? "" : `board.addCycles(${cycles}); ec += ${cycles};`;
}

/** A load of `width` bytes through `read`, into `v`, timed as data cycles. */
function load(at: number, rs1: number, imm: number, width: number, read: string): string {
  return `a = (x[${rs1}] + ${imm}) >>> 0;` + aligned(at, "load", width) +
    `m = board.cycles; v = board.${read}(a); dc += board.cycles - m; m = -1;`;
}

/** A store of `width` bytes of x[rs2] through `write`, timed as data cycles. */
function store(
  at: number,
  rs1: number,
  rs2: number,
  imm: number,
  width: number,
  write: string,
): string {
  return `a = (x[${rs1}] + ${imm}) >>> 0;` + aligned(at, "store", width) +
    `m = board.cycles; board.${write}(a, x[${rs2}]); dc += board.cycles - m; m = -1;`;
}

/** The check that address `a` is a multiple of `width`, as RV32 traps. */
function aligned(at: number, access: "load" | "store", width: number): string {
  return width === 1
    ? ""
    : `if ((a & ${width - 1}) !== 0) throw misaligned(${at}, "${access}", a, ${width});`;
}

/** The end of a block of `length` that jumps to `target` (a literal, or `v`). */
function jump(target: string, length: number, cycles: number): string {
  return `${charge(cycles)} done += ${length}; pc = ${target}; continue run;`;
}

/**
 * What one instruction does, as the interpreter's case for its op does it.
 * The op numbers are _decode.ts's, as literals like the interpreter's
 * (isControlTransfer and isTranslatable too): keep them in step.
 */
function instructionBody(
  at: number,
  instruction: BlockInstruction,
  length: number,
  context: TranslationContext,
): string {
  const { op, rd, rs1, rs2, imm, extra } = instruction;
  const { takenExtra, divByZeroExtra } = context;
  const next = (at + 4) | 0;
  const r1 = `x[${rs1}]`;
  const r2 = `x[${rs2}]`;
  const d = `x[${rd}]`;
  const done = charge(extra);
  switch (op) {
    case 1: // LUI
      return `${d} = ${imm};` + done;
    case 2: // AUIPC
      return `${d} = ${(at + imm) | 0};` + done;
    case 3: { // JAL
      const target = (at + imm) | 0;
      if ((target & 3) !== 0) return `throw misaligned(${at}, "fetch", ${target}, 4);`;
      return `${d} = ${next}; ${jump(String(target), length, extra)}`;
    }
    case 4: // JALR: the target is read before rd is written (they may be one register);
      // a jump to the stop address ends the run (the interpreter's returned).
      return `v = (${r1} + ${imm}) & ~1;` +
        `if ((v & 3) !== 0) throw misaligned(${at}, "fetch", v, 4);` +
        `${d} = ${next}; ${charge(extra)} done += ${length}; pc = v;` +
        "if (v === stop) { st.stopped = true; break run; } continue run;";
    case 5:
      return branch(at, `${r1} === ${r2}`, imm, extra, takenExtra, length);
    case 6:
      return branch(at, `${r1} !== ${r2}`, imm, extra, takenExtra, length);
    case 7:
      return branch(at, `${r1} < ${r2}`, imm, extra, takenExtra, length);
    case 8:
      return branch(at, `${r1} >= ${r2}`, imm, extra, takenExtra, length);
    case 9:
      return branch(at, `(${r1} >>> 0) < (${r2} >>> 0)`, imm, extra, takenExtra, length);
    case 10:
      return branch(at, `(${r1} >>> 0) >= (${r2} >>> 0)`, imm, extra, takenExtra, length);
    case 11: // LB
      return load(at, rs1, imm, 1, "read8") + `${d} = (v << 24) >> 24;` + done;
    case 12: // LH
      return load(at, rs1, imm, 2, "read16") + `${d} = (v << 16) >> 16;` + done;
    case 13: // LW
      return load(at, rs1, imm, 4, "read32") + `${d} = v;` + done;
    case 14: // LBU
      return load(at, rs1, imm, 1, "read8") + `${d} = v;` + done;
    case 15: // LHU
      return load(at, rs1, imm, 2, "read16") + `${d} = v;` + done;
    case 16: // SB
      return store(at, rs1, rs2, imm, 1, "write8") + done;
    case 17: // SH
      return store(at, rs1, rs2, imm, 2, "write16") + done;
    case 18: // SW
      return store(at, rs1, rs2, imm, 4, "write32") + done;
    case 19:
      return `${d} = (${r1} + ${imm}) | 0;` + done;
    case 20:
      return `${d} = ${r1} < ${imm} ? 1 : 0;` + done;
    case 21:
      return `${d} = (${r1} >>> 0) < ${imm >>> 0} ? 1 : 0;` + done;
    case 22:
      return `${d} = ${r1} ^ ${imm};` + done;
    case 23:
      return `${d} = ${r1} | ${imm};` + done;
    case 24:
      return `${d} = ${r1} & ${imm};` + done;
    case 25:
      return `${d} = ${r1} << ${imm};` + done;
    case 26:
      return `${d} = ${r1} >>> ${imm};` + done;
    case 27:
      return `${d} = ${r1} >> ${imm};` + done;
    case 28:
      return `${d} = (${r1} + ${r2}) | 0;` + done;
    case 29:
      return `${d} = (${r1} - ${r2}) | 0;` + done;
    case 30:
      return `${d} = ${r1} << ${r2};` + done;
    case 31:
      return `${d} = ${r1} < ${r2} ? 1 : 0;` + done;
    case 32:
      return `${d} = (${r1} >>> 0) < (${r2} >>> 0) ? 1 : 0;` + done;
    case 33:
      return `${d} = ${r1} ^ ${r2};` + done;
    case 34:
      return `${d} = ${r1} >>> ${r2};` + done;
    case 35:
      return `${d} = ${r1} >> ${r2};` + done;
    case 36:
      return `${d} = ${r1} | ${r2};` + done;
    case 37:
      return `${d} = ${r1} & ${r2};` + done;
    case 38:
      return `${d} = Math.imul(${r1}, ${r2});` + done;
    case 39:
      return `${d} = mulh(${r1}, ${r2});` + done;
    case 40:
      return `${d} = mulhsu(${r1}, ${r2});` + done;
    case 41:
      return `${d} = mulhu(${r1}, ${r2});` + done;
    case 42: // DIV
      return divide(`v = ${r2};`, `${d} = -1;`, `${d} = (${r1} / v) | 0;`, extra, divByZeroExtra);
    case 43: // DIVU
      return divide(
        `v = ${r2} >>> 0;`,
        `${d} = -1;`,
        `${d} = ((${r1} >>> 0) / v) >>> 0;`,
        extra,
        divByZeroExtra,
      );
    case 44: // REM
      return divide(`v = ${r2};`, `${d} = ${r1};`, `${d} = ${r1} % v;`, extra, divByZeroExtra);
    case 45: // REMU
      return divide(
        `v = ${r2} >>> 0;`,
        `${d} = ${r1};`,
        `${d} = (${r1} >>> 0) % v;`,
        extra,
        divByZeroExtra,
      );
    case 46: // FENCE
    case 47: // FENCE.I
      return done;
    default:
      throw new Error(`op ${op} is not translatable`);
  }
}

/** A branch, the block's last instruction: taken to pc + imm, else to the next. */
function branch(
  at: number,
  condition: string,
  imm: number,
  extra: number,
  takenExtra: number,
  length: number,
): string {
  const target = (at + imm) | 0;
  const taken = (target & 3) !== 0
    ? `throw misaligned(${at}, "fetch", ${target}, 4);`
    : jump(String(target), length, extra + takenExtra);
  return `if (${condition}) { ${taken} } ${jump(String((at + 4) | 0), length, extra)}`;
}

/** A division: by 0 (`v` is the divisor) what RV32 says, at its own cost. */
function divide(
  divisor: string,
  byZero: string,
  otherwise: string,
  extra: number,
  divByZeroExtra: number,
): string {
  return `${divisor} if (v === 0) { ${byZero} ${charge(extra + divByZeroExtra)} } ` +
    `else { ${otherwise} ${charge(extra)} }`;
}
