/**
 * The design `koowaldah`: the original allocators' algorithms, layouts and
 * costs, with exact bus-cycle figures where they are deterministic. Each
 * figure's comment counts the bus accesses behind it (2 cycles each), as
 * core/koowaldah/design.ts's cost model makes them: one per dereference in
 * the C source.
 */

import { assertEquals, assertThrows } from "./_assert.ts";
import {
  Board,
  type Design,
  type Firmware,
  GFP_KERNEL,
  GFP_ZERO,
  InvalidArgumentError,
  PAGE_SIZE,
  pagepileDesign,
  PoolBusyError,
  RAM_BASE,
} from "../mod.ts";
import { koowaldahDesign } from "../core/koowaldah/design.ts";

const MiB = 1024 * 1024;

/** Boots a design on a fresh 16 MiB board. */
function boot16(design: Design = koowaldahDesign): Firmware {
  return design.boot(new Board({ ramBytes: 16 * MiB }));
}

/** The bus cycles `call` takes. */
function cycles(k: Firmware, call: () => unknown): number {
  const before = k.board.cycles;
  call();
  return k.board.cycles - before;
}

/**
 * Allocates 2048 single pages, then frees every other one in the order they
 * came: no freed page's buddy is free, so nothing merges and the free list
 * of order 0 grows by one pile per free. Returns each free's cycles.
 */
function freeEveryOtherPage(design: Design): { costs: number[]; k: Firmware } {
  const k = boot16(design);
  const pages: number[] = [];
  for (let i = 0; i < 2048; i++) pages.push(k.alloc_pages(GFP_KERNEL, 0));
  const costs: number[] = [];
  for (let i = 0; i < 2048; i += 2) costs.push(cycles(k, () => k.free_pages(pages[i])));
  return { costs, k };
}

Deno.test("koowaldah: free_pages walks the whole free list of its order when no buddy is free", () => {
  const { costs, k } = freeEveryOtherPage(koowaldahDesign);
  assertEquals(k.stats().pages.freeByOrder[0], 1024);
  // Free #n finds n piles on the list and reads each one's next pointer: 2n
  // cycles. Around the walk, 15 accesses: page->zone, the order (read at
  // the loop's top and twice in its condition, and once more for the level
  // to insert at), the level's head, klist0_append (2 reads, 4 writes),
  // the empty area_list test, and free_pages kept current (a read, a write).
  assertEquals(costs, costs.map((_, n) => 30 + 2 * n));
  assertEquals([costs[0], costs[1023]], [30, 2076]);
  assertEquals(k.audit(), []);
});

Deno.test("pagepile: free_pages costs the same with 1 or 1023 piles on the list", () => {
  const { costs, k } = freeEveryOtherPage(pagepileDesign);
  assertEquals(new Set(costs).size, 1);
  assertEquals(k.audit(), []);
});

/**
 * Fills `pages` slab pages of a pool of 200-byte slices (20 a page, so every
 * page ends full, on the inactive list with the newest first; a design that
 * gives a pool's first slices `chunks` small slabs of their own has that many
 * more slabs), then frees
 * slices of the oldest page. Returns the cycles of the first free (the page
 * is the inactive list's last) and of the second (the page now heads the
 * active list, after the other pages' walk of the inactive one).
 */
function freeFromOldestSlab(
  design: Design,
  pages: number,
  chunks = 0,
): { first: number; second: number } {
  const k = boot16(design);
  const pool = k.slice_pool_create(GFP_KERNEL, 200)!;
  const slices: number[] = [];
  for (let i = 0; i < 20 * pages; i++) slices.push(k.slice_alloc(pool));
  assertEquals(k.poolStats(pool).slabs, pages + chunks);
  const first = cycles(k, () => k.slice_free(slices[0], pool));
  const second = cycles(k, () => k.slice_free(slices[1], pool));
  assertEquals(k.audit(), []);
  return { first, second };
}

