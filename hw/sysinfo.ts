/**
 * System-information registers: what the firmware asks the board at boot.
 *
 * ```
 * offset  name        access  value
 * 0x00    RAM_BASE    R       physical address of the first RAM byte
 * 0x04    RAM_SIZE    R       RAM size in bytes
 * 0x08    PAGE_SIZE   R       page size in bytes (4096)
 * 0x0C    BOARD_ID    R       BOARD_ID from the memory map (0x50500001)
 * ```
 * Every register is read-only: a write faults.
 * @module
 */

import type { MmioDevice, RegisterAccess } from "./mmio_device.ts";
import { BOARD_ID, PAGE_SIZE, RAM_BASE } from "./memory_map.ts";

/** Offset of the RAM_BASE register. */
export const SYSINFO_RAM_BASE = 0x00;
/** Offset of the RAM_SIZE register. */
export const SYSINFO_RAM_SIZE = 0x04;
/** Offset of the PAGE_SIZE register. */
export const SYSINFO_PAGE_SIZE = 0x08;
/** Offset of the BOARD_ID register. */
export const SYSINFO_BOARD_ID = 0x0C;

/** The system-information register block. */
export class SysInfo implements MmioDevice {
  /** Device name in the memory map. */
  readonly name = "sysinfo";
  /** Four read-only registers. */
  readonly registers: ReadonlyMap<number, RegisterAccess> = new Map([
    [SYSINFO_RAM_BASE, "R"],
    [SYSINFO_RAM_SIZE, "R"],
    [SYSINFO_PAGE_SIZE, "R"],
    [SYSINFO_BOARD_ID, "R"],
  ]);
  readonly #registers: Map<number, number>;

  /** @param ramBytes the RAM size the board was built with */
  constructor(ramBytes: number) {
    this.#registers = new Map([
      [SYSINFO_RAM_BASE, RAM_BASE],
      [SYSINFO_RAM_SIZE, ramBytes],
      [SYSINFO_PAGE_SIZE, PAGE_SIZE],
      [SYSINFO_BOARD_ID, BOARD_ID],
    ]);
  }

  /** Reads a register. */
  read32(offset: number): number {
    return this.#registers.get(offset) ?? 0;
  }

  /** Never called: every register is read-only. */
  write32(_offset: number, _value: number): void {}
}
