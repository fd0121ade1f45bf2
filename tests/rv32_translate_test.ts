// The core's translated blocks against its interpreter alone (translate:
// false): the same programs, on boards loaded alike, must end with the same
// registers, pc, memory, board cycles and counters — however they end
// (return, instruction limit, cycle limit, trap, code rewritten under them).

import { assertEquals } from "./_assert.ts";
import * as asm from "./_rv32_asm.ts";
import { Program } from "./_rv32_asm.ts";
import { Board } from "../hw/board.ts";
import { FLASH_BASE, RAM_BASE } from "../hw/memory_map.ts";
import { Rv32Core } from "../hw/rv32/core.ts";
import { RV32_REGISTERS } from "../hw/rv32/registers.ts";
import { IBEX_SMALL, PICORV32, type Rv32TimingModel } from "../hw/rv32/timing_models.ts";

const KiB = 1024;
const RAM_BYTES = 64 * KiB;
const STACK_TOP = RAM_BASE + RAM_BYTES;
const BUFFER = RAM_BASE + 0x100;
const { zero, a0, a1, a2, a3, t0, t1, t2, t3, t6 } = RV32_REGISTERS;

/**
 * A loop of every kind of block ending, and instructions of every timing
 * class: loads and stores of each width, each ALU and M operation, FENCE,
 * divisions by 0 every 8th iteration, a call and its return, a branch taken
 * every other iteration. spin(a0 = iterations, a1 = buffer).
 */
const LOOP = new Program()
  .put(asm.addi(a2, zero, 0))
  .label("loop")
  .put(asm.lw(t0, 0, a1), asm.addi(t0, t0, 3), asm.sw(t0, 0, a1), asm.andi(t1, a0, 28))
  .put(asm.add(t2, a1, t1), asm.lbu(t3, 5, t2), asm.sh(t3, 6, t2), asm.lh(t3, 6, t2))
  .put(asm.mul(t3, t3, a0), asm.div(t0, t0, t1), asm.remu(t3, t3, t1))
  .put(asm.lui(a3, 0x12345), asm.add(a2, a2, a3), asm.auipc(a3, 1), asm.xor(a2, a2, a3))
  .put(asm.slti(t2, a0, 9), asm.sltiu(t2, t2, 1), asm.ori(t2, t2, 6), asm.slli(t2, t2, 3))
  .put(asm.srli(t3, t3, 1), asm.srai(t3, t3, 1), asm.sll(t3, t3, t2), asm.srl(t3, t3, a0))
  .put(asm.sra(t3, t3, t2), asm.slt(t2, t3, a0), asm.sltu(t2, t2, t3), asm.or(t3, t3, t2))
  .put(asm.and(t3, t3, a2), asm.mulh(t2, t3, a0), asm.mulhsu(t2, t2, a0), asm.mulhu(t2, t2, a2))
  .put(asm.divu(t2, t2, t1), asm.rem(t2, t2, t1), asm.fence(), asm.xor(a2, a2, t2))
  .to("mix", (o) => asm.jal(t6, o))
  .put(asm.andi(t1, a0, 1))
  .to("even", (o) => asm.beq(t1, zero, o))
  .put(asm.xori(a2, a2, 0x55), asm.sb(a2, 3, a1))
  .label("even")
  .put(asm.addi(a0, a0, -1))
  .to("loop", (o) => asm.bne(a0, zero, o))
  .put(asm.mv(a0, a2), asm.ret())
  .label("mix")
  .put(asm.add(a2, a2, t3), asm.add(a2, a2, t0), asm.jalr(zero, 0, t6));

interface Machine {
  board: Board;
  core: Rv32Core;
}

function machine(program: Program, translate: boolean, timing: Rv32TimingModel): Machine {
  const board = new Board({ ramBytes: RAM_BYTES, flashBytes: 4 * KiB });
  board.debugLoad(FLASH_BASE, program.bytes());
  return { board, core: new Rv32Core(board, { translate, timing }) };
}

