import { allPagesBack, promisedAlign } from "./_helpers.ts";
import {
  MAX_SLICE_SIZE,
  slabGeometry,
  smallSlabs,
  smallSlabsHeld,
  smallSlabsLimit,
  SPARSE_SLAB_ORDER,
  STRUCT_PAGE_BITMAP_SLICES,
} from "../core/pagepile/slab_geometry.ts";
import { assertEquals, assertThrows, type ErrorClass } from "./_assert.ts";
import { Shadow } from "./_shadow.ts";
import {
  Board,
  boot,
  DoubleFreeError,
  formatSlabinfo,
  GFP_KERNEL,
  GFP_ZERO,
  InvalidAddressError,
  InvalidArgumentError,
  InvalidFreeError,
  type KernelError,
  PAGE_SIZE,
  PoolBusyError,
  RAM_BASE,
  SlicePool,
} from "../mod.ts";

const MiB = 1024 * 1024;

Deno.test("slice_alloc() passes the original kernel's test_slice_alloc for sizes 4, 40 and 200", () => {
  const board = new Board({ ramBytes: 8 * MiB });
  const k = boot(board);
  for (const size of [4, 40, 200]) {
    const pool = k.slice_pool_create(GFP_KERNEL, size, { name: `test-${size}` })!;
    const shadow = new Shadow(board);
    const slices: number[] = [];
    const take = (i: number): void => {
      slices[i] = k.slice_alloc(pool);
      shadow.add(slices[i], size, promisedAlign(size));
    };
    const give = (i: number): void => {
      shadow.remove(slices[i]);
      k.slice_free(slices[i], pool);
    };
    for (let i = 0; i < 1024; i++) take(i);
    for (let i = 0; i < 1024; i += 2) give(i);
    for (let i = 0; i < 1024; i += 2) take(i);
    shadow.verifyAll();
    assertEquals(new Set(slices).size, 1024);
    for (let i = 1; i < 1024; i += 2) give(i);
    for (let i = 0; i < 1024; i += 2) give(i);
    assertEquals(k.audit(), []);
    k.slice_pool_recycle(pool);
  }
  allPagesBack(k);
});

Deno.test("a slab keeps its bitmap in its last words exactly when it holds more than 32 slices", () => {
  // The slice allocator finds a slab's bitmap by its slices alone, with no
  // read of the pool's record for one whose bits are in its head. 124-byte
  // slots fit 33 to a page, but not with a bitmap word: 32, bits in the head.
  for (let size = 1; size <= MAX_SLICE_SIZE; size++) {
    const { objs, bitmapOffset } = slabGeometry(size, 4096);
    assertEquals(bitmapOffset !== 0, objs > STRUCT_PAGE_BITMAP_SLICES, `${size}-byte objects`);
  }
  assertEquals(slabGeometry(124, 4096).objs, 32);
});

Deno.test("a pool's small-slabs word leaves bits 24-31 to the count of small slabs it holds", () => {
  // The pool counts its small slabs in the word's top byte, below which the
  // number it may take lies: for every object size, that number fits bits
  // 16-23 (16 at most) and the count starts at 0.
  let most = 0;
  for (let size = 1; size <= MAX_SLICE_SIZE; size++) {
    const word = smallSlabs(slabGeometry(size, 4096), 4096);
    assertEquals(smallSlabsHeld(word), 0, `${size}-byte objects`);
    most = Math.max(most, smallSlabsLimit(word));
  }
  assertEquals(most, 16);
});

