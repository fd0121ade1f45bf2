// The line parsers as they were before they read lines in place (issue 25):
// kept here only, as the reference the parsers of traces/ are compared with
// (reading_test.ts), line for line, event for event and message for
// message. Not product code: nothing outside the tests imports it.

import { GFP_DMA, GFP_ZERO } from "../core/gfp.ts";
import { INFORMATIONAL_KMEM_EVENTS, KmemEvents, MAX_TRACE_ORDER } from "../traces/kmem_events.ts";
import {
  emptyEvent,
  resetEvent,
  TRACE_OPS,
  type TraceEvent,
  type TraceOp,
  type TraceSink,
} from "../traces/trace_event.ts";

/** The Linux text parser as it was. */
export class ReferenceLinuxParser {
  readonly #sink: TraceSink;
  readonly #kmem: KmemEvents;
  #lastTime = -1;
  /** Events whose timestamp is earlier than the event before them. */
  timestampsBackwards = 0;
  /** Whether the text is what `trace-cmd report` prints (its first line is `cpus=N`). */
  traceCmdReport = false;

  /**
   * Starts a parser at the first line of a trace.
   * @param sink receives the events and problems
   */
  constructor(sink: TraceSink) {
    this.#sink = sink;
    this.#kmem = new KmemEvents(sink);
  }

  /** Parses one line of the trace (whole: the reader reports cut lines itself). */
  parseLine(text: string, line: number): void {
    if (text.startsWith("#")) {
      this.#header(text, line);
      return;
    }
    if (line === 1 && /^cpus=\d+$/.test(text)) {
      this.traceCmdReport = true;
      return;
    }
    if (text.trim().length === 0) return;
    if (text.includes("[LOST ") || text.includes("EVENTS DROPPED]")) {
      this.#lostLine(text, line);
      return;
    }
    const error = this.#eventLine(text, line);
    if (error !== undefined) this.#sink.problem(line, error);
  }

  /** Parses an event line; returns what is wrong with it, if anything. */
  #eventLine(text: string, line: number): string | undefined {
    let open = text.indexOf("[");
    let close = -1;
    let cpu = -1;
    while (open !== -1) {
      close = text.indexOf("]", open);
      if (close === -1) break;
      cpu = parseCount(text.slice(open + 1, close));
      if (cpu >= 0) break;
      open = text.indexOf("[", open + 1);
    }
    if (cpu < 0) return "not an ftrace event line: no [CPU] field";
    const timeEnd = text.indexOf(": ", close);
    if (timeEnd === -1) return "not an ftrace event line: no timestamp";
    const time = Number(text.slice(text.lastIndexOf(" ", timeEnd - 1) + 1, timeEnd));
    if (!Number.isFinite(time)) return "not an ftrace event line: bad timestamp";
    const nameEnd = text.indexOf(": ", timeEnd + 2);
    if (nameEnd === -1) return "not an ftrace event line: no event name";
    if (time < this.#lastTime) this.timestampsBackwards++;
    this.#lastTime = time;
    const name = text.slice(timeEnd + 2, nameEnd);
    const fields = text.slice(nameEnd + 2);
    const kmem = this.#kmem;
    switch (name) {
      case "kmalloc":
      case "kmalloc_node": {
        const ptr = pointer(fieldValue(fields, "ptr"));
        if (ptr < 0) return `${name}: ptr is missing or not a hex pointer`;
        const bytesReq = parseCount(fieldValue(fields, "bytes_req"));
        if (bytesReq < 0) return `${name}: bytes_req is missing or not a byte count`;
        const bytesAlloc = parseCount(fieldValue(fields, "bytes_alloc"));
        if (bytesAlloc < 0) return `${name}: bytes_alloc is missing or not a byte count`;
        const flags = gfpFlags(fieldValue(fields, "gfp_flags") ?? "");
        kmem.kmalloc(line, cpu, ptr, bytesReq, bytesAlloc, flags, site(fields));
        return undefined;
      }
      case "kmem_cache_alloc":
      case "kmem_cache_alloc_node": {
        const ptr = pointer(fieldValue(fields, "ptr"));
        if (ptr < 0) return `${name}: ptr is missing or not a hex pointer`;
        const bytesReq = parseCount(fieldValue(fields, "bytes_req"));
        if (bytesReq < 0) return `${name}: bytes_req is missing or not a byte count`;
        const bytesAlloc = parseCount(fieldValue(fields, "bytes_alloc"));
        if (bytesAlloc < 0) return `${name}: bytes_alloc is missing or not a byte count`;
        kmem.cacheAlloc(line, cpu, ptr, bytesReq, bytesAlloc, site(fields));
        return undefined;
      }
      case "kfree":
      case "kmem_cache_free": {
        const ptr = pointer(fieldValue(fields, "ptr"));
        if (ptr < 0) return `${name}: ptr is missing or not a hex pointer`;
        if (name === "kfree") kmem.kfree(line, cpu, ptr, site(fields));
        else kmem.cacheFree(line, cpu, ptr, site(fields), fieldValue(fields, "name") ?? "");
        return undefined;
      }
      case "mm_page_alloc":
      case "mm_page_free":
      case "mm_page_free_batched": {
        const pfn = parseHexKey(fieldValue(fields, "pfn"));
        if (pfn < 0) return `${name}: pfn is missing or not a hex number`;
        const order = parseCount(fieldValue(fields, "order"));
        if (order < 0) return `${name}: order is missing or not a number`;
        if (order > MAX_TRACE_ORDER) return `${name}: order ${order} is above ${MAX_TRACE_ORDER}`;
        if (name === "mm_page_alloc") {
          kmem.pageAlloc(line, cpu, pfn, order, gfpFlags(fieldValue(fields, "gfp_flags") ?? ""));
        } else {
          kmem.pageFree(line, cpu, pfn, order, name === "mm_page_free_batched");
        }
        return undefined;
      }
      case "alloc_vmap_area":
        return this.#vmapAlloc(fields, line, cpu);
      case "free_vmap_area_noflush": {
        const start = parseHexKey(fieldValue(fields, "va_start"));
        if (start < 0) return "free_vmap_area_noflush: va_start is missing or not a hex address";
        kmem.vmapFree(line, cpu, start);
        return undefined;
      }
      case "purge_vmap_area_lazy":
        kmem.vmapPurge(line, cpu);
        return undefined;
      default:
        if (!INFORMATIONAL_KMEM_EVENTS.has(name)) return `unknown event "${name}"`;
        kmem.informational(line, cpu, name);
        return undefined;
    }
  }

