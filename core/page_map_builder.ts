/**
 * Builds a {@link PageMap} as a design walks its memory in address order:
 * holders kept once each by kind and label, and a run that continues the
 * last one with the same holder merged into it.
 * @module
 */

import type { PageHolder, PageKind, PageMap } from "./firmware.ts";

/**
 * A page map being built, run by run.
 * @example
 * ```ts
 * import { PageMapBuilder } from "./page_map_builder.ts";
 * const map = new PageMapBuilder();
 * const free = map.holder("free", "free, in an order-0 pile");
 * map.run(0, 1, free);
 * map.run(1, 1, free);
 * console.log(map.finish(0x40000000, 4096, 2).runs); // [ 0, 2, 0 ]
 * ```
 */
export class PageMapBuilder {
  readonly #holders: PageHolder[] = [];
  readonly #index = new Map<string, number>();
  readonly #runs: number[] = [];

  /**
   * The index of the holder of this kind and label, added on first use.
   * @param key see PageHolder.key; the first use's is kept
   */
  holder(kind: PageKind, label: string, key = 0): number {
    const id = `${kind}\u0000${label}`;
    let index = this.#index.get(id);
    if (index === undefined) {
      this.#index.set(id, index = this.#holders.length);
      this.#holders.push({ kind, label, key });
    }
    return index;
  }

  /**
   * Adds `count` pages from `first` held by `holder`: runs come in address
   * order, each starting where the last ended.
   */
  run(first: number, count: number, holder: number): void {
    const runs = this.#runs;
    const last = runs.length - 3;
    if (last >= 0 && runs[last + 2] === holder && runs[last] + runs[last + 1] === first) {
      runs[last + 1] += count;
    } else {
      runs.push(first, count, holder);
    }
  }

  /** The map of the runs added. */
  finish(ramBase: number, pageSize: number, pages: number): PageMap {
    return { ramBase, pageSize, pages, holders: this.#holders, runs: this.#runs };
  }
}
