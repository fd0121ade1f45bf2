/**
 * Linux kmem and vmalloc events as text, to trace events: the kernel's own
 * trace file (`/sys/kernel/tracing/trace`) and what `trace-cmd report`
 * prints of a trace.dat file. KmemEvents (kmem_events.ts) says which event
 * becomes which Kernel call; this finds the events and their fields.
 *
 * A tracefs line is `TASK-PID [CPU] FLAGS TIMESTAMP: EVENT: FIELDS`. A
 * `trace-cmd report` (3.1.6) line has no FLAGS column, a narrower PID, the
 * event name padded with spaces, `(sym+0xoff)` before the fields of the
 * object events, `ptr=0x...` and `(nil)` for NULL; it starts with a
 * `cpus=N` line, and reports lost events as `CPU:N [M EVENTS DROPPED]`.
 * Both read the same way: the [CPU] field, the timestamp before the first
 * `: `, the event name before the next, then `key=value` fields.
 * `CPU:N [LOST M EVENTS]` lines and a header whose entries-in-buffer is
 * below entries-written report lost events too. Any other line is a problem
 * with its line number.
 * @module
 */

import { GFP_DMA, GFP_ZERO } from "../core/gfp.ts";
import { INFORMATIONAL_KMEM_EVENTS, KmemEvents, MAX_TRACE_ORDER } from "./kmem_events.ts";
import { countAt, fieldKey, fieldValue, parseCount, parseHexKey, TextSearch } from "./scan.ts";
import type { TraceSink } from "./trace_event.ts";

/** The fields read, their search strings made once. */
const BYTES_ALLOC = fieldKey("bytes_alloc");
const BYTES_REQ = fieldKey("bytes_req");
const CALL_SITE = fieldKey("call_site");
const FAILED = fieldKey("failed");
const GFP_FLAGS = fieldKey("gfp_flags");
const NAME = fieldKey("name");
const ORDER = fieldKey("order");
const PFN = fieldKey("pfn");
const PTR = fieldKey("ptr");
const SIZE = fieldKey("size");
const VA_START = fieldKey("va_start");

/** Parses Linux ftrace or `trace-cmd report` lines one at a time, pushing events into a sink. */
export class LinuxTraceParser {
  readonly #sink: TraceSink;
  readonly #kmem: KmemEvents;
  #lastTime = -1;
  readonly #lost = new TextSearch("[LOST ");
  readonly #dropped = new TextSearch("EVENTS DROPPED]");
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

  /**
   * Parses the line that lies in `text` from `start` to `end` (without its
   * line end): parseLine of `text.slice(start, end)`.
   */
  parseSpan(text: string, start: number, end: number, line: number): void {
    // The lost-events markers are rare: searched for in the whole text, not
    // on each line (see TextSearch).
    const lost = this.#lost.findIn(text, start, end) !== -1 ||
      this.#dropped.findIn(text, start, end) !== -1;
    this.#line(text.slice(start, end), line, lost);
  }

  /** Parses one line of the trace (whole: the reader reports cut lines itself). */
  parseLine(text: string, line: number): void {
    this.parseSpan(text, 0, text.length, line);
  }

