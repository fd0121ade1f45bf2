/**
 * One allocator call of a trace, as the readers hand it over and the native
 * writer writes it. Readers reuse one TraceEvent for every event: a sink
 * copies what it keeps.
 * @module
 */

/** The Kernel method an event calls, or "skip" for an event replayed as nothing. */
export type TraceOp =
  | "alloc_pages"
  | "free_pages"
  | "slice_pool_create"
  | "slice_pool_recycle"
  | "slice_pool_shrink"
  | "slice_alloc"
  | "slice_free"
  | "galloc"
  | "gfree"
  | "gshrink"
  | "vmalloc"
  | "vfree"
  | "skip";

/** Every operation a trace names, for validation and help texts. */
export const TRACE_OPS: readonly TraceOp[] = [
  "alloc_pages",
  "free_pages",
  "slice_pool_create",
  "slice_pool_recycle",
  "slice_pool_shrink",
  "slice_alloc",
  "slice_free",
  "galloc",
  "gfree",
  "gshrink",
  "vmalloc",
  "vfree",
];

/** One event. Which fields matter depends on `op`; the others hold their defaults. */
export interface TraceEvent {
  /** Line of the trace the event comes from. */
  line: number;
  /** What to call. */
  op: TraceOp;
  /**
   * The block the event allocates or frees, as the trace names it: a
   * pointer or pfn (low 52 bits), a recorded address. 0 is NULL.
   */
  key: number;
  /** The pool of a slice or pool event, as the trace names it. */
  pool: string;
  /** alloc_pages: the order. */
  order: number;
  /** galloc, vmalloc: bytes requested; slice_pool_create: object size. */
  size: number;
  /** GFP flags of an allocation or pool. */
  flags: number;
  /** Bytes the traced kernel itself handed out for the allocation (Linux's bytes_alloc); 0 if unknown. */
  linuxBytes: number;
  /** The call site, when the trace has one. */
  site: string;
  /** The CPU that made the call, or -1. */
  cpu: number;
  /** slice_pool_create: the pool's name; slice_free: the cache name the trace gives, or "". */
  name: string;
  /** free_pages: a repeat of an earlier free (Linux's mm_page_free_batched). */
  batched: boolean;
  /** skip: why the event is replayed as nothing. */
  reason: string;
}

/** Receives what a reader finds, in trace order. */
export interface TraceSink {
  /** An event; the object is reused after the call returns. */
  event(event: TraceEvent): void;
  /** A line that is not a valid event, with why. */
  problem(line: number, message: string): void;
  /** Events the tracer lost (overwritten or dropped) before or at `line`. */
  lost(line: number, count: number): void;
  /**
   * Runs `deliver`, which makes a batch of this sink's calls (deliverBatch's
   * 4,096 events): a sink that bounds the time its calls take (a replay's
   * watchdog) runs it under that bound. Without it, `deliver` is called.
   */
  runBatch?(deliver: () => void): void;
}

/** A fresh event holding every field's default. */
export function emptyEvent(): TraceEvent {
  return {
    line: 0,
    op: "skip",
    key: 0,
    pool: "",
    order: 0,
    size: 0,
    flags: 0,
    linuxBytes: 0,
    site: "",
    cpu: -1,
    name: "",
    batched: false,
    reason: "",
  };
}

/** Puts every field of `event` back to its default, except `line`. */
export function resetEvent(event: TraceEvent): void {
  event.op = "skip";
  event.key = 0;
  event.pool = "";
  event.order = 0;
  event.size = 0;
  event.flags = 0;
  event.linuxBytes = 0;
  event.site = "";
  event.cpu = -1;
  event.name = "";
  event.batched = false;
  event.reason = "";
}
