import { assertEquals, assertThrows, type ErrorClass } from "./_assert.ts";
import { actualPiles, BuddyModel } from "./_buddy_model.ts";
import {
  Board,
  boot,
  DoubleFreeError,
  formatBuddyinfo,
  GFP_DMA,
  GFP_KERNEL,
  GFP_ZERO,
  InvalidAddressError,
  InvalidArgumentError,
  InvalidFreeError,
  type Kernel,
  KernelError,
  PAGE_SIZE,
  RAM_BASE,
} from "../mod.ts";

const MiB = 1024 * 1024;

/** Checks the free lists against the model, and the firmware's own audit. */
function checkFreeLists(k: Kernel, model: BuddyModel, step: string): void {
  assertEquals(actualPiles(k), model.expectedPiles(), `free lists after ${step}`);
  assertEquals(k.audit(), [], `audit after ${step}`);
}

Deno.test("allocPages() passes the original kernel's test_mm, free lists checked after each step", () => {
  // The steps of Koowaldah's test_mm as its notes describe them: piles of
  // orders 0..6, freed and re-allocated in an interleaving, then 2048 single
  // pages of which every other one among the first 1048 is freed.
  const k = boot(new Board({ ramBytes: 16 * MiB }));
  const model = new BuddyModel(k);
  // 16 MiB: pages 0-34 hold globals and mem_map; the free pages 35-4095 tile
  // as 35, 36-39, 40-47, 48-63, 64-127 (no order 1: 34-35 holds page 34; no
  // order 5: 32-63 too), 128-255, 256-511, 512-1023 and three order-10 piles.
  assertEquals(k.stats().pages.freeByOrder, [1, 0, 1, 1, 1, 0, 1, 1, 1, 1, 3]);
  checkFreeLists(k, model, "boot");
  const initial = actualPiles(k);

  const alloc = (order: number): number => {
    const page = k.alloc_pages(GFP_KERNEL, order);
    assertEquals(page !== 0, true, `alloc_pages(order ${order})`);
    model.allocate(k.page_to_addr(page), order, ["DMA"]);
    return page;
  };
  const free = (page: number, order: number): void => {
    model.release(k.page_to_addr(page), order);
    k.free_pages(page);
  };

  const piles = [0, 1, 2, 3, 4, 5, 6].map(alloc);
  checkFreeLists(k, model, "allocating orders 0..6");
  for (const order of [0, 2, 4, 6]) free(piles[order], order);
  checkFreeLists(k, model, "freeing orders 0, 2, 4, 6");
  for (const order of [0, 2, 4, 6]) piles[order] = alloc(order);
  checkFreeLists(k, model, "re-allocating orders 0, 2, 4, 6");
  for (const order of [1, 3, 5]) free(piles[order], order);
  checkFreeLists(k, model, "freeing orders 1, 3, 5");
  for (const order of [0, 2, 4, 6]) free(piles[order], order);
  checkFreeLists(k, model, "freeing orders 0, 2, 4, 6 again");
  assertEquals(actualPiles(k), initial);

  const singles = Array.from({ length: 2048 }, () => alloc(0));
  checkFreeLists(k, model, "allocating 2048 single pages");
  for (let i = 0; i < 1048; i += 2) free(singles[i], 0);
  checkFreeLists(k, model, "freeing every other page among the first 1048");
  assertEquals(k.stats().pages.freeByOrder[0] >= 524, true);
  for (let i = 1; i < 2048; i += 2) free(singles[i], 0);
  for (let i = 1048; i < 2048; i += 2) free(singles[i], 0);
  checkFreeLists(k, model, "freeing the rest");
  assertEquals(actualPiles(k), initial);
  assertEquals(k.stats().pages.free, 4096 - 35);
});

Deno.test("allocPages() honours the zone bits, GFP_ZERO and out of memory", () => {
  const board = new Board({ ramBytes: 32 * MiB });
  const k = boot(board);
  const dmaEnd = RAM_BASE + 16 * MiB;
  // GFP_KERNEL prefers Normal; GFP_DMA never leaves DMA.
  assertEquals(k.get_pages(GFP_KERNEL, 0) >= dmaEnd, true);
  assertEquals(k.get_pages(GFP_DMA, 0) < dmaEnd, true);
  // Dirty a page, free it, and get it back zeroed.
  const dirty = k.get_page(GFP_DMA);
  for (let a = dirty; a < dirty + PAGE_SIZE; a += 4) board.write32(a, 0xDEADBEEF);
  k.put_page(dirty);
  const zeroed = k.get_page(GFP_DMA | GFP_ZERO);
  assertEquals(zeroed, dirty);
  for (let a = zeroed; a < zeroed + PAGE_SIZE; a += 4) assertEquals(board.read32(a), 0);
  // Out of memory: 0, not an error, and GFP_KERNEL falls back to DMA first.
  const normal: number[] = [];
  for (let a = k.get_pages(GFP_KERNEL, 10); a >= dmaEnd; a = k.get_pages(GFP_KERNEL, 10)) {
    normal.push(a);
  }
  assertEquals(normal.length, 3); // Normal's 4 order-10 piles, one split above
  const all: number[] = [];
  for (let p = k.alloc_page(GFP_KERNEL); p !== 0; p = k.alloc_page(GFP_KERNEL)) all.push(p);
  assertEquals(k.alloc_pages(GFP_KERNEL, 0), 0);
  assertEquals(k.get_pages(GFP_DMA, 3), 0);
  assertEquals(k.stats().pages.free, 0);
  assertEquals(k.audit(), []);
});

