import { allPagesBack } from "./_helpers.ts";
import { CLASS_BYTES, G_CLASS_POOLS, G_VMAP_POOL } from "../core/pagepile/layout.ts";
import { CLASS_SIZES } from "../core/pagepile/size_classes.ts";
import { assertEquals, assertThrows, type ErrorClass } from "./_assert.ts";
import { Shadow } from "./_shadow.ts";
import {
  Board,
  boot,
  BusFault,
  DoubleFreeError,
  GFP_DMA,
  GFP_KERNEL,
  GFP_ZERO,
  InvalidAddressError,
  InvalidArgumentError,
  InvalidFreeError,
  type KernelError,
  PAGE_SIZE,
  RAM_BASE,
  ZERO_SIZE_PTR,
} from "../mod.ts";

const MiB = 1024 * 1024;

Deno.test("the generic classes' records, two zones of them, end before the vmap-area pool's", () => {
  // Each class record is a pool record and the class's counters, CLASS_BYTES apart in the globals.
  assertEquals(G_CLASS_POOLS + 2 * CLASS_SIZES.length * CLASS_BYTES <= G_VMAP_POOL, true);
});

Deno.test("galloc() passes the original kernel's test_galloc", () => {
  const board = new Board({ ramBytes: 64 * MiB });
  const k = boot(board);
  const shadow = new Shadow(board);
  const take = (size: number): number => {
    const addr = k.galloc(GFP_KERNEL, size);
    if (size === 0) assertEquals(addr, ZERO_SIZE_PTR);
    else shadow.add(addr, k.gsize(addr), 8);
    assertEquals(k.gsize(addr) >= size, true);
    return addr;
  };
  const give = (addr: number): void => {
    if (addr !== ZERO_SIZE_PTR) shadow.remove(addr);
    k.gfree(addr);
  };
  // 2044 chunks of 0..2043 bytes; free the even ones, then the odd ones.
  const chunks = Array.from({ length: 2044 }, (_, size) => take(size));
  shadow.verifyAll();
  for (let i = 0; i < chunks.length; i += 2) give(chunks[i]);
  shadow.verifyAll();
  for (let i = 1; i < chunks.length; i += 2) give(chunks[i]);
  assertEquals(k.audit(), []);
  // 100 chunks of 0..99 pages.
  const big = Array.from({ length: 100 }, (_, pages) => take(pages * PAGE_SIZE));
  shadow.verifyAll();
  big.forEach(give);
  assertEquals(shadow.size, 0);
  allPagesBack(k);
});

Deno.test("galloc() puts no header in front of objects: an 8-byte object costs 8 bytes", () => {
  const k = boot(new Board({ ramBytes: 4 * MiB }));
  // The class's first 128 blocks are in 4 chunks of 32, the next 504 in one page slab.
  const blocks = Array.from({ length: 128 + 504 }, () => k.galloc(GFP_KERNEL, 8));
  const pool = k.stats().slices.find((p) => p.name === "galloc-8")!;
  assertEquals([pool.slabs, pool.activeObjs, pool.objsPerSlab], [5, 632, 504]);
  for (let i = 1; i < blocks.length; i++) {
    if (i % 32 !== 0 || i > 128) assertEquals(blocks[i] - blocks[i - 1], 8, `block ${i}`);
  }
  assertEquals(k.gsize(blocks[0]), 8);
  blocks.forEach((b) => k.gfree(b));
  allPagesBack(k);
});

Deno.test("galloc() classes round up by at most 25% past 64 bytes, far less than Linux's", () => {
  const k = boot(new Board({ ramBytes: 4 * MiB }));
  const linux = [8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192];
  let ours = 0;
  let theirs = 0;
  for (let size = 1; size <= 8192; size++) {
    const addr = k.galloc(GFP_KERNEL, size);
    const usable = k.gsize(addr);
    k.gfree(addr);
    assertEquals(usable >= size && usable % 8 === 0, true);
    if (size > 64) assertEquals((usable - size) / size < 0.25, true, `size ${size} got ${usable}`);
    ours += usable - size;
    theirs += linux.find((c) => c >= size)! - size;
  }
  // Mean bytes lost to rounding per request, over every size 1..8192: a
  // quarter of what Linux's classes lose.
  assertEquals([Math.round(ours / 8192), Math.round(theirs / 8192)], [341, 1364]);
  allPagesBack(k);
});

