/**
 * How fast the RV32 core runs: instructions per second, warm, of a loop
 * shaped like allocator code (loads and stores of RAM, ALU operations, a
 * leaf call and a taken branch per iteration), run from flash on the
 * counted bus with the default timing model.
 *
 * The program, hand-assembled (tests/rv32_core_test.ts assembles the same
 * text and checks the words and the result):
 *
 * ```
 * spin:                        # a0 = iterations (> 0), a1 = a 68-byte RAM buffer
 *       addi a2, zero, 0       # the checksum
 * loop: lw   t0, 0(a1)         # a counter in RAM, incremented
 *       addi t0, t0, 1
 *       sw   t0, 0(a1)
 *       andi t1, a0, 60        # one of the 16 words after it, by the iteration
 *       add  t2, a1, t1
 *       lw   t3, 4(t2)
 *       xor  t3, t3, a0
 *       sw   t3, 4(t2)
 *       jal  t6, mix
 *       addi a0, a0, -1
 *       bne  a0, zero, loop
 *       mv   a0, a2            # returns the checksum
 *       ret
 * mix:  add  a2, a2, t3
 *       jalr zero, 0(t6)
 * ```
 * 13 instructions an iteration; 3 more for the prologue and epilogue.
 *
 * `deno run tools/bench/rv32_speed.ts [INSTRUCTIONS]` prints the rate, and the
 * interpreter's alone (translation off) beside it.
 * @module
 */

import process from "node:process";
import { Board } from "../../hw/board.ts";
import { FLASH_BASE, RAM_BASE } from "../../hw/memory_map.ts";
import { Rv32Core } from "../../hw/rv32/core.ts";

/** The benchmark's program (see the module comment), as words. */
export const RV32_SPEED_PROGRAM: readonly number[] = [
  0x0000_0613, // addi a2, zero, 0
  0x0005_A283, // loop: lw t0, 0(a1)
  0x0012_8293, // addi t0, t0, 1
  0x0055_A023, // sw t0, 0(a1)
  0x03C5_7313, // andi t1, a0, 60
  0x0065_83B3, // add t2, a1, t1
  0x0043_AE03, // lw t3, 4(t2)
  0x00AE_4E33, // xor t3, t3, a0
  0x01C3_A223, // sw t3, 4(t2)
  0x0140_0FEF, // jal t6, mix (+20)
  0xFFF5_0513, // addi a0, a0, -1
  0xFC05_1CE3, // bne a0, zero, loop (-40)
  0x0006_0513, // mv a0, a2
  0x0000_8067, // ret
  0x01C6_0633, // mix: add a2, a2, t3
  0x000F_8067, // jalr zero, 0(t6)
];
/** Instructions one iteration of the loop runs. */
export const RV32_SPEED_LOOP_INSTRUCTIONS = 13;

const RAM_BYTES = 64 * 1024;
/** The buffer the loop reads and writes, at the start of RAM; the stack is at its end. */
const BUFFER = RAM_BASE;
const STACK_TOP = RAM_BASE + RAM_BYTES;
/** Instructions run before timing, for V8 to optimize the core's loop. */
const WARM_UP_INSTRUCTIONS = 20_000_000;

/** What one measurement found. */
export interface Rv32Speed {
  /** Instructions retired in the timed run. */
  instructions: number;
  /** Its wall-clock time, in seconds. */
  seconds: number;
  /** Instructions per second. */
  instructionsPerSecond: number;
  /**
   * The process's CPU time (user and system) over the run, in seconds: on
   * a machine other programs share, instructions / cpuSeconds is the rate
   * the core would reach alone.
   */
  cpuSeconds: number;
  /** The checksum the program returned, so the work cannot be skipped. */
  checksum: number;
}

/**
 * A board with the program in flash and a core on it.
 * @returns the core, ready to call spin
 */
export function speedCore(translate = true): Rv32Core {
  const board = new Board({ ramBytes: RAM_BYTES, flashBytes: 4096 });
  const bytes = new Uint8Array(RV32_SPEED_PROGRAM.length * 4);
  const view = new DataView(bytes.buffer);
  RV32_SPEED_PROGRAM.forEach((word, i) => view.setUint32(i * 4, word, true));
  board.debugLoad(FLASH_BASE, bytes);
  return new Rv32Core(board, { translate });
}

/**
 * Calls spin with enough iterations for about `instructions`; returns what
 * the core counted.
 */
export function runSpin(
  core: Rv32Core,
  instructions: number,
): { instructions: number; checksum: number } {
  const iterations = Math.max(1, Math.floor(instructions / RV32_SPEED_LOOP_INSTRUCTIONS));
  const before = core.counters().instructions;
  const checksum = core.call(FLASH_BASE, [iterations, BUFFER], {
    stackTop: STACK_TOP,
    maxInstructions: iterations * RV32_SPEED_LOOP_INSTRUCTIONS + 3,
  });
  return { instructions: core.counters().instructions - before, checksum };
}

/**
 * Runs the loop for about `instructions` (300 million by default; at most
 * 2^31 − 1, one call's limit) after a warm-up, and times it.
 * @param instructions instructions to time
 * @param translate false for the interpreter alone (Rv32CoreOptions.translate)
 * @returns the rate and what it was measured on
 */
export function rv32Speed(instructions = 300_000_000, translate = true): Rv32Speed {
  const core = speedCore(translate);
  runSpin(core, WARM_UP_INSTRUCTIONS);
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  const run = runSpin(core, instructions);
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  return {
    instructions: run.instructions,
    seconds,
    instructionsPerSecond: run.instructions / seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    checksum: run.checksum,
  };
}

if (import.meta.main) {
  const instructions = Deno.args[0] === undefined ? undefined : Number(Deno.args[0]);
  // The core as it runs, and its interpreter alone, alternated: 3 rounds each, medians.
  const rounds: Record<string, Rv32Speed[]> = { translated: [], "interpreter alone": [] };
  for (let i = 0; i < 3; i++) {
    rounds.translated.push(rv32Speed(instructions, true));
    rounds["interpreter alone"].push(rv32Speed(instructions, false));
  }
  for (const [name, runs] of Object.entries(rounds)) {
    const speed = runs.sort((a, b) => a.instructionsPerSecond - b.instructionsPerSecond)[1];
    const perCpuSecond = speed.instructions / speed.cpuSeconds;
    console.log(
      `rv32 core, ${name}: ${(speed.instructionsPerSecond / 1e6).toFixed(1)} million ` +
        `instructions/s (${speed.instructions.toLocaleString("en-US")} in ` +
        `${speed.seconds.toFixed(2)} s, warm, median of 3; ` +
        `${(perCpuSecond / 1e6).toFixed(1)} million per CPU-second)`,
    );
  }
}
