/**
 * A small deterministic random generator, so synthetic workloads are the
 * same on every run.
 * @module
 */

/**
 * A linear congruential generator of numbers in [0, 1).
 * @param seed any 32-bit integer
 * @returns the next number, each call
 */
export function seededRandom(seed: number): () => number {
  let state = seed;
  return () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}
