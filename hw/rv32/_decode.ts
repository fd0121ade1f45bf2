/**
 * RV32IM instruction decoding into the core's decode cache.
 *
 * An instruction word decodes to an operation number and its operands,
 * packed into one entry of 4 int32 lanes:
 *
 * ```
 * lane  holds
 * 0     the instruction word the entry decodes (the cache's tag)
 * 1     op | rd << 8 | rs1 << 14 | rs2 << 19   (rd: 6 bits, the others 5)
 * 2     the immediate, sign-extended (a shift amount for SLLI/SRLI/SRAI)
 * 3     the timing model's extra cycles for the op's class (for a branch,
 *       the not-taken cost; for a division, the nonzero-divisor cost)
 * ```
 *
 * Invariants the core relies on: nothing in an entry depends on the
 * instruction's address (branch and jump offsets stay relative), so two
 * words that are equal decode equally wherever they sit; an rd of x0 is
 * stored as 32, a sink register past the 32 real ones, so that writes to x0
 * need no test and x0 stays 0; an all-zero entry decodes the word 0, which
 * is OP_ILLEGAL, so a zeroed cache is a valid one.
 *
 * The op numbers are repeated as literals in the core's switch (V8 builds a
 * jump table only from literal case labels; imported constants turn it into
 * a chain of compares): keep the two in step.
 * @module
 */

import {
  RV32_TIMING_CLASSES,
  type Rv32TimingClass,
  type Rv32TimingModel,
} from "./timing_models.ts";

/** Int32 lanes per decode-cache entry. */
export const ENTRY_LANES = 4;
/** The register number decoding gives an rd of x0: a sink past x31. */
export const SINK_REGISTER = 32;

export const OP_ILLEGAL = 0;
export const OP_LUI = 1;
export const OP_AUIPC = 2;
export const OP_JAL = 3;
export const OP_JALR = 4;
export const OP_BEQ = 5;
export const OP_BNE = 6;
export const OP_BLT = 7;
export const OP_BGE = 8;
export const OP_BLTU = 9;
export const OP_BGEU = 10;
export const OP_LB = 11;
export const OP_LH = 12;
export const OP_LW = 13;
export const OP_LBU = 14;
export const OP_LHU = 15;
export const OP_SB = 16;
export const OP_SH = 17;
export const OP_SW = 18;
export const OP_ADDI = 19;
export const OP_SLTI = 20;
export const OP_SLTIU = 21;
export const OP_XORI = 22;
export const OP_ORI = 23;
export const OP_ANDI = 24;
export const OP_SLLI = 25;
export const OP_SRLI = 26;
export const OP_SRAI = 27;
export const OP_ADD = 28;
export const OP_SUB = 29;
export const OP_SLL = 30;
export const OP_SLT = 31;
export const OP_SLTU = 32;
export const OP_XOR = 33;
export const OP_SRL = 34;
export const OP_SRA = 35;
export const OP_OR = 36;
export const OP_AND = 37;
export const OP_MUL = 38;
export const OP_MULH = 39;
export const OP_MULHSU = 40;
export const OP_MULHU = 41;
export const OP_DIV = 42;
export const OP_DIVU = 43;
export const OP_REM = 44;
export const OP_REMU = 45;
export const OP_FENCE = 46;
export const OP_FENCE_I = 47;
export const OP_ECALL = 48;
export const OP_EBREAK = 49;
export const OP_RDCYCLE = 50;
export const OP_RDCYCLEH = 51;
export const OP_RDINSTRET = 52;
export const OP_RDINSTRETH = 53;
/** How many op numbers there are. */
export const OP_COUNT = 54;

/** RV32 major opcodes (bits 0-6). */
const LOAD = 0x03;
const MISC_MEM = 0x0F;
const OP_IMM = 0x13;
const AUIPC = 0x17;
const STORE = 0x23;
const OP = 0x33;
const LUI = 0x37;
const BRANCH = 0x63;
const JALR = 0x67;
const JAL = 0x6F;
const SYSTEM = 0x73;

/** funct7 values of the OP opcode: base, SUB/SRA, and the M extension. */
const FUNCT7_BASE = 0x00;
const FUNCT7_ALT = 0x20;
const FUNCT7_MULDIV = 0x01;

/** The two SYSTEM words that are not CSR accesses and that the core runs. */
const ECALL_WORD = 0x0000_0073;
const EBREAK_WORD = 0x0010_0073;
/** funct3 of CSRRS, the only CSR instruction the core runs (as a read, rs1 = x0). */
const FUNCT3_CSRRS = 2;

