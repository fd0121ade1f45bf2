// The RV32IM core, one instruction class at a time: set registers, load the
// program into flash, step or call, check registers and memory. Cycles are
// in rv32_timing_test.ts.

import { assertEquals, assertThrows } from "./_assert.ts";
import * as asm from "./_rv32_asm.ts";
import { Program } from "./_rv32_asm.ts";
import { Board } from "../hw/board.ts";
import { BusFault } from "../hw/bus_fault.ts";
import { CycleLimitExceeded } from "../hw/cycle_limit.ts";
import { CONSOLE_TX } from "../hw/console_uart.ts";
import { CYCLES_LO } from "../hw/cycle_counter.ts";
import { FAULT_ADDR, FAULT_COUNT } from "../hw/fault_status.ts";
import {
  CONSOLE_BASE,
  CYCLE_COUNTER_BASE,
  FAULT_STATUS_BASE,
  FLASH_BASE,
  RAM_BASE,
} from "../hw/memory_map.ts";
import { CALL_RETURN_ADDRESS, Rv32Core, type Rv32CoreOptions } from "../hw/rv32/core.ts";
import { Rv32CycleLimitExceeded } from "../hw/rv32/cycle_limit.ts";
import { Rv32InstructionLimitExceeded } from "../hw/rv32/instruction_limit.ts";
import { RV32_REGISTERS } from "../hw/rv32/registers.ts";
import {
  Rv32Breakpoint,
  Rv32BusError,
  Rv32EnvironmentCall,
  Rv32IllegalInstruction,
  Rv32MisalignedAccess,
  Rv32Trap,
} from "../hw/rv32/traps.ts";
import {
  runSpin,
  RV32_SPEED_LOOP_INSTRUCTIONS,
  RV32_SPEED_PROGRAM,
  speedCore,
} from "../tools/bench/rv32_speed.ts";

const KiB = 1024;
const RAM_BYTES = 64 * KiB;
const STACK_TOP = RAM_BASE + RAM_BYTES;
const { zero, ra, sp, a0, a1, a2, a3, a4, a5, a6, a7, t0, t1, t2, t3, t6 } = RV32_REGISTERS;
const INT_MIN = -0x8000_0000;
const INT_MAX = 0x7FFF_FFFF;

/** A board with `program` at the start of flash, and a core there. */
function boardWith(
  program: Program | (number | number[])[],
  options?: Rv32CoreOptions,
): { board: Board; core: Rv32Core } {
  const board = new Board({ ramBytes: RAM_BYTES, flashBytes: 64 * KiB });
  const code = program instanceof Program ? program : new Program().put(...program);
  board.debugLoad(FLASH_BASE, code.bytes());
  const core = new Rv32Core(board, options);
  core.pc = FLASH_BASE;
  return { board, core };
}

/** Runs one instruction with registers set; returns the board and core after it. */
function step(
  instruction: number,
  regs: Record<number, number> = {},
): { board: Board; core: Rv32Core } {
  const machine = boardWith([instruction]);
  for (const [r, value] of Object.entries(regs)) machine.core.regs[Number(r)] = value;
  machine.core.step();
  return machine;
}

/** rd after one instruction with registers set. */
function result(instruction: number, regs: Record<number, number> = {}, rd = a0): number {
  return step(instruction, regs).core.regs[rd];
}

Deno.test("LUI loads an upper immediate; AUIPC adds it to the pc", () => {
  assertEquals(result(asm.lui(a0, 0x12345)), 0x1234_5000);
  assertEquals(result(asm.lui(a0, 0xFFFFF)), -4096);
  assertEquals(result(asm.auipc(a0, 1)), FLASH_BASE + 0x1000);
  const { core } = step(asm.lui(a0, 1));
  assertEquals(core.pc, FLASH_BASE + 4);
});