Deno.test("galloc() takes exactly the pages a large request needs and gives the rest back", () => {
  const k = boot(new Board({ ramBytes: 8 * MiB }));
  const free = k.stats().pages.free;
  // 244 pages: a pile of 256 split into runs of 128, 64, 32, 16 and 4 kept, 12 given back.
  const block = k.galloc(GFP_KERNEL, 244 * PAGE_SIZE - 100);
  assertEquals(k.gsize(block), 244 * PAGE_SIZE);
  assertEquals(k.stats().pages.free, free - 244);
  assertEquals(k.audit(), []);
  const pow2 = k.galloc(GFP_KERNEL, 16 * PAGE_SIZE);
  assertEquals([k.gsize(pow2), k.stats().pages.free], [16 * PAGE_SIZE, free - 260]);
  k.gfree(block);
  k.gfree(pow2);
  assertEquals(k.stats().pages.free, free);
  allPagesBack(k);
});

Deno.test("galloc() cuts a large block from adjacent free piles when no pile is large enough", () => {
  const board = new Board({ ramBytes: 2 * MiB });
  const k = boot(board);
  const taken: number[] = [];
  for (let a = k.get_page(GFP_KERNEL); a !== 0; a = k.get_page(GFP_KERNEL)) taken.push(a);
  taken.sort((a, b) => a - b);
  const indexOf = (addr: number): number => (addr - RAM_BASE) / PAGE_SIZE;
  // Free pages [s, s + 12) with s one past a multiple of 16: piles of order 0, 1, 2, 2 and 0
  // (17, 18-19, 20-23, 24-27, 28), no two of them buddies, and none of order 4.
  const at = taken.findIndex((addr) => indexOf(addr) % 16 === 1);
  const stretch = taken.splice(at, 12);
  assertEquals(indexOf(stretch[11]) - indexOf(stretch[0]), 11);
  for (const addr of stretch) {
    board.fill32(addr, PAGE_SIZE / 4, 0xDEADBEEF);
    k.put_page(addr);
  }
  assertEquals(k.stats().pages.freeByOrder.slice(0, 4), [2, 1, 2, 0]);
  // Two stretches of 6, apart: 12 pages free, but no 12 adjacent ones: refused, nothing changed.
  const apart = [...taken.splice(taken.length - 6, 6), ...taken.splice(0, 6)];
  apart.forEach((addr) => k.put_page(addr));
  const before = k.stats().pages;
  assertEquals(k.galloc(GFP_KERNEL, 13 * PAGE_SIZE), 0);
  assertEquals(k.stats().pages, before);
  assertEquals(k.audit(), []);
  // 12 pages: the first stretch, zeroed, its 12 pages taken and no more.
  const block = k.galloc(GFP_KERNEL | GFP_ZERO, 12 * PAGE_SIZE - 100);
  assertEquals(block, stretch[0]);
  assertEquals(k.gsize(block), 12 * PAGE_SIZE);
  assertEquals(k.stats().pages.free, before.free - 12);
  for (let a = block; a < block + 12 * PAGE_SIZE; a += 4) assertEquals(board.read32(a), 0);
  assertEquals(k.audit(), []);
  // Freed, the run (aligned piles of 1, 2, 4, 4 and 1 pages) merges back like any other.
  k.gfree(block);
  assertEquals(k.stats().pages.free, before.free);
  taken.forEach((addr) => k.put_page(addr));
  allPagesBack(k);
});

Deno.test("galloc(flags, 0) returns ZERO_SIZE_PTR, which gfree accepts and any access faults on", () => {
  const board = new Board({ ramBytes: 1 * MiB });
  const k = boot(board);
  assertEquals(k.galloc(GFP_KERNEL, 0), ZERO_SIZE_PTR);
  assertEquals(ZERO_SIZE_PTR, 0x10);
  assertEquals(k.gsize(ZERO_SIZE_PTR), 0);
  k.gfree(ZERO_SIZE_PTR);
  k.gfree(0); // NULL, as kfree(NULL)
  assertThrows(() => board.read8(ZERO_SIZE_PTR), BusFault);
  assertThrows(() => board.write32(ZERO_SIZE_PTR, 1), BusFault);
  assertEquals(k.audit(), []);
});

Deno.test("galloc() honours GFP_ZERO and GFP_DMA, for class and large blocks alike", () => {
  const board = new Board({ ramBytes: 32 * MiB });
  const k = boot(board);
  const dmaEnd = RAM_BASE + 16 * MiB;
  for (const size of [100, 20000]) {
    const dirty = k.galloc(GFP_KERNEL, size);
    for (let a = dirty; a < dirty + k.gsize(dirty); a += 4) board.write32(a, 0xA5A5A5A5);
    k.gfree(dirty);
    const zeroed = k.galloc(GFP_KERNEL | GFP_ZERO, size);
    assertEquals(zeroed, dirty);
    for (let a = zeroed; a < zeroed + k.gsize(zeroed); a += 4) assertEquals(board.read32(a), 0);
    assertEquals(k.galloc(GFP_DMA, size) < dmaEnd, true);
    assertEquals(k.galloc(GFP_KERNEL, size) >= dmaEnd, true);
  }
  assertEquals(k.stats().slices.find((p) => p.name === "galloc-dma-112")!.activeObjs, 1);
  assertEquals(k.audit(), []);
});

