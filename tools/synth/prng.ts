/**
 * A small seeded pseudo-random generator for synthetic traces: xoshiro128**
 * (Blackman and Vigna, 2018), its four state words filled from one 32-bit
 * seed by splitmix32 (a Weyl sequence through murmur3's 32-bit finalizer).
 * Same seed, same numbers, on every machine: only 32-bit integer arithmetic
 * (`Math.imul`, shifts), no floating point in the state.
 * Its period, 2^128 − 1, is far beyond the few draws per event a trace of
 * 10^9 events takes (a 32-bit generator such as mulberry32 would repeat).
 * @module
 */

/** A seeded generator of 32-bit integers and numbers in [0, 1). */
export class Prng {
  #s0: number;
  #s1: number;
  #s2: number;
  #s3: number;

  /**
   * Starts the generator from a seed.
   * @param seed an integer in [0, 2^32)
   * @example
   * ```ts
   * import { Prng } from "./prng.ts";
   * const a = new Prng(42);
   * const b = new Prng(42);
   * console.log(a.next() === b.next()); // true
   * ```
   */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) {
      throw new RangeError(`seed ${seed} is not an integer in [0, 2^32)`);
    }
    // The finalizer is a bijection and the four counter values differ, so at
    // most one of the four words is 0: the state is never all zero (the one
    // state xoshiro cannot leave).
    let counter = seed;
    const mix = (): number => {
      counter = (counter + 0x9e3779b9) | 0;
      let z = counter;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) | 0;
    };
    this.#s0 = mix();
    this.#s1 = mix();
    this.#s2 = mix();
    this.#s3 = mix();
  }

  /**
   * The next 32 random bits.
   * @returns an integer in [0, 2^32)
   */
  nextUint32(): number {
    const s1 = this.#s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    this.#s2 ^= this.#s0;
    this.#s3 ^= s1;
    this.#s1 ^= this.#s2;
    this.#s0 ^= this.#s3;
    this.#s2 ^= t;
    this.#s3 = rotl(this.#s3, 11);
    return result;
  }

  /**
   * The next number in [0, 1), a multiple of 2^-32.
   * @returns the number
   */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /**
   * An integer drawn uniformly from [0, n).
   * @param n the count of choices, 1 to 2^32
   * @returns the integer
   */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
