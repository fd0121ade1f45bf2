/**
 * A map from trace keys (integers below 2^52: kernel pointers, pfns) to
 * values, for the replay's hot path. A JavaScript Map keyed by such numbers
 * boxes every key above 2^31 and allocates an entry per insertion; this
 * table keeps keys in a Float64Array with open addressing (linear probing,
 * backward-shift deletion), so lookups, inserts and deletes allocate nothing
 * until it grows. It stays at most half full.
 * @module
 */

const EMPTY = -1; // keys are never negative

/** A hash map from integers in [0, 2^52) to values. */
export class KeyTable<V> {
  #keys = new Float64Array(1024).fill(EMPTY);
  #values: (V | undefined)[] = new Array(1024);
  #mask = 1023;
  #size = 0;

  /** The value stored under `key`, or undefined. */
  get(key: number): V | undefined {
    const keys = this.#keys;
    for (let i = this.#slot(key);; i = (i + 1) & this.#mask) {
      const k = keys[i];
      if (k === key) return this.#values[i];
      if (k === EMPTY) return undefined;
    }
  }

  /** Stores `value` under `key`. */
  set(key: number, value: V): void {
    if ((this.#size + 1) * 2 > this.#keys.length) this.#grow();
    const keys = this.#keys;
    let i = this.#slot(key);
    while (keys[i] !== EMPTY && keys[i] !== key) i = (i + 1) & this.#mask;
    if (keys[i] === EMPTY) this.#size++;
    keys[i] = key;
    this.#values[i] = value;
  }

  /** Removes `key`, moving later entries of its probe run back so no tombstone is left. */
  delete(key: number): void {
    const keys = this.#keys;
    const mask = this.#mask;
    let i = this.#slot(key);
    while (keys[i] !== key) {
      if (keys[i] === EMPTY) return;
      i = (i + 1) & mask;
    }
    let hole = i;
    for (let j = (i + 1) & mask; keys[j] !== EMPTY; j = (j + 1) & mask) {
      const home = this.#slot(keys[j]);
      // Move entry j into the hole unless its home lies cyclically in (hole, j].
      const stays = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!stays) {
        keys[hole] = keys[j];
        this.#values[hole] = this.#values[j];
        hole = j;
      }
    }
    keys[hole] = EMPTY;
    this.#values[hole] = undefined;
    this.#size--;
  }

  /** Every value, in no promised order. */
  *values(): IterableIterator<V> {
    for (let i = 0; i < this.#keys.length; i++) {
      if (this.#keys[i] !== EMPTY) yield this.#values[i]!;
    }
  }

  /** The home slot of `key`: its two 26-bit halves mixed. */
  #slot(key: number): number {
    // Math.floor, not %: a remainder of a number past 2^31 is a call to fmod.
    const high = Math.floor(key / 0x400_0000);
    const low = key - high * 0x400_0000;
    return (Math.imul(low, 0x9E3779B1) ^ Math.imul(high, 0x85EBCA6B)) >>> 7 & this.#mask;
  }

  #grow(): void {
    const keys = this.#keys;
    const values = this.#values;
    this.#keys = new Float64Array(keys.length * 2).fill(EMPTY);
    this.#values = new Array(keys.length * 2);
    this.#mask = keys.length * 2 - 1;
    this.#size = 0;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== EMPTY) this.set(keys[i], values[i]!);
  }
}
