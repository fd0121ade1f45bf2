import { allPagesBack } from "./_helpers.ts";
import { assertEquals, assertThrows } from "./_assert.ts";
import { Board, boot, DoubleFreeError, GFP_KERNEL, InvalidFreeError, PAGE_SIZE } from "../mod.ts";

const MiB = 1024 * 1024;
/** Linux 6.1's task_struct: one to an order-2 slab (49% of it unused), three to an order-3 one. */
const TASK = 8392;

Deno.test("a busy pool's slabs grow: after 9 order-2 slabs of one task_struct, order-3 slabs of 3", () => {
  const k = boot(new Board({ ramBytes: 8 * MiB }));
  const pool = k.slice_pool_create(GFP_KERNEL, TASK, { name: "task_struct" })!;
  const before = k.pagesInUse();
  const tasks = Array.from({ length: 9 }, () => k.slice_alloc(pool));
  assertEquals(k.pagesInUse() - before, 9 * 4);
  // Nine slabs waste 9 x 7,992 bytes, more than two order-3 slabs: the next is one.
  tasks.push(k.slice_alloc(pool));
  assertEquals(k.pagesInUse() - before, 9 * 4 + 8);
  tasks.push(k.slice_alloc(pool), k.slice_alloc(pool));
  assertEquals(k.pagesInUse() - before, 9 * 4 + 8, "the large slab holds three");
  const stats = k.poolStats(pool);
  assertEquals([stats.slabs, stats.totalObjs, stats.activeObjs], [10, 9 + 3, 12]);
  assertEquals(stats.pagesPerSlab, 4, "slabinfo shows the pool's own order");
  assertEquals(stats.bytesWasted, (9 * 4 + 8) * PAGE_SIZE - 12 * TASK);
  // The large slab's slices follow one another across its pages.
  assertEquals([tasks[10] - tasks[9], tasks[11] - tasks[10]], [TASK, TASK]);
  assertEquals(k.audit(), []);
  // Its third slice starts in its fifth page: a tail page leads to the head.
  const third = tasks[11];
  assertEquals(Math.floor((third - tasks[9]) / PAGE_SIZE), 4);
  const snapshot = k.board.snapshot();
  assertThrows(() => k.slice_free(third + 8, pool), InvalidFreeError, "boundary");
  assertThrows(() => k.gfree(third), InvalidFreeError, "not a generic block");
  assertEquals(k.board.snapshot(), snapshot, "RAM unchanged by the refusals");
  k.slice_free(third, pool);
  const freed = k.board.snapshot();
  assertThrows(() => k.slice_free(third, pool), DoubleFreeError, "not in use");
  assertEquals(k.board.snapshot(), freed, "RAM unchanged by the refused double free");
  tasks.splice(11, 1);
  assertEquals(k.audit(), []);
  for (const task of tasks) k.slice_free(task, pool);
  assertEquals(k.poolStats(pool).slabs, 0);
  k.slice_pool_recycle(pool);
  allPagesBack(k);
});

Deno.test("a pool that shrinks below the count takes slabs of its own order again", () => {
  const k = boot(new Board({ ramBytes: 8 * MiB }));
  const pool = k.slice_pool_create(GFP_KERNEL, TASK, { name: "task_struct" })!;
  const tasks = Array.from({ length: 12 }, () => k.slice_alloc(pool));
  // Free eight of the nine order-2 slabs: the pool holds 2 slabs, one large.
  for (const task of tasks.slice(0, 8)) k.slice_free(task, pool);
  assertEquals(k.poolStats(pool).slabs, 2);
  // Both are full: the next slice takes a new slab, of the pool's order.
  const before = k.pagesInUse();
  k.slice_alloc(pool);
  assertEquals(k.pagesInUse() - before, 4, "an order-2 slab");
  assertEquals(k.audit(), []);
});

Deno.test("pools of small objects grow late, and only where a larger slab wastes less", () => {
  const k = boot(new Board({ ramBytes: 8 * MiB }));
  // 632-byte objects (Linux 6.1's inodes of procfs): 6 to a page, 304 bytes
  // left; after 108 pages' tails, order-2 slabs of 25.
  const inode = k.slice_pool_create(GFP_KERNEL, 632, { name: "inode" })!;
  // 1,024-byte objects fill a page exactly: no larger slab would waste less.
  const exact = k.slice_pool_create(GFP_KERNEL, 1024, { name: "exact" })!;
  const chunks = 4; // a chunk each, until they hold a page's worth
  for (let i = 0; i < chunks + 108 * 6; i++) k.slice_alloc(inode);
  const stats = k.poolStats(inode);
  assertEquals([stats.slabs, stats.totalObjs], [chunks + 108, chunks + 108 * 6]);
  k.slice_alloc(inode);
  assertEquals([k.poolStats(inode).slabs, k.poolStats(inode).totalObjs], [
    chunks + 109,
    chunks + 108 * 6 + 25,
  ]);
  for (let i = 0; i < 400; i++) k.slice_alloc(exact);
  assertEquals(k.poolStats(exact).totalObjs, 400);
  assertEquals(k.audit(), []);
});

Deno.test("the audit finds a pool's miscounted large slabs", () => {
  const k = boot(new Board({ ramBytes: 8 * MiB }));
  const pool = k.slice_pool_create(GFP_KERNEL, TASK, { name: "task_struct" })!;
  for (let i = 0; i < 10; i++) k.slice_alloc(pool);
  const counts = pool.address + 0x28; // the record's slab counts: large ones in bits 16-31
  const word = k.board.read32(counts);
  assertEquals(word, 9 | (1 << 16));
  k.board.write32(counts, 9 | (2 << 16));
  // The live slices stats give follow the counts: the audit reports both.
  assertEquals(k.audit(), [
    `pool 'task_struct' (id ${pool.id}): nr_large says 2, mem_map holds 1`,
    `pool 'task_struct' (id ${pool.id}): stats would say 13 live slices, its slabs hold 10`,
  ]);
  k.board.write32(counts, word);
  assertEquals(k.audit(), []);
});

Deno.test("a pool takes a slab of its own order when no pile is large enough for a large one", () => {
  const k = boot(new Board({ ramBytes: 1 * MiB }));
  const pool = k.slice_pool_create(GFP_KERNEL, TASK, { name: "task_struct" })!;
  for (let i = 0; i < 9; i++) k.slice_alloc(pool);
  // Hold every free pile but order-2 ones, one page of each order-3 pile and up.
  const held: number[] = [];
  for (let order = 10; order >= 3; order--) {
    for (let page = k.alloc_pages(GFP_KERNEL, order); page !== 0;) {
      held.push(page);
      page = k.alloc_pages(GFP_KERNEL, order);
    }
  }
  const pile = k.alloc_pages(GFP_KERNEL, 2);
  k.free_pages(pile);
  assertEquals(k.alloc_pages(GFP_KERNEL, 3), 0, "no order-3 pile is left");
  const before = k.pagesInUse();
  assertEquals(k.slice_alloc(pool) !== 0, true);
  assertEquals(k.pagesInUse() - before, 4, "an order-2 slab");
  assertEquals(k.poolStats(pool).totalObjs, 10);
  assertEquals(k.audit(), []);
});