Deno.test("stats().generic reports requested and allocated bytes per class, and large blocks", () => {
  const k = boot(new Board({ ramBytes: 4 * MiB }));
  const blocks = [100, 101, 112, 10000, 9000].map((n) => k.galloc(GFP_KERNEL, n));
  k.gfree(blocks[0]);
  const { classes, large } = k.stats().generic;
  const c112 = classes.find((c) => c.size === 112 && c.zone === "Normal")!;
  assertEquals(c112, {
    size: 112,
    zone: "Normal",
    allocs: 3,
    requestedBytes: 313,
    allocatedBytes: 336,
    liveBlocks: 2,
    liveBytes: 224,
  });
  // 10000 bytes take 2 pages and 2 chunks of a third (not a pile of 4), the
  // third's other chunks lent to the chunk slabs; 9000 bytes 2 pages and 1 chunk.
  assertEquals(large, { liveBlocks: 2, livePages: 4, allocs: 2, requestedBytes: 19000 });
  assertEquals([k.gsize(blocks[3]), k.gsize(blocks[4])], [10240, 9216]);
  assertEquals(k.gshrink(), 0); // both slabs in use
});

Deno.test("every generic-allocator misuse raises its typed error and changes nothing", () => {
  const board = new Board({ ramBytes: 2 * MiB });
  const k = boot(board);
  const pool = k.slice_pool_create(GFP_KERNEL, 40, { name: "mine" })!;
  const slice = k.slice_alloc(pool);
  const page = k.get_page(GFP_KERNEL);
  const small = k.galloc(GFP_KERNEL, 40);
  const freed = k.galloc(GFP_KERNEL, 40);
  k.gfree(freed);
  const large = k.galloc(GFP_KERNEL, 3 * PAGE_SIZE);
  const largeFreed = k.galloc(GFP_KERNEL, 3 * PAGE_SIZE);
  k.gfree(largeFreed);
  const poolRecord = pool.address;
  const cases: [string, () => unknown, ErrorClass<KernelError>, string][] = [
    ["inside a block", () => k.gfree(small + 8), InvalidFreeError, "not at a slice boundary"],
    ["double free", () => k.gfree(freed), DoubleFreeError, "double free"],
    ["inside a large block", () => k.gfree(large + PAGE_SIZE), InvalidFreeError, "does not start"],
    [
      "the 2nd pile of a large block",
      () => k.gfree(large + 2 * PAGE_SIZE),
      InvalidFreeError,
      "inside a larger block",
    ],
    [
      "unaligned large",
      () => k.gfree(large + 8),
      InvalidFreeError,
      "does not start a generic block",
    ],
    ["large double free", () => k.gfree(largeFreed), DoubleFreeError, "double free"],
    ["a slice of a caller's pool", () => k.gfree(slice), InvalidFreeError, "slice pool 'mine'"],
    ["a pool record", () => k.gfree(poolRecord), InvalidFreeError, "pool-of-pools"],
    ["a page-allocator page", () => k.gfree(page), InvalidFreeError, "page allocator's callers"],
    ["a firmware page", () => k.gfree(RAM_BASE), InvalidFreeError, "firmware"],
    ["outside RAM", () => k.gfree(0x1000), InvalidAddressError, "outside RAM"],
    ["gsize of a freed block", () => k.gsize(freed), InvalidFreeError, "not a live block"],
    ["gsize of NULL", () => k.gsize(0), InvalidAddressError, "outside RAM"],
    ["negative size", () => k.galloc(GFP_KERNEL, -1), InvalidArgumentError, "size -1"],
    ["fractional size", () => k.galloc(GFP_KERNEL, 2.5), InvalidArgumentError, "size 2.5"],
    ["bad flags", () => k.galloc(2, 8), InvalidArgumentError, "zone 2"],
  ];
  for (const [name, misuse, ErrorClass, text] of cases) {
    const before = board.snapshot();
    assertThrows(misuse, ErrorClass, text);
    assertEquals(board.snapshot(), before, `${name} changed RAM`);
  }
  // Too large for any pile: out of memory, not misuse.
  assertEquals(k.galloc(GFP_KERNEL, 5 * MiB), 0);
  assertEquals(k.audit(), []);
  k.gfree(small);
  k.gfree(large);
  k.slice_free(slice, pool);
  k.slice_pool_recycle(pool);
  k.put_page(page);
  allPagesBack(k);
});
