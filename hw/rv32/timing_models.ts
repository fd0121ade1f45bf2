/**
 * Timing models of the RV32 core, as data: what an instruction costs beyond
 * the bus.
 *
 * The bus charges each access its own cost (RAM_ACCESS_CYCLES,
 * FLASH_ACCESS_CYCLES, MMIO_ACCESS_CYCLES) when it happens: an
 * instruction's fetch, and its load or store. A model names the cycles the
 * core adds on top, by class of instruction, so that
 *
 * ```
 * cycles(instruction) = busCost(fetch) + busCost(load or store, if any) + extraCycles[class]
 * ```
 *
 * Both models below assume that the core sees every wait state of the bus:
 * no prefetch buffer or cache hides a fetch's (true of Ibex only with
 * single-cycle memory; neither core's documents give a formula for slower
 * memory, and both say stalls grow with its latency). Cycles of a trapping
 * instruction (illegal, misaligned, bus error, ecall, ebreak) are its bus
 * accesses only: it does not retire.
 *
 * Hazard3 (RP2350) is not offered: its load-use stall and its branch
 * predictor make an instruction's cost depend on its neighbours, which a
 * table by class cannot say.
 * @module
 */

/**
 * The classes a model prices. `alu`: LUI, AUIPC and the register-immediate
 * and register-register operations, shifts included; `mulh`: MULH, MULHSU,
 * MULHU; `div`: DIV, DIVU, REM, REMU with a divisor other than 0 and
 * `divByZero` the same with 0; `csr`: the counter reads (CSRRS rd, csr, x0).
 */
export type Rv32TimingClass =
  | "alu"
  | "load"
  | "store"
  | "branchNotTaken"
  | "branchTaken"
  | "jal"
  | "jalr"
  | "mul"
  | "mulh"
  | "div"
  | "divByZero"
  | "fence"
  | "fenceI"
  | "csr";

/** The classes, in a fixed order, for code that walks them all. */
export const RV32_TIMING_CLASSES: readonly Rv32TimingClass[] = [
  "alu",
  "load",
  "store",
  "branchNotTaken",
  "branchTaken",
  "jal",
  "jalr",
  "mul",
  "mulh",
  "div",
  "divByZero",
  "fence",
  "fenceI",
  "csr",
];

/**
 * A named, cited timing model: the cycles the core adds to an instruction of
 * each class beyond what the bus charged for its fetch and its data access
 * (each a whole number, 0 or more).
 * @example
 * ```ts
 * import { Board, IBEX_SMALL, Rv32Core, type Rv32TimingModel } from "@pagepile/pagepile";
 * // Ibex with its single-cycle multiplier (RV32MSingleCycle): MUL +0, MULH +1.
 * const ibexSingleCycleMul: Rv32TimingModel = {
 *   name: "Ibex-small, single-cycle multiplier",
 *   source: IBEX_SMALL.source + "; RV32MSingleCycle",
 *   extraCycles: { ...IBEX_SMALL.extraCycles, mul: 0, mulh: 1 },
 * };
 * const core = new Rv32Core(new Board({ ramBytes: 64 * 1024, flashBytes: 4096 }), { timing: ibexSingleCycleMul });
 * console.log(core.timing.name);
 * ```
 */
export interface Rv32TimingModel {
  /** A short name for reports, e.g. "Ibex-small on the counted bus". */
  readonly name: string;
  /** Where its figures come from. */
  readonly source: string;
  /** Cycles added beyond the bus's charges, by class. */
  readonly extraCycles: Readonly<Record<Rv32TimingClass, number>>;
}

/**
 * The default model, "Ibex-small on the counted bus" (lowRISC Ibex, a
 * 2-stage core, with its fast multiplier RV32MFast and without a branch
 * target ALU): an instruction issues in one cycle, which with the fetch's
 * wait states exposed makes busCost(fetch); a load or store stalls for the
 * bus's response, busCost(data); then the pipeline's own stalls:
 *
 * ```
 * alu, load, store, not-taken branch, fence, counter read   +0
 * JAL, JALR, FENCE.I (the prefetch buffer is flushed)       +1
 * taken branch (the ALU computes the target, a 2nd cycle)   +2
 * MUL +2, MULH/MULHSU/MULHU +3                              (RV32MFast: 3 and 4 cycles)
 * DIV/DIVU/REM/REMU +37, or +1 when the divisor is 0        (38 cycles, 2 on a divide by 0)
 * ```
 * On pagepile's bus, code in RAM: ALU 2 cycles, LW/SW to RAM 4, SW to MMIO
 * 10, taken branch 4, JAL 3, MUL 4, DIV 39; code in flash adds 2 to each.
 * @example
 * ```ts
 * import { IBEX_SMALL } from "@pagepile/pagepile";
 * console.log(IBEX_SMALL.extraCycles.div); // 37
 * ```
 */