/** The counter CSRs the core can read, user and machine names, → op. */
const COUNTER_CSRS: ReadonlyMap<number, number> = new Map([
  [0xC00, OP_RDCYCLE], // cycle
  [0xC80, OP_RDCYCLEH], // cycleh
  [0xC02, OP_RDINSTRET], // instret
  [0xC82, OP_RDINSTRETH], // instreth
  [0xB00, OP_RDCYCLE], // mcycle
  [0xB80, OP_RDCYCLEH], // mcycleh
  [0xB02, OP_RDINSTRET], // minstret
  [0xB82, OP_RDINSTRETH], // minstreth
]);

const BRANCH_OPS = [OP_BEQ, OP_BNE, OP_ILLEGAL, OP_ILLEGAL, OP_BLT, OP_BGE, OP_BLTU, OP_BGEU];
const LOAD_OPS = [OP_LB, OP_LH, OP_LW, OP_ILLEGAL, OP_LBU, OP_LHU, OP_ILLEGAL, OP_ILLEGAL];
const STORE_OPS = [OP_SB, OP_SH, OP_SW];
/** OP-IMM by funct3; the shifts (1 and 5) are told apart by funct7 below. */
const IMM_OPS = [OP_ADDI, OP_SLLI, OP_SLTI, OP_SLTIU, OP_XORI, OP_SRLI, OP_ORI, OP_ANDI];
/** OP by funct3, for funct7 0; funct7 0x20 makes ADD SUB and SRL SRA. */
const REG_OPS = [OP_ADD, OP_SLL, OP_SLT, OP_SLTU, OP_XOR, OP_SRL, OP_OR, OP_AND];
const MULDIV_OPS = [OP_MUL, OP_MULH, OP_MULHSU, OP_MULHU, OP_DIV, OP_DIVU, OP_REM, OP_REMU];

/**
 * Decodes `word` into the entry at `entry` (its first lane) of `cache`. A
 * word that is not an RV32IM instruction the core runs decodes to
 * OP_ILLEGAL: reserved encodings, RV32C (whose low bits are not 11), the
 * other CSR instructions, MRET, WFI and the like.
 * @param extraByOp the timing model's extra cycles by op (see extraCyclesByOp)
 */
export function decodeInto(
  cache: Int32Array,
  entry: number,
  word: number,
  extraByOp: Int32Array,
): void {
  const rd = (word >>> 7) & 31;
  const funct3 = (word >>> 12) & 7;
  const rs1 = (word >>> 15) & 31;
  const rs2 = (word >>> 20) & 31;
  const funct7 = word >>> 25;
  let op = OP_ILLEGAL;
  let imm = 0;
  switch (word & 0x7F) {
    case LUI:
      op = OP_LUI;
      imm = word & 0xFFFF_F000;
      break;
    case AUIPC:
      op = OP_AUIPC;
      imm = word & 0xFFFF_F000;
      break;
    case JAL:
      op = OP_JAL;
      imm = jImmediate(word);
      break;
    case JALR:
      if (funct3 === 0) op = OP_JALR;
      imm = word >> 20;
      break;
    case BRANCH:
      op = BRANCH_OPS[funct3];
      imm = bImmediate(word);
      break;
    case LOAD:
      op = LOAD_OPS[funct3];
      imm = word >> 20;
      break;
    case STORE:
      op = STORE_OPS[funct3] ?? OP_ILLEGAL;
      imm = ((word >> 25) << 5) | ((word >>> 7) & 31);
      break;
    case OP_IMM:
      op = IMM_OPS[funct3];
      imm = word >> 20;
      if (op === OP_SLLI) {
        if (funct7 !== FUNCT7_BASE) op = OP_ILLEGAL;
        imm = rs2;
      } else if (op === OP_SRLI) {
        if (funct7 === FUNCT7_ALT) op = OP_SRAI;
        else if (funct7 !== FUNCT7_BASE) op = OP_ILLEGAL;
        imm = rs2;
      }
      break;
    case OP:
      if (funct7 === FUNCT7_BASE) op = REG_OPS[funct3];
      else if (funct7 === FUNCT7_MULDIV) op = MULDIV_OPS[funct3];
      else if (funct7 === FUNCT7_ALT && funct3 === 0) op = OP_SUB;
      else if (funct7 === FUNCT7_ALT && funct3 === 5) op = OP_SRA;
      break;
    case MISC_MEM:
      // FENCE's predecessor, successor and mode fields order nothing on
      // this single-hart board: every FENCE runs as a no-op.
      if (funct3 === 0) op = OP_FENCE;
      else if (funct3 === 1) op = OP_FENCE_I;
      break;
    case SYSTEM:
      if (word === ECALL_WORD) op = OP_ECALL;
      else if (word === EBREAK_WORD) op = OP_EBREAK;
      else if (funct3 === FUNCT3_CSRRS && rs1 === 0) {
        op = COUNTER_CSRS.get(word >>> 20) ?? OP_ILLEGAL;
      }
      break;
  }
  if (op === OP_ILLEGAL) {
    // All lanes but the tag zero, as a zeroed cache holds the word 0.
    cache[entry] = word;
    cache[entry + 1] = 0;
    cache[entry + 2] = 0;
    cache[entry + 3] = 0;
    return;
  }
  cache[entry] = word;
  cache[entry + 1] = op | ((rd === 0 ? SINK_REGISTER : rd) << 8) | (rs1 << 14) | (rs2 << 19);
  cache[entry + 2] = imm;
  cache[entry + 3] = extraByOp[op];
}

