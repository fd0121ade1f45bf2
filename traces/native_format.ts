/**
 * pagepile's native trace format: what the recorder writes and the replayer
 * reads. Plain text, one event per line, streamable:
 *
 * ```
 * # pagepile trace 1
 * slice_pool_create inode 0 600 name=inode
 * slice_alloc 0x40104000 inode
 * galloc 0x40105000 0 100 linux_bytes=128 site=alloc_bprm+0x1c/0x2a0
 * alloc_pages 0x40200000 0 3
 * free_pages 0x40200000
 * gfree 0x40105000
 * ```
 * The first line names the format. `#` starts a comment; blank lines are
 * ignored. Each event is a Kernel method and its operands, separated by
 * spaces, then optional `key=value` fields:
 *
 * | line | Kernel call |
 * | --- | --- |
 * | `alloc_pages KEY FLAGS ORDER` | `alloc_pages(FLAGS, ORDER)`, its result named KEY |
 * | `free_pages KEY` | `free_pages` of the pile named KEY |
 * | `slice_pool_create POOL FLAGS SIZE` | `slice_pool_create(FLAGS, SIZE)`, named POOL |
 * | `slice_pool_recycle POOL`, `slice_pool_shrink POOL` | the same calls |
 * | `slice_alloc KEY POOL`, `slice_free KEY POOL` | the same calls |
 * | `galloc KEY FLAGS SIZE`, `gfree KEY`, `gshrink` | the same calls |
 * | `vmalloc KEY SIZE`, `vfree KEY` | the same calls |
 *
 * KEY names a block by a number — decimal, or hex with `0x` — unique among
 * live blocks (the recorder uses the block's address; a converted Linux trace,
 * its pointer or pfn); `gfree 0` frees NULL. POOL is any token without spaces;
 * for `slice_free` it may be `-`: the pool the slice came from (a Linux
 * `kmem_cache_free` names no pool).
 * FLAGS are GFP flags as a number. Optional fields: `name=` (a pool's name),
 * `linux_bytes=` (what the traced kernel handed out), `site=` (the call site),
 * `cpu=`, `batched=1` (a free repeating an earlier one). In `name=` and
 * `site=` values, `%`, space, tab and line ends are written `%25`, `%20`,
 * `%09`, `%0A`, `%0D`.
 * @module
 */

import { asciiCodes, LONG_LINE_PROBLEM, MAX_LINE_CHARS } from "./line_reader.ts";
import { countIn, hashStep, HEX_BYTES, hexKeyIn, Interner } from "./scan.ts";
import {
  emptyEvent,
  resetEvent,
  TRACE_OPS,
  type TraceEvent,
  type TraceOp,
  type TraceSink,
} from "./trace_event.ts";

/** The first line of every native trace. */
export const NATIVE_HEADER = "# pagepile trace 1";

/** Operands each op takes, after its name. */
const OPERANDS: Record<Exclude<TraceOp, "skip">, string[]> = {
  alloc_pages: ["key", "flags", "order"],
  free_pages: ["key"],
  slice_pool_create: ["pool", "flags", "size"],
  slice_pool_recycle: ["pool"],
  slice_pool_shrink: ["pool"],
  slice_alloc: ["key", "pool"],
  slice_free: ["key", "pool"],
  galloc: ["key", "flags", "size"],
  gfree: ["key"],
  gshrink: [],
  vmalloc: ["key", "size"],
  vfree: ["key"],
};

/** An op, its name's codes and its operands. */
interface NativeOp {
  readonly op: Exclude<TraceOp, "skip">;
  readonly name: Uint8Array;
  readonly operands: readonly string[];
}

/**
 * The ops, with their names' codes, by the first character of their name:
 * to tell a line's op without a substring.
 */
const OPS_BY_FIRST: NativeOp[][] = [];
for (const op of TRACE_OPS as Exclude<TraceOp, "skip">[]) {
  (OPS_BY_FIRST[op.charCodeAt(0)] ??= []).push({
    op,
    name: asciiCodes(op),
    operands: OPERANDS[op],
  });
}

/**
 * Parses native-format lines one at a time, pushing events into a sink. It
 * reads each line in place, from the codes of the text it was decoded in
 * (asciiCodes in line_reader.ts): a string is made only for what an event
 * keeps as text (a pool, a name, a site: each recurring one made once, see
 * Interner) and for a problem's message.
 */
export class NativeTraceParser {
  readonly #sink: TraceSink;
  readonly #event: TraceEvent = emptyEvent();
  readonly #strings = new Interner();

  /**
   * Starts a parser at the first line of a trace.
   * @param sink receives the events and problems
   */
  constructor(sink: TraceSink) {
    this.#sink = sink;
  }

