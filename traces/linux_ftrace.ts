/**
 * Linux ftrace kmem events, as `/sys/kernel/tracing/trace` prints them, to
 * trace events.
 *
 * An event line is `TASK-PID [CPU] FLAGS TIMESTAMP: EVENT: FIELDS`. The mapping:
 * - `kmalloc`, `kmalloc_node` → galloc of `bytes_req` (`ptr=0`: skipped, the
 *   traced kernel's allocation failed); `kfree` → gfree (NULL included).
 * - `kmem_cache_alloc`, `kmem_cache_alloc_node` → slice_alloc from the pool
 *   of its cache. Linux 6.1 names no cache on allocation, so a cache is
 *   identified by object size and allocating function: `bytes_req@function`
 *   (e.g. `256@mas_alloc_nodes`); the first allocation of a new pair first
 *   creates its pool. `kmem_cache_free` → slice_free (its `name=` is kept for
 *   reports; the pool is wherever the object was allocated).
 * - `mm_page_alloc` → alloc_pages of its order, keyed by pfn (`pfn=0x0`:
 *   skipped, the allocation failed); `mm_page_free` → free_pages;
 *   `mm_page_free_batched` → free_pages marked as a repeat of an earlier free.
 * - `alloc_vmap_area` (Linux 6.2 on) → vmalloc of `size` less its guard page
 *   (Linux counts the guard in `size`), keyed by `va_start`, which it prints
 *   in decimal, above 2^53 (`failed=1`: skipped); `free_vmap_area_noflush` →
 *   vfree, keyed by the same address printed in hex; `purge_vmap_area_lazy`
 *   → skipped (Linux giving address space back later: informational).
 * - `CPU:N [LOST M EVENTS]` lines and a header whose entries-in-buffer is below
 *   entries-written report lost events.
 * Any other line is a problem with its line number.
 * @module
 */

import { GFP_DMA, GFP_ZERO } from "../core/gfp.ts";
import { fieldValue, parseCount, parseHexKey } from "./scan.ts";
import { emptyEvent, resetEvent, type TraceEvent, type TraceSink } from "./trace_event.ts";

/** Largest page order a trace may name (the page allocator's MAX_ORDER). */
const MAX_TRACE_ORDER = 10;

/** Parses Linux ftrace lines one at a time, pushing events into a sink. */
export class LinuxTraceParser {
  readonly #sink: TraceSink;
  readonly #event: TraceEvent = emptyEvent();
  readonly #pools = new Set<string>();
  #lastTime = -1;
  /** Events whose timestamp is earlier than the event before them. */
  timestampsBackwards = 0;

  /**
   * Starts a parser at the first line of a trace.
   * @param sink receives the events and problems
   */
  constructor(sink: TraceSink) {
    this.#sink = sink;
  }

  /** Parses one line of the trace (whole: the reader reports cut lines itself). */
  parseLine(text: string, line: number): void {
    if (text.startsWith("#")) {
      this.#header(text, line);
      return;
    }
    if (text.trim().length === 0) return;
    if (text.includes("[LOST ")) {
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
    const e = this.#event;
    resetEvent(e);
    e.line = line;
    e.cpu = cpu;
    switch (name) {
      case "kmalloc":
      case "kmalloc_node":
        return this.#kmalloc(name, fields);
      case "kfree":
        return this.#free(name, fields, "gfree");
      case "kmem_cache_alloc":
      case "kmem_cache_alloc_node":
        return this.#cacheAlloc(name, fields);
      case "kmem_cache_free":
        e.name = fieldValue(fields, "name") ?? "";
        return this.#free(name, fields, "slice_free");
      case "mm_page_alloc":
        return this.#pageAlloc(name, fields);
      case "mm_page_free":
      case "mm_page_free_batched":
        return this.#pageFree(name, fields);
      case "alloc_vmap_area":
        return this.#vmapAlloc(fields);
      case "free_vmap_area_noflush": {
        const start = parseHexKey(fieldValue(fields, "va_start"));
        if (start < 0) return "free_vmap_area_noflush: va_start is missing or not a hex address";
        e.op = "vfree";
        e.key = start;
        this.#sink.event(e);
        return undefined;
      }
      case "purge_vmap_area_lazy":
        return this.#skip("purge_vmap_area_lazy (informational)");
      default:
        return `unknown event "${name}"`;
    }
  }

  #vmapAlloc(fields: string): string | undefined {
    const e = this.#event;
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
    if (fieldValue(fields, "failed") === "1") {
      return this.#skip("allocation that failed in the traced kernel");
    }
    e.op = "vmalloc";
    e.key = Number(BigInt(decimal) & 0xF_FFFF_FFFF_FFFFn);
    e.size = Math.max(size - 4096, 0); // Linux's size includes the guard page
    this.#sink.event(e);
    return undefined;
  }