Deno.test("koowaldah: slice_free walks the pool's pages, 8 cycles a page", () => {
  // A page passed costs page_to_addr (page->zone, zone->base, page->index)
  // and the node's next: 4 reads. Found last on the inactive list (P pages):
  // obj_size and the list's head (2), P - 1 pages passed, page_to_addr of the
  // match (3), the move to the active list (unlink 8, insert 6), obj_size
  // again and the bit's read and write (3): 36 + 8P cycles.
  // The second free walks the P - 1 full pages, then finds its page first on
  // the active list: 18 + 8(P - 1).
  const figures = [1, 16, 64].map((pages) => freeFromOldestSlab(koowaldahDesign, pages));
  assertEquals(figures, [
    { first: 44, second: 18 },
    { first: 164, second: 138 },
    { first: 548, second: 522 },
  ]);
});

Deno.test("pagepile: slice_free costs the same with 1, 16 or 64 slab pages", () => {
  // The pool's first 16 slices are in 4 chunks (4 each), the next in page slabs.
  const figures = [1, 16, 64].map((pages) => freeFromOldestSlab(pagepileDesign, pages, 4));
  assertEquals(new Set(figures.map((f) => f.first)).size, 1);
  assertEquals(new Set(figures.map((f) => f.second)).size, 1);
});

Deno.test("koowaldah: slice_alloc scans the bitmap bit by bit, one read per bit", () => {
  const k = boot16();
  const pool = k.slice_pool_create(GFP_KERNEL, 200)!;
  const costs: number[] = [];
  for (let i = 0; i < 21; i++) costs.push(cycles(k, () => k.slice_alloc(pool)));
  // A new page (the first and the 21st call) hands out its last slice, 19;
  // then slices 0, 1, ... 18 in turn. Taking bit b reads the bitmap word
  // b + 1 times: 24 + 2b cycles (obj_size twice, the active list's head and
  // first node, page_to_addr, the bit's read and write, bitmap_all_set's one
  // word, the pool's flags). The 20th call fills the page and moves it to
  // the inactive list: 14 more accesses. A new page costs 20 accesses
  // besides alloc_page's (14 and 30 here, as the free lists stand): the two
  // reads of the start, page_to_addr, one bitmap word filled then cleared
  // (2 reads, 2 writes), obj_size for the gap, the bit set, the page put on
  // the active list (6), obj_size and flags.
  assertEquals(costs.slice(1, 20), [...costs.slice(1, 19), 88]);
  assertEquals(costs.slice(1, 19), costs.slice(1, 19).map((_, b) => 24 + 2 * b));
  assertEquals([costs[0], costs[20]], [68, 100]);
});

Deno.test("koowaldah: galloc's slots are 4 << i bytes plus a 4-byte header", () => {
  const k = boot16();
  const pools = k.stats().slices.filter((p) => p.internal).sort((a, b) => a.slotSize - b.slotSize);
  assertEquals(
    pools.map((p) => p.name),
    [4, 8, 16, 32, 64, 128, 256, 512, 1024].map((s) => `galloc-${s}`),
  );
  assertEquals(pools.map((p) => p.slotSize), [8, 12, 20, 36, 68, 132, 260, 516, 1028]);
  // PAGE_SIZE / slot slices a page, less those under the bitmap at its end:
  // 512 - 8 (a 64-byte bitmap, no gap), 341 - 4 (44 bytes, a 4-byte gap),
  // 204 - 1 (28 bytes, a 16-byte gap); the others' gaps hold their bitmaps.
  assertEquals(pools.map((p) => p.objsPerSlab), [504, 337, 203, 113, 60, 31, 15, 7, 3]);
  // Every pool's descriptor takes a page of its own.
  assertEquals(pools.map((p) => p.recordBytes), pools.map(() => PAGE_SIZE));
  assertEquals(k.pagesInUse(), 9);

  const usable = (size: number): number => {
    const chunk = k.galloc(GFP_KERNEL, size);
    assertEquals(chunk % 4, 0);
    return k.gsize(chunk);
  };
  // Rounded up to 4, then to a power of two.
  assertEquals([0, 1, 4, 5, 8, 9, 100, 513, 1024].map(usable), [
    4,
    4,
    4,
    8,
    8,
    16,
    128,
    1024,
    1024,
  ]);
  // 1025..2048 bytes go to pages (the original reads past its 9 pools
  // there), as does anything larger: the next power of two of pages that
  // holds size + 4, the header at the pile's start.
  for (const size of [1025, 2048, 4092]) {
    const chunk = k.galloc(GFP_KERNEL, size);
    assertEquals([chunk % PAGE_SIZE, k.gsize(chunk), k.gtaken?.(chunk)], [4, 4092, PAGE_SIZE]);
  }
  // What a chunk takes counts its header: the slot, or the whole pile.
  assertEquals([1, 24, 1024].map((size) => k.gtaken?.(k.galloc(GFP_KERNEL, size))), [8, 36, 1028]);
  assertEquals([4093, 3 * PAGE_SIZE].map(usable), [2 * PAGE_SIZE - 4, 4 * PAGE_SIZE - 4]);
  assertEquals(k.audit(), []);
});

