/**
 * Cycle-counter registers: the bus cycles spent since power-on, 64 bits.
 *
 * ```
 * offset  name        access  value
 * 0x00    CYCLES_LO   R       low 32 bits; reading it latches CYCLES_HI
 * 0x04    CYCLES_HI   R       high 32 bits, as latched by the last CYCLES_LO read
 * ```
 * Read LO then HI for a consistent 64-bit value. The value read is the count
 * before the reading access itself is charged. Both registers are read-only.
 * @module
 */

import type { MmioDevice, RegisterAccess } from "./mmio_device.ts";

/** Offset of the CYCLES_LO register. */
export const CYCLES_LO = 0x00;
/** Offset of the CYCLES_HI register. */
export const CYCLES_HI = 0x04;

/** The cycle-counter register block. */
export class CycleCounter implements MmioDevice {
  /** Device name in the memory map. */
  readonly name = "cycle-counter";
  /** Two read-only registers. */
  readonly registers: ReadonlyMap<number, RegisterAccess> = new Map([
    [CYCLES_LO, "R"],
    [CYCLES_HI, "R"],
  ]);
  readonly #now: () => number;
  #latchedHigh = 0;

  /** @param now returns the board's cycle count */
  constructor(now: () => number) {
    this.#now = now;
  }

  /** Reads CYCLES_LO (latching the high half) or CYCLES_HI. */
  read32(offset: number): number {
    if (offset === CYCLES_HI) return this.#latchedHigh;
    const cycles = this.#now();
    this.#latchedHigh = Math.floor(cycles / 0x1_0000_0000) >>> 0;
    return cycles >>> 0;
  }

  /** Never called: both registers are read-only. */
  write32(_offset: number, _value: number): void {}
}
