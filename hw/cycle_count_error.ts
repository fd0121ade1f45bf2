/**
 * The error a board raises when its cycle count is set back.
 * @module
 */

/**
 * Something set the board's bus cycle count below what it was. The count
 * only grows: the bus adds each access's cycles, and a driver may add what
 * the bus does not spend itself (a CPU's own cycles); a design that wound
 * it back would hide what its calls cost, and the replay judges it broken.
 *
 * @example
 * ```ts
 * import { Board, CycleCountError } from "@pagepile/pagepile";
 * const board = new Board({ ramBytes: 64 * 1024 });
 * board.read32(board.ramBase);
 * try {
 *   board.cycles = 0;
 * } catch (e) {
 *   console.log(e instanceof CycleCountError); // true
 * }
 * ```
 */
export class CycleCountError extends Error {
  /** The count before. */
  readonly was: number;
  /** What it was set to. */
  readonly setTo: number;

  /**
   * Describes a count set back.
   * @param was the count before
   * @param setTo what it was set to
   */
  constructor(was: number, setTo: number) {
    super(
      `the bus cycle count was set back from ${was} to ${setTo}: it only grows ` +
        "(a Kernel call's cost is what it spends on the bus)",
    );
    this.name = "CycleCountError";
    this.was = was;
    this.setTo = setTo;
  }
}