Deno.test("page_to_addr() and addr_to_page() map every page, including the first and last", () => {
  const k = boot(new Board({ ramBytes: 1 * MiB }));
  const first = k.addr_to_page(RAM_BASE); // the original rejected this one
  const last = k.addr_to_page(RAM_BASE + MiB - 1);
  assertEquals(k.page_to_addr(first), RAM_BASE);
  assertEquals(k.page_to_addr(last), RAM_BASE + MiB - PAGE_SIZE);
  assertEquals(k.addr_to_page(RAM_BASE + PAGE_SIZE + 123), first + 32);
  const page = k.alloc_pages(GFP_KERNEL, 2);
  assertEquals(k.addr_to_page(k.page_to_addr(page)), page);
});

Deno.test("stats() and formatBuddyinfo() show the free piles of each zone", () => {
  const k = boot(new Board({ ramBytes: 24 * MiB }));
  const stats = k.stats().pages;
  assertEquals([stats.total, stats.reserved], [6144, 51]);
  assertEquals(stats.free, 6144 - 51);
  assertEquals(stats.zones.map((z) => [z.name, z.total, z.free]), [
    ["DMA", 4096, 4096 - 51],
    ["Normal", 2048, 2048],
  ]);
  assertEquals(formatBuddyinfo(stats).split("\n"), [
    "                 order      0      1      2      3      4      5      6      7      8      9     10",
    "Node 0, zone      DMA      1      0      1      1      0      0      1      1      1      1      3",
    "Node 0, zone   Normal      0      0      0      0      0      0      0      0      0      0      2",
    "",
  ]);
});

Deno.test("every page-allocator misuse raises its typed error and changes nothing", () => {
  const board = new Board({ ramBytes: 1 * MiB });
  const k = boot(board);
  const live = k.alloc_pages(GFP_KERNEL, 2);
  const liveAddr = k.page_to_addr(live);
  const memMap = k.addr_to_page(RAM_BASE);
  // Take single pages until the last two are buddies (an even page and the next).
  const singles = [k.alloc_page(GFP_KERNEL), k.alloc_page(GFP_KERNEL)];
  const isPair = (a: number, b: number): boolean => b === a + 32 && ((a - memMap) / 32) % 2 === 0;
  while (!isPair(singles.at(-2)!, singles.at(-1)!)) singles.push(k.alloc_page(GFP_KERNEL));
  const [lower, upper] = singles.splice(-2);
  k.free_pages(upper);
  k.free_pages(lower); // merges: upper now lies inside a free pile
  const freed = k.alloc_page(GFP_KERNEL);
  k.free_pages(freed);
  const reserved = k.addr_to_page(RAM_BASE);
  const end = RAM_BASE + MiB;
  const cases: [string, () => unknown, ErrorClass<KernelError>, string][] = [
    ["double free", () => k.free_pages(freed), DoubleFreeError, "double free"],
    [
      "double free after a merge",
      () => k.free_pages(upper),
      DoubleFreeError,
      "inside the free",
    ],
    ["double put", () => k.put_pages(k.page_to_addr(freed)), DoubleFreeError, "double free"],
    [
      "free inside a pile",
      () => k.free_pages(live + 32),
      InvalidFreeError,
      "inside the allocated order-2 pile",
    ],
    [
      "put inside a pile",
      () => k.put_pages(liveAddr + PAGE_SIZE),
      InvalidFreeError,
      "does not start",
    ],
    ["put unaligned", () => k.put_pages(liveAddr + 8), InvalidFreeError, "not page-aligned"],
    ["free a firmware page", () => k.free_pages(reserved), InvalidFreeError, "firmware"],
    ["free NULL", () => k.free_pages(0), InvalidAddressError, "0x00000000 is not a struct page"],
    [
      "free a misaligned struct page",
      () => k.free_pages(live + 4),
      InvalidAddressError,
      "not a struct page",
    ],
    [
      "free past mem_map",
      () => k.free_pages(reserved + 32 * 256),
      InvalidAddressError,
      "not a struct page",
    ],
    [
      "page_to_addr of a non-page",
      () => k.page_to_addr(RAM_BASE),
      InvalidAddressError,
      "not a struct page",
    ],
    ["put NULL", () => k.put_pages(0), InvalidAddressError, "outside RAM"],
    ["put past RAM", () => k.put_pages(end), InvalidAddressError, "outside RAM"],
    [
      "addr_to_page below RAM",
      () => k.addr_to_page(RAM_BASE - 1),
      InvalidAddressError,
      "outside RAM",
    ],
    [
      "addr_to_page past RAM",
      () => k.addr_to_page(end),
      InvalidAddressError,
      "0x40100000 is outside RAM",
    ],
    ["order -1", () => k.alloc_pages(GFP_KERNEL, -1), InvalidArgumentError, "order -1"],
    [
      "order 11",
      () => k.get_pages(GFP_KERNEL, 11),
      InvalidArgumentError,
      "order 11 is out of range 0..10",
    ],
    ["order 1.5", () => k.alloc_pages(GFP_KERNEL, 1.5), InvalidArgumentError, "order 1.5"],
    ["zone 2", () => k.alloc_page(2), InvalidArgumentError, "zone 2"],
    ["zone 3", () => k.get_page(3), InvalidArgumentError, "zone 3"],
    ["unknown flag bit", () => k.alloc_page(0x8000), InvalidArgumentError, "bits set"],
  ];
  for (const [name, misuse, ErrorClass, text] of cases) {
    const before = board.snapshot();
    const error = assertThrows(misuse, ErrorClass, text);
    assertEquals(error instanceof KernelError, true, name);
    assertEquals(board.snapshot(), before, `${name} changed RAM`);
  }
  assertEquals(k.audit(), []);
  k.free_pages(live); // the live pile is still freeable
  for (const page of singles) k.free_pages(page);
  assertEquals(k.stats().pages.free, 256 - k.stats().pages.reserved);
});
