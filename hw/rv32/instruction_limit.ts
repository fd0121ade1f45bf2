/**
 * The error the RV32 core raises once a call's instructions are spent.
 * @module
 */

import { location } from "./_location.ts";

/**
 * A call into firmware that ran the instructions it was allowed without
 * returning (see Rv32Core.call): what stops firmware that loops forever
 * without touching the bus much. `pc` is the next instruction, not run.
 * @example
 * ```ts
 * import { Rv32InstructionLimitExceeded } from "@pagepile/pagepile";
 * const error = new Rv32InstructionLimitExceeded(1000, 0x2000_0040, "spin+0x4");
 * console.log(error.message);
 * // 1,000 instructions ran without returning; stopped at pc 0x20000040 (spin+0x4)
 * ```
 */
export class Rv32InstructionLimitExceeded extends Error {
  /** The instructions that were allowed. */
  readonly limit: number;
  /** The address of the next instruction, which did not run. */
  readonly pc: number;

  /**
   * Describes the call stopped.
   * @param limit the instructions that were allowed
   * @param pc the next instruction's address
   * @param symbol the function + offset that `pc` falls in, if known
   */
  constructor(limit: number, pc: number, symbol?: string) {
    super(
      `${limit.toLocaleString("en-US")} instructions ran without returning; ` +
        `stopped at pc ${location(pc, symbol)}`,
    );
    this.name = "Rv32InstructionLimitExceeded";
    this.limit = limit;
    this.pc = pc >>> 0;
  }
}