Deno.test("koowaldah: a slab's bitmap sits at the page's end, its slots sacrificed", () => {
  const k = boot16();
  // galloc(1) comes from the 8-byte pool: 512 slots, a 64-byte bitmap in
  // the last 8. A new page hands out its last usable slot, 503, first.
  let before = k.board.cycles;
  const first = k.galloc(GFP_KERNEL, 1);
  // 122 accesses: galloc_sp[0] (1); slice_alloc: obj_size, the active list
  // empty (2); alloc_page splitting an order-1 pile (22); page_to_addr (3);
  // bitmap_fill of 512 bits (16 words); the bitmap's overlap, obj_size read
  // 4 times (4); bitmap_zero of 504 bits, 60 bytes written one by one and a
  // partial word read and written (62); the bit set (2); the page on the
  // active list (6); obj_size, flags (2); galloc's header, origin and info (2).
  assertEquals(k.board.cycles - before, 244);
  const page = first - 4 - 503 * 8;
  assertEquals(page % PAGE_SIZE, 0);
  const bitmapWord = (i: number): number => k.board.debugRead32(page + 4032 + i * 4);
  assertEquals(Array.from({ length: 15 }, (_, i) => bitmapWord(i)), new Array(15).fill(0));
  assertEquals(bitmapWord(15), 0xFF80_0000); // bits 503 (in use) and 504-511 (sacrificed)
  // Then slots 0..502, each found by scanning from bit 0.
  before = k.board.cycles;
  const chunks = Array.from({ length: 503 }, () => k.galloc(GFP_KERNEL, 1));
  assertEquals(chunks, chunks.map((_, i) => page + i * 8 + 4));
  // The 505th chunk needs a new page.
  assertEquals(Math.floor(k.galloc(GFP_KERNEL, 1) / PAGE_SIZE) === page / PAGE_SIZE, false);

  // A pool of 12-byte objects: 341 slots, a 44-byte bitmap from offset 4052;
  // slots 337-340 (from offset 4044) overlap it.
  const pool = k.slice_pool_create(GFP_KERNEL, 12)!;
  const slice = k.slice_alloc(pool);
  assertEquals(slice % PAGE_SIZE, 336 * 12);
  const stats = k.poolStats(pool);
  assertEquals([stats.objsPerSlab, stats.slotSize, stats.pagesPerSlab], [337, 12, 1]);
  const slab = slice - 336 * 12;
  const bit = (b: number): number =>
    (k.board.debugRead32(slab + 4052 + (b >>> 5) * 4) >>> (b & 31)) & 1;
  assertEquals([335, 336, 337, 338, 339, 340].map(bit), [0, 1, 1, 1, 1, 1]);
  assertEquals(k.audit(), []);
});

