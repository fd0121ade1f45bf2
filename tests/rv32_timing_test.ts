// The RV32 core's cycles: each instruction class under the default model
// (Ibex-small on the counted bus) and under PicoRV32's, from flash and from
// RAM; how the core's counters split them; firmware timing itself.
//
// Bus costs (hw/timing.ts): RAM 2, flash 4, MMIO 8 cycles an access.

import { assertEquals, assertThrows } from "./_assert.ts";
import * as asm from "./_rv32_asm.ts";
import { Program } from "./_rv32_asm.ts";
import { Board } from "../hw/board.ts";
import { CycleLimitExceeded } from "../hw/cycle_limit.ts";
import { CYCLES_LO } from "../hw/cycle_counter.ts";
import { CONSOLE_BASE, CYCLE_COUNTER_BASE, FLASH_BASE, RAM_BASE } from "../hw/memory_map.ts";
import { FLASH_ACCESS_CYCLES, MMIO_ACCESS_CYCLES, RAM_ACCESS_CYCLES } from "../hw/timing.ts";
import { Rv32Core } from "../hw/rv32/core.ts";
import { RV32_REGISTERS } from "../hw/rv32/registers.ts";
import { IBEX_SMALL, PICORV32, type Rv32TimingModel } from "../hw/rv32/timing_models.ts";
import { Rv32BusError, Rv32MisalignedAccess } from "../hw/rv32/traps.ts";

const KiB = 1024;
const RAM_BYTES = 64 * KiB;
const STACK_TOP = RAM_BASE + RAM_BYTES;
/** Where code in RAM goes: past the data the tests touch. */
const RAM_CODE = RAM_BASE + 0x8000;
const { zero, a0, a1, a2, t0 } = RV32_REGISTERS;

interface Setup {
  /** Registers before the instruction. */
  regs?: Record<number, number>;
  timing?: Rv32TimingModel;
  /** Where the instruction is fetched from; flash by default. */
  from?: "flash" | "ram";
}

/** The cycles one instruction adds to board.cycles. */
function cycles(instruction: number, setup: Setup = {}): number {
  const board = new Board({ ramBytes: RAM_BYTES, flashBytes: 4 * KiB });
  const at = setup.from === "ram" ? RAM_CODE : FLASH_BASE;
  board.debugLoad(at, new Program().put(instruction).bytes());
  const core = new Rv32Core(board, { timing: setup.timing });
  core.pc = at;
  for (const [r, value] of Object.entries(setup.regs ?? {})) core.regs[Number(r)] = value;
  const before = board.cycles;
  core.step();
  return board.cycles - before;
}

const inRam = { [a1]: RAM_BASE, [a2]: 1 };
const inMmio = { [a1]: CONSOLE_BASE };

Deno.test("the bus costs the core pays are the documented ones", () => {
  assertEquals([RAM_ACCESS_CYCLES, FLASH_ACCESS_CYCLES, MMIO_ACCESS_CYCLES], [2, 4, 8]);
});

Deno.test("Ibex-small, code in RAM: the reference's figures (ALU 2, LW/SW 4, SW to MMIO 10, taken branch 4, JAL 3, MUL 4, DIV 39)", () => {
  const from = "ram";
  assertEquals(cycles(asm.addi(a0, a0, 1), { from }), 2);
  assertEquals(cycles(asm.lw(a0, 0, a1), { from, regs: inRam }), 4);
  assertEquals(cycles(asm.sw(a0, 0, a1), { from, regs: inRam }), 4);
  assertEquals(cycles(asm.sw(a0, 0, a1), { from, regs: inMmio }), 10);
  assertEquals(cycles(asm.beq(zero, zero, 8), { from }), 4);
  assertEquals(cycles(asm.jal(zero, 8), { from }), 3);
  assertEquals(cycles(asm.mul(a0, a1, a2), { from }), 4);
  assertEquals(cycles(asm.div(a0, a1, a2), { from, regs: inRam }), 39);
});