Deno.test("slice_pool_create() takes slabs of order 1 at most, unless that wastes over 1/8 or holds no slice", () => {
  const k = boot(new Board({ ramBytes: 8 * MiB }));
  for (let size = 8; size <= 8192; size++) {
    const pool = k.slice_pool_create(GFP_KERNEL, size)!;
    const stats = k.stats().slices.find((p) => p.address === pool.address)!;
    const slabBytes = stats.pagesPerSlab * PAGE_SIZE;
    // Waste: the tail no slot fits in, plus the in-use bitmap when it is kept in the slab.
    const waste = slabBytes - stats.objsPerSlab * stats.slotSize;
    const order = Math.log2(stats.pagesPerSlab);
    // The smallest order that holds a slice with at most 1/8 of waste; past
    // order 1 (SPARSE_SLAB_ORDER), the smallest that holds a slice at all.
    const holdsOne = Math.max(0, Math.ceil(Math.log2(stats.slotSize / PAGE_SIZE)));
    const expected = waste * 8 <= slabBytes && order <= 1
      ? order
      : Math.max(holdsOne, Math.min(order, SPARSE_SLAB_ORDER));
    assertEquals(order, expected, `${size}-byte objects: order ${order}, waste ${waste}`);
    assertEquals(order <= SPARSE_SLAB_ORDER || stats.objsPerSlab === 1, true, `${size} bytes`);
    if (order > 0) {
      // No smaller slab would have done as well: it held no slice, or wasted over 1/8.
      const smaller = Math.floor((slabBytes / 2) / stats.slotSize);
      const smallerWaste = slabBytes / 2 - smaller * stats.slotSize;
      assertEquals(smaller === 0 || smallerWaste * 8 > slabBytes / 2, true, `${size} bytes`);
    }
    assertEquals(stats.slotSize - size < 8, true);
    k.slice_pool_recycle(pool);
  }
  allPagesBack(k);
});

Deno.test("slice_alloc() aligns slices to 8 bytes, 4 under 8, and powers of two to themselves", () => {
  const k = boot(new Board({ ramBytes: 8 * MiB }));
  const sizes = [1, 2, 3, 4, 5, 7, 8, 12, 24, 40, 100, 200, 1000, 3000, 5000, 8192, 32768];
  for (let shift = 0; shift <= 12; shift++) sizes.push(1 << shift);
  for (const size of sizes) {
    const pool = k.slice_pool_create(GFP_KERNEL, size)!;
    const slices = Array.from({ length: 40 }, () => k.slice_alloc(pool));
    for (const slice of slices) {
      assertEquals(slice % promisedAlign(size), 0, `${size}-byte slice at 0x${slice.toString(16)}`);
    }
    for (const slice of slices) k.slice_free(slice, pool);
    k.slice_pool_recycle(pool);
  }
  allPagesBack(k);
});

Deno.test("a pool gives each slab back as it empties, slice_pool_shrink() finds none, and GFP_ZERO pools zero slices", () => {
  const board = new Board({ ramBytes: 4 * MiB });
  const k = boot(board);
  const pool = k.slice_pool_create(GFP_KERNEL | GFP_ZERO, 1000, { name: "zeroed" })!;
  const slices = Array.from({ length: 40 }, () => k.slice_alloc(pool)); // 10 slabs of 4
  const stats = (): { slabs: number; emptySlabs: number; activeObjs: number } =>
    k.stats().slices.find((p) => p.name === "zeroed")!;
  assertEquals([stats().slabs, stats().activeObjs], [10, 40]);
  const free = k.stats().pages.free;
  // Leave one slice in each of the first two slabs; the other eight slabs go back as they empty.
  slices.forEach((slice, i) => (i === 0 || i === 4 || k.slice_free(slice, pool)));
  assertEquals([stats().slabs, stats().emptySlabs, stats().activeObjs], [2, 0, 2]);
  assertEquals(k.stats().pages.free, free + 8);
  assertEquals(k.slice_pool_shrink(pool), 0);
  assertEquals(k.audit(), []);
  // A slice is zeroed even where an earlier one was written: a slab that
  // stays partial hands its last freed slice out first.
  const dirty = k.slice_alloc(pool);
  for (let a = dirty; a < dirty + 1000; a += 4) board.write32(a, 0xFFFFFFFF);
  k.slice_free(dirty, pool);
  const again = k.slice_alloc(pool);
  assertEquals(again, dirty);
  for (let a = again; a < again + 1000; a += 4) assertEquals(board.read32(a), 0);
  assertEquals(k.audit(), []);
});

