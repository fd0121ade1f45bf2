/**
 * Fault-status registers: the last bus fault, latched for the firmware.
 *
 * ```
 * offset  name          access  value
 * 0x00    FAULT_ADDR    R       address of the last faulting access
 * 0x04    FAULT_INFO    R/W     bit 0 valid, bit 1 write, bits 8-11 width in bytes;
 *                               any write clears ADDR and INFO
 * 0x08    FAULT_COUNT   R       faults since power-on
 * ```
 * @module
 */

import type { MmioDevice, RegisterAccess } from "./mmio_device.ts";

/** Offset of the FAULT_ADDR register. */
export const FAULT_ADDR = 0x00;
/** Offset of the FAULT_INFO register. */
export const FAULT_INFO = 0x04;
/** Offset of the FAULT_COUNT register. */
export const FAULT_COUNT = 0x08;
/** FAULT_INFO bit: a fault is latched. */
export const FAULT_INFO_VALID = 1 << 0;
/** FAULT_INFO bit: the latched fault was a write. */
export const FAULT_INFO_WRITE = 1 << 1;
/** FAULT_INFO shift of the width field (bits 8-11). */
export const FAULT_INFO_WIDTH_SHIFT = 8;

/** The fault-status register block. */
export class FaultStatus implements MmioDevice {
  /** Device name in the memory map. */
  readonly name = "fault-status";
  /** FAULT_INFO can be written (to clear); the others are read-only. */
  readonly registers: ReadonlyMap<number, RegisterAccess> = new Map([
    [FAULT_ADDR, "R"],
    [FAULT_INFO, "RW"],
    [FAULT_COUNT, "R"],
  ]);
  #address = 0;
  #info = 0;
  #count = 0;

  /** Latches a fault; called by the bus, not through it. */
  latch(address: number, width: number, write: boolean): void {
    this.#address = address >>> 0;
    this.#info = FAULT_INFO_VALID | (write ? FAULT_INFO_WRITE : 0) |
      (width << FAULT_INFO_WIDTH_SHIFT);
    this.#count++;
  }

  /** Reads FAULT_ADDR, FAULT_INFO or FAULT_COUNT. */
  read32(offset: number): number {
    if (offset === FAULT_ADDR) return this.#address;
    if (offset === FAULT_INFO) return this.#info;
    return this.#count >>> 0;
  }

  /** A write to FAULT_INFO, the only writable register, clears the latch. */
  write32(_offset: number, _value: number): void {
    this.#address = 0;
    this.#info = 0;
  }
}
