/**
 * Counters in RAM, updated through the bus: 32-bit ones, and 64-bit ones as
 * two little-endian words for figures that can pass 4 Gi (bytes requested
 * over a long trace).
 * @module
 */

import type { Board } from "../hw/board.ts";

/** Adds `n` (which may be negative) to the 32-bit counter at `addr`: one read, one write. */
export function add32(bus: Board, addr: number, n: number): void {
  bus.write32(addr, bus.read32(addr) + n);
}

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
