/**
 * The error the board raises once a driver's limit on bus cycles is spent.
 * @module
 */

/**
 * An access made after the bus cycles a driver allowed were spent (see
 * Board.limitCycles): what stops firmware that loops forever on the bus. A
 * replay sets the limit before each call into a design.
 *
 * @example
 * ```ts
 * import { Board, CycleLimitExceeded, RAM_BASE } from "@pagepile/pagepile";
 * const board = new Board({ ramBytes: 64 * 1024 });
 * board.limitCycles(10); // five RAM accesses
 * try {
 *   for (;;) board.read32(RAM_BASE);
 * } catch (e) {
 *   console.log(e instanceof CycleLimitExceeded, board.cycles); // true 12
 * }
 * ```
 */
export class CycleLimitExceeded extends Error {
  /** The bus cycles that were allowed. */
  readonly limit: number;

  /**
   * Describes the access refused.
   * @param limit the bus cycles that were allowed
   */
  constructor(limit: number) {
    super(`the bus cycles allowed (${limit.toLocaleString("en-US")}) are spent`);
    this.name = "CycleLimitExceeded";
    this.limit = limit;
  }
}
