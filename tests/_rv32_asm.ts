/**
 * A tiny RV32IM assembler for the core's tests: one function per
 * instruction, returning its 32-bit word, with the operands in assembly
 * order (`lw(rd, offset, rs1)` is `lw rd, offset(rs1)`), and a Program that
 * resolves labels for branches and jumps. Operands out of range throw: a
 * test must not encode something other than what it reads.
 */

function field(value: number, bits: number, what: string, signed: boolean): number {
  const min = signed ? -(2 ** (bits - 1)) : 0;
  const max = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${what} ${value} does not fit ${bits} bits`);
  }
  return value & (2 ** bits - 1);
}

function reg(r: number): number {
  return field(r, 5, "register", false);
}

function rType(funct7: number, rs2: number, rs1: number, funct3: number, rd: number, op: number) {
  return ((funct7 << 25) | (reg(rs2) << 20) | (reg(rs1) << 15) | (funct3 << 12) | (reg(rd) << 7) |
    op) >>> 0;
}

function iType(imm: number, rs1: number, funct3: number, rd: number, op: number): number {
  return ((field(imm, 12, "immediate", true) << 20) | (reg(rs1) << 15) | (funct3 << 12) |
    (reg(rd) << 7) | op) >>> 0;
}

function sType(imm: number, rs2: number, rs1: number, funct3: number, op: number): number {
  const v = field(imm, 12, "offset", true);
  return (((v >> 5) << 25) | (reg(rs2) << 20) | (reg(rs1) << 15) | (funct3 << 12) |
    ((v & 31) << 7) | op) >>> 0;
}

function bType(offset: number, rs2: number, rs1: number, funct3: number): number {
  if (offset % 2 !== 0) throw new RangeError(`branch offset ${offset} is odd`);
  const v = field(offset, 13, "branch offset", true);
  return ((((v >> 12) & 1) << 31) | (((v >> 5) & 0x3F) << 25) | (reg(rs2) << 20) |
    (reg(rs1) << 15) | (funct3 << 12) | (((v >> 1) & 0xF) << 8) | (((v >> 11) & 1) << 7) |
    0x63) >>> 0;
}

function shift(funct7: number, rd: number, rs1: number, shamt: number, funct3: number): number {
  return rType(funct7, field(shamt, 5, "shift amount", false), rs1, funct3, rd, 0x13);
}

// --- RV32I ---

/** lui rd, imm20: rd = imm20 << 12. */
export function lui(rd: number, imm20: number): number {
  return ((field(imm20, 20, "upper immediate", false) << 12) | (reg(rd) << 7) | 0x37) >>> 0;
}
/** auipc rd, imm20: rd = pc + (imm20 << 12). */
export function auipc(rd: number, imm20: number): number {
  return ((field(imm20, 20, "upper immediate", false) << 12) | (reg(rd) << 7) | 0x17) >>> 0;
}
/** jal rd, offset. */
export function jal(rd: number, offset: number): number {
  if (offset % 2 !== 0) throw new RangeError(`jump offset ${offset} is odd`);
  const v = field(offset, 21, "jump offset", true);
  return ((((v >> 20) & 1) << 31) | (((v >> 1) & 0x3FF) << 21) | (((v >> 11) & 1) << 20) |
    (((v >> 12) & 0xFF) << 12) | (reg(rd) << 7) | 0x6F) >>> 0;
}
/** jalr rd, offset(rs1). */
export function jalr(rd: number, offset: number, rs1: number): number {
  return iType(offset, rs1, 0, rd, 0x67);
}
export function beq(rs1: number, rs2: number, offset: number): number {
  return bType(offset, rs2, rs1, 0);
}
export function bne(rs1: number, rs2: number, offset: number): number {
  return bType(offset, rs2, rs1, 1);
}
export function blt(rs1: number, rs2: number, offset: number): number {
  return bType(offset, rs2, rs1, 4);
}
export function bge(rs1: number, rs2: number, offset: number): number {
  return bType(offset, rs2, rs1, 5);
}
export function bltu(rs1: number, rs2: number, offset: number): number {
  return bType(offset, rs2, rs1, 6);
}
export function bgeu(rs1: number, rs2: number, offset: number): number {
  return bType(offset, rs2, rs1, 7);
}
export function lb(rd: number, offset: number, rs1: number): number {
  return iType(offset, rs1, 0, rd, 3);
}
export function lh(rd: number, offset: number, rs1: number): number {
  return iType(offset, rs1, 1, rd, 3);
}
export function lw(rd: number, offset: number, rs1: number): number {
  return iType(offset, rs1, 2, rd, 3);
}
export function lbu(rd: number, offset: number, rs1: number): number {
  return iType(offset, rs1, 4, rd, 3);
}
export function lhu(rd: number, offset: number, rs1: number): number {
  return iType(offset, rs1, 5, rd, 3);
}
export function sb(rs2: number, offset: number, rs1: number): number {
  return sType(offset, rs2, rs1, 0, 0x23);
}
export function sh(rs2: number, offset: number, rs1: number): number {
  return sType(offset, rs2, rs1, 1, 0x23);
}
export function sw(rs2: number, offset: number, rs1: number): number {
  return sType(offset, rs2, rs1, 2, 0x23);
}
export function addi(rd: number, rs1: number, imm: number): number {
  return iType(imm, rs1, 0, rd, 0x13);
}
export function slti(rd: number, rs1: number, imm: number): number {
  return iType(imm, rs1, 2, rd, 0x13);
}
export function sltiu(rd: number, rs1: number, imm: number): number {
  return iType(imm, rs1, 3, rd, 0x13);
}
export function xori(rd: number, rs1: number, imm: number): number {
  return iType(imm, rs1, 4, rd, 0x13);
}
export function ori(rd: number, rs1: number, imm: number): number {
  return iType(imm, rs1, 6, rd, 0x13);
}
export function andi(rd: number, rs1: number, imm: number): number {
  return iType(imm, rs1, 7, rd, 0x13);
}
export function slli(rd: number, rs1: number, shamt: number): number {
  return shift(0, rd, rs1, shamt, 1);
}
export function srli(rd: number, rs1: number, shamt: number): number {
  return shift(0, rd, rs1, shamt, 5);
}
export function srai(rd: number, rs1: number, shamt: number): number {
  return shift(0x20, rd, rs1, shamt, 5);
}
export function add(rd: number, rs1: number, rs2: number): number {
  return rType(0, rs2, rs1, 0, rd, 0x33);
}
export function sub(rd: number, rs1: number, rs2: number): number {
  return rType(0x20, rs2, rs1, 0, rd, 0x33);
}
export function sll(rd: number, rs1: number, rs2: number): number {
  return rType(0, rs2, rs1, 1, rd, 0x33);
}
export function slt(rd: number, rs1: number, rs2: number): number {
  return rType(0, rs2, rs1, 2, rd, 0x33);
}
export function sltu(rd: number, rs1: number, rs2: number): number {
  return rType(0, rs2, rs1, 3, rd, 0x33);
}
export function xor(rd: number, rs1: number, rs2: number): number {
  return rType(0, rs2, rs1, 4, rd, 0x33);
}
export function srl(rd: number, rs1: number, rs2: number): number {
  return rType(0, rs2, rs1, 5, rd, 0x33);
}
export function sra(rd: number, rs1: number, rs2: number): number {
  return rType(0x20, rs2, rs1, 5, rd, 0x33);
}
export function or(rd: number, rs1: number, rs2: number): number {
  return rType(0, rs2, rs1, 6, rd, 0x33);
}
export function and(rd: number, rs1: number, rs2: number): number {
  return rType(0, rs2, rs1, 7, rd, 0x33);
}
/** fence (iorw, iorw). */
export function fence(): number {
  return 0x0FF0_000F;
}
/** fence.i */
export function fenceI(): number {
  return 0x0000_100F;
}
export function ecall(): number {
  return 0x0000_0073;
}
export function ebreak(): number {
  return 0x0010_0073;
}

// --- M ---

export function mul(rd: number, rs1: number, rs2: number): number {
  return rType(1, rs2, rs1, 0, rd, 0x33);
}
export function mulh(rd: number, rs1: number, rs2: number): number {
  return rType(1, rs2, rs1, 1, rd, 0x33);
}
export function mulhsu(rd: number, rs1: number, rs2: number): number {
  return rType(1, rs2, rs1, 2, rd, 0x33);
}
export function mulhu(rd: number, rs1: number, rs2: number): number {
  return rType(1, rs2, rs1, 3, rd, 0x33);
}
export function div(rd: number, rs1: number, rs2: number): number {
  return rType(1, rs2, rs1, 4, rd, 0x33);
}
export function divu(rd: number, rs1: number, rs2: number): number {
  return rType(1, rs2, rs1, 5, rd, 0x33);
}
export function rem(rd: number, rs1: number, rs2: number): number {
  return rType(1, rs2, rs1, 6, rd, 0x33);
}
export function remu(rd: number, rs1: number, rs2: number): number {
  return rType(1, rs2, rs1, 7, rd, 0x33);
}

// --- Zicsr ---

/** csrrs rd, csr, rs1 */
export function csrrs(rd: number, csr: number, rs1: number): number {
  return ((field(csr, 12, "csr", false) << 20) | (reg(rs1) << 15) | (2 << 12) | (reg(rd) << 7) |
    0x73) >>> 0;
}
/** csrrw rd, csr, rs1 */
export function csrrw(rd: number, csr: number, rs1: number): number {
  return ((field(csr, 12, "csr", false) << 20) | (reg(rs1) << 15) | (1 << 12) | (reg(rd) << 7) |
    0x73) >>> 0;
}
export const CSR_CYCLE = 0xC00;
export const CSR_INSTRET = 0xC02;
export const CSR_CYCLEH = 0xC80;
export const CSR_INSTRETH = 0xC82;

// --- pseudo-instructions ---

export function nop(): number {
  return addi(0, 0, 0);
}
export function mv(rd: number, rs: number): number {
  return addi(rd, rs, 0);
}
export function ret(): number {
  return jalr(0, 0, 1);
}

/** li rd, value: lui + addi (the addi's immediate is sign-extended, hence the rounding). */
export function li(rd: number, value: number): number[] {
  const v = value | 0;
  const low = (v << 20) >> 20;
  const high = ((v - low) >>> 12) & 0xFFFFF;
  return high === 0 ? [addi(rd, 0, low)] : [lui(rd, high), addi(rd, rd, low)];
}

/**
 * Instructions with labels: `to(label, encode)` appends an instruction
 * whose offset operand is the distance from it to `label`, resolved when
 * the words are taken.
 */
export class Program {
  readonly #items: (number | ((at: number) => number))[] = [];
  readonly #labels = new Map<string, number>();

  /** Appends instructions (a number, or the array li returns). */
  put(...words: (number | number[])[]): this {
    for (const w of words.flat()) this.#items.push(w);
    return this;
  }

  /** Names the next instruction's offset. */
  label(name: string): this {
    this.#labels.set(name, this.#items.length * 4);
    return this;
  }

  /** Appends the instruction `encode` gives for the offset to `label`. */
  to(label: string, encode: (offset: number) => number): this {
    this.#items.push((at) => encode(this.offset(label) - at));
    return this;
  }

  /** The byte offset of `label` from the program's start. */
  offset(label: string): number {
    const at = this.#labels.get(label);
    if (at === undefined) throw new Error(`no label ${label}`);
    return at;
  }

  /** The instruction words. */
  words(): Uint32Array {
    return Uint32Array.from(
      this.#items,
      (item, i) => typeof item === "number" ? item : item(i * 4),
    );
  }

  /** The words as little-endian bytes, for Board.debugLoad. */
  bytes(): Uint8Array {
    const words = this.words();
    const bytes = new Uint8Array(words.length * 4);
    const view = new DataView(bytes.buffer);
    words.forEach((w, i) => view.setUint32(i * 4, w, true));
    return bytes;
  }
}