Deno.test("register-immediate ALU operations sign-extend the immediate and wrap at 32 bits", () => {
  assertEquals(result(asm.addi(a0, a1, -5), { [a1]: 3 }), -2);
  assertEquals(result(asm.addi(a0, a1, 1), { [a1]: INT_MAX }), INT_MIN);
  assertEquals(result(asm.slti(a0, a1, -1), { [a1]: -2 }), 1);
  assertEquals(result(asm.slti(a0, a1, -1), { [a1]: 5 }), 0);
  assertEquals(result(asm.sltiu(a0, a1, -1), { [a1]: 5 }), 1); // -1 is 0xFFFFFFFF unsigned
  assertEquals(result(asm.sltiu(a0, a1, 1), { [a1]: -1 }), 0);
  assertEquals(result(asm.xori(a0, a1, -1), { [a1]: 0x0F0F }), ~0x0F0F);
  assertEquals(result(asm.ori(a0, a1, 0x0F0), { [a1]: 0x00F }), 0x0FF);
  assertEquals(result(asm.andi(a0, a1, 0x0F0), { [a1]: 0x0FF }), 0x0F0);
  assertEquals(result(asm.slli(a0, a1, 31), { [a1]: 3 }), INT_MIN);
  assertEquals(result(asm.srli(a0, a1, 28), { [a1]: -1 }), 0xF);
  assertEquals(result(asm.srai(a0, a1, 28), { [a1]: INT_MIN }), -8);
});

Deno.test("register-register ALU operations: signed and unsigned compares, shifts by the low 5 bits", () => {
  assertEquals(result(asm.add(a0, a1, a2), { [a1]: INT_MAX, [a2]: 2 }), INT_MIN + 1);
  assertEquals(result(asm.sub(a0, a1, a2), { [a1]: INT_MIN, [a2]: 1 }), INT_MAX);
  assertEquals(result(asm.sll(a0, a1, a2), { [a1]: 1, [a2]: 33 }), 2);
  assertEquals(result(asm.slt(a0, a1, a2), { [a1]: -1, [a2]: 1 }), 1);
  assertEquals(result(asm.sltu(a0, a1, a2), { [a1]: -1, [a2]: 1 }), 0);
  assertEquals(result(asm.xor(a0, a1, a2), { [a1]: 0b1100, [a2]: 0b1010 }), 0b0110);
  assertEquals(result(asm.srl(a0, a1, a2), { [a1]: INT_MIN, [a2]: 31 }), 1);
  assertEquals(result(asm.sra(a0, a1, a2), { [a1]: INT_MIN, [a2]: 63 }), -1);
  assertEquals(result(asm.or(a0, a1, a2), { [a1]: 0b1100, [a2]: 0b1010 }), 0b1110);
  assertEquals(result(asm.and(a0, a1, a2), { [a1]: 0b1100, [a2]: 0b1010 }), 0b1000);
});

Deno.test("x0 reads 0 whatever is written to it, by an instruction or through regs", () => {
  const { core } = boardWith([asm.addi(zero, zero, 5), asm.add(a0, zero, zero)]);
  core.regs[zero] = 7;
  core.step();
  core.step();
  assertEquals([core.regs[zero], core.regs[a0]], [0, 0]);
});

Deno.test("loads sign- or zero-extend bytes and halves, from RAM and from flash", () => {
  const program = [
    asm.lb(a0, 3, a1),
    asm.lbu(a2, 3, a1),
    asm.lh(a3, 2, a1),
    asm.lhu(a4, 2, a1),
    asm.lw(a5, -4, t0),
    asm.lw(a6, 0, t1), // the first instruction, from flash
  ];
  const { board, core } = boardWith(program);
  board.write32(RAM_BASE + 8, 0x8081_7F01);
  board.write32(RAM_BASE + 12, 0xDEAD_BEEF);
  core.regs[a1] = RAM_BASE + 8;
  core.regs[t0] = RAM_BASE + 16;
  core.regs[t1] = FLASH_BASE;
  for (let i = 0; i < program.length; i++) core.step();
  assertEquals(
    [a0, a2, a3, a4, a5, a6].map((r) => core.regs[r]),
    [-0x80, 0x80, 0x8081 - 0x10000, 0x8081, 0xDEAD_BEEF | 0, program[0] | 0],
  );
});