  /** Parses one line of the trace (whole: the reader reports cut lines itself). */
  parseLine(text: string, line: number): void {
    this.parseSpan(text, 0, text.length, line);
  }

  /**
   * Parses the lines of `text` from `start` to `stop`, each ending with its
   * LF, numbered from `line + 1` (a LinesHandler's run, see line_reader.ts):
   * each as parseSpan parses it, without its LF nor a CR before it; a line
   * longer than MAX_LINE_CHARS is a problem (LONG_LINE_PROBLEM).
   * @returns the number of the last line
   */
  parseLines(text: string, start: number, stop: number, line: number, codes: Uint8Array): number {
    for (let from = start; from < stop;) {
      const nl = text.indexOf("\n", from);
      line++;
      if (nl - from > MAX_LINE_CHARS) this.#sink.problem(line, LONG_LINE_PROBLEM);
      else {
        const end = nl > from && codes[nl - 1] === 13 ? nl - 1 : nl;
        if (end !== from && codes[from] !== 35 /* # */) {
          if (isVisible(codes[from]) || text.slice(from, end).trim().length !== 0) {
            const error = this.#eventLine(text, codes, end, line, tokenStart(codes, from, end));
            if (error !== undefined) this.#sink.problem(line, error);
          }
        }
      }
      from = nl + 1;
    }
    return line;
  }

  /**
   * Parses the line that lies in `text` from `start` to `end` (without its
   * line end), as parseLine parses `text.slice(start, end)`.
   * @param codes the text's codes (asciiCodes), when the caller has them
   */
  parseSpan(
    text: string,
    start: number,
    end: number,
    line: number,
    codes: Uint8Array = asciiCodes(text),
  ): void {
    if (start === end || codes[start] === 35 /* # */) return;
    if (!isVisible(codes[start]) && text.slice(start, end).trim().length === 0) return;
    const error = this.#eventLine(text, codes, end, line, tokenStart(codes, start, end));
    if (error !== undefined) this.#sink.problem(line, error);
  }

  /** The event of the line whose first token starts at `at`; what is wrong with it, if anything. */
  #eventLine(
    text: string,
    codes: Uint8Array,
    end: number,
    line: number,
    at: number,
  ): string | undefined {
    const known = opAt(codes, at, end);
    if (known === undefined) {
      return `unknown operation "${text.slice(at, tokenEnd(codes, at, end))}"`;
    }
    const { op, operands } = known;
    let to = at + op.length;
    const e = this.#event;
    resetEvent(e);
    e.line = line;
    e.op = op;
    for (let i = 0; i < operands.length; i++) {
      at = tokenStart(codes, to, end);
      if (operands[i] === "pool") {
        to = this.#pool(text, codes, at, end);
        if (at === end || to === -1) {
          return `${op} needs ${operands.length} operands: ${operands.join(" ")}`;
        }
        continue;
      }
      if (operands[i] === "key") {
        to = this.#key(codes, at, end);
        if (to !== -1) continue;
      }
      to = operandEnd(codes, at, end);
      if (at === end || to === -1) {
        return `${op} needs ${operands.length} operands: ${operands.join(" ")}`;
      }
      const error = this.#operand(operands[i], text, codes, at, to);
      if (error !== undefined) return `${op}: ${error}`;
    }
    for (at = tokenStart(codes, to, end); at < end; at = tokenStart(codes, to, end)) {
      to = tokenEnd(codes, at, end);
      const error = this.#field(text, codes, at, to);
      if (error !== undefined) return `${op}: ${error}`;
    }
    this.#sink.event(e);
    return undefined;
  }

  /**
   * The pool operand starting at `at` into the event: where it ends (as
   * operandEnd says: -1 when it holds a `=`), its name hashed on the way
   * for the Interner; `-` is "".
   */
  #pool(text: string, codes: Uint8Array, at: number, end: number): number {
    let hash = 0;
    let ascii = true;
    let to = at;
    for (; to < end; to++) {
      const c = codes[to];
      if (c === 32) break;
      if (c === 61) return -1;
      if (c >= 0x80) ascii = false;
      hash = hashStep(hash, c);
    }
    this.#event.pool = to - at === 1 && codes[at] === 45 /* - */
      ? ""
      : ascii
      ? this.#strings.sliceHashed(text, codes, at, to, hash)
      : text.slice(at, to);
    return to;
  }

  /**
   * A key operand of the usual shape starting at `at` into the event, read
   * as it is walked to its end: `0x` and 1 to 13 hex digits, or 1 to 15
   * decimal ones, up to a space or the line's end. Returns where it ends;
   * -1, having set nothing, for any other token, which operandEnd and
   * #operand then read.
   */
  #key(codes: Uint8Array, at: number, end: number): number {
    let value = 0;
    let to = at;
    if (end - at >= 2 && codes[at] === 48 && codes[at + 1] === 120 /* 0x */) {
      for (to = at + 2; to < end; to++) {
        const digit = HEX_BYTES[codes[to]];
        if (digit < 0) break;
        value = value * 16 + digit;
      }
      if (to === at + 2 || to - at - 2 > 13) return -1;
    } else {
      for (; to < end; to++) {
        const digit = codes[to] - 48;
        if (digit < 0 || digit > 9) break;
        value = value * 10 + digit;
      }
      if (to === at || to - at > 15) return -1;
    }
    if (to < end && codes[to] !== 32) return -1;
    this.#event.key = value;
    return to;
  }

  #operand(
    name: string,
    text: string,
    codes: Uint8Array,
    at: number,
    to: number,
  ): string | undefined {
    const e = this.#event;
    const value = name === "key" ? keyAt(codes, at, to) : countIn(codes, at, to);
    if (value < 0) return `${name} "${text.slice(at, to)}" is not a number`;
    if (name === "key") e.key = value;
    else if (name === "flags") e.flags = value;
    else if (name === "order") e.order = value;
    else e.size = value;
    return undefined;
  }

  #field(text: string, codes: Uint8Array, at: number, to: number): string | undefined {
    const e = this.#event;
    let eq = at;
    while (eq < to && codes[eq] !== 61 /* = */) eq++;
    if (eq === at || eq === to) {
      return `"${text.slice(at, to)}" is neither an operand nor a key=value field`;
    }
    const value = eq + 1;
    if (isKey(codes, at, eq, NAME)) {
      e.name = unescapeField(this.#strings.slice(text, codes, value, to));
    } else if (isKey(codes, at, eq, SITE)) {
      e.site = unescapeField(this.#strings.slice(text, codes, value, to));
    } else if (isKey(codes, at, eq, LINUX_BYTES) || isKey(codes, at, eq, CPU)) {
      const n = countIn(codes, value, to);
      if (n < 0) return `${text.slice(at, eq)}="${text.slice(value, to)}" is not a number`;
      if (isKey(codes, at, eq, CPU)) e.cpu = n;
      else e.linuxBytes = n;
    } else if (isKey(codes, at, eq, BATCHED)) {
      e.batched = to - value === 1 && codes[value] === 49 /* 1 */;
    }
    // Unknown fields are for other tools: kept out of the way, not an error.
    return undefined;
  }
}