Deno.test("koowaldah: a pool's descriptor takes a whole page; objects over 2044 bytes are refused", () => {
  const k = boot16();
  const inUse = k.pagesInUse();
  const pool = k.slice_pool_create(GFP_KERNEL, 5, { name: "five" })!;
  assertEquals(k.pagesInUse(), inUse + 1);
  const stats = k.poolStats(pool);
  assertEquals(stats.address % PAGE_SIZE, 0);
  assertEquals(
    [stats.name, stats.objSize, stats.slotSize, stats.recordBytes, stats.internal],
    ["five", 5, 8, PAGE_SIZE, false],
  );
  const slice = k.slice_alloc(pool);
  assertEquals(k.pagesInUse(), inUse + 2);
  assertEquals(k.poolStats(pool).activeObjs, 1);
  // Recycling with a live slice stops the original kernel: here it throws.
  assertEquals(assertThrows(() => k.slice_pool_recycle(pool), PoolBusyError).live, 1);
  k.slice_free(slice, pool);
  // Nothing shrinks a pool by itself: the empty page stays until asked.
  assertEquals(k.pagesInUse(), inUse + 2);
  assertEquals(k.slice_pool_shrink(pool), 1);
  k.slice_pool_recycle(pool);
  assertEquals(k.pagesInUse(), inUse);

  assertEquals(k.slice_pool_create(GFP_KERNEL, 2045), null);
  const largest = k.slice_pool_create(GFP_KERNEL, 2044)!;
  assertEquals(k.poolStats(largest).objsPerSlab, 2);
  assertThrows(() => k.slice_pool_create(GFP_KERNEL, 0), InvalidArgumentError);
  assertEquals(k.audit(), []);
});

Deno.test("koowaldah: alloc_pages hands out the top of a split pile; a freed pile goes first", () => {
  const k = boot16();
  // Take the piles boot left on the levels below 10.
  for (let order = 0; order < 10; order++) {
    while (k.stats().pages.freeByOrder[order] > 0) k.alloc_pages(GFP_KERNEL, order);
  }
  // An order-0 request now splits an order-10 pile: its lower halves go
  // back on the lists (one of each order 9..0), its top page is handed out.
  const top = k.alloc_pages(GFP_KERNEL, 0);
  assertEquals(k.stats().pages.freeByOrder.slice(0, 10), new Array(10).fill(1));
  assertEquals(k.page_to_addr(top) % (1024 * PAGE_SIZE), 1023 * PAGE_SIZE);
  // klist0_append inserts after the head: the pile just freed is taken next.
  const single = k.alloc_pages(GFP_KERNEL, 0);
  k.free_pages(single);
  assertEquals(k.alloc_pages(GFP_KERNEL, 0), single);
  // addr_to_page takes the zone's first address (the original's `>` did not).
  assertEquals(k.addr_to_page(RAM_BASE), RAM_BASE);
  const addr = k.page_to_addr(top);
  assertEquals(k.addr_to_page(addr + 100), top);
  assertThrows(() => k.alloc_pages(GFP_KERNEL, 11), InvalidArgumentError);
  assertThrows(() => k.alloc_pages(GFP_KERNEL, -1), InvalidArgumentError);
  assertEquals(k.audit(), []);
});

Deno.test("koowaldah: a failed allocation returns 0 and prints the original's line", () => {
  const k = koowaldahDesign.boot(new Board({ ramBytes: 1 * MiB }));
  assertEquals(k.alloc_pages(GFP_KERNEL, 10), 0);
  assertEquals(k.board.console.text(), "Page allocation of order 10 failed!\n");
  assertEquals(k.galloc(GFP_KERNEL, 4 * MiB), 0); // an order-11 pile: no such list
  assertEquals(k.audit(), []);
});

