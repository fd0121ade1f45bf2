/**
 * 64-bit event counters in RAM, as two little-endian 32-bit words, for
 * figures that can pass 4 Gi (bytes requested over a long trace).
 * @module
 */

import type { Board } from "../hw/board.ts";

/** Adds `n` (0 <= n < 2^32) to the 64-bit counter at `addr`. */
export function add64(bus: Board, addr: number, n: number): void {
  const sum = bus.read32(addr) + n;
  bus.write32(addr, sum >>> 0);
  if (sum > 0xFFFF_FFFF) bus.write32(addr + 4, bus.read32(addr + 4) + 1);
}

/** Reads the 64-bit counter at `addr` (exact up to 2^53). */
export function read64(bus: Board, addr: number): number {
  return bus.read32(addr) + bus.read32(addr + 4) * 0x1_0000_0000;
}