Deno.test("Ibex-small, code in flash: each class costs its 4-cycle fetch, its data access and its extra cycles", () => {
  const table: [string, number, Setup, number][] = [
    ["lui", asm.lui(a0, 1), {}, 4],
    ["auipc", asm.auipc(a0, 1), {}, 4],
    ["addi", asm.addi(a0, a0, 1), {}, 4],
    ["sra", asm.sra(a0, a1, a2), {}, 4],
    ["lb from RAM", asm.lb(a0, 0, a1), { regs: inRam }, 4 + 2],
    ["lw from RAM", asm.lw(a0, 0, a1), { regs: inRam }, 4 + 2],
    ["lw from flash", asm.lw(a0, 0, a1), { regs: { [a1]: FLASH_BASE } }, 4 + 4],
    ["lw from MMIO", asm.lw(a0, CYCLES_LO, a1), { regs: { [a1]: CYCLE_COUNTER_BASE } }, 4 + 8],
    ["sh to RAM", asm.sh(a0, 0, a1), { regs: inRam }, 4 + 2],
    ["sw to MMIO", asm.sw(a0, 0, a1), { regs: inMmio }, 4 + 8],
    ["beq not taken", asm.beq(zero, a2, 8), { regs: inRam }, 4],
    ["beq taken", asm.beq(zero, zero, 8), {}, 4 + 2],
    ["bltu taken", asm.bltu(zero, a2, 8), { regs: inRam }, 4 + 2],
    ["jal", asm.jal(a0, 8), {}, 4 + 1],
    ["jalr", asm.jalr(a0, 0, a1), { regs: { [a1]: FLASH_BASE } }, 4 + 1],
    ["mul", asm.mul(a0, a1, a2), {}, 4 + 2],
    ["mulh", asm.mulh(a0, a1, a2), {}, 4 + 3],
    ["mulhsu", asm.mulhsu(a0, a1, a2), {}, 4 + 3],
    ["mulhu", asm.mulhu(a0, a1, a2), {}, 4 + 3],
    ["div", asm.div(a0, a1, a2), { regs: inRam }, 4 + 37],
    ["divu", asm.divu(a0, a1, a2), { regs: inRam }, 4 + 37],
    ["rem", asm.rem(a0, a1, a2), { regs: inRam }, 4 + 37],
    ["remu", asm.remu(a0, a1, a2), { regs: inRam }, 4 + 37],
    ["div by 0", asm.div(a0, a1, zero), { regs: inRam }, 4 + 1],
    ["remu by 0", asm.remu(a0, a1, zero), { regs: inRam }, 4 + 1],
    ["fence", asm.fence(), {}, 4],
    ["fence.i", asm.fenceI(), {}, 4 + 1],
    ["rdcycle", asm.csrrs(a0, asm.CSR_CYCLE, zero), {}, 4],
  ];
  for (const [name, instruction, setup, expected] of table) {
    assertEquals(cycles(instruction, setup), expected, name);
  }
});

Deno.test("PicoRV32: its CPI plus (bus cost - 1) per access, from RAM and from flash", () => {
  const timing = PICORV32;
  const table: [string, number, Setup, number][] = [
    ["addi from RAM", asm.addi(a0, a0, 1), { from: "ram" }, 3 + 1],
    ["addi from flash", asm.addi(a0, a0, 1), {}, 3 + 3],
    ["slli (barrel shifter)", asm.slli(a0, a0, 7), {}, 3 + 3],
    ["lw RAM from RAM", asm.lw(a0, 0, a1), { from: "ram", regs: inRam }, 5 + 1 + 1],
    ["lw RAM from flash", asm.lw(a0, 0, a1), { regs: inRam }, 5 + 3 + 1],
    ["sw MMIO from RAM", asm.sw(a0, 0, a1), { from: "ram", regs: inMmio }, 5 + 1 + 7],
    ["beq not taken", asm.beq(zero, a2, 8), { from: "ram", regs: inRam }, 3 + 1],
    ["beq taken", asm.beq(zero, zero, 8), { from: "ram" }, 5 + 1],
    ["jal", asm.jal(zero, 8), { from: "ram" }, 3 + 1],
    ["jalr", asm.jalr(zero, 0, a1), { from: "ram", regs: { [a1]: RAM_CODE } }, 6 + 1],
    ["mul", asm.mul(a0, a1, a2), { from: "ram" }, 40 + 1],
    ["mulhu", asm.mulhu(a0, a1, a2), { from: "ram" }, 72 + 1],
    ["div", asm.div(a0, a1, a2), { from: "ram", regs: inRam }, 40 + 1],
    ["div by 0", asm.div(a0, a1, zero), { from: "ram" }, 40 + 1],
  ];
  for (const [name, instruction, setup, expected] of table) {
    assertEquals(cycles(instruction, { ...setup, timing }), expected, name);
  }
});

Deno.test("the timing models' tables are the documented ones", () => {
  assertEquals(IBEX_SMALL.extraCycles, {
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
  });
  // CPI − 1, and − 1 more for loads and stores.
  assertEquals(PICORV32.extraCycles, {
    alu: 2,
    load: 3,
    store: 3,
    branchNotTaken: 2,
    branchTaken: 4,
    jal: 2,
    jalr: 5,
    mul: 39,
    mulh: 71,
    div: 39,
    divByZero: 39,
    fence: 2,
    fenceI: 2,
    csr: 2,
  });
  assertEquals(IBEX_SMALL.name, "Ibex-small on the counted bus");
  assertEquals(PICORV32.source.includes("YosysHQ/picorv32"), true);
});

Deno.test("Rv32Core refuses a timing model with a missing or impossible cost", () => {
  const board = new Board({ ramBytes: RAM_BYTES, flashBytes: 4 * KiB });
  const negative = { ...IBEX_SMALL, extraCycles: { ...IBEX_SMALL.extraCycles, div: -1 } };
  assertThrows(() => new Rv32Core(board, { timing: negative }), RangeError, "div costs -1");
  const { csr: _, ...missing } = IBEX_SMALL.extraCycles;
  const incomplete = { ...IBEX_SMALL, extraCycles: missing } as Rv32TimingModel;
  assertThrows(
    () => new Rv32Core(board, { timing: incomplete }),
    RangeError,
    "csr costs undefined",
  );
});

