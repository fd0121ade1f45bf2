import { assertEquals } from "./_assert.ts";
import { Board, boot, GFP_KERNEL } from "../mod.ts";

/**
 * Fills a pool with `slabs` full slabs, then runs the same sequence of frees
 * and allocations through every list transition — full to partial, partial
 * to empty (given back) from the middle of the partial list, a new slab
 * (taken back from the hot list), partial to full — and returns each call's
 * bus cycles.
 */
function measure(objSize: number, slabs: number): { alloc: number[]; free: number[] } {
  const board = new Board({ ramBytes: 64 * 1024 * 1024 });
  const k = boot(board);
  const pool = k.slice_pool_create(GFP_KERNEL, objSize)!;
  const stats = () => k.stats().slices.find((p) => p.address === pool.address)!;
  const perSlab = stats().objsPerSlab;
  // A sparse pool's first slabs are chunks: they are filled first and stay
  // full, apart from the page slabs measured.
  const slices: number[] = [];
  for (let total = 0; slices.length === 0;) {
    const slice = k.slice_alloc(pool);
    if (stats().totalObjs - total === perSlab) slices.push(slice);
    total = stats().totalObjs;
  }
  while (slices.length < slabs * perSlab) slices.push(k.slice_alloc(pool));
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
  // The costliest calls move a slab between lists: a free that empties a
  // slab in the middle of the partial list gives it back to the page
  // allocator's hot list (24 accesses for 1024-byte slices, 4 a slab, their
  // bits in the slab's head; 25 for 64-byte ones, 63 a slab, their bitmap in
  // the slab's last two words, which the pool's record says where: one read
  // more on every call), and the allocation that needs a new slab takes it
  // from there again and lays out its head with its first slice taken (21
  // and 24 accesses: nothing it writes is read back). A free from a full
  // slab is 15 or 16 accesses (16 or 17), a plain allocation 11 (12) and a
  // plain free 11 (12). (A slab's head keeps its in-use count and its slices
  // in one word: an allocation and a free read it once, for their checks and
  // their work alike, as they do the bitmap word; the pool keeps no count of
  // its live slices, which its slabs' counts give.)
  const expected = {
    1024: { first: [[30, 28, 42, 22], [30, 32, 32, 22]], max: [42, 48] },
    64: { first: [[32, 30, 48, 24], [32, 34, 34, 24]], max: [48, 50] },
  };
  for (const objSize of [1024, 64] as const) {
    const { alloc, free } = measure(objSize, 10);
    assertEquals([alloc.slice(0, 4), free.slice(0, 4)], expected[objSize].first, `${objSize}`);
    assertEquals([Math.max(...alloc), Math.max(...free)], expected[objSize].max, `${objSize}`);
  }
});
