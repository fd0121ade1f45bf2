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

import { parseCount, parseHexKey } from "./scan.ts";
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

/** Parses native-format lines one at a time, pushing events into a sink. */
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
    if (text.startsWith("#") || text.trim().length === 0) return;
    const error = this.#eventLine(tokens(text), line);
    if (error !== undefined) this.#sink.problem(line, error);
  }

  #eventLine(tokens: string[], line: number): string | undefined {
    const op = tokens[0] as TraceOp;
    if (!TRACE_OPS.includes(op)) return `unknown operation "${tokens[0]}"`;
    const operands = OPERANDS[op as Exclude<TraceOp, "skip">];
    const e = this.#event;
    resetEvent(e);
    e.line = line;
    e.op = op;
    for (let i = 0; i < operands.length; i++) {
      const token = tokens[i + 1];
      if (token === undefined || token.includes("=")) {
        return `${op} needs ${operands.length} operands: ${operands.join(" ")}`;
      }
      const error = this.#operand(operands[i], token);
      if (error !== undefined) return `${op}: ${error}`;
    }
    for (const field of tokens.slice(operands.length + 1)) {
      const error = this.#field(field);
      if (error !== undefined) return `${op}: ${error}`;
    }
    this.#sink.event(e);
    return undefined;
  }

  #operand(name: string, token: string): string | undefined {
    const e = this.#event;
    if (name === "pool") {
      e.pool = token === "-" ? "" : token;
      return undefined;
    }
    const value = name === "key" ? parseKey(token) : parseCount(token);
    if (value < 0) return `${name} "${token}" is not a number`;
    if (name === "key") e.key = value;
    else if (name === "flags") e.flags = value;
    else if (name === "order") e.order = value;
    else e.size = value;
    return undefined;
  }

  #field(field: string): string | undefined {
    const e = this.#event;
    const eq = field.indexOf("=");
    if (eq <= 0) return `"${field}" is neither an operand nor a key=value field`;
    const key = field.slice(0, eq);
    const value = field.slice(eq + 1);
    if (key === "name") e.name = unescapeField(value);
    else if (key === "site") e.site = unescapeField(value);
    else if (key === "linux_bytes" || key === "cpu") {
      const n = parseCount(value);
      if (n < 0) return `${key}="${value}" is not a number`;
      if (key === "cpu") e.cpu = n;
      else e.linuxBytes = n;
    } else if (key === "batched") e.batched = value === "1";
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

/** The space-separated tokens of a line (runs of spaces count as one). */
function tokens(text: string): string[] {
  const list: string[] = [];
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    const space = i === text.length || text.charCodeAt(i) === 32;
    if (space && start !== -1) {
      list.push(text.slice(start, i));
      start = -1;
    } else if (!space && start === -1) {
      start = i;
    }
  }
  return list;
}

/** A key: hex with 0x, or decimal; -1 when malformed. */
function parseKey(token: string): number {
  return token.startsWith("0x") ? parseHexKey(token) : parseCount(token);
}
