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
import { INFORMATIONAL_KMEM_EVENTS, KmemEvents, MAX_TRACE_ORDER, poolName } from "./kmem_events.ts";
import { asciiCodes, LONG_LINE_PROBLEM, MAX_LINE_CHARS } from "./line_reader.ts";
import {
  countAt,
  countIn,
  fieldKey,
  fieldValue,
  HEX_BYTES,
  hexKeyIn,
  Interner,
  parseCount,
  parseHexKey,
} from "./scan.ts";
import type { TraceOp, TraceSink } from "./trace_event.ts";

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

/**
 * The events read on the fast path (LinuxTraceParser's #fast), which make
 * nearly every line of a kmem trace, and the fields each reads.
 */
const KMALLOC = 0;
const CACHE_ALLOC = 1;
const KFREE = 2;
const CACHE_FREE = 3;
const PAGE_ALLOC = 4;
const PAGE_FREE = 5;
const PAGE_FREE_BATCHED = 6;

/** A fast-path event: its name's codes, what it is, the fields it reads (as key= codes). */
interface FastEvent {
  readonly name: Uint8Array;
  readonly kind: number;
  readonly keys: readonly Uint8Array[];
  /** How each field's value is read (HEX_VALUE...), by the key's index. */
  readonly values: readonly number[];
}

/**
 * How the fast path reads a field's value as it walks it: a hex key (a
 * pointer or pfn: hexKeyIn, and `(nil)` for NULL), a count (countIn), the
 * gfp flags (gfpFlagsIn), or only to its end (a call site, a cache name).
 */
const HEX_VALUE = 0;
const COUNT_VALUE = 1;
const GFP_VALUE = 2;
const TEXT_VALUE = 3;

/** Field slots of the fast path: each a key's index in FastEvent.keys. */
const SITE_KEY = asciiCodes("call_site=");
const PTR_KEY = asciiCodes("ptr=");
const REQ_KEY = asciiCodes("bytes_req=");
const ALLOC_KEY = asciiCodes("bytes_alloc=");
const GFP_KEY = asciiCodes("gfp_flags=");
const NAME_KEY = asciiCodes("name=");
const PFN_KEY = asciiCodes("pfn=");
const ORDER_KEY = asciiCodes("order=");

const fast = (name: string, kind: number, keys: Uint8Array[]): FastEvent => ({
  name: asciiCodes(name),
  kind,
  keys,
  values: keys.map((key) =>
    key === PTR_KEY || key === PFN_KEY
      ? HEX_VALUE
      : key === REQ_KEY || key === ALLOC_KEY || key === ORDER_KEY
      ? COUNT_VALUE
      : key === GFP_KEY
      ? GFP_VALUE
      : TEXT_VALUE
  ),
});
/** By the first letter of their names. */
const FAST_EVENTS: readonly FastEvent[] = [
  fast("kmem_cache_alloc", CACHE_ALLOC, [SITE_KEY, PTR_KEY, REQ_KEY, ALLOC_KEY]),
  fast("kmem_cache_free", CACHE_FREE, [SITE_KEY, PTR_KEY, NAME_KEY]),
  fast("kmem_cache_alloc_node", CACHE_ALLOC, [SITE_KEY, PTR_KEY, REQ_KEY, ALLOC_KEY]),
  fast("kmalloc", KMALLOC, [SITE_KEY, PTR_KEY, REQ_KEY, ALLOC_KEY, GFP_KEY]),
  fast("kmalloc_node", KMALLOC, [SITE_KEY, PTR_KEY, REQ_KEY, ALLOC_KEY, GFP_KEY]),
  fast("kfree", KFREE, [SITE_KEY, PTR_KEY]),
  fast("mm_page_free", PAGE_FREE, [PFN_KEY, ORDER_KEY]),
  fast("mm_page_alloc", PAGE_ALLOC, [PFN_KEY, ORDER_KEY, GFP_KEY]),
  fast("mm_page_free_batched", PAGE_FREE_BATCHED, [PFN_KEY, ORDER_KEY]),
];

