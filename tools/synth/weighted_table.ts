/**
 * Drawing an index with probability proportional to its weight, in O(1).
 * @module
 */

/** Most units of weight a table takes: its lookup array has one byte per unit. */
const MAX_TOTAL_WEIGHT = 1 << 16;

/**
 * A lookup array with one entry per unit of weight, each holding the index
 * it belongs to: a uniform draw over the array is a weighted draw over the
 * indices. Weights are small whole numbers (the mix tables are per 10,000),
 * so the array stays a few KiB.
 */
export class WeightedTable {
  readonly #lookup: Uint8Array;

  /**
   * Builds the table.
   * @param weights whole numbers, one per index (at most 256 indices); 0
   *   means never drawn
   * @example
   * ```ts
   * import { Prng } from "./prng.ts";
   * import { WeightedTable } from "./weighted_table.ts";
   * const orders = new WeightedTable([9547, 447, 3, 3]);
   * console.log(orders.pick(new Prng(1).next())); // 0, most of the time
   * ```
   */
  constructor(weights: readonly number[]) {
    const total = weights.reduce((sum, w) => sum + w, 0);
    if (
      weights.length > 256 || weights.some((w) => !Number.isInteger(w) || w < 0) ||
      total === 0 || total > MAX_TOTAL_WEIGHT
    ) {
      throw new RangeError(`weights ${weights.join(",")} are not a table of whole numbers`);
    }
    this.#lookup = new Uint8Array(total);
    let at = 0;
    weights.forEach((w, index) => {
      this.#lookup.fill(index, at, at + w);
      at += w;
    });
  }

  /**
   * The index a uniform number falls on.
   * @param random a number in [0, 1)
   * @returns an index whose weight is not 0
   */
  pick(random: number): number {
    return this.#lookup[Math.floor(random * this.#lookup.length)];
  }
}
