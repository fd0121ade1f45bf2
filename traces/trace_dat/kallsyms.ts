/**
 * Kernel addresses to `sym+0xoff`, from the `/proc/kallsyms` text a
 * trace.dat file saves (`ffffffff81000000 T _text`, a `\t[module]` after
 * module symbols), resolved exactly as `trace-cmd report` prints a `%pS`
 * (libtraceevent's `tep_parse_kallsyms`, `find_func`, `print_function`):
 *
 * - A line is read as `%16llx %c %s`: up to 16 hex digits, the type letter,
 *   the name. Parsing stops at the first line that does not read so.
 * - Absolute symbols (type `A`, `a`: per-CPU offsets on x86-64) and names
 *   starting with `$` (ARM's mapping symbols) are left out.
 * - libtraceevent keeps the symbols on a list in reverse file order, sorts it
 *   by address (glibc's qsort: a stable merge sort), and looks an address
 *   up with glibc's bsearch and a comparison that matches symbol i when the
 *   address equals it or lies strictly between it and symbol i + 1 (the last
 *   symbol matches its own address only). Between two symbols at one
 *   address the later in sorted order is the one an address above them
 *   finds; the same binary search is run here, so ties resolve alike.
 * - Found: `name+0x<offset>`, lowercase hex; not found: `0x<address>`.
 *
 * Memory: the text (4 MB for a distribution kernel) is kept, with the
 * symbols' addresses and name positions in typed arrays (14 bytes a
 * symbol); a name is decoded when an address first resolves to it, and
 * each call site's string is cached (up to MAX_CACHED of them).
 * @module
 */

/** Call-site strings kept; past this (hostile data, random addresses) the cache starts over. */
const MAX_CACHED = 1 << 16;

/** Slots of the cache of recent call sites (a power of two). */
const RECENT = 1024;

const latin1 = new TextDecoder("latin1");

/** A symbol table for resolving call sites. */
export class Kallsyms {
  readonly #text: Uint8Array;
  /** Sorted as libtraceevent sorts them: address high and low halves, name position and length. */
  readonly #high: Uint32Array;
  readonly #low: Uint32Array;
  readonly #nameStart: Uint32Array;
  readonly #nameLength: Uint16Array;
  readonly #names = new Map<number, string>();
  /** Resolved call sites: by address high half, then low half. */
  #cache = new Map<number, Map<number, string>>();
  #cached = 0;
  readonly #recentHigh = new Uint32Array(RECENT);
  readonly #recentLow = new Uint32Array(RECENT);
  readonly #recentText: (string | undefined)[] = new Array(RECENT);

  /**
   * Parses a kallsyms text.
   * @param text the text as the file stores it (empty for a file without one)
   */
  constructor(text: Uint8Array) {
    this.#text = text;
    const found = parseSymbols(text);
    const order = sortOrder(found);
    const n = order.length;
    this.#high = new Uint32Array(n);
    this.#low = new Uint32Array(n);
    this.#nameStart = new Uint32Array(n);
    this.#nameLength = new Uint16Array(n);
    for (let i = 0; i < n; i++) {
      const j = order[i];
      this.#high[i] = found.high[j];
      this.#low[i] = found.low[j];
      this.#nameStart[i] = found.nameStart[j];
      this.#nameLength[i] = found.nameLength[j];
    }
  }

  /** Symbols kept. */
  get size(): number {
    return this.#high.length;
  }

  /**
   * An address as `trace-cmd report` prints a `%pS`: `sym+0xoff`, or
   * `0x<address>` when no symbol holds it.
   * @param high the address's high 32 bits
   * @param low its low 32 bits
   */
  resolve(high: number, low: number): string {
    // Most records repeat a recent call site: a small direct-mapped cache first.
    const slot = (low ^ (low >>> 11)) & (RECENT - 1);
    if (this.#recentLow[slot] === low && this.#recentHigh[slot] === high) {
      const recent = this.#recentText[slot];
      if (recent !== undefined) return recent;
    }
    const text = this.#resolve(high, low);
    this.#recentLow[slot] = low;
    this.#recentHigh[slot] = high;
    this.#recentText[slot] = text;
    return text;
  }

  #resolve(high: number, low: number): string {
    let byLow = this.#cache.get(high);
    const hit = byLow?.get(low);
    if (hit !== undefined) return hit;
    if (this.#cached >= MAX_CACHED) {
      this.#cache = new Map();
      this.#cached = 0;
      byLow = undefined;
    }
    if (byLow === undefined) {
      byLow = new Map();
      this.#cache.set(high, byLow);
    }
    const text = this.#lookup(high, low);
    byLow.set(low, text);
    this.#cached++;
    return text;
  }

  #lookup(high: number, low: number): string {
    const i = this.#search(high, low);
    if (i === -1) return "0x" + hex64(high, low);
    const offset = (high - this.#high[i]) * 2 ** 32 + (low - this.#low[i]);
    return `${this.#name(i)}+0x${offset.toString(16)}`;
  }

  /** glibc's bsearch with libtraceevent's func_bcmp (see the module comment). */
  #search(high: number, low: number): number {
    const n = this.#high.length;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const i = (lo + hi) >>> 1;
      const vsThis = compare(high, low, this.#high[i], this.#low[i]);
      // The sentinel after the last symbol has address 0: nothing lies below it.
      const belowNext = i + 1 < n && compare(high, low, this.#high[i + 1], this.#low[i + 1]) < 0;
      if (vsThis === 0 || (vsThis > 0 && belowNext)) return i;
      if (vsThis < 0) hi = i;
      else lo = i + 1;
    }
    return -1;
  }

  #name(i: number): string {
    let name = this.#names.get(i);
    if (name === undefined) {
      const start = this.#nameStart[i];
      name = latin1.decode(this.#text.subarray(start, start + this.#nameLength[i]));
      this.#names.set(i, name);
    }
    return name;
  }
}

