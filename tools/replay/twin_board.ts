/**
 * The check of the rule every design lives by: its state is the board's RAM
 * (and the MMU's registers), where each access is counted. A twin board is
 * booted with the same design and given the first board's RAM and MMU
 * registers; from then on the same calls must get the same answers on both
 * and leave the same RAM. A design that kept state in the host's memory, off
 * the counted bus, would answer from state the twin does not have. The
 * fuzzer checks this at the end of each run, a replay at the end of the
 * trace (for a design of one's own in TypeScript).
 * @module
 */

import { Board } from "../../hw/board.ts";
import { hex32 } from "../../hw/hex.ts";
import { MMU_BASE } from "../../hw/memory_map.ts";
import { MMU_CONTROL, MMU_PT_BASE } from "../../hw/mmu.ts";
import type { Design, Firmware } from "../../core/firmware.ts";

/** How a failure of the check begins: what was done to the twin. */
export const NOT_IN_RAM = "the design's state is not all in its RAM: a board booted alike and " +
  "given this board's RAM and MMU registers";

/**
 * Boots `design` on a board like `board` and gives it `board`'s RAM and MMU
 * registers (read through the bus: a few cycles on `board`).
 * @param design the design running on `board`
 * @param board its board
 * @param debug whether it was booted with its debug options
 * @param boot how to boot it on the twin board (a guarded call, say); default: directly
 * @returns the twin's firmware, on its board
 * @example
 * ```ts
 * import { Board, boot, pagepileDesign } from "../../mod.ts";
 * import { bootTwin, firstRamDifference } from "./twin_board.ts";
 * const k = boot(new Board({ ramBytes: 1024 * 1024 }));
 * const twin = bootTwin(pagepileDesign, k.board, false);
 * console.log(firstRamDifference(k.board, twin.board)); // -1
 * ```
 */
export function bootTwin(
  design: Design,
  board: Board,
  debug: boolean,
  boot: (run: () => Firmware, twin: Board) => Firmware = (run) => run(),
): Firmware {
  const twin = new Board({ ...design.boardOptions, ramBytes: board.ramBytes });
  const k = boot(() => design.boot(twin, { debug }), twin);
  twin.debugLoad(twin.ramBase, board.snapshot());
  for (const register of [MMU_PT_BASE, MMU_CONTROL]) {
    twin.write32(MMU_BASE + register, board.read32(MMU_BASE + register));
  }
  return k;
}

/**
 * What a call answered, as the check compares answers: its return value, or
 * the error it threw.
 * @param call the call
 * @returns "X", or "an exception (message)"
 */
export function answerOf(call: () => unknown): string {
  try {
    return String(call());
  } catch (error) {
    return `an exception (${error instanceof Error ? error.message : String(error)})`;
  }
}

/**
 * The failure of the check when a call's answers differ ({@link answerOf}).
 * @param call the call, as the message names it
 * @param here what the design on the first board answered
 * @param there what its twin answered
 * @returns the message, or "" when they agree
 */
export function answersDiffer(call: string, here: string, there: string): string {
  return here === there
    ? ""
    : `${NOT_IN_RAM} answered ${call} with ${there}, this one with ${here}`;
}

/**
 * The address of the first byte where two boards' RAM differs.
 * @param a a board
 * @param b a board of the same RAM size
 * @returns the address, or -1 when their RAM is the same
 */
export function firstRamDifference(a: Board, b: Board): number {
  const at = firstDifference(a.snapshot(), b.snapshot());
  return at === -1 ? -1 : a.ramBase + at;
}

/**
 * The offset of the first differing byte of two equal-length copies of RAM.
 * @param a a copy (Board.snapshot)
 * @param b another
 * @returns the offset, or -1 when they are the same
 */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  // Word by word (RAM is whole words), then the byte of the word that differs.
  const words = a.length >>> 2;
  const wa = new Uint32Array(a.buffer, a.byteOffset, words);
  const wb = new Uint32Array(b.buffer, b.byteOffset, words);
  for (let i = 0; i < words; i++) {
    if (wa[i] !== wb[i]) {
      for (let j = i * 4; j < i * 4 + 4; j++) if (a[j] !== b[j]) return j;
    }
  }
  return -1;
}

/** The message of a RAM that differs at `addr`. */
export function ramDiffers(addr: number): string {
  return `${NOT_IN_RAM}, after the same calls, differs at ${hex32(addr)}`;
}