export const IBEX_SMALL: Rv32TimingModel = {
  name: "Ibex-small on the counted bus",
  source: "lowRISC Ibex documentation, doc/03_reference/pipeline_details.rst and " +
    "instruction_decode_execute.rst (RV32MFast, BranchTargetALU = 0); " +
    "pagepile reference/rv32-timing.md",
  extraCycles: {
    alu: 0,
    load: 0,
    store: 0,
    branchNotTaken: 0,
    branchTaken: 2,
    jal: 1,
    jalr: 1,
    mul: 2,
    mulh: 3,
    div: 37,
    divByZero: 1,
    fence: 0,
    fenceI: 1,
    csr: 0,
  },
};

/**
 * PicoRV32's cycles per instruction (its README's table, for a core with
 * ENABLE_REGS_DUALPORT on single-cycle memory), with BARREL_SHIFTER
 * (shifts cost an ALU operation's 3), ENABLE_MUL and ENABLE_DIV.
 * The README gives no figure for FENCE, FENCE.I or the counter reads: they
 * are charged as ALU operations. Its divider takes 40 cycles whatever the
 * divisor.
 */
const PICORV32_CPI: Readonly<Record<Rv32TimingClass, number>> = {
  alu: 3,
  load: 5,
  store: 5,
  branchNotTaken: 3,
  branchTaken: 5,
  jal: 3,
  jalr: 6,
  mul: 40,
  mulh: 72,
  div: 40,
  divByZero: 40,
  fence: 3,
  fenceI: 3,
  csr: 3,
};

/**
 * PicoRV32 (YosysHQ, a multi-cycle core with one memory interface) on the
 * counted bus: its cycles per instruction on single-cycle memory, plus
 * (busCost − 1) for each bus access, its fetch and its load or store. As
 * the bus charges busCost for each, the core adds CPI − 1 per instruction,
 * and 1 less for a load or store:
 *
 * ```
 * class             CPI   extra      class              CPI   extra
 * alu (and shifts)   3     2         jalr                6     5
 * load               5     3         mul                40    39
 * store              5     3         mulh               72    71
 * branch not taken   3     2         div, divByZero     40    39
 * branch taken       5     4         fence, fenceI, csr  3     2
 * jal                3     2
 * ```
 * @example
 * ```ts
 * import { Board, PICORV32, Rv32Core } from "@pagepile/pagepile";
 * const core = new Rv32Core(new Board({ ramBytes: 64 * 1024, flashBytes: 4096 }), { timing: PICORV32 });
 * console.log(core.timing.extraCycles.load); // 3
 * ```
 */
export const PICORV32: Rv32TimingModel = fromCyclesPerInstruction(
  "PicoRV32 on the counted bus",
  'YosysHQ/picorv32 README.md, "Cycles per Instruction Performance" ' +
    "(ENABLE_REGS_DUALPORT, BARREL_SHIFTER, ENABLE_MUL, ENABLE_DIV); " +
    "pagepile reference/rv32-timing.md",
  PICORV32_CPI,
);

/**
 * A model from a core's cycles per instruction on single-cycle memory: each
 * bus access there took one of those cycles, which the bus's charge replaces.
 */
function fromCyclesPerInstruction(
  name: string,
  source: string,
  cpi: Readonly<Record<Rv32TimingClass, number>>,
): Rv32TimingModel {
  const extraCycles = {} as Record<Rv32TimingClass, number>;
  for (const timingClass of RV32_TIMING_CLASSES) {
    const accesses = timingClass === "load" || timingClass === "store" ? 2 : 1;
    extraCycles[timingClass] = cpi[timingClass] - accesses;
  }
  return { name, source, extraCycles };
}