  /** Parses a line; `lost` when it holds `[LOST ` or `EVENTS DROPPED]`. */
  #line(text: string, line: number, lost: boolean): void {
    if (text.startsWith("#")) {
      this.#header(text, line);
      return;
    }
    if (line === 1 && /^cpus=\d+$/.test(text)) {
      this.traceCmdReport = true;
      return;
    }
    if (!isVisible(text.charCodeAt(text.length - 1)) && text.trim().length === 0) return;
    if (lost) {
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
      cpu = countAt(text, open + 1, close);
      if (cpu >= 0) break;
      open = text.indexOf("[", open + 1);
    }
    if (cpu < 0) return "not an ftrace event line: no [CPU] field";
    const timeEnd = text.indexOf(": ", close);
    if (timeEnd === -1) return "not an ftrace event line: no timestamp";
    const time = timestampAt(text, text.lastIndexOf(" ", timeEnd - 1) + 1, timeEnd);
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
        const ptr = pointer(fieldValue(fields, PTR));
        if (ptr < 0) return `${name}: ptr is missing or not a hex pointer`;
        const bytesReq = parseCount(fieldValue(fields, BYTES_REQ));
        if (bytesReq < 0) return `${name}: bytes_req is missing or not a byte count`;
        const bytesAlloc = parseCount(fieldValue(fields, BYTES_ALLOC));
        if (bytesAlloc < 0) return `${name}: bytes_alloc is missing or not a byte count`;
        const flags = gfpFlags(fieldValue(fields, GFP_FLAGS) ?? "");
        kmem.kmalloc(line, cpu, ptr, bytesReq, bytesAlloc, flags, site(fields));
        return undefined;
      }
      case "kmem_cache_alloc":
      case "kmem_cache_alloc_node": {
        const ptr = pointer(fieldValue(fields, PTR));
        if (ptr < 0) return `${name}: ptr is missing or not a hex pointer`;
        const bytesReq = parseCount(fieldValue(fields, BYTES_REQ));
        if (bytesReq < 0) return `${name}: bytes_req is missing or not a byte count`;
        const bytesAlloc = parseCount(fieldValue(fields, BYTES_ALLOC));
        if (bytesAlloc < 0) return `${name}: bytes_alloc is missing or not a byte count`;
        kmem.cacheAlloc(line, cpu, ptr, bytesReq, bytesAlloc, site(fields));
        return undefined;
      }
      case "kfree":
      case "kmem_cache_free": {
        const ptr = pointer(fieldValue(fields, PTR));
        if (ptr < 0) return `${name}: ptr is missing or not a hex pointer`;
        if (name === "kfree") kmem.kfree(line, cpu, ptr, site(fields));
        else kmem.cacheFree(line, cpu, ptr, site(fields), fieldValue(fields, NAME) ?? "");
        return undefined;
      }
      case "mm_page_alloc":
      case "mm_page_free":
      case "mm_page_free_batched": {
        const pfn = parseHexKey(fieldValue(fields, PFN));
        if (pfn < 0) return `${name}: pfn is missing or not a hex number`;
        const order = parseCount(fieldValue(fields, ORDER));
        if (order < 0) return `${name}: order is missing or not a number`;
        if (order > MAX_TRACE_ORDER) return `${name}: order ${order} is above ${MAX_TRACE_ORDER}`;
        if (name === "mm_page_alloc") {
          kmem.pageAlloc(line, cpu, pfn, order, gfpFlags(fieldValue(fields, GFP_FLAGS) ?? ""));
        } else {
          kmem.pageFree(line, cpu, pfn, order, name === "mm_page_free_batched");
        }
        return undefined;
      }
      case "alloc_vmap_area":
        return this.#vmapAlloc(fields, line, cpu);
      case "free_vmap_area_noflush": {
        const start = parseHexKey(fieldValue(fields, VA_START));
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
    const size = parseCount(fieldValue(fields, SIZE));
    if (size < 0) return "alloc_vmap_area: size is missing or not a byte count";
    const key = Number(BigInt(decimal) & 0xF_FFFF_FFFF_FFFFn);
    this.#kmem.vmapAlloc(line, cpu, key, size, fieldValue(fields, FAILED) === "1");
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

/**
 * Whether a line ending with this character code cannot be blank: a visible
 * ASCII character. Any other goes through trim(), which knows every space
 * Unicode has.
 */
function isVisible(code: number): boolean {
  return code > 32 && code < 127;
}

/**
 * The timestamp from `from` to `to`, as Number() reads its text. Digits
 * with at most one point inside them, 15 digits at most, are read in place:
 * their digits make an exact integer, and one division by a power of ten
 * (exact up to 10^22) rounds it once, correctly, as Number() rounds the
 * decimal. Anything else is handed to Number().
 */
function timestampAt(text: string, from: number, to: number): number {
  let digits = 0;
  let value = 0;
  let point = -1;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      value = value * 10 + c - 48;
      digits++;
    } else if (c === 46 && point === -1) {
      point = i;
    } else {
      return Number(text.slice(from, to));
    }
  }
  if (digits === 0 || digits > 15 || point === from || point === to - 1) {
    return Number(text.slice(from, to));
  }
  return point === -1 ? value : value / POWERS_OF_TEN[to - 1 - point];
}

/** 10^0 to 10^15, each exact. */
const POWERS_OF_TEN = [
  1e0,
  1e1,
  1e2,
  1e3,
  1e4,
  1e5,
  1e6,
  1e7,
  1e8,
  1e9,
  1e10,
  1e11,
  1e12,
  1e13,
  1e14,
  1e15,
];

/** The call site of an object event, `sym+0xoff...`, or "". */
function site(fields: string): string {
  return fieldValue(fields, CALL_SITE) ?? "";
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