/**
 * Writes an event as a native-format line (no line end).
 * @param event the event; `skip` events are written as comments
 * @returns the line
 * @example
 * ```ts
 * import { emptyEvent, formatNativeEvent } from "@pagepile/pagepile";
 * const e = emptyEvent();
 * e.op = "galloc";
 * e.key = 0x40105000;
 * e.size = 100;
 * console.log(formatNativeEvent(e)); // "galloc 0x40105000 0 100"
 * ```
 */
export function formatNativeEvent(event: TraceEvent): string {
  if (event.op === "skip") return `# line ${event.line} skipped: ${event.reason}`;
  const parts: string[] = [event.op];
  for (const operand of OPERANDS[event.op]) {
    if (operand === "key") parts.push("0x" + event.key.toString(16));
    else if (operand === "pool") parts.push(event.pool === "" ? "-" : event.pool);
    else if (operand === "flags") parts.push(String(event.flags));
    else if (operand === "order") parts.push(String(event.order));
    else parts.push(String(event.size));
  }
  if (event.name !== "") parts.push(`name=${escapeField(event.name)}`);
  if (event.linuxBytes !== 0) parts.push(`linux_bytes=${event.linuxBytes}`);
  if (event.site !== "") parts.push(`site=${escapeField(event.site)}`);
  if (event.cpu >= 0) parts.push(`cpu=${event.cpu}`);
  if (event.batched) parts.push("batched=1");
  return parts.join(" ");
}

const ESCAPES: Record<string, string> = {
  "%": "%25",
  " ": "%20",
  "\t": "%09",
  "\n": "%0A",
  "\r": "%0D",
};

/**
 * Escapes a `name=` or `site=` value for a native trace line.
 * @param value any text
 * @returns the text with `%`, space, tab and line ends escaped
 */
export function escapeField(value: string): string {
  return value.replace(/[% \t\n\r]/g, (c) => ESCAPES[c]);
}

function unescapeField(value: string): string {
  return value.includes("%")
    ? value.replace(/%(25|20|09|0A|0D)/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)))
    : value;
}

