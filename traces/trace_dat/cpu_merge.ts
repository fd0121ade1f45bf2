/**
 * The per-CPU streams merged into one, in the order `trace-cmd report`
 * prints records (`tracecmd_peek_next_data`): it peeks each CPU's next
 * record and takes the smallest timestamp, the lower CPU on a tie (a strict
 * `<` over CPUs in ascending order). The timestamp compared is the one
 * trace-cmd computes (`timestamp_calc`): with a TSC2NSEC option,
 * `(ts × mult) >> shift`, which can make two raw timestamps equal, so it
 * is applied before comparing. Offsets added to every timestamp (DATE,
 * OFFSET) change no order and are left out; so are guests' time shifts.
 * A linear scan over the CPUs with records left: cheap for the CPU counts
 * of real recordings.
 * @module
 */

import type { CpuStream } from "./cpu_stream.ts";

/** TSC2NSEC's factors. */
export interface Tsc2Nsec {
  mult: number;
  shift: number;
}

/** Streams merged in report order. */
export class CpuMerge {
  /** Streams with records left, by CPU; their current records' timestamps as compared. */
  readonly #streams: CpuStream[];
  readonly #high: number[] = [];
  readonly #low: number[] = [];
  readonly #tsc: Tsc2Nsec | null;
  /** Index of the stream `peek` returned. */
  #next = -1;

  /**
   * @param streams each CPU's stream, on its first record, in CPU order
   * @param tsc the TSC2NSEC option's factors, or null
   */
  constructor(streams: CpuStream[], tsc: Tsc2Nsec | null) {
    this.#streams = streams;
    this.#tsc = tsc;
    streams.forEach((_, i) => this.#key(i));
  }

  /** The stream whose current record comes next, or undefined when none is left. */
  peek(): CpuStream | undefined {
    const high = this.#high;
    const low = this.#low;
    let next = 0;
    for (let i = 1; i < this.#streams.length; i++) {
      if (high[i] < high[next] || (high[i] === high[next] && low[i] < low[next])) next = i;
    }
    this.#next = next;
    return this.#streams[next];
  }

  /**
   * Moves the stream `peek` returned to its next record, dropping it when it has none.
   * @throws {DatError} when its data is truncated or corrupt
   */
  advance(): void {
    const i = this.#next;
    const stream = this.#streams[i];
    if (stream.page.next() || stream.next()) {
      this.#key(i);
    } else {
      this.#streams.splice(i, 1);
      this.#high.splice(i, 1);
      this.#low.splice(i, 1);
    }
  }

  /** Stores stream i's current timestamp as compared. */
  #key(i: number): void {
    const page = this.#streams[i].page;
    if (this.#tsc === null) {
      this.#high[i] = page.tsHigh;
      this.#low[i] = page.tsLow;
    } else {
      mulShift(page.tsHigh, page.tsLow, this.#tsc, this.#high, this.#low, i);
    }
  }
}

/**
 * `(ts × mult) >> shift` in 96 bits, as trace-cmd's `mul_u64_u32_shr`,
 * with 16-bit limbs so that every product is exact: writes the 64-bit
 * result's halves to `high[i]`, `low[i]`.
 */
function mulShift(
  tsHigh: number,
  tsLow: number,
  { mult, shift }: Tsc2Nsec,
  high: number[],
  low: number[],
  i: number,
): void {
  const a0 = tsLow & 0xFFFF;
  const a1 = tsLow >>> 16;
  const a2 = tsHigh & 0xFFFF;
  const a3 = tsHigh >>> 16;
  const m0 = mult & 0xFFFF;
  const m1 = mult >>> 16;
  // Partial products of 16-bit limbs stay below 2^34: exact, as is each carry.
  let sum = a0 * m0;
  const p0 = sum % 0x10000;
  sum = Math.floor(sum / 0x10000) + a1 * m0 + a0 * m1;
  const p1 = sum % 0x10000;
  sum = Math.floor(sum / 0x10000) + a2 * m0 + a1 * m1;
  const p2 = sum % 0x10000;
  sum = Math.floor(sum / 0x10000) + a3 * m0 + a2 * m1;
  const p3 = sum % 0x10000;
  sum = Math.floor(sum / 0x10000) + a3 * m1;
  const p4 = sum % 0x10000;
  const p5 = Math.floor(sum / 0x10000);
  let w0 = p0 + p1 * 0x10000;
  let w1 = p2 + p3 * 0x10000;
  let w2 = p4 + p5 * 0x10000;
  let s = shift;
  if (s >= 32) {
    w0 = w1;
    w1 = w2;
    w2 = 0;
    s -= 32;
  }
  low[i] = s === 0 ? w0 : ((w0 >>> s) | (w1 << (32 - s))) >>> 0;
  high[i] = s === 0 ? w1 : ((w1 >>> s) | (w2 << (32 - s))) >>> 0;
}