Deno.test("stores write the low byte, half or word, little-endian", () => {
  const program = [asm.sw(a1, 0, a0), asm.sh(a2, 4, a0), asm.sb(a3, 7, a0)];
  const { board, core } = boardWith(program);
  core.regs[a0] = RAM_BASE + 0x100;
  core.regs[a1] = 0x1122_3344;
  core.regs[a2] = 0x7777_ABCD;
  core.regs[a3] = 0x1EF;
  for (let i = 0; i < program.length; i++) core.step();
  assertEquals(board.read32(RAM_BASE + 0x100), 0x1122_3344);
  assertEquals(board.read32(RAM_BASE + 0x104), 0xEF00_ABCD);
});

Deno.test("branches compare signed or unsigned, and jump by their offset when taken", () => {
  const cases: [(rs1: number, rs2: number, offset: number) => number, number, number, boolean][] = [
    [asm.beq, 5, 5, true],
    [asm.beq, 5, 6, false],
    [asm.bne, 5, 6, true],
    [asm.bne, 5, 5, false],
    [asm.blt, -1, 1, true],
    [asm.blt, 1, -1, false],
    [asm.bge, 1, 1, true],
    [asm.bge, -1, 1, false],
    [asm.bltu, 1, -1, true],
    [asm.bltu, -1, 1, false],
    [asm.bgeu, -1, 1, true],
    [asm.bgeu, 1, -1, false],
  ];
  for (const [branch, x, y, taken] of cases) {
    const { core } = step(branch(a1, a2, 64), { [a1]: x, [a2]: y });
    assertEquals(core.pc, FLASH_BASE + (taken ? 64 : 4), `${branch.name} ${x}, ${y}`);
  }
  // Backward.
  const back = new Program().label("top").put(asm.nop()).to("top", (o) => asm.beq(zero, zero, o));
  const { core } = boardWith(back);
  core.step();
  core.step();
  assertEquals(core.pc, FLASH_BASE);
});

Deno.test("JAL and JALR link the next pc; JALR clears bit 0 of its target and reads rs1 before writing rd", () => {
  const jal = step(asm.jal(ra, 0x800));
  assertEquals([jal.core.pc, jal.core.regs[ra]], [FLASH_BASE + 0x800, FLASH_BASE + 4]);
  const back = step(asm.jal(zero, -4 * 1024));
  assertEquals(back.core.pc, FLASH_BASE - 4096);
  const jalr = step(asm.jalr(ra, 5, ra), { [ra]: FLASH_BASE + 0x100 });
  assertEquals([jalr.core.pc, jalr.core.regs[ra]], [FLASH_BASE + 0x104, FLASH_BASE + 4]);
});

Deno.test("MUL, MULH, MULHSU and MULHU give the low and high halves of 64-bit products", () => {
  const values = [0, 1, -1, 2, INT_MAX, INT_MIN, 0xFFFF, 0x10000, 0x1234_5678, -0x1234_5678];
  let seed = 12345;
  for (let i = 0; i < 40; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) | 0;
    values.push(seed);
  }
  const program = [
    asm.mul(a0, a1, a2),
    asm.mulh(a3, a1, a2),
    asm.mulhsu(a4, a1, a2),
    asm.mulhu(a5, a1, a2),
  ];
  const { core } = boardWith(program);
  const int32 = (v: bigint) => Number(BigInt.asIntN(32, v));
  for (const x of values) {
    for (const y of values) {
      core.pc = FLASH_BASE;
      core.regs[a1] = x;
      core.regs[a2] = y;
      for (let i = 0; i < program.length; i++) core.step();
      const [sx, sy, ux, uy] = [BigInt(x), BigInt(y), BigInt(x >>> 0), BigInt(y >>> 0)];
      assertEquals(
        [core.regs[a0], core.regs[a3], core.regs[a4], core.regs[a5]],
        [int32(sx * sy), int32((sx * sy) >> 32n), int32((sx * uy) >> 32n), int32((ux * uy) >> 32n)],
        `${x} × ${y}`,
      );
    }
  }
});

