/**
 * The board's cycle limit, met by firmware: where the core was stopped.
 * @module
 */

import { CycleLimitExceeded } from "../cycle_limit.ts";
import { location } from "./_location.ts";

/**
 * The board's CycleLimitExceeded, raised by an access of firmware the RV32
 * core was running: the same error (a subclass), which also names the
 * instruction whose access was refused, as Rv32InstructionLimitExceeded
 * names where a call was stopped. `pc` is that instruction's address; it
 * did not retire.
 * @example
 * ```ts
 * import { Rv32CycleLimitExceeded } from "@pagepile/pagepile";
 * const error = new Rv32CycleLimitExceeded(1000, 0x2000_0040, "spin+0x4");
 * console.log(error.message);
 * // the bus cycles allowed (1,000) are spent; stopped at pc 0x20000040 (spin+0x4)
 * ```
 */
export class Rv32CycleLimitExceeded extends CycleLimitExceeded {
  /** The address of the instruction whose access was refused. */
  readonly pc: number;

  /**
   * Describes the run stopped.
   * @param limit the bus cycles that were allowed
   * @param pc the address of the instruction whose access was refused
   * @param symbol the function + offset that `pc` falls in, if known
   */
  constructor(limit: number, pc: number, symbol?: string) {
    super(limit);
    this.message += `; stopped at pc ${location(pc, symbol)}`;
    this.name = "Rv32CycleLimitExceeded";
    this.pc = pc >>> 0;
  }
}
