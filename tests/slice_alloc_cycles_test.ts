import { assertEquals } from "./_assert.ts";
import { Board, boot, GFP_KERNEL } from "../mod.ts";

/**
 * Fills a pool with `slabs` full slabs, then runs the same sequence of frees
 * and allocations (none needing a new slab) through every list transition —
 * full to partial, partial to empty from the middle of the partial list,
 * empty to partial, partial to full — and returns each call's bus cycles.
 */
function measure(objSize: number, slabs: number): { alloc: number[]; free: number[] } {
  const board = new Board({ ramBytes: 64 * 1024 * 1024 });
  const k = boot(board);
  const pool = k.slice_pool_create(GFP_KERNEL, objSize)!;
  const perSlab = k.stats().slices.find((p) => p.address === pool.address)!.objsPerSlab;
  const slices: number[] = [];
  for (let i = 0; i < slabs * perSlab; i++) slices.push(k.slice_alloc(pool));
  const slab = (n: number): number[] => slices.slice(n * perSlab, (n + 1) * perSlab);
  const alloc: number[] = [];
  const free: number[] = [];
  const timed = (into: number[], call: () => unknown): void => {
    const before = board.cycles;
    call();
    into.push(board.cycles - before);
  };
  // Three partial slabs (full -> partial), then empty the middle one entirely.
  for (const n of [2, 5, 7]) timed(free, () => k.slice_free(slab(n)[0], pool));
  for (const slice of slab(5).slice(1)) timed(free, () => k.slice_free(slice, pool));
  // Refill: partial slabs first, then the empty one, until all are full again.
  for (let i = 0; i < perSlab + 2; i++) timed(alloc, () => k.slice_alloc(pool));
  assertEquals(k.audit(), []);
  return { alloc, free };
}

Deno.test("slice_alloc() and slice_free() cost the same bus cycles with 10 slabs and with 10,000", () => {
  for (const objSize of [1024, 64]) {
    const few = measure(objSize, 10);
    const many = measure(objSize, 10_000);
    assertEquals(many, few, `${objSize}-byte slices`);
  }
  // The costliest calls move a slab between lists: an allocation that takes
  // an empty slab onto the partial list (29 accesses), a free that empties a
  // slab in the middle of the partial list (30); a free from a full slab is
  // 22 or 23, a plain allocation 17 and a plain free 18. The bitmap's place
  // (struct page for 1024-byte slices, 4 per slab; the slab's last words for
  // 64-byte ones, 63 per slab) changes which word is touched, not how many.
  for (const objSize of [1024, 64]) {
    const { alloc, free } = measure(objSize, 10);
    assertEquals([alloc.slice(0, 4), free.slice(0, 4)], [[46, 44, 58, 34], [44, 46, 46, 36]]);
    assertEquals([Math.max(...alloc), Math.max(...free)], [58, 60]);
  }
});