Deno.test("DIV, DIVU, REM and REMU round toward 0, and divide by 0 and overflow as RV32 says", () => {
  const cases: [number, number, number, number, number, number][] = [
    // dividend, divisor, DIV, DIVU, REM, REMU
    [7, 2, 3, 3, 1, 1],
    [-7, 2, -3, 0x7FFF_FFFC, -1, 1],
    [7, -2, -3, 0, 1, 7],
    [-7, -2, 3, 0, -1, -7],
    [5, 0, -1, -1, 5, 5], // by 0: all ones, and the dividend
    [INT_MIN, -1, INT_MIN, 0, 0, INT_MIN], // signed overflow
    [-1, 3, 0, 0x5555_5555, -1, 0],
  ];
  const program = [
    asm.div(a0, a1, a2),
    asm.divu(a3, a1, a2),
    asm.rem(a4, a1, a2),
    asm.remu(a5, a1, a2),
  ];
  const { core } = boardWith(program);
  for (const [x, y, quotient, unsignedQuotient, remainder, unsignedRemainder] of cases) {
    core.pc = FLASH_BASE;
    core.regs[a1] = x;
    core.regs[a2] = y;
    for (let i = 0; i < program.length; i++) core.step();
    assertEquals(
      [core.regs[a0], core.regs[a3], core.regs[a4], core.regs[a5]],
      [quotient, unsignedQuotient, remainder, unsignedRemainder],
      `${x} / ${y}`,
    );
  }
});

Deno.test("FENCE and FENCE.I run as no-ops", () => {
  const { core } = boardWith([asm.fence(), asm.fenceI(), asm.addi(a0, zero, 1)]);
  core.step();
  core.step();
  core.step();
  assertEquals([core.pc, core.regs[a0]], [FLASH_BASE + 12, 1]);
});

Deno.test("the counter CSRs read the board's cycles and the instructions retired", () => {
  const program = [
    asm.nop(),
    asm.csrrs(a0, asm.CSR_CYCLE, zero),
    asm.csrrs(a1, asm.CSR_CYCLEH, zero),
    asm.csrrs(a2, asm.CSR_INSTRET, zero),
    asm.csrrs(a3, asm.CSR_INSTRETH, zero),
    asm.csrrs(a4, 0xB00, zero), // mcycle
    asm.csrrs(a5, 0xB02, zero), // minstret
  ];
  const { board, core } = boardWith(program);
  board.cycles = 2 ** 32 + 100;
  for (let i = 0; i < program.length; i++) core.step();
  // Each instruction's fetch from flash costs 4 before it reads the count.
  assertEquals(
    [a0, a1, a2, a3, a4, a5].map((r) => core.regs[r]),
    [100 + 8, 1, 3, 0, 100 + 24, 6],
  );
});

Deno.test("a firmware store to the console is captured; a load of CYCLES_LO reads the count", () => {
  const { board, core } = boardWith([
    asm.addi(a1, zero, 0x48), // 'H'
    asm.sw(a1, CONSOLE_TX, a0),
    asm.lw(a2, CYCLES_LO, t0),
  ]);
  core.regs[a0] = CONSOLE_BASE;
  core.regs[t0] = CYCLE_COUNTER_BASE;
  core.step();
  core.step();
  core.step();
  assertEquals(board.console.text(), "H");
  // The count before the load's own access: after its fetch.
  assertEquals(core.regs[a2], board.cycles - 8);
});