Deno.test("koowaldah: GFP_ZERO zeroes pages, slices and galloc chunks", () => {
  const k = boot16();
  const dirty = (addr: number, bytes: number): void => {
    k.board.debugFill(addr, bytes, 0xDEAD_BEEF);
  };
  const isZero = (addr: number, bytes: number): boolean =>
    k.board.debugFindMismatch(addr, bytes, 0) === -1;
  const page = k.alloc_pages(GFP_KERNEL, 1);
  dirty(k.page_to_addr(page), 2 * PAGE_SIZE);
  k.free_pages(page);
  assertEquals(isZero(k.page_to_addr(k.alloc_pages(GFP_ZERO, 1)), 2 * PAGE_SIZE), true);

  const pool = k.slice_pool_create(GFP_ZERO, 40)!;
  k.slice_alloc(pool); // a new page's last slice
  const slice = k.slice_alloc(pool); // its first, which the next call takes again once freed
  dirty(slice, 40);
  k.slice_free(slice, pool);
  assertEquals(k.slice_alloc(pool), slice);
  assertEquals(isZero(slice, 40), true);

  k.galloc(GFP_KERNEL, 100);
  const chunk = k.galloc(GFP_KERNEL, 100);
  dirty(chunk, 128);
  k.gfree(chunk);
  assertEquals(k.galloc(GFP_ZERO, 100), chunk);
  assertEquals(isZero(chunk, 128), true);
  assertEquals(k.audit(), []);
});

Deno.test("koowaldah: a double free goes unnoticed by the allocator; the audit finds it", () => {
  const k = boot16();
  const page = k.alloc_pages(GFP_KERNEL, 0);
  k.free_pages(page);
  k.free_pages(page); // no free flag: the pile goes on its free list again
  assertEquals(k.audit().length > 0, true);
});

Deno.test("koowaldah: vmalloc is declared unsupported", () => {
  const k = boot16();
  assertEquals(k.unsupported, ["vmalloc"]);
  assertEquals([k.vmalloc, k.vfree], [undefined, undefined]);
  assertEquals([k.align, k.powerOfTwoAlign], [4, true]);
  assertEquals(k.stats().vm, undefined);
});

Deno.test("koowaldah: pageMap names every holder, and its runs tile RAM", () => {
  const k = boot16();
  const pool = k.slice_pool_create(GFP_KERNEL, 64, { name: "dentry" })!;
  const slice = k.slice_alloc(pool);
  k.alloc_pages(GFP_KERNEL, 2);
  k.galloc(GFP_KERNEL, 24);
  k.galloc(GFP_KERNEL, 3 * PAGE_SIZE);
  const before = k.board.cycles;
  const map = k.pageMap?.();
  if (!map) throw new Error("koowaldah draws a page map");
  assertEquals(k.board.cycles, before);
  const kinds = new Set(map.holders.map((h) => h.kind));
  assertEquals(
    [...kinds].sort(),
    ["firmware", "free", "generic-class", "generic-large", "pages", "slab"],
  );
  const label = (page: number): string => {
    for (let i = 0; i < map.runs.length; i += 3) {
      if (page < map.runs[i] + map.runs[i + 1]) return map.holders[map.runs[i + 2]].label;
    }
    return "";
  };
  const pageOf = (addr: number): number => (addr - RAM_BASE) / PAGE_SIZE;
  assertEquals(label(pageOf(k.poolStats(pool).address)), "slice pool descriptor (a page each)");
  assertEquals(label(pageOf(slice)), `slab of pool 'dentry' (id ${k.poolStats(pool).id})`);
  let next = 0;
  for (let i = 0; i < map.runs.length; i += 3) {
    assertEquals(map.runs[i], next);
    next += map.runs[i + 1];
  }
  assertEquals(next, map.pages);
  // The firmware's reserved pages come first: 4096 struct pages of 32 bytes
  // (32 pages) and the globals (one more).
  assertEquals([map.runs[0], map.runs[1], k.stats().pages.reserved], [0, 33, 33]);
});