Deno.test("stats().slices and formatSlabinfo() report each pool like /proc/slabinfo", () => {
  const k = boot(new Board({ ramBytes: 4 * MiB }));
  const pool = k.slice_pool_create(GFP_KERNEL, 200, { name: "dentry" })!;
  for (let i = 0; i < 30; i++) k.slice_alloc(pool);
  const dentry = k.stats().slices.find((p) => p.name === "dentry")!;
  // 200-byte objects: the pool's first 16 in 4 chunks (a quarter page each,
  // 4 slices), the next in a one-page slab of 20, its bitmap in the struct page.
  assertEquals(
    {
      objSize: dentry.objSize,
      objsPerSlab: dentry.objsPerSlab,
      pagesPerSlab: dentry.pagesPerSlab,
      activeObjs: dentry.activeObjs,
      totalObjs: dentry.totalObjs,
      slabs: dentry.slabs,
      bytesWasted: dentry.bytesWasted,
    },
    {
      objSize: 200,
      objsPerSlab: 20,
      pagesPerSlab: 1,
      activeObjs: 30,
      totalObjs: 4 * 4 + 20,
      slabs: 5,
      bytesWasted: 4 * 1024 + 4096 - 30 * 200,
    },
  );
  const table = formatSlabinfo(k.stats().slices).split("\n");
  assertEquals(table[0].startsWith("# name"), true);
  assertEquals(
    table.find((l) => l.startsWith("dentry"))!.split(/ +/),
    ["dentry", "30", "36", "200", "20", "1", "5", "2192"],
  );
  // The pool of pools holds the dentry pool's record.
  assertEquals(table.some((l) => l.startsWith("pool-of-pools")), true);
});

Deno.test("every slice-allocator misuse raises its typed error and changes nothing", () => {
  const board = new Board({ ramBytes: 2 * MiB });
  const k = boot(board);
  const small = k.slice_pool_create(GFP_KERNEL, 40, { name: "small" })!;
  const large = k.slice_pool_create(GFP_KERNEL, 1000, { name: "large" })!;
  const a = k.slice_alloc(small);
  const b = k.slice_alloc(small);
  const freed = k.slice_alloc(small);
  k.slice_free(freed, small);
  const big = k.slice_alloc(large);
  const page = k.get_page(GFP_KERNEL);
  const gone = k.slice_pool_create(GFP_KERNEL, 8)!;
  k.slice_pool_recycle(gone);
  const galloc64 = k.stats().slices.find((p) => p.name === "galloc-64")!;
  const firmwarePool = new SlicePool(galloc64.address, galloc64.id);
  const cases: [string, () => unknown, ErrorClass<KernelError>, string][] = [
    [
      "slice of another pool",
      () => k.slice_free(big, small),
      InvalidFreeError,
      "belongs to pool 'large'",
    ],
    [
      "not at a boundary",
      () => k.slice_free(a + 4, small),
      InvalidFreeError,
      "not at a slice boundary",
    ],
    [
      "past the slab's last slice",
      // a is its chunk's first slice; the chunk holds 24.
      () => k.slice_free(a + 24 * 40, small),
      InvalidFreeError,
      "boundary",
    ],
    ["already free", () => k.slice_free(freed, small), DoubleFreeError, "double free"],
    ["never handed out", () => k.slice_free(b + 40 * 5, small), DoubleFreeError, "not in use"],
    ["a page-allocator page", () => k.slice_free(page, small), InvalidFreeError, "in no slab"],
    ["outside RAM", () => k.slice_free(0x1000, small), InvalidAddressError, "outside RAM"],
    ["a recycled pool", () => k.slice_alloc(gone), InvalidArgumentError, "not a live pool"],
    [
      "free to a recycled pool",
      () => k.slice_free(a, gone),
      InvalidArgumentError,
      "not a live pool",
    ],
    [
      "a forged pool",
      () => k.slice_alloc(new SlicePool(RAM_BASE + 0x5000, 2)),
      InvalidArgumentError,
      "live pool",
    ],
    [
      "a pool outside RAM",
      () => k.slice_alloc(new SlicePool(16, 1)),
      InvalidAddressError,
      "not a pool record",
    ],
    ["recycle with live slices", () => k.slice_pool_recycle(small), PoolBusyError, "2 live slices"],
    [
      "recycle a firmware pool",
      () => k.slice_pool_recycle(firmwarePool),
      InvalidArgumentError,
      "firmware",
    ],
    ["size 0", () => k.slice_pool_create(GFP_KERNEL, 0), InvalidArgumentError, "size 0"],
    ["size 32769", () => k.slice_pool_create(GFP_KERNEL, 32769), InvalidArgumentError, "1..32768"],
    ["size 1.5", () => k.slice_pool_create(GFP_KERNEL, 1.5), InvalidArgumentError, "size 1.5"],
    ["bad flags", () => k.slice_pool_create(3, 16), InvalidArgumentError, "zone 3"],
  ];
  for (const [name, misuse, ErrorClass, text] of cases) {
    const before = board.snapshot();
    assertThrows(misuse, ErrorClass, text);
    assertEquals(board.snapshot(), before, `${name} changed RAM`);
  }
  assertEquals(assertThrows(() => k.slice_pool_recycle(small), PoolBusyError).live, 2);
  assertEquals(k.audit(), []);
  for (const slice of [a, b]) k.slice_free(slice, small);
  k.slice_free(big, large);
  k.put_page(page);
  k.slice_pool_recycle(small);
  k.slice_pool_recycle(large);
  allPagesBack(k);
});

