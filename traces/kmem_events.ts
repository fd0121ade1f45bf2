/**
 * The kernel's kmem and vmalloc trace events as Kernel calls: one mapping,
 * shared by every reader of Linux recordings (the tracefs text, `trace-cmd
 * report` text, trace-cmd's binary trace.dat), so that one recording read
 * from any of its forms gives the same events. A reader finds each event's
 * fields its own way and hands them over; this turns them into trace events:
 * - `kmalloc`, `kmalloc_node` → galloc of `bytes_req` (ptr 0: the traced
 *   kernel's allocation failed, skipped); `kfree` → gfree (NULL included).
 * - `kmem_cache_alloc`, `kmem_cache_alloc_node` → slice_alloc from the pool
 *   of its cache. Linux 6.1 names no cache on allocation, so a cache is its
 *   object size and allocating function: `bytes_req@function` (e.g.
 *   `256@mas_alloc_nodes`); the first allocation of a new pair first creates
 *   its pool. `kmem_cache_free` → slice_free (its cache name kept for
 *   reports; the pool is wherever the object was allocated).
 * - `mm_page_alloc` → alloc_pages of its order, keyed by pfn (pfn 0: failed,
 *   skipped); `mm_page_free` → free_pages; `mm_page_free_batched` →
 *   free_pages marked as a repeat of an earlier free.
 * - `alloc_vmap_area` (Linux 6.2 on) → vmalloc of `size` less its guard page
 *   (Linux counts the guard in `size`), keyed by `va_start` (`failed=1`:
 *   skipped); `free_vmap_area_noflush` → vfree of the same key;
 *   `purge_vmap_area_lazy` → skipped (informational).
 * @module
 */

import {
  emptyEvent,
  resetEvent,
  type TraceEvent,
  type TraceOp,
  type TraceSink,
} from "./trace_event.ts";

/**
 * kmem events that make no Kernel call (statistics, per-CPU list drains,
 * fallbacks): a recording of all of kmem (`trace-cmd record -e kmem`) has
 * them; they are skipped, counted by name, rather than called unknown.
 */
export const INFORMATIONAL_KMEM_EVENTS: ReadonlySet<string> = new Set([
  "rss_stat",
  "mm_page_alloc_zone_locked",
  "mm_page_pcpu_drain",
  "mm_page_alloc_extfrag",
  "mm_alloc_contig_migrate_range_info",
]);

/** Largest page order a trace may name (the page allocator's MAX_ORDER): readers refuse more. */
export const MAX_TRACE_ORDER = 10;

/** Bytes of the guard page Linux counts in a vmap area's size. */
const GUARD_BYTES = 4096;

/** Turns kmem and vmalloc events into trace events for a sink. */
export class KmemEvents {
  readonly #sink: TraceSink;
  readonly #event: TraceEvent = emptyEvent();
  /** Caches (`bytes_req@function`) whose pool was created. */
  readonly #pools = new Set<string>();
  /** The ops whose call site the sink reads; undefined for every op. */
  readonly #siteOps: ReadonlySet<TraceOp> | undefined;

  /**
   * @param sink receives the trace events
   * @param siteOps the ops whose call site the sink reads: the others'
   *   events carry site "" (see BatchEncoderOptions); default every op
   */
  constructor(sink: TraceSink, siteOps?: readonly TraceOp[]) {
    this.#sink = sink;
    this.#siteOps = siteOps === undefined ? undefined : new Set(siteOps);
  }

  /** Whether the sink reads the call site of `op`'s events: a reader may skip making it if not. */
  readsSite(op: TraceOp): boolean {
    return this.#siteOps === undefined || this.#siteOps.has(op);
  }

  /** `kmalloc`: galloc of `bytesReq`, pagepile GFP `flags`, from `site` ("sym+0xoff..."). */
  kmalloc(
    line: number,
    cpu: number,
    ptr: number,
    bytesReq: number,
    bytesAlloc: number,
    flags: number,
    site: string,
  ): void {
    const e = this.#start(line, cpu);
    if (ptr === 0) return this.#skip(e, "allocation that failed in the traced kernel");
    e.op = "galloc";
    e.key = ptr;
    e.size = bytesReq;
    e.linuxBytes = bytesAlloc;
    e.flags = flags;
    e.site = this.readsSite("galloc") ? site : "";
    this.#sink.event(e);
  }

  /** `kfree`: gfree, NULL included (the replay skips it as a no-op). */
  kfree(line: number, cpu: number, ptr: number, site: string): void {
    this.#free(this.#start(line, cpu), "gfree", ptr, site, "");
  }

