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

import { countAt, hexKeyAt } from "./scan.ts";
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

/** The ops by the length of their name, to tell a line's op without a substring. */
const OPS_BY_LENGTH: Exclude<TraceOp, "skip">[][] = [];
for (const op of TRACE_OPS as Exclude<TraceOp, "skip">[]) {
  (OPS_BY_LENGTH[op.length] ??= []).push(op);
}

/**
 * Parses native-format lines one at a time, pushing events into a sink. It
 * reads each line in place, in the text it was decoded in: a substring is
 * made only for what an event keeps as text (a pool, a name, a site) and for
 * a problem's message.
 */
export class NativeTraceParser {
  readonly #sink: TraceSink;
  readonly #event: TraceEvent = emptyEvent();

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
   * Parses the line that lies in `text` from `start` to `end` (without its
   * line end), as parseLine parses `text.slice(start, end)`.
   */
  parseSpan(text: string, start: number, end: number, line: number): void {
    if (start === end || text.charCodeAt(start) === 35 /* # */) return;
    if (!isVisible(text.charCodeAt(start)) && text.slice(start, end).trim().length === 0) return;
    const error = this.#eventLine(text, end, line, tokenStart(text, start, end));
    if (error !== undefined) this.#sink.problem(line, error);
  }

  /** The event of the line whose first token starts at `at`; what is wrong with it, if anything. */
  #eventLine(text: string, end: number, line: number, at: number): string | undefined {
    let to = tokenEnd(text, at, end);
    const op = opAt(text, at, to);
    if (op === undefined) return `unknown operation "${text.slice(at, to)}"`;
    const operands = OPERANDS[op];
    const e = this.#event;
    resetEvent(e);
    e.line = line;
    e.op = op;
    for (let i = 0; i < operands.length; i++) {
      at = tokenStart(text, to, end);
      to = operandEnd(text, at, end);
      if (at === end || to === -1) {
        return `${op} needs ${operands.length} operands: ${operands.join(" ")}`;
      }
      const error = this.#operand(operands[i], text, at, to);
      if (error !== undefined) return `${op}: ${error}`;
    }
    for (at = tokenStart(text, to, end); at < end; at = tokenStart(text, to, end)) {
      to = tokenEnd(text, at, end);
      const error = this.#field(text, at, to);
      if (error !== undefined) return `${op}: ${error}`;
    }
    this.#sink.event(e);
    return undefined;
  }

  #operand(name: string, text: string, at: number, to: number): string | undefined {
    const e = this.#event;
    if (name === "pool") {
      e.pool = to - at === 1 && text.charCodeAt(at) === 45 /* - */ ? "" : text.slice(at, to);
      return undefined;
    }
    const value = name === "key" ? keyAt(text, at, to) : countAt(text, at, to);
    if (value < 0) return `${name} "${text.slice(at, to)}" is not a number`;
    if (name === "key") e.key = value;
    else if (name === "flags") e.flags = value;
    else if (name === "order") e.order = value;
    else e.size = value;
    return undefined;
  }

  #field(text: string, at: number, to: number): string | undefined {
    const e = this.#event;
    const eq = text.indexOf("=", at);
    if (eq <= at || eq >= to) {
      return `"${text.slice(at, to)}" is neither an operand nor a key=value field`;
    }
    const value = eq + 1;
    if (isKey(text, at, eq, "name")) e.name = unescapeField(text.slice(value, to));
    else if (isKey(text, at, eq, "site")) e.site = unescapeField(text.slice(value, to));
    else if (isKey(text, at, eq, "linux_bytes") || isKey(text, at, eq, "cpu")) {
      const n = countAt(text, value, to);
      if (n < 0) return `${text.slice(at, eq)}="${text.slice(value, to)}" is not a number`;
      if (isKey(text, at, eq, "cpu")) e.cpu = n;
      else e.linuxBytes = n;
    } else if (isKey(text, at, eq, "batched")) {
      e.batched = to - value === 1 && text.charCodeAt(value) === 49 /* 1 */;
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

/**
 * Where the token at or after `at` starts: past the spaces (runs of spaces
 * separate tokens as one; only the space does); `end` when none is left.
 */
function tokenStart(text: string, at: number, end: number): number {
  while (at < end && text.charCodeAt(at) === 32) at++;
  return at;
}

/** Where the token starting at `at` ends: the next space, or `end`. */
function tokenEnd(text: string, at: number, end: number): number {
  while (at < end && text.charCodeAt(at) !== 32) at++;
  return at;
}

/** Where the operand starting at `at` ends: the next space, or `end`; -1 when it holds a `=`. */
function operandEnd(text: string, at: number, end: number): number {
  for (; at < end; at++) {
    const c = text.charCodeAt(at);
    if (c === 32) return at;
    if (c === 61) return -1;
  }
  return at;
}

/** Whether the text from `at` to `to` is `key`. */
function isKey(text: string, at: number, to: number, key: string): boolean {
  return to - at === key.length && sameAt(text, at, key);
}

/** The op named by the token from `at` to `to`, or undefined. */
function opAt(text: string, at: number, to: number): Exclude<TraceOp, "skip"> | undefined {
  const ops = OPS_BY_LENGTH[to - at];
  if (ops === undefined) return undefined;
  for (const op of ops) if (sameAt(text, at, op)) return op;
  return undefined;
}

/**
 * Whether `word` is in `text` at `at`, compared character by character:
 * for a word this short, cheaper than a call to startsWith.
 */
function sameAt(text: string, at: number, word: string): boolean {
  for (let i = 0; i < word.length; i++) {
    if (text.charCodeAt(at + i) !== word.charCodeAt(i)) return false;
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
function keyAt(text: string, at: number, to: number): number {
  return to - at >= 2 && text.charCodeAt(at) === 48 && text.charCodeAt(at + 1) === 120
    ? hexKeyAt(text, at, to)
    : countAt(text, at, to);
}