  #vmapAlloc(fields: string, line: number, cpu: number): string | undefined {
    const decimal = fields.startsWith("va_start: ")
      ? fields.slice(10, fields.indexOf(" ", 10) === -1 ? undefined : fields.indexOf(" ", 10))
      : "";
    // Exact above 2^53 as a BigInt; the key keeps the low 52 bits, as hex keys do.
    if (
      decimal.length === 0 || decimal.length > 20 || parseCount(decimal.slice(-15)) < 0 ||
      parseCount(decimal.slice(0, -15) || "0") < 0
    ) {
      return "alloc_vmap_area: va_start is missing or not a decimal address";
    }
    const size = parseCount(fieldValue(fields, "size"));
    if (size < 0) return "alloc_vmap_area: size is missing or not a byte count";
    const key = Number(BigInt(decimal) & 0xF_FFFF_FFFF_FFFFn);
    this.#kmem.vmapAlloc(line, cpu, key, size, fieldValue(fields, "failed") === "1");
    return undefined;
  }

  #header(text: string, line: number): void {
    const at = text.indexOf("entries-in-buffer/entries-written:");
    if (at === -1) return;
    const counts = text.slice(at + 34).trim().split(/[\s/]+/);
    const inBuffer = parseCount(counts[0]);
    const written = parseCount(counts[1]);
    if (inBuffer >= 0 && written > inBuffer) this.#sink.lost(line, written - inBuffer);
  }

  /**
   * `CPU:N [LOST M EVENTS]` (tracefs), `CPU:N [M EVENTS DROPPED]` (trace-cmd
   * report); trace-cmd prints `CPU:N [EVENTS DROPPED]` when it does not know
   * how many: counted as one.
   */
  #lostLine(text: string, line: number): void {
    const lost = text.indexOf("[LOST ");
    const dropped = text.indexOf("EVENTS DROPPED]");
    const open = text.lastIndexOf("[", dropped);
    const count = lost !== -1
      ? parseCount(text.slice(lost + 6, text.indexOf(" ", lost + 6)))
      : open === dropped - 1
      ? 1
      : parseCount(text.slice(open + 1, dropped - 1));
    if (count < 0) this.#sink.problem(line, "a lost-events line without a count");
    else this.#sink.lost(line, count);
  }
}

/** The call site of an object event, `sym+0xoff...`, or "". */
function site(fields: string): string {
  return fieldValue(fields, "call_site") ?? "";
}

/** A `ptr=` value as a key: hex with or without 0x, `(nil)` is NULL; -1 when malformed. */
function pointer(text: string | undefined): number {
  return text === "(nil)" ? 0 : parseHexKey(text);
}

/**
 * pagepile GFP flags for a Linux gfp_flags field: GFP_DMA or __GFP_DMA
 * select the DMA zone (GFP_DMA32 does not), __GFP_ZERO zeroes.
 */
function gfpFlags(text: string): number {
  const flags = text.includes("__GFP_ZERO") ? GFP_ZERO : 0;
  for (let at = text.indexOf("GFP_DMA"); at !== -1; at = text.indexOf("GFP_DMA", at + 7)) {
    if (text.charCodeAt(at + 7) !== 51 /* "3" of GFP_DMA32 */) return flags | GFP_DMA;
  }
  return flags;
}

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

/** The native parser as it was. */
export class ReferenceNativeParser {
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

/**
 * The value of `name=` among space-separated `key=value` fields, or
 * undefined when absent.
 */
function fieldValue(fields: string, name: string): string | undefined {
  let at = fields.startsWith(name) && fields.charCodeAt(name.length) === 61 ? 0 : -1;
  if (at === -1) {
    at = fields.indexOf(" " + name + "=");
    if (at === -1) return undefined;
    at++;
  }
  const start = at + name.length + 1;
  const end = fields.indexOf(" ", start);
  return end === -1 ? fields.slice(start) : fields.slice(start, end);
}

/** A decimal count (digits only, at most 15 of them), or -1. */
function parseCount(text: string | undefined): number {
  if (text === undefined || text.length === 0 || text.length > 15) return -1;
  let value = 0;
  for (let i = 0; i < text.length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * A hex value (optional 0x, at most 16 digits) as a key: its low 52 bits, so
 * it is exact as a number. -1 when malformed.
 */
function parseHexKey(text: string | undefined): number {
  if (text === undefined) return -1;
  let start = text.startsWith("0x") ? 2 : 0;
  const length = text.length - start;
  if (length === 0 || length > 16) return -1;
  let value = 0;
  if (length > 13) {
    // Check the high digits, then keep the low 13 (52 bits).
    for (let i = start; i < text.length - 13; i++) if (hexDigit(text.charCodeAt(i)) < 0) return -1;
    start = text.length - 13;
  }
  for (let i = start; i < text.length; i++) {
    const digit = hexDigit(text.charCodeAt(i));
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  if (code >= 65 && code <= 70) return code - 55;
  return -1;
}
