import { allPagesBack } from "./_helpers.ts";
import { assertEquals, assertThrows } from "./_assert.ts";
import {
  Board,
  boot,
  DoubleFreeError,
  GFP_DMA,
  GFP_KERNEL,
  InvalidFreeError,
  PAGE_SIZE,
} from "../mod.ts";

const MiB = 1024 * 1024;
const CHUNK = PAGE_SIZE / 4;

/** The page a slice lies in. */
const pageOf = (addr: number): number => addr - (addr % PAGE_SIZE);

Deno.test("sparse pools share a chunk page: four pools of a few slices hold one page", () => {
  const k = boot(new Board({ ramBytes: 4 * MiB }));
  const before = k.pagesInUse();
  const pools = [100, 200, 300].map((size) =>
    k.slice_pool_create(GFP_KERNEL, size, { name: `sparse-${size}` })!
  );
  const slices = pools.map((pool) => k.slice_alloc(pool));
  // The pool of pools' chunk (the records) and the three pools' chunks: one page.
  assertEquals(k.pagesInUse() - before, 1);
  assertEquals(new Set(slices.map(pageOf)).size, 1);
  // Each pool's slice is the first of its own chunk: a quarter page apart.
  assertEquals(slices.map((s) => s % PAGE_SIZE).sort((a, b) => a - b), [
    CHUNK,
    2 * CHUNK,
    3 * CHUNK,
  ]);
  for (const pool of pools) {
    const stats = k.poolStats(pool);
    assertEquals([stats.slabs, stats.activeObjs, stats.totalObjs], [
      1,
      1,
      Math.floor(992 / stats.slotSize),
    ]);
  }
  assertEquals(k.audit(), []);
  slices.forEach((s, i) => k.slice_free(s, pools[i]));
  pools.forEach((pool) => k.slice_pool_recycle(pool));
  assertEquals(k.audit(), []);
  allPagesBack(k);
});

Deno.test("a pool takes four slabs' worth of chunks its objects fill, then page slabs; emptied chunks go back", () => {
  const k = boot(new Board({ ramBytes: 4 * MiB }));
  const pool = k.slice_pool_create(GFP_KERNEL, 64, { name: "growing" })!;
  // 64-byte slices: 15 a chunk (960 of its 1,024 bytes: they fill it to 7/8),
  // 63 a page slab; four page slabs' worth of chunks is 16.
  const slices = Array.from({ length: 16 * 15 + 1 }, () => k.slice_alloc(pool));
  const stats = k.poolStats(pool);
  assertEquals([stats.slabs, stats.totalObjs, stats.objsPerSlab], [17, 16 * 15 + 63, 63]);
  assertEquals(stats.bytesWasted, 16 * CHUNK + PAGE_SIZE - 241 * 64);
  // The 241st slice opened a page slab: it starts a page.
  assertEquals(slices[240] % PAGE_SIZE, 0);
  assertEquals(k.audit(), []);
  const held = k.pagesInUse();
  // Its chunks are the last three of the page whose first is the pool of
  // pools' chunk, three pages whole and the first of a fifth: emptying them
  // gives four pages back, the first stays with the pool records.
  for (const s of slices.slice(0, 240)) k.slice_free(s, pool);
  assertEquals(k.poolStats(pool).slabs, 1);
  assertEquals(held - k.pagesInUse(), 4);
  assertEquals(k.audit(), []);
  k.slice_free(slices[240], pool);
  k.slice_pool_recycle(pool);
  allPagesBack(k);
});

Deno.test("a pool of objects that leave a chunk half empty takes one slab's worth of chunks", () => {
  const k = boot(new Board({ ramBytes: 4 * MiB }));
  // 600-byte slices: 1 a chunk (424 of its bytes unused), 6 a page slab.
  const pool = k.slice_pool_create(GFP_KERNEL, 600, { name: "loose" })!;
  const slices = Array.from({ length: 5 }, () => k.slice_alloc(pool));
  const stats = k.poolStats(pool);
  // Four chunks of one slice, then a page slab of six.
  assertEquals([stats.slabs, stats.totalObjs, stats.objsPerSlab], [5, 4 + 6, 6]);
  assertEquals(k.audit(), []);
  slices.forEach((s) => k.slice_free(s, pool));
  k.slice_pool_recycle(pool);
  allPagesBack(k);
});

