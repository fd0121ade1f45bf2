/**
 * Text built directly as ASCII bytes: the synthesizer writes its lines here,
 * so that no string is made per line and nothing is encoded afterwards (at
 * millions of lines a second, strings and their encoding were half the time).
 * @module
 */

const ENCODER = new TextEncoder();

/**
 * The bytes of an ASCII text, to append with {@link AsciiChunk.text}.
 * @param text ASCII text
 * @returns its bytes
 */
export function ascii(text: string): Uint8Array {
  return ENCODER.encode(text);
}

/**
 * A chunk of ASCII text being built in a byte array of fixed capacity. The
 * caller checks `length` and takes the chunk before it fills: nothing is
 * checked per byte.
 */
export class AsciiChunk {
  readonly #capacity: number;
  #bytes: Uint8Array;
  #length = 0;

  /**
   * Starts an empty chunk.
   * @param capacity bytes it holds
   * @example
   * ```ts
   * import { ascii, AsciiChunk } from "./ascii_chunk.ts";
   * const chunk = new AsciiChunk(64);
   * chunk.text(ascii("gfree "));
   * chunk.hex(0x2a);
   * chunk.char(10);
   * console.log(new TextDecoder().decode(chunk.take())); // "gfree 0x2a\n"
   * ```
   */
  constructor(capacity: number) {
    this.#capacity = capacity;
    this.#bytes = new Uint8Array(capacity);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#length;
  }

  /** Appends bytes made by {@link ascii}. */
  text(bytes: Uint8Array): void {
    this.#bytes.set(bytes, this.#length);
    this.#length += bytes.length;
  }

  /** Appends one character by its code. */
  char(code: number): void {
    this.#bytes[this.#length++] = code;
  }

  /** Appends a whole number >= 0 in decimal. */
  decimal(value: number): void {
    this.#digits(value, 10);
  }

  /** Appends a whole number >= 0 in hex, after `0x`, in lower case. */
  hex(value: number): void {
    this.#bytes[this.#length++] = 48; // 0
    this.#bytes[this.#length++] = 120; // x
    this.#digits(value, 16);
  }

  /**
   * The bytes written, as an array of their own; the chunk starts again
   * empty, in a new array, so the one returned may be written out at leisure.
   * @returns the bytes
   */
  take(): Uint8Array {
    const taken = this.#bytes.subarray(0, this.#length);
    this.#bytes = new Uint8Array(this.#capacity);
    this.#length = 0;
    return taken;
  }

  /** Writes the digits from the last: their count first tells where it goes. */
  #digits(value: number, base: number): void {
    let count = 1;
    for (let power = base; power <= value; power *= base) count++;
    let at = this.#length + count;
    this.#length = at;
    do {
      const digit = value % base;
      this.#bytes[--at] = digit < 10 ? 48 + digit : 87 + digit;
      value = Math.floor(value / base);
    } while (value > 0);
  }
}