Deno.test("call() passes a0-a7, sp and a return address, and returns a0 when the function returns", () => {
  // sum8: a0 = a0 + a1 + ... + a7
  const sum8 = [a1, a2, a3, a4, a5, a6, a7].map((r) => asm.add(a0, a0, r));
  const { core } = boardWith([...sum8, asm.ret()]);
  assertEquals(core.call(FLASH_BASE, [1, 2, 3, 4, 5, 6, 7, 8], { stackTop: STACK_TOP }), 36);
  assertEquals(core.regs[ra] >>> 0, CALL_RETURN_ADDRESS);
  assertEquals(core.regs[sp] >>> 0, STACK_TOP);
  assertEquals(core.pc, CALL_RETURN_ADDRESS);
  // Arguments not given are 0; a negative result comes back unsigned.
  assertEquals(core.call(FLASH_BASE, [-1], { stackTop: STACK_TOP }), 0xFFFF_FFFF);
  assertEquals(core.call(FLASH_BASE, [0xFFFF_FFFF, 1], { stackTop: STACK_TOP }), 0);
});

Deno.test("call() runs a function that calls another and keeps its frame on the stack", () => {
  // int sum3(a, b, c) { return twice(a) + b + c; }  int twice(x) { return x + x; }
  const program = new Program()
    .put(asm.addi(sp, sp, -16), asm.sw(ra, 12, sp), asm.sw(a1, 8, sp))
    .to("twice", (o) => asm.jal(ra, o))
    .put(asm.lw(a1, 8, sp), asm.add(a0, a0, a1), asm.add(a0, a0, a2))
    .put(asm.lw(ra, 12, sp), asm.addi(sp, sp, 16), asm.ret())
    .label("twice")
    .put(asm.add(a0, a0, a0), asm.ret());
  const { board, core } = boardWith(program);
  assertEquals(core.call(FLASH_BASE, [10, 20, 30], { stackTop: STACK_TOP }), 70);
  assertEquals(core.regs[sp] >>> 0, STACK_TOP);
  assertEquals(board.read32(STACK_TOP - 4), CALL_RETURN_ADDRESS); // the saved ra
  assertEquals(core.counters().instructions, 12);
});

Deno.test("call() refuses arguments the calling convention cannot carry", () => {
  const { core } = boardWith([asm.ret()]);
  const stackTop = STACK_TOP;
  assertThrows(
    () => core.call(FLASH_BASE, [1, 2, 3, 4, 5, 6, 7, 8, 9], { stackTop }),
    RangeError,
    "9 arguments",
  );
  assertThrows(() => core.call(FLASH_BASE, [2 ** 32], { stackTop }), RangeError, "argument 0");
  assertThrows(() => core.call(FLASH_BASE, [0, 1.5], { stackTop }), RangeError, "argument 1");
  assertThrows(() => core.call(FLASH_BASE, [], { stackTop: stackTop - 8 }), RangeError, "stackTop");
  assertThrows(() => core.call(-4, [], { stackTop }), RangeError, "entry -4");
  const limit = { stackTop, maxInstructions: 0 };
  assertThrows(() => core.call(FLASH_BASE, [], limit), RangeError, "maxInstructions 0");
  assertEquals(core.counters().instructions, 0);
});

Deno.test("call() stops a function that runs past its instruction limit, naming where", () => {
  const program = new Program().put(asm.nop()).label("spin").to("spin", (o) => asm.jal(zero, o));
  const symbolize = (pc: number) => `spin+0x${(pc - FLASH_BASE).toString(16)}`;
  const { core } = boardWith(program, { symbolize });
  const error = assertThrows(
    () => core.call(FLASH_BASE, [], { stackTop: STACK_TOP, maxInstructions: 1000 }),
    Rv32InstructionLimitExceeded,
    "1,000 instructions ran without returning; stopped at pc 0x20000004 (spin+0x4)",
  );
  assertEquals([error.limit, error.pc, core.pc], [1000, FLASH_BASE + 4, FLASH_BASE + 4]);
  assertEquals(core.counters().instructions, 1000);
});