Deno.test("a chunk page refuses what a slab refuses: a free chunk, another pool's slice, a double free", () => {
  const k = boot(new Board({ ramBytes: 4 * MiB }));
  const a = k.slice_pool_create(GFP_KERNEL, 40, { name: "a" })!;
  const b = k.slice_pool_create(GFP_KERNEL, 40, { name: "b" })!;
  const sa = k.slice_alloc(a);
  const sb = k.slice_alloc(b);
  assertEquals(pageOf(sa), pageOf(sb), "both chunks on the page of the pool of pools' chunk");
  const freeChunk = pageOf(sa) + 3 * CHUNK;
  const snapshot = k.board.snapshot();
  assertThrows(() => k.slice_free(sb, a), InvalidFreeError, "belongs to pool 'b'");
  assertThrows(() => k.slice_free(freeChunk, a), InvalidFreeError, "its chunk is in no slab");
  assertThrows(() => k.slice_free(sa + 40, a), DoubleFreeError, "not in use");
  // The chunk's head, past its last slice: no slice boundary.
  assertThrows(() => k.slice_free(sa + 24 * 40, a), InvalidFreeError, "boundary");
  assertThrows(() => k.gfree(sa), InvalidFreeError, "not a generic block");
  assertEquals(k.board.snapshot(), snapshot, "RAM unchanged by the refusals");
  assertEquals(k.audit(), []);
});

Deno.test("DMA pools take chunks of DMA pages, apart from the others", () => {
  const k = boot(new Board({ ramBytes: 32 * MiB }));
  const normal = k.slice_pool_create(GFP_KERNEL, 100, { name: "normal" })!;
  const dma = k.slice_pool_create(GFP_DMA, 100, { name: "dma" })!;
  const sn = k.slice_alloc(normal);
  const sd = k.slice_alloc(dma);
  assertEquals(pageOf(sn) === pageOf(sd), false);
  assertEquals(k.galloc(GFP_DMA, 100) !== 0, true);
  assertEquals(k.audit(), []);
});

Deno.test("the audit finds a chunk page's corrupted mask", () => {
  const k = boot(new Board({ ramBytes: 4 * MiB }));
  const pool = k.slice_pool_create(GFP_KERNEL, 40, { name: "victim" })!;
  const slice = k.slice_alloc(pool);
  const page = k.addr_to_page(slice);
  const mask = k.board.read32(page + 0x0C);
  k.board.write32(page + 0x0C, mask | 0x10);
  assertEquals(k.audit().some((p) => p.includes("chunk mask")), true);
  k.board.write32(page + 0x0C, mask);
  assertEquals(k.audit(), []);
});

Deno.test("a sparse pool of larger objects takes order-0 slabs before slabs of its order", () => {
  const k = boot(new Board({ ramBytes: 4 * MiB }));
  // 2,080-byte objects: 3 to a slab of 2 pages, 1 to a page.
  const pool = k.slice_pool_create(GFP_KERNEL, 2080, { name: "task" })!;
  const before = k.pagesInUse();
  const slices = Array.from({ length: 5 }, () => k.slice_alloc(pool));
  // Two one-page slabs (a slab's worth of pages), then a 2-page slab of 3.
  assertEquals(k.pagesInUse() - before, 1 + 1 + 2);
  const stats = k.poolStats(pool);
  assertEquals([stats.slabs, stats.totalObjs, stats.pagesPerSlab], [3, 1 + 1 + 3, 2]);
  assertEquals(stats.bytesWasted, 4 * PAGE_SIZE - 5 * 2080);
  assertEquals(k.audit(), []);
  // The small slabs empty and go back; a pool that holds a slab of its
  // order takes its next slab of that order.
  k.slice_free(slices[0], pool);
  assertEquals(k.pagesInUse() - before, 3);
  k.slice_free(slices[1], pool);
  k.slice_alloc(pool);
  assertEquals(k.pagesInUse() - before, 2 + 2);
  assertEquals([k.poolStats(pool).slabs, k.poolStats(pool).totalObjs], [2, 6]);
  assertEquals(k.audit(), []);
});