/** The codes of the field keys the fast path compares. */
const NAME = asciiCodes("name");
const SITE = asciiCodes("site");
const LINUX_BYTES = asciiCodes("linux_bytes");
const CPU = asciiCodes("cpu");
const BATCHED = asciiCodes("batched");

/**
 * Where the token at or after `at` starts: past the spaces (runs of spaces
 * separate tokens as one; only the space does); `end` when none is left.
 */
function tokenStart(codes: Uint8Array, at: number, end: number): number {
  while (at < end && codes[at] === 32) at++;
  return at;
}

/** Where the token starting at `at` ends: the next space, or `end`. */
function tokenEnd(codes: Uint8Array, at: number, end: number): number {
  while (at < end && codes[at] !== 32) at++;
  return at;
}

/** Where the operand starting at `at` ends: the next space, or `end`; -1 when it holds a `=`. */
function operandEnd(codes: Uint8Array, at: number, end: number): number {
  for (; at < end; at++) {
    const c = codes[at];
    if (c === 32) return at;
    if (c === 61) return -1;
  }
  return at;
}

/** Whether the codes from `at` to `to` are `key`'s. */
function isKey(codes: Uint8Array, at: number, to: number, key: Uint8Array): boolean {
  return to - at === key.length && sameAt(codes, at, key);
}

/**
 * The op (its entry: name codes, operands) named by the token at `at` (up to
 * the next space or `end`), or undefined: its one candidate told by the
 * characters that set the ops apart (the first; the second of the g and v
 * ops; the seventh of the slice ops, and the twelfth of the pool ops), then
 * compared character by character, the token's end found by the comparison.
 * No op's name is another's followed by more: at most one matches, and
 * where one does, these characters lead to it.
 */
function opAt(codes: Uint8Array, at: number, end: number): NativeOp | undefined {
  let op: NativeOp | undefined;
  switch (codes[at]) {
    case 97: // a
      op = ALLOC_PAGES;
      break;
    case 102: // f
      op = FREE_PAGES;
      break;
    case 103: { // g
      const second = codes[at + 1];
      op = second === 97 ? GALLOC : second === 102 ? GFREE : second === 115 ? GSHRINK : undefined;
      break;
    }
    case 115: { // s
      const seventh = codes[at + 6];
      if (seventh === 97) op = SLICE_ALLOC;
      else if (seventh === 102) op = SLICE_FREE;
      else if (seventh === 112) {
        const twelfth = codes[at + 11];
        op = twelfth === 99
          ? POOL_CREATE
          : twelfth === 114
          ? POOL_RECYCLE
          : twelfth === 115
          ? POOL_SHRINK
          : undefined;
      }
      break;
    }
    case 118: { // v
      const second = codes[at + 1];
      op = second === 109 ? VMALLOC : second === 102 ? VFREE : undefined;
      break;
    }
  }
  if (op === undefined) return undefined;
  const after = at + op.name.length;
  return (after === end || (after < end && codes[after] === 32)) && sameAt(codes, at, op.name)
    ? op
    : undefined;
}

/** An op's entry, by its name. */
function nativeOp(op: Exclude<TraceOp, "skip">): NativeOp {
  return OPS_BY_FIRST[op.charCodeAt(0)].find((entry) => entry.op === op)!;
}
const ALLOC_PAGES = nativeOp("alloc_pages");
const FREE_PAGES = nativeOp("free_pages");
const GALLOC = nativeOp("galloc");
const GFREE = nativeOp("gfree");
const GSHRINK = nativeOp("gshrink");
const SLICE_ALLOC = nativeOp("slice_alloc");
const SLICE_FREE = nativeOp("slice_free");
const POOL_CREATE = nativeOp("slice_pool_create");
const POOL_RECYCLE = nativeOp("slice_pool_recycle");
const POOL_SHRINK = nativeOp("slice_pool_shrink");
const VMALLOC = nativeOp("vmalloc");
const VFREE = nativeOp("vfree");

/** Whether `word` is in `codes` at `at`. */
function sameAt(codes: Uint8Array, at: number, word: Uint8Array): boolean {
  for (let i = 0; i < word.length; i++) {
    if (codes[at + i] !== word[i]) return false;
  }
  return true;
}

/**
 * Whether a line starting with this character code cannot be blank: a
 * visible ASCII character. Any other goes through trim(), which knows every
 * space Unicode has.
 */
function isVisible(code: number): boolean {
  return code > 32 && code < 127;
}

/** A key from `at` to `to`: hex with 0x, or decimal; -1 when malformed. */
function keyAt(codes: Uint8Array, at: number, to: number): number {
  return to - at >= 2 && codes[at] === 48 && codes[at + 1] === 120
    ? hexKeyIn(codes, at, to)
    : countIn(codes, at, to);
}
