/**
 * The error a bad bus access raises.
 * @module
 */

import { hex32 } from "./hex.ts";
import { FLASH_BASE, FLASH_MAX_BYTES } from "./memory_map.ts";

/** Why an access faulted. */
export type BusFaultReason =
  | "unmapped"
  | "read-only"
  | "write-only"
  | "misaligned-mmio";

/**
 * A bus access that no memory byte or device register could serve: an
 * address outside flash, RAM and every MMIO block (including an access that
 * crosses the end of RAM or flash), a write to a read-only register, a
 * read of a write-only one, an MMIO access that is not 32 bits wide and
 * aligned, or a store to flash (which only the debug port programs).
 *
 * @example
 * ```ts
 * import { Board, BusFault } from "@pagepile/pagepile";
 * const board = new Board({ ramBytes: 64 * 1024 });
 * try {
 *   board.read32(0);
 * } catch (e) {
 *   console.log(e instanceof BusFault && e.address === 0); // true
 * }
 * ```
 */
export class BusFault extends Error {
  /** The physical address of the access. */
  readonly address: number;
  /** The access width in bytes: 1, 2 or 4. */
  readonly width: number;
  /** Whether the access was a read or a write. */
  readonly access: "read" | "write";
  /** Why it faulted. */
  readonly reason: BusFaultReason;

  /**
   * Describes a faulting access.
   * @param address the physical address of the access
   * @param width the access width in bytes
   * @param access read or write
   * @param reason why it faulted
   */
  constructor(
    address: number,
    width: number,
    access: "read" | "write",
    reason: BusFaultReason,
  ) {
    super(
      `bus fault: ${width * 8}-bit ${access} at ${hex32(address)} (${reasonText(reason, address)})`,
    );
    this.name = "BusFault";
    this.address = address;
    this.width = width;
    this.access = access;
    this.reason = reason;
  }
}

/**
 * The message's words for `reason`. Read-only registers all sit in the MMIO
 * blocks, far above the flash window: a read-only fault there is a store to flash.
 */
function reasonText(reason: BusFaultReason, address: number): string {
  const inFlashWindow = address >= FLASH_BASE && address < FLASH_BASE + FLASH_MAX_BYTES;
  return reason === "read-only" && inFlashWindow
    ? "flash is read-only: the debug port programs it"
    : REASON_TEXT[reason];
}

const REASON_TEXT: Record<BusFaultReason, string> = {
  "unmapped": "no RAM or device at this address",
  "read-only": "register is read-only",
  "write-only": "register is write-only",
  "misaligned-mmio": "MMIO registers take aligned 32-bit accesses only",
};
