/**
 * The bytes a trace holds live as it goes, and their peak: allocations paired
 * with their frees by key, as a replay pairs them, counted as if none failed.
 * Objects count their size rounded up to 8 bytes (a pool's object size, from
 * its slice_pool_create), page allocations and vmalloc areas their whole
 * pages. An allocation of a key still live replaces it (its free went
 * unseen); a free of a key not live counts nothing.
 *
 * Memory: an entry per live block, as a replay holds. The blocks are kept in
 * KeyTables, not Maps: a Map keyed by kernel pointers (numbers past 2^31)
 * boxes each key, and made this count cost more than parsing the trace.
 * @module
 */

import { batchOp, batchString, type EventBatch } from "./event_batch.ts";
import { KeyTable } from "./key_table.ts";
import type { TraceEvent, TraceOp } from "./trace_event.ts";

const PAGE_BYTES = 4096;

/** Live bytes and their peak, event by event. */
export class LiveBytes {
  /** Bytes live now. */
  live = 0;
  /** The most bytes live at once so far. */
  peak = 0;
  readonly #pages = new KeyTable<number>();
  readonly #objects = new KeyTable<number>();
  readonly #areas = new KeyTable<number>();
  readonly #poolSizes = new Map<string, number>();

  /**
   * Counts one event.
   * @example
   * ```ts
   * import { LiveBytes } from "./live_bytes.ts";
   * import { emptyEvent } from "./trace_event.ts";
   * const live = new LiveBytes();
   * live.event({ ...emptyEvent(), op: "galloc", key: 0x10, size: 20 });
   * live.event({ ...emptyEvent(), op: "gfree", key: 0x10 });
   * console.log(live.live, live.peak); // 0 24
   * ```
   */
  event(e: TraceEvent): void {
    this.#count(e.op, e.key, e.order, e.size, e.pool);
  }

  /**
   * Counts every event of a batch, as {@link event} would one by one
   * (skipped events, problems and lost-event reports count nothing).
   */
  batch(b: EventBatch): void {
    for (let i = 0; i < b.count; i++) {
      const op = batchOp(b, i);
      if (op !== undefined) {
        this.#count(op, b.key[i], b.order[i], b.size[i], batchString(b, b.pool[i]));
      }
    }
  }

  #count(op: TraceOp, key: number, order: number, size: number, pool: string): void {
    switch (op) {
      case "alloc_pages":
        return this.#allocate(this.#pages, key, PAGE_BYTES * 2 ** order);
      case "free_pages":
        return this.#release(this.#pages, key);
      case "slice_pool_create":
        this.#poolSizes.set(pool, size);
        return;
      case "slice_alloc":
        return this.#allocate(this.#objects, key, roundUp(this.#poolSizes.get(pool) ?? 0, 8));
      case "galloc":
        return this.#allocate(this.#objects, key, roundUp(size, 8));
      case "slice_free":
      case "gfree":
        return this.#release(this.#objects, key);
      case "vmalloc":
        return this.#allocate(this.#areas, key, roundUp(size, PAGE_BYTES));
      case "vfree":
        return this.#release(this.#areas, key);
    }
  }

  #allocate(table: KeyTable<number>, key: number, bytes: number): void {
    this.live += bytes - (table.get(key) ?? 0);
    table.set(key, bytes);
    if (this.live > this.peak) this.peak = this.live;
  }

  #release(table: KeyTable<number>, key: number): void {
    this.live -= table.get(key) ?? 0;
    table.delete(key);
  }
}

function roundUp(bytes: number, unit: number): number {
  return Math.ceil(bytes / unit) * unit;
}