Deno.test("call() stops at the board's cycle limit, naming the pc of the refused access", () => {
  const program = new Program().label("spin").to("spin", (o) => asm.jal(zero, o));
  const symbolize = (pc: number) => `spin+0x${(pc - FLASH_BASE).toString(16)}`;
  const { board, core } = boardWith(program, { symbolize });
  board.limitCycles(50); // each JAL: a 4-cycle fetch and 1 extra cycle
  const error = assertThrows(
    () => core.call(FLASH_BASE, [], { stackTop: STACK_TOP }),
    Rv32CycleLimitExceeded,
    "the bus cycles allowed (50) are spent; stopped at pc 0x20000000 (spin+0x0)",
  );
  assertEquals(
    [error instanceof CycleLimitExceeded, error.name, error.pc],
    [true, "Rv32CycleLimitExceeded", FLASH_BASE],
  );
  assertEquals([core.pc, core.counters().instructions], [FLASH_BASE, 10]);
  board.limitCycles(Infinity);
});

Deno.test("an illegal instruction traps with its word, leaving pc and registers as they were", () => {
  const illegal = [
    0x0000_0000, // all zeros
    0xFFFF_FFFF, // all ones
    0x0000_0001, // a compressed instruction (C extension)
    asm.csrrw(a0, 0x300, a1), // writes mstatus
    asm.csrrs(a0, asm.CSR_CYCLE, a1), // sets bits of a counter
    asm.csrrs(a0, 0x300, zero), // reads mstatus
    0x3020_0073, // mret
    0x1050_0073, // wfi
    asm.slli(a0, a1, 1) | (1 << 25), // shamt[5] set: RV64 only
    asm.xor(a0, a1, a2) | (0x20 << 25), // funct7 0x20 on xor
    asm.lw(a0, 0, a1) | (1 << 12), // funct3 3: LD
    asm.sw(a0, 0, a1) | (1 << 12), // funct3 3: SD
    asm.beq(a0, a1, 8) | (2 << 12), // funct3 2
    asm.jalr(a0, 0, a1) | (1 << 12), // funct3 1
    asm.fence() | (2 << 12), // MISC-MEM funct3 2
    0x0000_0007, // a floating-point load
  ];
  for (const word of illegal) {
    const { core } = boardWith([word]);
    core.regs[a0] = 99;
    core.regs[a1] = RAM_BASE;
    const trap = assertThrows(() => core.step(), Rv32IllegalInstruction, "illegal instruction");
    assertEquals([trap.word, trap.pc, core.pc, core.regs[a0]], [word, FLASH_BASE, FLASH_BASE, 99]);
    assertEquals(trap instanceof Rv32Trap, true);
    assertEquals(core.counters().instructions, 0);
  }
});