Deno.test("a large block's last page is lent to the chunk slabs, and taken back when both are freed", () => {
  const k = boot(new Board({ ramBytes: 4 * MiB }));
  const start = k.pagesInUse();
  // 9,208 bytes: 2 pages and 1,016 bytes, so the block holds its third page's
  // first chunk; the other three are chunks as any.
  const block = k.galloc(GFP_KERNEL, 9208);
  assertEquals(k.gsize(block), 2 * PAGE_SIZE + CHUNK);
  assertEquals(k.pagesInUse() - start, 3);
  const tail = block + 2 * PAGE_SIZE;
  const pools = [100, 200, 300].map((size) =>
    k.slice_pool_create(GFP_KERNEL, size, { name: `sparse-${size}` })!
  );
  const slices = pools.map((pool) => k.slice_alloc(pool));
  // The pool of pools' chunk and two of the pools' chunks fill the lent
  // page's three chunks; the third pool's chunk opens a new chunk page.
  assertEquals(slices.filter((s) => pageOf(s) === tail).length, 2);
  assertEquals(k.pagesInUse() - start, 4);
  assertEquals(k.audit(), []);
  // The block's end is no slice and no block of its own.
  const snapshot = k.board.snapshot();
  assertThrows(() => k.slice_free(tail, pools[0]), InvalidFreeError, "its chunk is in no slab");
  assertThrows(() => k.gfree(tail), InvalidFreeError, "held by the slice allocator");
  assertThrows(
    () => k.gfree(block + PAGE_SIZE),
    InvalidFreeError,
    "lies inside the allocated order-1 pile",
  );
  assertEquals(k.board.snapshot(), snapshot, "RAM unchanged by the refusals");
  // The block goes; its last page stays, a chunk page of the slabs it holds.
  k.gfree(block);
  assertEquals(k.pagesInUse() - start, 2);
  assertEquals(k.audit(), []);
  assertThrows(() => k.gfree(block), DoubleFreeError);
  // Its first chunk is free again: the next chunk is there.
  const more = k.slice_pool_create(GFP_KERNEL, 400, { name: "more" })!;
  assertEquals(k.slice_alloc(more), tail);
  for (const [i, slice] of slices.entries()) k.slice_free(slice, pools[i]);
  k.slice_free(tail, more);
  for (const pool of [...pools, more]) k.slice_pool_recycle(pool);
  allPagesBack(k);
});

Deno.test("a large block freed before the chunks lent from it, and the other way round, in each zone", () => {
  const cases: [boolean, number][] = [[true, GFP_KERNEL], [false, GFP_KERNEL], [true, GFP_DMA]];
  for (const [blockFirst, zone] of cases) {
    const k = boot(new Board({ ramBytes: 32 * MiB }));
    // No chunk page yet: the pool's chunk is a lent one (for GFP_KERNEL the
    // pool of pools' is too).
    const block = k.galloc(zone, 12 * 1024 + 100);
    const pool = k.slice_pool_create(zone, 64, { name: "p" })!;
    const slice = k.slice_alloc(pool);
    assertEquals(pageOf(slice), block + 3 * PAGE_SIZE, "the pool's chunk on the block's last page");
    if (blockFirst) k.gfree(block);
    k.slice_free(slice, pool);
    if (!blockFirst) k.gfree(block);
    assertEquals(k.audit(), []);
    k.slice_pool_recycle(pool);
    allPagesBack(k);
  }
});

Deno.test("chunks come from a lent page only when no other chunk page has room", () => {
  const k = boot(new Board({ ramBytes: 4 * MiB }));
  const pools = ["a", "b", "c", "d"].map((name) => k.slice_pool_create(GFP_KERNEL, 100, { name })!);
  const block = k.galloc(GFP_KERNEL, 9208);
  const lent = block + 2 * PAGE_SIZE;
  // The pool of pools' chunk opened a chunk page: its three other chunks first.
  const slices = pools.map((pool) => k.slice_alloc(pool));
  assertEquals(slices.slice(0, 3).map(pageOf), [0, 1, 2].map(() => pageOf(slices[0])));
  assertEquals(pageOf(slices[0]) === lent, false);
  assertEquals(pageOf(slices[3]), lent);
  assertEquals(k.audit(), []);
});

Deno.test("the audit finds a lent page marked for the other zone's list", () => {
  const k = boot(new Board({ ramBytes: 4 * MiB }));
  const block = k.galloc(GFP_KERNEL, 9208);
  const page = k.addr_to_page(block + 2 * PAGE_SIZE);
  const mask = k.board.read32(page + 0x0C);
  k.board.write32(page + 0x0C, mask | 0x100); // "lent on the DMA list": it is on GFP_KERNEL's
  assertEquals(k.audit().some((p) => p.includes("is on the wrong list")), true);
  k.board.write32(page + 0x0C, mask);
  assertEquals(k.audit(), []);
});