/** What a run can be compared by: how it ended, and everything it left. */
function outcome(m: Machine, run: () => unknown): unknown {
  let ended: unknown;
  try {
    ended = run();
  } catch (error) {
    ended = `${(error as Error).name}: ${(error as Error).message}`;
  }
  const buffer: number[] = [];
  for (let i = 0; i < 64; i += 4) buffer.push(m.board.debugRead32(BUFFER + i));
  return {
    ended,
    pc: m.core.pc,
    regs: Array.from(m.core.regs),
    cycles: m.board.cycles,
    counters: m.core.counters(),
    buffer,
  };
}

/** Runs `run` on a translating core and on the interpreter alone; asserts the same outcomes. */
function assertSameRuns(
  program: Program,
  runs: ((m: Machine) => unknown)[],
  timing: Rv32TimingModel = IBEX_SMALL,
): void {
  const translated = machine(program, true, timing);
  const interpreted = machine(program, false, timing);
  runs.forEach((run, i) => {
    const expected = outcome(interpreted, () => run(interpreted));
    assertEquals(outcome(translated, () => run(translated)), expected, `run ${i}`);
  });
}

function spin(iterations: number, maxInstructions?: number): (m: Machine) => unknown {
  return (m) =>
    m.core.call(FLASH_BASE, [iterations, BUFFER], { stackTop: STACK_TOP, maxInstructions });
}

for (const timing of [IBEX_SMALL, PICORV32]) {
  Deno.test(`translated code ends as the interpreter does, to the cycle, on ${timing.name}`, () => {
    assertSameRuns(LOOP, [spin(3), spin(50), spin(200), spin(1)], timing);
  });
}

Deno.test("translated code stops at the instruction limit where the interpreter does", () => {
  // Warm, then stop at every instruction of several iterations: inside blocks and at their ends.
  const runs = [spin(30)];
  for (let limit = 100; limit < 160; limit++) runs.push(spin(1000, limit));
  assertSameRuns(LOOP, runs);
});

Deno.test("translated code stops at the board's cycle limit on the access the interpreter does", () => {
  const runs = [spin(30)];
  for (let cycles = 300; cycles < 700; cycles += 7) {
    runs.push((m) => {
      m.board.limitCycles(cycles);
      try {
        return spin(1000)(m);
      } finally {
        m.board.limitCycles(Infinity);
      }
    });
  }
  assertSameRuns(LOOP, runs);
});

Deno.test("translated code traps where the interpreter does: a load walks out of RAM", () => {
  // walk(a0 = address): reads words upward until a load faults past the end of RAM.
  const walk = new Program()
    .label("loop")
    .put(asm.lw(t0, 0, a0), asm.add(a2, a2, t0), asm.addi(a0, a0, 4))
    .to("loop", (o) => asm.jal(zero, o));
  const from = (address: number) => (m: Machine) =>
    m.core.call(FLASH_BASE, [address], { stackTop: STACK_TOP });
  assertSameRuns(walk, [from(RAM_BASE + RAM_BYTES - 64), from(RAM_BASE + RAM_BYTES - 256)]);
});

Deno.test("translated code in RAM that rewrites itself runs as rewritten", () => {
  // In RAM: a loop whose addi's immediate the loop itself rewrites each
  // iteration (a0 += 1, then += 2, ...): every iteration runs a new word.
  const code = RAM_BASE + 0x800;
  const patched = code + 8;
  const loop = new Program()
    .put(asm.addi(a2, zero, 0), asm.lui(t1, 0x100)) // t1: 1 in an I-type immediate
    .label("loop")
    .put(asm.addi(a2, a2, 1)) // rewritten: its immediate grows by one each iteration
    .put(asm.lw(t0, 0, a1), asm.add(t0, t0, t1), asm.sw(t0, 0, a1), asm.fenceI())
    .put(asm.addi(a0, a0, -1))
    .to("loop", (o) => asm.bne(a0, zero, o))
    .put(asm.mv(a0, a2), asm.ret());
  const load = (m: Machine) => {
    m.board.debugLoad(code, loop.bytes());
    return m.core.call(code, [40, patched], { stackTop: STACK_TOP });
  };
  // 1 + 2 + ... + 40, the immediates the rewritten addi ran with.
  const translated = machine(new Program(), true, IBEX_SMALL);
  assertEquals(load(translated), (40 * 41) / 2);
  assertSameRuns(new Program(), [load, load]);
});
