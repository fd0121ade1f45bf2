/**
 * Hand-rolled field scanning for trace lines: faster than regular
 * expressions on the hot path, and strict: a malformed number is -1, never a
 * silently truncated value. The number scanners read a span of a longer
 * text (a token inside its line) in place: no substring is made to read a
 * number.
 * @module
 */

/**
 * Finds one string in a text, again and again, from positions that only
 * grow: a line at a time, each line after the last. It remembers where the
 * string next occurs, so a text where it is rare is searched once, not once
 * a line (a search from a line that lacks it runs on through the lines
 * after). A text that changes starts the search over.
 */
export class TextSearch {
  readonly #needle: string;
  #text = "";
  #from = 0;
  #next = -1;

  /** @param needle the string to find */
  constructor(needle: string) {
    this.#needle = needle;
  }

  /** The first index of the string in `text` from `from`, ending by `to`; or -1. */
  findIn(text: string, from: number, to: number): number {
    if (text !== this.#text || from < this.#from || (this.#next !== -1 && this.#next < from)) {
      this.#text = text;
      this.#from = from;
      this.#next = text.indexOf(this.#needle, from);
    }
    const at = this.#next;
    return at === -1 || at + this.#needle.length > to ? -1 : at;
  }
}

/** A field's key, with its `=`, and with a space before it: made once, not per search. */
export interface FieldKey {
  /** `key=`: the key at the start of the fields. */
  readonly first: string;
  /** `" key="`: the key after a space. */
  readonly later: string;
}

/**
 * The search strings of a key.
 * @param name the key, without `=`
 */
export function fieldKey(name: string): FieldKey {
  return { first: `${name}=`, later: ` ${name}=` };
}

/**
 * The value of `key=` among space-separated `key=value` fields, or
 * undefined when absent.
 */
export function fieldValue(fields: string, key: FieldKey): string | undefined {
  let start = fields.startsWith(key.first) ? key.first.length : -1;
  if (start === -1) {
    const at = fields.indexOf(key.later);
    if (at === -1) return undefined;
    start = at + key.later.length;
  }
  const end = fields.indexOf(" ", start);
  return end === -1 ? fields.slice(start) : fields.slice(start, end);
}

/**
 * A decimal count in `text` from `from` to `to` (digits only, at most 15 of
 * them), or -1; -1 too for `from` = -1 (a field not found).
 */