Deno.test("the core's counters split a call's cycles into fetches, data accesses and extra cycles", () => {
  // a0 = *a1 + 1; *a1 = a0; return
  const board = new Board({ ramBytes: RAM_BYTES, flashBytes: 4 * KiB });
  const code = [asm.lw(a0, 0, a1), asm.addi(a0, a0, 1), asm.sw(a0, 0, a1), asm.ret()];
  board.debugLoad(FLASH_BASE, new Program().put(...code).bytes());
  const core = new Rv32Core(board);
  const before = core.counters();
  const cyclesBefore = board.cycles;
  assertEquals(core.call(FLASH_BASE, [0, RAM_BASE], { stackTop: STACK_TOP }), 1);
  const after = core.counters();
  const spent = {
    instructions: after.instructions - before.instructions,
    fetchCycles: after.fetchCycles - before.fetchCycles,
    dataCycles: after.dataCycles - before.dataCycles,
    extraCycles: after.extraCycles - before.extraCycles,
  };
  // 4 fetches from flash; a RAM load and a RAM store, as TypeScript doing
  // the same would pay; the return's prefetch flush.
  assertEquals(spent, { instructions: 4, fetchCycles: 16, dataCycles: 4, extraCycles: 1 });
  assertEquals(board.cycles - cyclesBefore, 21);
});

Deno.test("a trapping instruction costs its bus accesses only, and the counters say which", () => {
  const board = new Board({ ramBytes: RAM_BYTES, flashBytes: 4 * KiB });
  board.debugLoad(FLASH_BASE, new Program().put(asm.lw(a0, 2, a1), asm.div(a0, a1, a2)).bytes());
  const core = new Rv32Core(board);
  core.pc = FLASH_BASE;
  core.regs[a1] = RAM_BASE;
  assertThrows(() => core.step(), Rv32MisalignedAccess);
  assertEquals(core.counters(), { instructions: 0, fetchCycles: 4, dataCycles: 0, extraCycles: 0 });
  core.regs[a1] = 0x0E; // 0x10 is unmapped: the faulting access costs an MMIO access
  core.pc = FLASH_BASE;
  assertThrows(() => core.step(), Rv32BusError);
  assertEquals(core.counters(), { instructions: 0, fetchCycles: 8, dataCycles: 8, extraCycles: 0 });
  assertEquals(board.cycles, 16);
});

Deno.test("a refused access under the board's cycle limit is charged to the counter of its kind", () => {
  const board = new Board({ ramBytes: RAM_BYTES, flashBytes: 4 * KiB });
  board.debugLoad(FLASH_BASE, new Program().put(asm.lw(a0, 0, a1)).bytes());
  const core = new Rv32Core(board);
  core.pc = FLASH_BASE;
  core.regs[a1] = RAM_BASE;
  board.limitCycles(5); // the fetch (4) passes, the load (2 more) does not
  assertThrows(() => core.step(), CycleLimitExceeded);
  assertEquals(core.counters(), { instructions: 0, fetchCycles: 4, dataCycles: 2, extraCycles: 0 });
  assertEquals([core.pc, core.regs[a0]], [FLASH_BASE, 0]);
  board.limitCycles(Infinity);
});

Deno.test("firmware times itself with the cycle counter: the difference of two reads is exact", () => {
  // t0 = the cycle counter's base
  const program = new Program()
    .put(asm.lw(a1, CYCLES_LO, t0)) // reads the count after its own fetch
    .put(asm.addi(a0, a0, 1), asm.addi(a0, a0, 1), asm.addi(a0, a0, 1))
    .put(asm.mul(a0, a0, a0))
    .put(asm.lw(a2, CYCLES_LO, t0))
    .put(asm.sub(a0, a2, a1), asm.ret());
  const board = new Board({ ramBytes: RAM_BYTES, flashBytes: 4 * KiB });
  board.debugLoad(FLASH_BASE, program.bytes());
  const core = new Rv32Core(board);
  core.regs[t0] = CYCLE_COUNTER_BASE;
  // The first load's MMIO access (8), three ADDIs (3 × 4), MUL (4 + 2), the
  // second load's fetch (4).
  assertEquals(core.call(FLASH_BASE, [], { stackTop: STACK_TOP }), 8 + 12 + 6 + 4);
  // rdcycle under PicoRV32: the first read's extra cycles (2), one ADDI
  // (4 + 2), the second read's fetch (4).
  const pico = new Board({ ramBytes: RAM_BYTES, flashBytes: 4 * KiB });
  pico.debugLoad(
    FLASH_BASE,
    new Program().put(
      asm.csrrs(a1, asm.CSR_CYCLE, zero),
      asm.addi(a0, a0, 1),
      asm.csrrs(a2, asm.CSR_CYCLE, zero),
      asm.sub(a0, a2, a1),
      asm.ret(),
    ).bytes(),
  );
  const picoCore = new Rv32Core(pico, { timing: PICORV32 });
  assertEquals(picoCore.call(FLASH_BASE, [], { stackTop: STACK_TOP }), 2 + 6 + 4);
});