/** Longest symbol name kept whole (kallsyms names are at most 512 bytes). */
const MAX_NAME_BYTES = 0xFFFF;

/** Symbols as read, in file order; `count` of them are set in the arrays. */
interface Symbols {
  count: number;
  high: Uint32Array;
  low: Uint32Array;
  nameStart: Uint32Array;
  nameLength: Uint16Array;
}

/**
 * Reads each line as `%16llx %c %s` (blanks skipped before each part, an
 * optional 0x), in one pass over the bytes; stops at the first line that
 * does not read so. Symbols left out (A, a, $) are not kept.
 */
function parseSymbols(text: Uint8Array): Symbols {
  // A kallsyms line takes 30 to 60 bytes; the arrays grow if lines are shorter.
  let symbols = symbolArrays(Math.ceil(text.length / 32) + 16, undefined);
  const end = text.length;
  let at = 0;
  while (at < end) {
    while (at < end && CLASS[text[at]] !== OTHER) at++; // blanks, and the empty lines strtok_r skips
    if (at + 1 < end && text[at] === 48 && (text[at + 1] | 0x20) === 120) at += 2; // 0x
    let high = 0;
    let low = 0;
    const digitsStart = at;
    while (at < end && at - digitsStart < 16) {
      const d = HEX[text[at]];
      if (d === NOT_HEX) break;
      high = ((high << 4) | (low >>> 28)) >>> 0;
      low = ((low << 4) | d) >>> 0;
      at++;
    }
    while (at < end && CLASS[text[at]] === BLANK) at++;
    if (at === digitsStart || at >= end || CLASS[text[at]] === NEWLINE) break;
    const type = text[at++];
    while (at < end && CLASS[text[at]] === BLANK) at++;
    const nameStart = at;
    while (at < end && CLASS[text[at]] === OTHER) at++;
    if (at === nameStart) break;
    if (type !== 65 /* A */ && type !== 97 /* a */ && text[nameStart] !== 36 /* $ */) {
      if (symbols.count === symbols.high.length) symbols = symbolArrays(symbols.count * 2, symbols);
      const i = symbols.count++;
      symbols.high[i] = high;
      symbols.low[i] = low;
      symbols.nameStart[i] = nameStart;
      symbols.nameLength[i] = Math.min(at - nameStart, MAX_NAME_BYTES);
    }
    while (at < end && text[at] !== 10) at++; // a module's "\t[name]"
  }
  return symbols;
}

/** Byte classes for the parse: what C's isspace calls blank, the line end, the rest. */
const OTHER = 0;
const BLANK = 1;
const NEWLINE = 2;
const CLASS = new Uint8Array(256);
for (const byte of [32, 9, 11, 12, 13]) CLASS[byte] = BLANK;
CLASS[10] = NEWLINE;

/** Hex digits' values by byte; NOT_HEX for the rest. */
const NOT_HEX = 255;
const HEX = new Uint8Array(256).fill(NOT_HEX);
for (let d = 0; d < 16; d++) {
  HEX[d.toString(16).charCodeAt(0)] = d;
  HEX[d.toString(16).toUpperCase().charCodeAt(0)] = d;
}

/** Arrays for `capacity` symbols, holding a copy of `from`'s. */
function symbolArrays(capacity: number, from: Symbols | undefined): Symbols {
  const to: Symbols = {
    count: from?.count ?? 0,
    high: new Uint32Array(capacity),
    low: new Uint32Array(capacity),
    nameStart: new Uint32Array(capacity),
    nameLength: new Uint16Array(capacity),
  };
  if (from !== undefined) {
    to.high.set(from.high);
    to.low.set(from.low);
    to.nameStart.set(from.nameStart);
    to.nameLength.set(from.nameLength);
  }
  return to;
}

/**
 * The symbols' file indices in libtraceevent's order: by address, equal
 * addresses in reverse file order (its list is built backwards, then
 * stably sorted). When every address has the same high half (all of a
 * 64-bit kernel's do), a numeric sort of `low × 2^21 + (2^21 - 1 - index)`
 * gives it, exact below 2^53 and several times faster than a sort with a
 * comparison function, which does it otherwise.
 */
function sortOrder(symbols: Symbols): ArrayLike<number> {
  const n = symbols.count;
  const { high, low } = symbols;
  const oneHigh = n < INDEX_LIMIT && high.subarray(0, n).every((h) => h === high[0]);
  if (!oneHigh) {
    const order = Array.from({ length: n }, (_, i) => i);
    return order.sort((a, b) => high[a] - high[b] || low[a] - low[b] || b - a);
  }
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) keys[i] = low[i] * INDEX_LIMIT + (INDEX_LIMIT - 1 - i);
  keys.sort();
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = INDEX_LIMIT - 1 - (keys[i] % INDEX_LIMIT);
  return order;
}

/** Symbols a numeric sort key can index: 2^21 (a kernel has about 10^5). */
const INDEX_LIMIT = 2 ** 21;

function compare(highA: number, lowA: number, highB: number, lowB: number): number {
  return highA !== highB ? highA - highB : lowA - lowB;
}

/** A 64-bit value in lowercase hex, without leading zeros. */
export function hex64(high: number, low: number): string {
  return high === 0 ? low.toString(16) : high.toString(16) + low.toString(16).padStart(8, "0");
}
