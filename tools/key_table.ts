/**
 * A map from trace keys (integers below 2^52: kernel pointers, pfns) to
 * values. A pointer above 2^31 used directly as a Map key is a heap number
 * that V8 boxes on every lookup; this table keys two maps by the key's high
 * and low 26 bits, both small integers, so no lookup allocates.
 * @module
 */

const HALF = 2 ** 26;

/** A Map keyed by integers below 2^52, stored under two small-integer halves. */
export class KeyTable<V> {
  readonly #byHigh = new Map<number, Map<number, V>>();

  /** The value stored under `key`, or undefined. */
  get(key: number): V | undefined {
    return this.#byHigh.get(Math.floor(key / HALF))?.get(key % HALF);
  }

  /** Stores `value` under `key`. */
  set(key: number, value: V): void {
    const high = Math.floor(key / HALF);
    let low = this.#byHigh.get(high);
    if (low === undefined) this.#byHigh.set(high, low = new Map());
    low.set(key % HALF, value);
  }

  /** Removes `key`. */
  delete(key: number): void {
    const high = Math.floor(key / HALF);
    const low = this.#byHigh.get(high);
    if (low === undefined) return;
    low.delete(key % HALF);
    if (low.size === 0) this.#byHigh.delete(high);
  }

  /** Every value, in no promised order. */
  *values(): IterableIterator<V> {
    for (const low of this.#byHigh.values()) yield* low.values();
  }
}
