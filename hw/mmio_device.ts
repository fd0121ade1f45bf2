/**
 * What the bus asks of a device that answers a block of MMIO registers.
 *
 * Registers are 32 bits wide at 4-byte aligned offsets. Each device declares
 * its registers and their access; the bus faults any access the declaration
 * does not allow before it reaches the device, so `read32` and `write32` only
 * see offsets of registers that can be read or written.
 * @module
 */

/** How a register can be accessed: read-only, write-only or read-write. */
export type RegisterAccess = "R" | "W" | "RW";

/** A device answering reads and writes to the registers of its MMIO block. */
export interface MmioDevice {
  /** Short name for the memory map, e.g. "console". */
  readonly name: string;
  /** The block's registers: offset from the block's base → access. */
  readonly registers: ReadonlyMap<number, RegisterAccess>;
  /** Reads a readable register at `offset` from the block's base. */
  read32(offset: number): number;
  /** Writes a writable register at `offset` from the block's base. */
  write32(offset: number, value: number): void;
}
