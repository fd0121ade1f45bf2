/**
 * Bus-cycle figures per kind of operation: exact percentiles in bounded
 * memory, from a histogram of cycle counts.
 * @module
 */

/** Cycle counts below this are counted in an array; larger ones in a map. */
const DENSE_LIMIT = 1 << 16;

/** The figures of one kind of operation. */
export interface OpFigures {
  /** Calls measured. */
  count: number;
  /** Bus cycles per call. */
  cycles: { mean: number; p50: number; p99: number; max: number };
  /** The costliest call: its trace line and cycles. */
  worst: { line: number; cycles: number };
  /**
   * Calls by powers of two of cycles: `histogram[b]` counts the calls that
   * took 2^b to 2^(b+1) - 1 cycles (0 and 1 cycles in `histogram[0]`), up
   * to the bucket of the max.
   */
  histogram: number[];
}

/** Collects the bus cycles of one kind of operation. */
export class CycleStats {
  readonly #dense = new Uint32Array(DENSE_LIMIT);
  readonly #sparse = new Map<number, number>();
  #count = 0;
  #sum = 0;
  #max = -1;
  #maxLine = 0;

  /** Adds one call's cycles, and the trace line it came from. */
  add(cycles: number, line: number): void {
    if (cycles < DENSE_LIMIT) this.#dense[cycles]++;
    else this.#sparse.set(cycles, (this.#sparse.get(cycles) ?? 0) + 1);
    this.#count++;
    this.#sum += cycles;
    if (cycles > this.#max) {
      this.#max = cycles;
      this.#maxLine = line;
    }
  }

  /** The figures so far. */
  figures(): OpFigures {
    return {
      count: this.#count,
      cycles: {
        mean: this.#count === 0 ? 0 : Math.round((this.#sum / this.#count) * 10) / 10,
        p50: this.#percentile(0.5),
        p99: this.#percentile(0.99),
        max: Math.max(this.#max, 0),
      },
      worst: { line: this.#maxLine, cycles: Math.max(this.#max, 0) },
      histogram: this.#histogram(),
    };
  }

  #histogram(): number[] {
    const buckets: number[] = [];
    const add = (cycles: number, calls: number): void => {
      const b = cycles <= 1 ? 0 : 31 - Math.clz32(cycles);
      while (buckets.length <= b) buckets.push(0);
      buckets[b] += calls;
    };
    for (let c = 0; c <= Math.min(this.#max, DENSE_LIMIT - 1); c++) {
      if (this.#dense[c] !== 0) add(c, this.#dense[c]);
    }
    for (const [c, calls] of this.#sparse) add(c, calls);
    return buckets;
  }

  /** The smallest value with at least `fraction` of the calls at or below it. */
  #percentile(fraction: number): number {
    if (this.#count === 0) return 0;
    const rank = Math.ceil(fraction * this.#count);
    let seen = 0;
    for (let c = 0; c < DENSE_LIMIT; c++) {
      seen += this.#dense[c];
      if (seen >= rank) return c;
    }
    for (const c of [...this.#sparse.keys()].sort((a, b) => a - b)) {
      seen += this.#sparse.get(c)!;
      if (seen >= rank) return c;
    }
    return this.#max;
  }
}