/** Parses Linux ftrace or `trace-cmd report` lines one at a time, pushing events into a sink. */
export class LinuxTraceParser {
  readonly #sink: TraceSink;
  readonly #kmem: KmemEvents;
  #lastTime = -1;
  /**
   * Where the lost-events markers next occur in #markText, at or after
   * #markFrom (-1: nowhere): each searched for once in a text, not on each
   * line, since they are rare (a search from a line that lacks them runs on
   * through the lines after it).
   */
  #markText = "";
  #markFrom = 0;
  #lostAt = -1;
  #droppedAt = -1;
  /** Where each field of the fast path's event starts and ends (-1: not found yet). */
  readonly #valueStart = new Int32Array(8);
  readonly #valueEnd = new Int32Array(8);
  /** Call sites, cache names and pools, each made once. */
  readonly #strings = new Interner();
  readonly #pools = new Interner();
  /** Whether the sink reads the call sites of kmalloc, kfree, kmem_cache_alloc and _free. */
  readonly #sites: boolean[];
  /** Events whose timestamp is earlier than the event before them. */
  timestampsBackwards = 0;
  /** Whether the text is what `trace-cmd report` prints (its first line is `cpus=N`). */
  traceCmdReport = false;

  /**
   * Starts a parser at the first line of a trace.
   * @param sink receives the events and problems
   * @param siteOps the ops whose call site the sink reads (see KmemEvents)
   */
  constructor(sink: TraceSink, siteOps?: readonly TraceOp[]) {
    this.#sink = sink;
    const kmem = this.#kmem = new KmemEvents(sink, siteOps);
    const reads = (...ops: TraceOp[]) => ops.some((op) => kmem.readsSite(op));
    this.#sites = [];
    this.#sites[KMALLOC] = reads("galloc");
    this.#sites[CACHE_ALLOC] = reads("slice_alloc", "slice_pool_create");
    this.#sites[KFREE] = reads("gfree");
    this.#sites[CACHE_FREE] = reads("slice_free");
  }

