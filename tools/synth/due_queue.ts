/**
 * Short-lived blocks waiting for their free, earliest due first.
 * @module
 */

/** Anything with the event number it is due at. */
export interface Due {
  /** The event number from which it may go. */
  due: number;
}

/**
 * A binary min-heap on `due`: the array is the tree, the children of
 * entry i at 2i + 1 and 2i + 2, and no entry is due before its parent.
 * Push and pop cost O(log n); peek O(1).
 */
export class DueQueue<T extends Due> {
  readonly #heap: T[] = [];

  /**
   * The entry due first, left in place.
   * @returns it, or undefined when the queue is empty
   * @example
   * ```ts
   * import { DueQueue } from "./due_queue.ts";
   * const queue = new DueQueue<{ due: number; name: string }>();
   * queue.push({ due: 9, name: "later" });
   * queue.push({ due: 3, name: "sooner" });
   * console.log(queue.peek()?.name, queue.pop().name, queue.pop().name); // sooner sooner later
   * ```
   */
  peek(): T | undefined {
    return this.#heap[0];
  }

  /**
   * Adds an entry.
   * @param entry the entry
   */
  push(entry: T): void {
    const heap = this.#heap;
    let at = heap.length;
    heap.push(entry);
    // Sift up: move parents due later down until the entry's place is found.
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (heap[parent].due <= entry.due) break;
      heap[at] = heap[parent];
      at = parent;
    }
    heap[at] = entry;
  }

  /**
   * Removes the entry due first.
   * @returns it
   * @throws {RangeError} when the queue is empty
   */
  pop(): T {
    const heap = this.#heap;
    if (heap.length === 0) throw new RangeError("pop from an empty DueQueue");
    const first = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      // Sift the last entry down from the root: the earlier child moves up.
      let at = 0;
      while (true) {
        let child = 2 * at + 1;
        if (child >= heap.length) break;
        if (child + 1 < heap.length && heap[child + 1].due < heap[child].due) child++;
        if (heap[child].due >= last.due) break;
        heap[at] = heap[child];
        at = child;
      }
      heap[at] = last;
    }
    return first;
  }
}