export function countAt(text: string, from: number, to: number): number {
  if (from < 0 || to <= from || to - from > 15) return -1;
  let value = 0;
  for (let i = from; i < to; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * A hex value in `text` from `from` to `to` (optional 0x, at most 16
 * digits) as a key: its low 52 bits, so it is exact as a number. -1 when
 * malformed, or for `from` = -1.
 */
export function hexKeyAt(text: string, from: number, to: number): number {
  if (from < 0) return -1;
  let start = to - from >= 2 && text.charCodeAt(from) === 48 && text.charCodeAt(from + 1) === 120
    ? from + 2
    : from;
  const length = to - start;
  if (length <= 0 || length > 16) return -1;
  let value = 0;
  if (length > 13) {
    // Check the high digits, then keep the low 13 (52 bits).
    for (let i = start; i < to - 13; i++) if (hexDigit(text.charCodeAt(i)) < 0) return -1;
    start = to - 13;
  }
  for (let i = start; i < to; i++) {
    const digit = hexDigit(text.charCodeAt(i));
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

/** A decimal count (digits only, at most 15 of them), or -1. */
export function parseCount(text: string | undefined): number {
  return text === undefined ? -1 : countAt(text, 0, text.length);
}

/**
 * A hex value (optional 0x, at most 16 digits) as a key: its low 52 bits, so
 * it is exact as a number. -1 when malformed.
 */
export function parseHexKey(text: string | undefined): number {
  return text === undefined ? -1 : hexKeyAt(text, 0, text.length);
}

/** Each character code's value as a hex digit, or -1: a table, read on every digit of a key. */
const HEX_DIGITS = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX_DIGITS["0123456789abcdef".charCodeAt(i)] = i;
  HEX_DIGITS["0123456789ABCDEF".charCodeAt(i)] = i;
}

function hexDigit(code: number): number {
  return code < 128 ? HEX_DIGITS[code] : -1;
}

/**
 * countAt read from character codes (see asciiCodes in line_reader.ts): the
 * same value for the same span of the text the codes are of.
 */
export function countIn(codes: Uint8Array, from: number, to: number): number {
  if (from < 0 || to <= from || to - from > 15) return -1;
  let value = 0;
  for (let i = from; i < to; i++) {
    const digit = codes[i] - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * hexKeyAt read from character codes (see asciiCodes in line_reader.ts):
 * the same value for the same span of the text the codes are of.
 */
export function hexKeyIn(codes: Uint8Array, from: number, to: number): number {
  if (from < 0) return -1;
  let start = to - from >= 2 && codes[from] === 48 && codes[from + 1] === 120 ? from + 2 : from;
  const length = to - start;
  if (length <= 0 || length > 16) return -1;
  let value = 0;
  if (length > 13) {
    for (let i = start; i < to - 13; i++) if (HEX_BYTES[codes[i]] < 0) return -1;
    start = to - 13;
  }
  for (let i = start; i < to; i++) {
    const digit = HEX_BYTES[codes[i]];
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

/** Each byte's value as a hex digit, or -1: HEX_DIGITS for every byte, read without a range check. */
export const HEX_BYTES: Int8Array = new Int8Array(256).fill(-1);
HEX_BYTES.set(HEX_DIGITS);

/**
 * Slots of an Interner, a power of two: each keeps one string, the last
 * whose hash fell there, so its memory is bounded on any trace.
 */
const INTERNED_SLOTS = 4096;

/**
 * Substrings that recur (pool names, call sites), each made once: a span of
 * ASCII characters is looked up by a hash of its codes, in a table of
 * INTERNED_SLOTS slots indexed by the hash's low bits (cheaper than a Map),
 * and compared code by code with what was kept there, so a recurring name
 * costs no new string, nor a hash of one in the Maps and Sets that key on
 * it. A span that is not all ASCII is made every time: its codes do not
 * tell its characters apart.
 */
export class Interner {
  readonly #slots: ({ codes: Uint8Array; text: string } | undefined)[] = new Array(
    INTERNED_SLOTS,
  ).fill(undefined);

  /** `text.slice(from, to)`, the string kept for it when there is one. */
  slice(text: string, codes: Uint8Array, from: number, to: number): string {
    const hash = asciiHash(codes, from, to);
    return hash === undefined
      ? text.slice(from, to)
      : this.sliceHashed(text, codes, from, to, hash);
  }

  /**
   * slice, given the codes' hash (as hashStep makes it, over codes all
   * ASCII): for a caller that hashed them while it walked them.
   */
  sliceHashed(text: string, codes: Uint8Array, from: number, to: number, hash: number): string {
    const kept = this.#slots[hash & (INTERNED_SLOTS - 1)];
    if (kept !== undefined && sameCodes(kept.codes, codes, from, to)) return kept.text;
    return this.#keep(codes, from, to, hash, text.slice(from, to));
  }

  /** The string kept for the codes from `from` to `to`, if there is one. */
  find(codes: Uint8Array, from: number, to: number): string | undefined {
    const hash = asciiHash(codes, from, to);
    if (hash === undefined) return undefined;
    const kept = this.#slots[hash & (INTERNED_SLOTS - 1)];
    return kept !== undefined && sameCodes(kept.codes, codes, from, to) ? kept.text : undefined;
  }

  /**
   * Keeps `text` as the string of the codes from `from` to `to` (when they
   * are all ASCII), and returns it.
   */
  keep(codes: Uint8Array, from: number, to: number, text: string): string {
    const hash = asciiHash(codes, from, to);
    return hash === undefined ? text : this.#keep(codes, from, to, hash, text);
  }

  #keep(codes: Uint8Array, from: number, to: number, hash: number, text: string): string {
    this.#slots[hash & (INTERNED_SLOTS - 1)] = { codes: codes.slice(from, to), text };
    return text;
  }
}

/** One step of an Interner's hash: the hash so far, then the next code. */
export function hashStep(hash: number, code: number): number {
  return Math.imul(hash, 31) + code | 0;
}

/** The hash of the codes from `from` to `to`; undefined when one is not ASCII. */
function asciiHash(codes: Uint8Array, from: number, to: number): number | undefined {
  let hash = 0;
  for (let i = from; i < to; i++) {
    const c = codes[i];
    if (c >= 0x80) return undefined;
    hash = hashStep(hash, c);
  }
  return hash;
}

/** Whether `kept` holds the codes from `from` to `to`. */
function sameCodes(kept: Uint8Array, codes: Uint8Array, from: number, to: number): boolean {
  if (kept.length !== to - from) return false;
  for (let i = 0; i < kept.length; i++) if (kept[i] !== codes[from + i]) return false;
  return true;
}