  #kmalloc(name: string, fields: string): string | undefined {
    const e = this.#event;
    const object = this.#object(name, fields);
    if (typeof object === "string") return object;
    if (e.key === 0) return this.#skip("allocation that failed in the traced kernel");
    e.op = "galloc";
    e.size = object.bytesReq;
    e.linuxBytes = object.bytesAlloc;
    e.flags = gfpFlags(fieldValue(fields, "gfp_flags") ?? "");
    this.#sink.event(e);
    return undefined;
  }

  #cacheAlloc(name: string, fields: string): string | undefined {
    const e = this.#event;
    const object = this.#object(name, fields);
    if (typeof object === "string") return object;
    if (e.key === 0) return this.#skip("allocation that failed in the traced kernel");
    const site = e.site;
    const plus = site.indexOf("+");
    const pool = `${object.bytesReq}@${plus === -1 ? site : site.slice(0, plus)}`;
    if (!this.#pools.has(pool)) {
      this.#pools.add(pool);
      const key = e.key;
      e.op = "slice_pool_create";
      e.key = 0;
      e.pool = pool;
      e.name = pool;
      e.size = object.bytesReq;
      this.#sink.event(e);
      resetEvent(e);
      e.key = key;
      e.site = site;
    }
    e.op = "slice_alloc";
    e.pool = pool;
    e.size = object.bytesReq;
    e.linuxBytes = object.bytesAlloc;
    this.#sink.event(e);
    return undefined;
  }

  /** The ptr, call site and sizes of an object event, or what is wrong. */
  #object(name: string, fields: string): { bytesReq: number; bytesAlloc: number } | string {
    const e = this.#event;
    const ptr = parseHexKey(fieldValue(fields, "ptr"));
    if (ptr < 0) return `${name}: ptr is missing or not a hex pointer`;
    const bytesReq = parseCount(fieldValue(fields, "bytes_req"));
    if (bytesReq < 0) return `${name}: bytes_req is missing or not a byte count`;
    const bytesAlloc = parseCount(fieldValue(fields, "bytes_alloc"));
    if (bytesAlloc < 0) return `${name}: bytes_alloc is missing or not a byte count`;
    e.key = ptr;
    e.site = fieldValue(fields, "call_site") ?? "";
    return { bytesReq, bytesAlloc };
  }

  #free(name: string, fields: string, op: "gfree" | "slice_free"): string | undefined {
    const e = this.#event;
    const ptr = parseHexKey(fieldValue(fields, "ptr"));
    if (ptr < 0) return `${name}: ptr is missing or not a hex pointer`;
    e.op = op;
    e.key = ptr;
    e.site = fieldValue(fields, "call_site") ?? "";
    this.#sink.event(e);
    return undefined;
  }

  #pageAlloc(name: string, fields: string): string | undefined {
    const e = this.#event;
    const page = this.#page(name, fields);
    if (page !== undefined) return page;
    if (e.key === 0) return this.#skip("allocation that failed in the traced kernel");
    e.op = "alloc_pages";
    e.flags = gfpFlags(fieldValue(fields, "gfp_flags") ?? "");
    this.#sink.event(e);
    return undefined;
  }

  #pageFree(name: string, fields: string): string | undefined {
    const e = this.#event;
    const page = this.#page(name, fields);
    if (page !== undefined) return page;
    e.op = "free_pages";
    e.batched = name === "mm_page_free_batched";
    this.#sink.event(e);
    return undefined;
  }

  /** Reads pfn and order into the event; returns what is wrong, if anything. */
  #page(name: string, fields: string): string | undefined {
    const e = this.#event;
    const pfn = parseHexKey(fieldValue(fields, "pfn"));
    if (pfn < 0) return `${name}: pfn is missing or not a hex number`;
    const order = parseCount(fieldValue(fields, "order"));
    if (order < 0) return `${name}: order is missing or not a number`;
    if (order > MAX_TRACE_ORDER) return `${name}: order ${order} is above ${MAX_TRACE_ORDER}`;
    e.key = pfn;
    e.order = order;
    return undefined;
  }

  #skip(reason: string): undefined {
    this.#event.op = "skip";
    this.#event.reason = reason;
    this.#sink.event(this.#event);
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

  #lostLine(text: string, line: number): void {
    const at = text.indexOf("[LOST ");
    const count = parseCount(text.slice(at + 6, text.indexOf(" ", at + 6)));
    if (count < 0) this.#sink.problem(line, "a [LOST N EVENTS] line without a count");
    else this.#sink.lost(line, count);
  }
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