Deno.test("a handle kept after its pool was recycled stays refused when a new pool takes the record", () => {
  const k = boot(new Board({ ramBytes: 1024 * 1024 }));
  const old = k.slice_pool_create(GFP_KERNEL, 64)!;
  k.slice_pool_recycle(old);
  const fresh = k.slice_pool_create(GFP_KERNEL, 64)!;
  assertEquals(fresh.address, old.address, "the record is reused");
  const before = k.board.snapshot();
  const error = assertThrows(() => k.slice_alloc(old), InvalidArgumentError);
  assertEquals(error.message.includes(`with id ${old.id}`), true, error.message);
  assertEquals(k.board.snapshot(), before);
  assertEquals(k.slice_alloc(fresh) !== 0, true, "the new pool works");
});

Deno.test("the slabs a pool gives back stay hot for the next allocation of their order, and merge when larger piles are short", () => {
  const k = boot(new Board({ ramBytes: 1024 * 1024 }));
  const pool = k.slice_pool_create(GFP_KERNEL, 200, { name: "cache" })!;
  // Fill RAM with the pool's one-page slabs, then free every slice: each slab
  // goes back as it empties, onto the order-0 hot list, counted free.
  const slices: number[] = [];
  for (let s = k.slice_alloc(pool); s !== 0; s = k.slice_alloc(pool)) slices.push(s);
  const full = k.stats().pages.free;
  for (const s of slices) k.slice_free(s, pool);
  const pages = k.stats().pages;
  assertEquals(pages.free - full > 100, true, `${pages.free - full} pages back`);
  assertEquals(pages.freeByOrder[0] > 100, true, "as single pages, unmerged");
  assertEquals(k.audit(), []);
  // A page is taken from the hot list in O(1): the last slab given back.
  const board = k.board;
  let before = board.cycles;
  const hot = k.get_pages(GFP_KERNEL, 0);
  assertEquals(
    board.cycles - before,
    2 * 6,
    "pop the list head, mark it, count its pages free no more",
  );
  assertEquals(
    hot,
    slices[slices.length - 1] - ((slices[slices.length - 1] - k.board.ramBase) % 4096),
  );
  k.put_pages(hot);
  // A pile of 16 pages exists only once the hot pages are merged: the call
  // that needs it pays for that.
  before = board.cycles;
  const page = k.alloc_pages(GFP_KERNEL, 4);
  assertEquals(page !== 0, true);
  assertEquals(board.cycles - before > 1000, true, "the merge is paid by this call");
  assertEquals(k.stats().pages.freeByOrder[0] < 4, true);
  k.free_pages(page);
  // With nothing hot, a failing allocation still fails.
  const piles: number[] = [];
  for (let p = k.alloc_pages(GFP_KERNEL, 0); p !== 0; p = k.alloc_pages(GFP_KERNEL, 0)) {
    piles.push(p);
  }
  assertEquals(k.alloc_pages(GFP_KERNEL, 0), 0);
  for (const p of piles) k.free_pages(p);
  assertEquals(k.audit(), []);
});