  /**
   * Parses the line that lies in `text` from `start` to `end` (without its
   * line end): parseLine of `text.slice(start, end)`.
   * @param codes the text's codes (asciiCodes), when the caller has them
   */
  parseSpan(
    text: string,
    start: number,
    end: number,
    line: number,
    codes: Uint8Array = asciiCodes(text),
  ): void {
    const lost = this.#marked(text, start, end);
    // The fast path takes event lines alone: not a header (#), not the first
    // line (cpus=N), not blank (ends with a visible character), no marker.
    if (
      !lost && line !== 1 && end > start && codes[start] !== 35 && isVisible(codes[end - 1]) &&
      this.#fast(text, codes, start, end, line)
    ) {
      return;
    }
    this.#line(text.slice(start, end), line, lost);
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
        const lost = this.#marked(text, from, end);
        if (
          lost || line === 1 || end === from || codes[from] === 35 || !isVisible(codes[end - 1]) ||
          !this.#fast(text, codes, from, end, line)
        ) {
          this.#line(text.slice(from, end), line, lost);
        }
      }
      from = nl + 1;
    }
    return line;
  }

  /** Whether the line from `start` to `end` holds `[LOST ` or `EVENTS DROPPED]`. */
  #marked(text: string, start: number, end: number): boolean {
    if (text !== this.#markText || start < this.#markFrom) {
      this.#markText = text;
      this.#lostAt = markerAt(text, "[", "LOST ", start);
      this.#droppedAt = markerAt(text, "EVENTS ", "DROPPED]", start);
    } else {
      if (this.#lostAt !== -1 && this.#lostAt < start) {
        this.#lostAt = markerAt(text, "[", "LOST ", start);
      }
      if (this.#droppedAt !== -1 && this.#droppedAt < start) {
        this.#droppedAt = markerAt(text, "EVENTS ", "DROPPED]", start);
      }
    }
    this.#markFrom = start;
    return (this.#lostAt !== -1 && this.#lostAt + 6 <= end) ||
      (this.#droppedAt !== -1 && this.#droppedAt + 15 <= end);
  }

  /**
   * The fast path: an event line of the usual shape, read from its codes,
   * an event handed on; false, having done nothing, for any line it does not
   * take, which #line then reads. It takes a line only where #eventLine
   * would read the same: the first `[` opens 1 to 15 digits closed by `]`;
   * a space comes between the `]` and the first `: ` after it, and digits
   * with at most one point inside them, 15 at most, between the last such
   * space and the `: ` (the timestamp, as timestampAt reads it in place);
   * the event's name, up to the next `: `, is a FAST_EVENTS one; each field
   * it reads is found (the first token that starts with its key, as
   * fieldValue finds it) and well formed, and the order at most
   * MAX_TRACE_ORDER.
   */
  #fast(text: string, c: Uint8Array, start: number, end: number, line: number): boolean {
    let open = start;
    while (open < end && c[open] !== 91 /* [ */) open++;
    let close = open + 1;
    let cpu = 0;
    for (; close < end; close++) {
      const digit = c[close] - 48;
      if (digit < 0 || digit > 9) break;
      cpu = cpu * 10 + digit;
    }
    if (close === open + 1 || close - open - 1 > 15 || close >= end || c[close] !== 93 /* ] */) {
      return false;
    }
    // The timestamp: the digits after the last space before the first ": ",
    // read in the same walk (each space starts them over).
    let space = -1;
    let colon = close + 1;
    let digits = 0;
    let value = 0;
    let point = -1;
    let bad = false;
    for (; colon < end - 1; colon++) {
      const ch = c[colon];
      if (ch === 32) {
        space = colon;
        digits = 0;
        value = 0;
        point = -1;
        bad = false;
      } else if (ch >= 48 && ch <= 57) {
        value = value * 10 + ch - 48;
        digits++;
      } else if (ch === 58 /* : */ && c[colon + 1] === 32) break;
      else if (ch === 46 && point === -1) point = colon;
      else bad = true;
    }
    if (colon >= end - 1 || space === -1) return false;
    if (bad || digits === 0 || digits > 15 || point === space + 1 || point === colon - 1) {
      return false;
    }
    const time = point === -1 ? value : value / POWERS_OF_TEN[colon - 1 - point];
    // The event's name, up to the next ":" (no name read here has one).
    const name = colon + 2;
    let after = name;
    while (after < end && c[after] !== 58 /* : */) after++;
    if (after + 1 >= end || c[after + 1] !== 32) return false;
    const event = fastEvent(c, name, after);
    if (event === undefined) return false;
    const fields = after + 2;
    // The fields, as the kernel prints them, in the order of event.keys:
    // each token compared with the next key alone, its value read as it is
    // walked to its end; a token that starts with none of the keys not yet
    // found is passed over. A token that starts with a later key (the fields
    // out of order) sends the line to #fieldsAnyOrder. These are the fields
    // #findFields finds: a token is taken for a key only when no token
    // before it started with that key (no key is another's prefix: each ends
    // with its `=`).
    const keys = event.keys;
    const kinds = event.values;
    const n = keys.length;
    const vs = this.#valueStart;
    const ve = this.#valueEnd;
    const values = this.#values;
    // The walks below stop at the line's end by the control character after
    // it (its LF or CR; a line of the reader's always has one): no bound
    // is compared on each character. A line without one is left to #line.
    if (end >= c.length || c[end] >= 32) return false;
    let k = 0;
    let at = fields;
    for (;;) {
      while (c[at] === 32) at++;
      if (at >= end) return false;
      const key = keys[k];
      if (end - at >= key.length && sameAt(c, at, key)) {
        let to = at + key.length;
        const from = to;
        const valueKind = kinds[k];
        if (valueKind === HEX_VALUE) {
          // hexKeyIn's value, read in one pass: the low 13 digits kept in
          // two integers (24 and 28 bits).
          if (c[to] === 40 /* ( */ && sameAt(c, to, NIL) && (to + 5 === end || c[to + 5] === 32)) {
            values[k] = keys[k] === PTR_KEY ? 0 : -1;
            to += 5;
          } else {
            if (c[to] === 48 && c[to + 1] === 120 /* 0x */) to += 2;
            const digitsFrom = to;
            let high = 0;
            let low = 0;
            for (;; to++) {
              const digit = HEX_BYTES[c[to]];
              if (digit < 0) break;
              high = ((high << 4) | (low >>> 24)) & 0xFF_FFFF;
              low = ((low << 4) | digit) & 0xFFF_FFFF;
            }
            const length = to - digitsFrom;
            values[k] = length === 0 || length > 16 ? -1 : high * 0x1000_0000 + low;
          }
        } else if (valueKind === COUNT_VALUE) {
          let count = 0;
          for (;; to++) {
            const digit = c[to] - 48;
            if (digit < 0 || digit > 9) break;
            count = count * 10 + digit;
          }
          values[k] = to === from || to - from > 15 ? -1 : count;
        } else if (valueKind === GFP_VALUE) {
          // gfpFlagsIn's flags: a __GFP_ZERO or GFP_DMA found by its Z or D
          // lies inside the value, since neither holds a space and the line
          // ends before a line end.
          let flags = 0;
          for (;; to++) {
            const ch = c[to];
            if (ch <= 32) break;
            if (ch === 90 /* Z */) {
              if (to - 6 >= from && sameAt(c, to - 6, ZERO)) flags |= GFP_ZERO;
            } else if (ch === 68 /* D */) {
              if (to - 4 >= from && sameAt(c, to - 4, DMA) && c[to + 3] !== 51) flags |= GFP_DMA;
            }
          }
          values[k] = flags;
        } else {
          while (c[to] > 32) to++;
        }
        // Whatever is left of the token (all of a text value's, past a
        // control character) makes its value malformed, or is the text; the
        // gfp flags would be read on past it: #line reads that line.
        if (to < end && c[to] !== 32) {
          if (valueKind === GFP_VALUE) return false;
          if (valueKind !== TEXT_VALUE) values[k] = -1;
          while (to < end && c[to] !== 32) to++;
        }
        vs[k] = from;
        ve[k] = to;
        if (++k === n) break;
        at = to;
        continue;
      }
      for (let later = k + 1; later < n; later++) {
        const other = keys[later];
        if (end - at >= other.length && sameAt(c, at, other)) {
          return this.#fieldsAnyOrder(text, c, fields, end, event, cpu, time, line);
        }
      }
      while (c[at] > 32) at++;
      while (at < end && c[at] !== 32) at++;
    }
    // The time is kept once the event is handed on: #deliver, too long for
    // V8 to inline, takes no fractional number, which a call would box.
    if (!this.#deliver(text, c, event.kind, cpu, line)) return false;
    this.#time(time);
    return true;
  }

  /** Values of the fast path's fields, read as they are walked (-1: malformed). */
  readonly #values = new Float64Array(8);

  /**
   * Hands on the event of kind `kind` (KMALLOC...) from the values of its
   * fields in #values and their spans in #valueStart and #valueEnd, by the
   * index of their keys in its FastEvent; false, having done nothing, when
   * one it reads is malformed (-1) or the order is above MAX_TRACE_ORDER.
   * #fast and #fieldsAnyOrder both end here, so that a line is handed on
   * the same whichever order its fields come in.
   */
  #deliver(
    text: string,
    c: Uint8Array,
    kind: number,
    cpu: number,
    line: number,
  ): boolean {
    const values = this.#values;
    const kmem = this.#kmem;
    if (kind >= PAGE_ALLOC) {
      const pfn = values[0];
      const order = values[1];
      if (pfn < 0 || order < 0 || order > MAX_TRACE_ORDER) return false;
      if (kind === PAGE_ALLOC) kmem.pageAlloc(line, cpu, pfn, order, values[2]);
      else kmem.pageFree(line, cpu, pfn, order, kind === PAGE_FREE_BATCHED);
      return true;
    }
    // The sizes of an allocation (KMALLOC and CACHE_ALLOC, numbered first);
    // a free's slots 2 and 3 go unread.
    const ptr = values[1];
    const bytesReq = values[2];
    const bytesAlloc = values[3];
    if (ptr < 0 || kind <= CACHE_ALLOC && (bytesReq < 0 || bytesAlloc < 0)) return false;
    const vs = this.#valueStart;
    const ve = this.#valueEnd;
    const strings = this.#strings;
    const site = this.#sites[kind] ? strings.slice(text, c, vs[0], ve[0]) : "";
    if (kind === KFREE) kmem.kfree(line, cpu, ptr, site);
    else if (kind === CACHE_FREE) {
      kmem.cacheFree(line, cpu, ptr, site, strings.slice(text, c, vs[2], ve[2]));
    } else if (kind === KMALLOC) {
      kmem.kmalloc(line, cpu, ptr, bytesReq, bytesAlloc, values[4], site);
    } else {
      kmem.cacheAlloc(line, cpu, ptr, bytesReq, bytesAlloc, site, this.#pool(text, c, bytesReq));
    }
    return true;
  }

  /**
   * The rest of the fast path for a line whose fields are not in the
   * order of event.keys: each found as fieldValue finds it (#findFields),
   * its value read into #values as #fast reads it in its walk (hexKeyIn,
   * `(nil)` for a NULL ptr; countIn; gfpFlagsIn), then handed to #deliver.
   */
  #fieldsAnyOrder(
    text: string,
    c: Uint8Array,
    fields: number,
    end: number,
    event: FastEvent,
    cpu: number,
    time: number,
    line: number,
  ): boolean {
    const keys = event.keys;
    if (!this.#findFields(text, c, fields, end, keys)) return false;
    const vs = this.#valueStart;
    const ve = this.#valueEnd;
    const values = this.#values;
    for (let k = 0; k < keys.length; k++) {
      const from = vs[k];
      const to = ve[k];
      const valueKind = event.values[k];
      if (valueKind === HEX_VALUE) {
        values[k] = keys[k] === PTR_KEY && to - from === 5 && isNil(c, from)
          ? 0
          : hexKeyIn(c, from, to);
      } else if (valueKind === COUNT_VALUE) values[k] = countIn(c, from, to);
      else if (valueKind === GFP_VALUE) values[k] = gfpFlagsIn(c, from, to);
    }
    if (!this.#deliver(text, c, event.kind, cpu, line)) return false;
    this.#time(time);
    return true;
  }

  /**
   * Finds the fields `keys` among the space-separated tokens from `from` to
   * `end`: each the first token that starts with its key (as fieldValue
   * finds it), its value from after the key to the token's end, in
   * #valueStart and #valueEnd at the key's index. Stops when all are found;
   * false when one is missing.
   */
  #findFields(
    text: string,
    c: Uint8Array,
    from: number,
    end: number,
    keys: readonly Uint8Array[],
  ): boolean {
    const vs = this.#valueStart;
    const ve = this.#valueEnd;
    const n = keys.length;
    for (let k = 0; k < n; k++) vs[k] = -1;
    let left = n;
    let at = from;
    while (at < end) {
      if (c[at] === 32) {
        at++;
        continue;
      }
      // The token's end by a native search, faster than a loop over a
      // token this long. One past the line's last token runs on to the
      // next space, in a line after: at most once over any stretch of
      // text, since every line whose fields are searched has spaces.
      let to = text.indexOf(" ", at);
      if (to === -1 || to > end) to = end;
      for (let k = 0; k < n; k++) {
        const key = keys[k];
        if (vs[k] === -1 && to - at >= key.length && sameAt(c, at, key)) {
          vs[k] = at + key.length;
          ve[k] = to;
          if (--left === 0) return true;
          break;
        }
      }
      at = to;
    }
    return false;
  }

  /**
   * The pool of the kmem_cache_alloc whose call site is the fast path's
   * field 0 and bytes_req `bytesReq`: poolName's, each made once.
   */
  #pool(text: string, c: Uint8Array, bytesReq: number): string {
    const from = this.#valueStart[0];
    const to = this.#valueEnd[0];
    let plus = from;
    while (plus < to && c[plus] !== 43 /* + */) plus++;
    // Looked up by the codes of the name it would have: "req@function".
    const key = this.#poolKey;
    let digits = 1;
    for (let rest = bytesReq; rest >= 10; rest = Math.floor(rest / 10)) digits++;
    const length = digits + 1 + plus - from;
    if (length > key.length) return poolName(bytesReq, text.slice(from, to));
    for (let i = digits - 1, rest = bytesReq; i >= 0; i--, rest = Math.floor(rest / 10)) {
      key[i] = 48 + rest % 10;
    }
    key[digits] = 64; /* @ */
    for (let i = from; i < plus; i++) key[digits + 1 + i - from] = c[i];
    return this.#pools.find(key, 0, length) ??
      this.#pools.keep(key, 0, length, `${bytesReq}@${text.slice(from, plus)}`);
  }

  /** Codes of a pool's name, for #pool. */
  readonly #poolKey = new Uint8Array(256);

  /** Counts a timestamp earlier than the last one, and keeps it. */
  #time(time: number): void {
    if (time < this.#lastTime) this.timestampsBackwards++;
    this.#lastTime = time;
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

/**
 * The fast-path event whose name is the text from `at` to `after` (where a
 * `:` follows it); undefined for any other. Told by the name's length (and
 * its first letter, where two names are as long), then compared.
 */
function fastEvent(c: Uint8Array, at: number, after: number): FastEvent | undefined {
  const length = after - at;
  if (length >= FAST_BY_LENGTH.length) return undefined;
  const event = FAST_BY_LENGTH[length][c[at] === 109 /* m */ ? 1 : 0];
  return event !== undefined && sameAt(c, at, event.name) ? event : undefined;
}

/** FAST_EVENTS by the length of their names, then by whether they start with `m`. */
const FAST_BY_LENGTH: (FastEvent | undefined)[][] = [];
for (const event of FAST_EVENTS) {
  const length = event.name.length;
  while (FAST_BY_LENGTH.length <= length) FAST_BY_LENGTH.push([undefined, undefined]);
  FAST_BY_LENGTH[length][event.name[0] === 109 ? 1 : 0] = event;
}

/** Whether `word` is in `c` at `at`. */
function sameAt(c: Uint8Array, at: number, word: Uint8Array): boolean {
  for (let i = 0; i < word.length; i++) if (c[at + i] !== word[i]) return false;
  return true;
}

const NIL = asciiCodes("(nil)");
/** Whether `(nil)` is at `at`. */
function isNil(c: Uint8Array, at: number): boolean {
  return sameAt(c, at, NIL);
}

const ZERO = asciiCodes("__GFP_ZERO");
const DMA = asciiCodes("GFP_DMA");

/**
 * gfpFlags of the value from `from` to `to`, read from its codes: each
 * `__GFP_ZERO` found by its Z (its only one), each `GFP_DMA` by its D; a
 * GFP_DMA is GFP_DMA32 only when a 3 follows it inside the value.
 */
function gfpFlagsIn(c: Uint8Array, from: number, to: number): number {
  let flags = 0;
  for (let i = from; i < to; i++) {
    const ch = c[i];
    if (ch === 90 /* Z */) {
      if (i - 6 >= from && i + 4 <= to && sameAt(c, i - 6, ZERO)) flags |= GFP_ZERO;
    } else if (ch === 68 /* D */) {
      if (
        i - 4 >= from && i + 3 <= to && sameAt(c, i - 4, DMA) && (i + 3 === to || c[i + 3] !== 51)
      ) {
        flags |= GFP_DMA;
      }
    }
  }
  return flags;
}

/**
 * Where `head + tail` first occurs in `text` at or after `from`, or -1:
 * found by searching for `tail` and looking for `head` before each one.
 * The tails chosen ("LOST ", "DROPPED]") start with a letter rarer in a
 * trace than the heads' `[` and `E`, and V8 searches a string by its first
 * character: 2 to 5 times faster than searching for the whole marker.
 */
function markerAt(text: string, head: string, tail: string, from: number): number {
  for (
    let at = text.indexOf(tail, from + head.length);
    at !== -1;
    at = text.indexOf(tail, at + 1)
  ) {
    if (text.startsWith(head, at - head.length)) return at - head.length;
  }
  return -1;
}
