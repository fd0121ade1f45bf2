/**
 * How the core's errors name an instruction's address.
 * @module
 */

import { hex32 } from "../hex.ts";

/** "0x20000010 (main+0x10)", or the address alone without a symbol. */
export function location(pc: number, symbol?: string): string {
  return symbol === undefined ? hex32(pc) : `${hex32(pc)} (${symbol})`;
}