  /**
   * `kmem_cache_alloc`: slice_alloc from the pool of `bytesReq@function`,
   * created first if new. `pool`, when given, is that name, made by the
   * caller (poolName); `site` may then be "" when the sink reads neither
   * op's site.
   */
  cacheAlloc(
    line: number,
    cpu: number,
    ptr: number,
    bytesReq: number,
    bytesAlloc: number,
    site: string,
    pool: string = poolName(bytesReq, site),
  ): void {
    const e = this.#start(line, cpu);
    if (ptr === 0) return this.#skip(e, "allocation that failed in the traced kernel");
    if (!this.#pools.has(pool)) {
      this.#pools.add(pool);
      e.op = "slice_pool_create";
      e.pool = pool;
      e.name = pool;
      e.size = bytesReq;
      e.site = this.readsSite("slice_pool_create") ? site : "";
      this.#sink.event(e);
      this.#start(line, cpu);
    }
    e.op = "slice_alloc";
    e.key = ptr;
    e.pool = pool;
    e.size = bytesReq;
    e.linuxBytes = bytesAlloc;
    e.site = this.readsSite("slice_alloc") ? site : "";
    this.#sink.event(e);
  }

  /** `kmem_cache_free`: slice_free to wherever the object came from; `name` is the cache's. */
  cacheFree(line: number, cpu: number, ptr: number, site: string, name: string): void {
    this.#free(this.#start(line, cpu), "slice_free", ptr, site, name);
  }

  /** `mm_page_alloc`: alloc_pages of `order`, keyed by pfn, pagepile GFP `flags`. */
  pageAlloc(line: number, cpu: number, pfn: number, order: number, flags: number): void {
    const e = this.#start(line, cpu);
    if (pfn === 0) return this.#skip(e, "allocation that failed in the traced kernel");
    e.op = "alloc_pages";
    e.key = pfn;
    e.order = order;
    e.flags = flags;
    this.#sink.event(e);
  }

  /** `mm_page_free` (or, `batched`, `mm_page_free_batched`): free_pages by pfn. */
  pageFree(line: number, cpu: number, pfn: number, order: number, batched: boolean): void {
    const e = this.#start(line, cpu);
    e.op = "free_pages";
    e.key = pfn;
    e.order = order;
    e.batched = batched;
    this.#sink.event(e);
  }

  /** `alloc_vmap_area`: vmalloc of `size` less the guard page, keyed by the area's start. */
  vmapAlloc(line: number, cpu: number, key: number, size: number, failed: boolean): void {
    const e = this.#start(line, cpu);
    if (failed) return this.#skip(e, "allocation that failed in the traced kernel");
    e.op = "vmalloc";
    e.key = key;
    e.size = Math.max(size - GUARD_BYTES, 0);
    this.#sink.event(e);
  }

  /** `free_vmap_area_noflush`: vfree of the area starting at `key`. */
  vmapFree(line: number, cpu: number, key: number): void {
    const e = this.#start(line, cpu);
    e.op = "vfree";
    e.key = key;
    this.#sink.event(e);
  }

  /** `purge_vmap_area_lazy`: Linux giving address space back later; nothing to replay. */
  vmapPurge(line: number, cpu: number): void {
    this.#skip(this.#start(line, cpu), "purge_vmap_area_lazy (informational)");
  }

  /** One of kmem's other events (see INFORMATIONAL_KMEM_EVENTS): nothing to replay. */
  informational(line: number, cpu: number, name: string): void {
    this.#skip(this.#start(line, cpu), `${name} (informational)`);
  }

  #start(line: number, cpu: number): TraceEvent {
    const e = this.#event;
    resetEvent(e);
    e.line = line;
    e.cpu = cpu;
    return e;
  }

  #free(e: TraceEvent, op: "gfree" | "slice_free", ptr: number, site: string, name: string) {
    e.op = op;
    e.key = ptr;
    e.site = this.readsSite(op) ? site : "";
    e.name = name;
    this.#sink.event(e);
  }

  #skip(e: TraceEvent, reason: string): void {
    e.op = "skip";
    e.reason = reason;
    this.#sink.event(e);
  }
}

/**
 * The pool of a kmem_cache_alloc: `bytesReq@function`, the function being
 * the call site up to its first `+`.
 * @param bytesReq the event's bytes_req
 * @param site its call site, `sym+0xoff/0xsize`
 */
export function poolName(bytesReq: number, site: string): string {
  const plus = site.indexOf("+");
  return `${bytesReq}@${plus === -1 ? site : site.slice(0, plus)}`;
}