/** The J-type immediate: imm[20|10:1|11|19:12] in bits 31..12, sign-extended. */
function jImmediate(word: number): number {
  return ((word >> 31) << 20) | (word & 0x000F_F000) | (((word >>> 20) & 1) << 11) |
    (((word >>> 21) & 0x3FF) << 1);
}

/** The B-type immediate: imm[12|10:5] in bits 31..25, imm[4:1|11] in bits 11..7. */
function bImmediate(word: number): number {
  return ((word >> 31) << 12) | (((word >>> 7) & 1) << 11) | (((word >>> 25) & 0x3F) << 5) |
    (((word >>> 8) & 0xF) << 1);
}

/** The timing class of each op; null for those that trap and never retire. */
const OP_CLASSES: readonly (Rv32TimingClass | null)[] = opClasses();

function opClasses(): (Rv32TimingClass | null)[] {
  const classes: (Rv32TimingClass | null)[] = new Array(OP_COUNT).fill("alu");
  classes[OP_ILLEGAL] = classes[OP_ECALL] = classes[OP_EBREAK] = null;
  classes[OP_JAL] = "jal";
  classes[OP_JALR] = "jalr";
  for (const op of [OP_BEQ, OP_BNE, OP_BLT, OP_BGE, OP_BLTU, OP_BGEU]) {
    classes[op] = "branchNotTaken";
  }
  for (const op of [OP_LB, OP_LH, OP_LW, OP_LBU, OP_LHU]) classes[op] = "load";
  for (const op of [OP_SB, OP_SH, OP_SW]) classes[op] = "store";
  classes[OP_MUL] = "mul";
  for (const op of [OP_MULH, OP_MULHSU, OP_MULHU]) classes[op] = "mulh";
  for (const op of [OP_DIV, OP_DIVU, OP_REM, OP_REMU]) classes[op] = "div";
  classes[OP_FENCE] = "fence";
  classes[OP_FENCE_I] = "fenceI";
  for (const op of [OP_RDCYCLE, OP_RDCYCLEH, OP_RDINSTRET, OP_RDINSTRETH]) classes[op] = "csr";
  return classes;
}

/**
 * The model's extra cycles for each op, by op number: what lane 3 of an
 * entry holds. A branch's and a division's are their common case (not
 * taken, divisor not 0); the core adds the difference for the other.
 * @throws RangeError when the model lacks a class or gives one a count that
 * is not a whole number of cycles (0 or more)
 */
export function extraCyclesByOp(model: Rv32TimingModel): Int32Array {
  for (const timingClass of RV32_TIMING_CLASSES) {
    const cycles = model.extraCycles[timingClass];
    if (!Number.isInteger(cycles) || cycles < 0 || cycles > 0xFFFF) {
      throw new RangeError(
        `timing model "${model.name}": ${timingClass} costs ${cycles} extra cycles, ` +
          `not a whole number from 0 to 65535`,
      );
    }
  }
  const extra = new Int32Array(OP_COUNT);
  OP_CLASSES.forEach((timingClass, op) => {
    if (timingClass !== null) extra[op] = model.extraCycles[timingClass];
  });
  return extra;
}
