/** Small helpers several test files share. */

import { assertEquals } from "./_assert.ts";
import { type Kernel, PAGE_SIZE } from "../mod.ts";

/** The alignment slice_alloc promises for objects of `size` bytes (as the README states it). */
export function promisedAlign(size: number): number {
  if (size <= PAGE_SIZE && (size & (size - 1)) === 0) return Math.max(size, 4);
  return size < 8 ? 4 : 8;
}

/** After gshrink(), every page but the firmware's is free and the audit is clean. */
export function allPagesBack(k: Kernel): void {
  k.gshrink();
  const pages = k.stats().pages;
  assertEquals(pages.free, pages.total - pages.reserved, "every page is back");
  assertEquals(k.audit(), []);
}

export { seededRandom } from "../tools/fuzz/seeded_random.ts";