Deno.test("a misaligned load, store or jump target traps; byte accesses never do", () => {
  const cases: [number, "fetch" | "load" | "store", number, number][] = [
    [asm.lw(a0, 2, a1), "load", RAM_BASE + 2, 4],
    [asm.lh(a0, 1, a1), "load", RAM_BASE + 1, 2],
    [asm.lhu(a0, 3, a1), "load", RAM_BASE + 3, 2],
    [asm.sw(a0, 1, a1), "store", RAM_BASE + 1, 4],
    [asm.sh(a0, 5, a1), "store", RAM_BASE + 5, 2],
    [asm.jalr(a0, 2, a2), "fetch", FLASH_BASE + 0x102, 4], // jalr clears bit 0 only
    [asm.jal(a0, 6), "fetch", FLASH_BASE + 6, 4],
    [asm.beq(zero, zero, 6), "fetch", FLASH_BASE + 6, 4],
  ];
  for (const [instruction, access, address, width] of cases) {
    const { board, core } = boardWith([instruction]);
    core.regs[a0] = 99;
    core.regs[a1] = RAM_BASE;
    core.regs[a2] = FLASH_BASE + 0x100;
    const trap = assertThrows(() => core.step(), Rv32MisalignedAccess, `misaligned ${access}`);
    assertEquals([trap.access, trap.address, trap.width, trap.pc], [
      access,
      address,
      width,
      FLASH_BASE,
    ]);
    assertEquals([core.pc, core.regs[a0], board.read32(RAM_BASE)], [FLASH_BASE, 99, 0]);
  }
  // A not-taken branch with a misaligned target does not trap.
  const { core } = step(asm.bne(zero, zero, 6));
  assertEquals(core.pc, FLASH_BASE + 4);
  assertEquals(result(asm.lbu(a0, 3, a1), { [a1]: RAM_BASE }), 0);
  // A call to a misaligned entry traps before running anything.
  const entry = boardWith([asm.ret()]).core;
  const trap = assertThrows(
    () => entry.call(FLASH_BASE + 2, [], { stackTop: STACK_TOP }),
    Rv32MisalignedAccess,
  );
  assertEquals([trap.access, trap.pc], ["fetch", FLASH_BASE + 2]);
});

Deno.test("a bus fault on a load, store or fetch traps with the address, and the bus latches it", () => {
  const load = boardWith([asm.lw(a0, 0, a1)]);
  load.core.regs[a1] = 0x10; // unmapped, just above NULL
  const trap = assertThrows(() => load.core.step(), Rv32BusError, "bus error on load");
  assertEquals([trap.access, trap.address, trap.pc], ["load", 0x10, FLASH_BASE]);
  assertEquals(trap.cause instanceof BusFault && trap.cause.reason, "unmapped");
  assertEquals(load.board.read32(FAULT_STATUS_BASE + FAULT_ADDR), 0x10);

  const store = boardWith([asm.sw(a0, 0, a1)]);
  store.core.regs[a1] = 0x8000_0000;
  const storeTrap = assertThrows(() => store.core.step(), Rv32BusError, "bus error on store");
  assertEquals([storeTrap.access, storeTrap.address], ["store", 0x8000_0000]);

  const fetch = boardWith([]);
  fetch.core.pc = 0x8000_0000;
  const fetchTrap = assertThrows(() => fetch.core.step(), Rv32BusError, "bus error on fetch");
  assertEquals([fetchTrap.access, fetchTrap.address, fetchTrap.pc], [
    "fetch",
    0x8000_0000,
    0x8000_0000,
  ]);
  assertEquals(fetch.board.read32(FAULT_STATUS_BASE + FAULT_COUNT), 1);
});

Deno.test("a store to flash faults (flash is read-only on the bus) and leaves it as it was", () => {
  const { board, core } = boardWith([asm.sw(a0, 0, a1), asm.sb(a0, 5, a1)]);
  core.regs[a0] = 0x1234_5678;
  core.regs[a1] = FLASH_BASE;
  const trap = assertThrows(() => core.step(), Rv32BusError, "flash is read-only");
  assertEquals([trap.access, trap.address, trap.cause.reason], ["store", FLASH_BASE, "read-only"]);
  assertEquals(board.read32(FLASH_BASE), asm.sw(a0, 0, a1));
});

Deno.test("EBREAK and ECALL trap, named by the symbolizer when the core has one", () => {
  const symbolize = (pc: number) => (pc === FLASH_BASE + 4 ? "panic+0x4" : undefined);
  const { core } = boardWith([asm.nop(), asm.ebreak(), asm.ecall()], { symbolize });
  core.step();
  assertThrows(() => core.step(), Rv32Breakpoint, "ebreak at pc 0x20000004 (panic+0x4)");
  assertEquals(core.pc, FLASH_BASE + 4);
  core.pc += 4;
  const ecall = assertThrows(() => core.step(), Rv32EnvironmentCall, "ecall at pc 0x20000008");
  assertEquals([ecall.pc, ecall.message.includes("("), core.counters().instructions], [
    FLASH_BASE + 8,
    false,
    1,
  ]);
});

