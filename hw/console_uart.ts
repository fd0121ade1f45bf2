/**
 * Console UART registers: the firmware's text output.
 *
 * ```
 * offset  name     access  value
 * 0x00    TX       W       low byte is transmitted (appended to the output)
 * 0x04    STATUS   R       bit 0: transmitter ready (always 1)
 * ```
 * Bytes are decoded as UTF-8 when the output is read.
 * @module
 */

import type { MmioDevice, RegisterAccess } from "./mmio_device.ts";

/** Offset of the TX register. */
export const CONSOLE_TX = 0x00;
/** Offset of the STATUS register. */
export const CONSOLE_STATUS = 0x04;
/** STATUS bit: the transmitter can take a byte. */
export const CONSOLE_STATUS_READY = 1;

/** The console UART: captures every byte the firmware transmits. */
export class ConsoleUart implements MmioDevice {
  /** Device name in the memory map. */
  readonly name = "console";
  /** TX is write-only, STATUS read-only. */
  readonly registers: ReadonlyMap<number, RegisterAccess> = new Map([
    [CONSOLE_TX, "W"],
    [CONSOLE_STATUS, "R"],
  ]);
  #bytes: number[] = [];

  /** Reads STATUS, the only readable register. */
  read32(_offset: number): number {
    return CONSOLE_STATUS_READY;
  }

  /** Writes TX, the only writable register: its low byte is transmitted. */
  write32(_offset: number, value: number): void {
    this.#bytes.push(value & 0xFF);
  }

  /** Everything transmitted since power-on, as text. */
  text(): string {
    return new TextDecoder().decode(new Uint8Array(this.#bytes));
  }
}