Deno.test("the decode cache follows flash reprogrammed through the debug port", () => {
  const { board, core } = boardWith([asm.addi(a0, zero, 1), asm.ret()]);
  assertEquals(core.call(FLASH_BASE, [], { stackTop: STACK_TOP }), 1);
  board.debugLoad(FLASH_BASE, new Program().put(asm.addi(a0, zero, 2), asm.ret()).bytes());
  assertEquals(core.call(FLASH_BASE, [], { stackTop: STACK_TOP }), 2);
  board.debugLoad(FLASH_BASE, new Uint8Array(4)); // the word 0
  assertThrows(() => core.call(FLASH_BASE, [], { stackTop: STACK_TOP }), Rv32IllegalInstruction);
});

Deno.test("code in RAM runs, and runs as rewritten by a store, wherever it sits", () => {
  const board = new Board({ ramBytes: 128 * KiB, flashBytes: 4 * KiB });
  const core = new Rv32Core(board);
  const stackTop = RAM_BASE + 128 * KiB;
  // Two functions 64 KiB apart: the same entry of the decode cache for code outside flash.
  const first = RAM_BASE + 0x100;
  const second = first + 64 * KiB;
  board.debugLoad(first, new Program().put(asm.addi(a0, zero, 1), asm.ret()).bytes());
  board.debugLoad(second, new Program().put(asm.addi(a0, zero, 2), asm.ret()).bytes());
  for (let i = 0; i < 3; i++) {
    assertEquals(core.call(first, [], { stackTop }), 1);
    assertEquals(core.call(second, [], { stackTop }), 2);
  }
  // Firmware patches the first function's addi: a0 = 3.
  const patch = new Program()
    .put(asm.li(t0, asm.addi(a0, zero, 3)), asm.li(t1, first), asm.sw(t0, 0, t1), asm.fenceI())
    .put(asm.jalr(zero, 0, t1));
  board.debugLoad(RAM_BASE + 0x800, patch.bytes());
  assertEquals(core.call(RAM_BASE + 0x800, [], { stackTop }), 3);
  assertEquals(core.call(first, [], { stackTop }), 3);
});

Deno.test("the benchmark's hand-assembled program is what its text says, and computes its checksum", () => {
  const program = new Program()
    .put(asm.addi(a2, zero, 0))
    .label("loop")
    .put(asm.lw(t0, 0, a1), asm.addi(t0, t0, 1), asm.sw(t0, 0, a1), asm.andi(t1, a0, 60))
    .put(asm.add(t2, a1, t1), asm.lw(t3, 4, t2), asm.xor(t3, t3, a0), asm.sw(t3, 4, t2))
    .to("mix", (o) => asm.jal(t6, o))
    .put(asm.addi(a0, a0, -1))
    .to("loop", (o) => asm.bne(a0, zero, o))
    .put(asm.mv(a0, a2), asm.ret())
    .label("mix")
    .put(asm.add(a2, a2, t3), asm.jalr(zero, 0, t6));
  assertEquals(Array.from(program.words()), [...RV32_SPEED_PROGRAM]);
  // The same loop in TypeScript.
  const iterations = 1000;
  const buffer = new Int32Array(17);
  let checksum = 0;
  for (let i = iterations; i > 0; i--) {
    buffer[0]++;
    const word = 1 + ((i & 60) >> 2);
    buffer[word] ^= i;
    checksum = (checksum + buffer[word]) | 0;
  }
  const run = runSpin(speedCore(), iterations * RV32_SPEED_LOOP_INSTRUCTIONS);
  assertEquals(run, {
    instructions: iterations * RV32_SPEED_LOOP_INSTRUCTIONS + 3,
    checksum: checksum >>> 0,
  });
});
