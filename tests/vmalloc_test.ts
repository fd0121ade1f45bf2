import { allPagesBack, seededRandom } from "./_helpers.ts";
import { assertEquals, assertThrows, type ErrorClass } from "./_assert.ts";
import {
  Board,
  boot,
  GFP_KERNEL,
  InvalidAddressError,
  InvalidArgumentError,
  InvalidFreeError,
  type Kernel,
  type KernelError,
  MMU_BASE,
  MMU_FAULT_VADDR,
  PAGE_SIZE,
  PageFault,
  VM_WINDOW_BASE,
} from "../mod.ts";

const MiB = 1024 * 1024;

/**
 * Fragments physical memory: takes every free page as a single page, then
 * frees every other one, so that no two free pages touch.
 * @returns the pages still held
 */
function holdEveryOtherPage(k: Kernel): number[] {
  const pages: number[] = [];
  for (let p = k.alloc_page(GFP_KERNEL); p !== 0; p = k.alloc_page(GFP_KERNEL)) pages.push(p);
  pages.sort((a, b) => a - b);
  for (let i = 0; i < pages.length; i += 2) k.free_pages(pages[i]);
  assertEquals(k.stats().pages.freeByOrder.slice(1).every((n) => n === 0), true);
  return pages.filter((_, i) => i % 2 === 1);
}

/**
 * On a board whose every other page is held, the first vmalloc of 1 MiB
 * since boot, and again since gshrink() gave the tree back, succeeds: its
 * data reads back through the MMU, and vfree and gshrink() give every page
 * back.
 */
function firstVmallocOnScatteredPages(ramBytes: number): void {
  const board = new Board({ ramBytes });
  const k = boot(board);
  const held = holdEveryOtherPage(k);
  const free = k.stats().pages.free;
  for (const round of [1, 2]) {
    assertEquals(k.stats().vm.treePages, 0, `round ${round}: no tree yet`);
    const vaddr = k.vmalloc(MiB, { caller: `round ${round}` });
    assertEquals(vaddr !== 0, true, `round ${round}: vmalloc(1 MiB) succeeds`);
    for (let o = 0; o < MiB; o += 4) board.vwrite32(vaddr + o, (o * 2654435761 + round) >>> 0);
    for (let o = 0; o < MiB; o += 4) {
      if (board.vread32(vaddr + o) !== (o * 2654435761 + round) >>> 0) {
        throw new Error(`round ${round}: the word at offset ${o} did not read back`);
      }
    }
    // Taken: the area's 256 pages, its page table, the directory, the tree's
    // single pages, and one slab of area records; nothing else.
    const vm = k.stats().vm;
    assertEquals([vm.mappedPages, vm.pageTablePages], [256, 2]);
    assertEquals(vm.treePages, (2 * vm.window.bytes / PAGE_SIZE) / PAGE_SIZE);
    assertEquals(free - k.stats().pages.free, 256 + 2 + vm.treePages + 1);
    assertEquals(k.audit(), []);
    k.vfree(vaddr);
    k.gshrink();
    assertEquals(k.stats().vm.treePages, 0, `round ${round}: gshrink() gave the tree back`);
    assertEquals(k.stats().pages.free, free, `round ${round}: every page is back`);
  }
  held.forEach((p) => k.free_pages(p));
  allPagesBack(k);
}

Deno.test("vmalloc() builds thousands of areas from scattered pages; all come back", () => {
  const board = new Board({ ramBytes: 128 * MiB });
  const k = boot(board);
  const singles = holdEveryOtherPage(k); // the first vmalloc below sets up on scattered pages too

  const random = seededRandom(7);
  const areas: { vaddr: number; size: number; seed: number }[] = [];
  for (let i = 0; i < 2000; i++) {
    const size = 1 + Math.floor(random() * 8 * PAGE_SIZE); // up to 8 pages: no free run fits
    const vaddr = k.vmalloc(size, { caller: `area ${i}` });
    assertEquals(vaddr !== 0 && vaddr % PAGE_SIZE === 0, true);
    areas.push({ vaddr, size, seed: i * 7919 });
  }
  // Write through the virtual addresses: a word every 256 bytes and the last one.
  const offsets = (size: number): number[] => {
    const list: number[] = [];
    for (let o = 0; o + 4 <= size; o += 256) list.push(o);
    if (size >= 4) list.push((size - 4) & ~3);
    return list;
  };
  for (const a of areas) for (const o of offsets(a.size)) board.vwrite32(a.vaddr + o, a.seed + o);
  for (const a of areas) {
    for (const o of offsets(a.size)) assertEquals(board.vread32(a.vaddr + o), a.seed + o);
  }
  // The pages behind an area are scattered: none is next to the one before.
  const first = areas.find((a) => a.size > 4 * PAGE_SIZE)!;
  for (let p = 1; p < 4; p++) {
    const gap = board.debugTranslate(first.vaddr + p * PAGE_SIZE) -
      board.debugTranslate(first.vaddr + (p - 1) * PAGE_SIZE);
    assertEquals(gap !== PAGE_SIZE, true);
  }
  assertEquals(k.stats().vm.areas.length, 2000);
  assertEquals(k.audit(), []);
  // Free in random order, checking the others stay intact halfway.
  for (let i = areas.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [areas[i], areas[j]] = [areas[j], areas[i]];
  }
  for (const a of areas.splice(0, 1000)) k.vfree(a.vaddr);
  for (const a of areas) {
    for (const o of offsets(a.size)) assertEquals(board.vread32(a.vaddr + o), a.seed + o);
  }
  for (const a of areas) k.vfree(a.vaddr);
  singles.forEach((p) => k.free_pages(p));
  const vm = k.stats().vm;
  assertEquals([vm.areas.length, vm.mappedPages, vm.pageTablePages, vm.reservedBytes], [
    0,
    0,
    1,
    0,
  ]);
  allPagesBack(k); // page-table pages, the tree and the area records included
  assertEquals(k.stats().vm.treePages, 0);
});

Deno.test("the first vmalloc() of 1 MiB on a 64 MiB board with every other page held succeeds", () => {
  firstVmallocOnScatteredPages(64 * MiB);
});

Deno.test("the first vmalloc() of 1 MiB on a 1 GiB board with every other page held succeeds", () => {
  firstVmallocOnScatteredPages(1024 * MiB); // the largest window: a tree of 32 pages
});

Deno.test("the first vmalloc() on scattered pages takes exactly what it needs, or nothing", () => {
  const k = boot(new Board({ ramBytes: 64 * MiB }));
  const held = holdEveryOtherPage(k);
  const treePages = (2 * k.stats().vm.window.bytes / PAGE_SIZE) / PAGE_SIZE; // 16
  // The area's 256 pages and its page table, the directory, the tree, an area-record slab.
  const needed = 256 + 1 + 1 + treePages + 1;
  const keepFree = (pages: number): void => {
    while (k.stats().pages.free > pages) held.push(k.alloc_page(GFP_KERNEL));
  };
  // Short of the tree, or of the directory after the tree: nothing is kept.
  for (const free of [treePages - 1, treePages]) {
    keepFree(needed);
    const extra: number[] = [];
    while (k.stats().pages.free > free) extra.push(k.alloc_page(GFP_KERNEL));
    const before = k.stats().pages;
    assertEquals(k.vmalloc(MiB), 0);
    assertEquals(k.stats().pages, before, `${free} free pages: all given back`);
    assertEquals(k.stats().vm.treePages, 0);
    assertEquals(k.audit(), []);
    extra.forEach((p) => k.free_pages(p));
  }
  // Exactly enough single pages: it succeeds and leaves none free.
  keepFree(needed);
  const vaddr = k.vmalloc(MiB);
  assertEquals(vaddr !== 0, true);
  assertEquals(k.stats().pages.free, 0);
  k.vfree(vaddr);
  k.gshrink();
  assertEquals(k.stats().pages.free, needed);
  held.forEach((p) => k.free_pages(p));
  allPagesBack(k);
});

Deno.test("vmalloc() areas end in a guard page: one byte past the end faults there", () => {
  const board = new Board({ ramBytes: 4 * MiB });
  const k = boot(board);
  const vaddr = k.vmalloc(3 * PAGE_SIZE);
  const next = k.vmalloc(PAGE_SIZE);
  board.vwrite8(vaddr + 3 * PAGE_SIZE - 1, 1);
  const fault = assertThrows(() => board.vwrite8(vaddr + 3 * PAGE_SIZE, 1), PageFault);
  assertEquals([fault.vaddr, fault.access], [vaddr + 3 * PAGE_SIZE, "write"]);
  assertEquals(board.read32(MMU_BASE + MMU_FAULT_VADDR), vaddr + 3 * PAGE_SIZE);
  assertEquals(next >= vaddr + 4 * PAGE_SIZE, true);
  // A size that is not a whole number of pages gets whole pages; the guard follows them.
  const odd = k.vmalloc(100);
  board.vwrite32(odd + PAGE_SIZE - 4, 7);
  assertThrows(() => board.vread8(odd + PAGE_SIZE), PageFault);
});

Deno.test("vfree() flushes the TLB: the old address faults even right after it was cached", () => {
  const board = new Board({ ramBytes: 4 * MiB });
  const k = boot(board);
  const keep = k.vmalloc(PAGE_SIZE); // keeps the page table alive: the walk reaches the entry
  const gone = k.vmalloc(2 * PAGE_SIZE);
  board.vwrite32(gone, 42);
  assertEquals(board.vread32(gone), 42); // now in the TLB
  k.vfree(gone);
  const fault = assertThrows(() => board.vread32(gone), PageFault, "the page is not mapped");
  assertEquals(fault.vaddr, gone);
  // With no area left in its table, the table itself is gone.
  k.vfree(keep);
  assertThrows(() => board.vread32(keep), PageFault, "no page table covers it");
});

Deno.test("vmalloc() that cannot get every page returns 0 and gives back what it took", () => {
  const k = boot(new Board({ ramBytes: 4 * MiB }));
  k.vfree(k.vmalloc(1));
  const held: number[] = [];
  while (k.stats().pages.free > 10) held.push(k.alloc_page(GFP_KERNEL));
  const before = k.stats();
  assertEquals(k.vmalloc(20 * PAGE_SIZE), 0);
  // Every page is back (the area record's slab, emptied, on a hot list, unmerged).
  assertEquals(k.stats().pages.free, before.pages.free);
  assertEquals(k.stats().vm.areas.length, 0);
  assertEquals(k.audit(), []);
  assertEquals(k.vmalloc(0), 0);
  assertEquals(k.vmalloc(256 * MiB), 0); // larger than the window
  held.forEach((p) => k.free_pages(p));
  allPagesBack(k);
});

Deno.test("vmalloc() and vfree() cost within a small factor with 10 live areas and with 10,000", () => {
  /** With `live` one-page areas in place, 1,000 three-page areas made, then freed newest first. */
  const worst = (live: number): { alloc: number; free: number } => {
    const board = new Board({ ramBytes: 64 * MiB });
    const k = boot(board);
    for (let i = 0; i < live; i++) k.vmalloc(PAGE_SIZE);
    let alloc = 0;
    let free = 0;
    const areas: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const before = board.cycles;
      areas.push(k.vmalloc(3 * PAGE_SIZE));
      alloc = Math.max(alloc, board.cycles - before);
    }
    for (const vaddr of areas.reverse()) {
      const before = board.cycles;
      k.vfree(vaddr);
      free = Math.max(free, board.cycles - before);
    }
    return { alloc, free };
  };
  const few = worst(10);
  const many = worst(10_000);
  // Both worst cases take a new page table (zeroing it is 1,024 word writes);
  // the tree walk is 15 levels either way. Levels 12 and 13 lie past the
  // tree's first page: reaching them reads the tree's page list, 3 reads to
  // take a block of 4 pages and 2 to give it back. What differs is where in
  // the window the areas land, and how much splitting the page allocator does.
  assertEquals(few, { alloc: 2378, free: 380 });
  assertEquals(many, { alloc: 2394, free: 384 });
  assertEquals(many.alloc / few.alloc < 1.1 && many.free / few.free < 1.1, true);
});

Deno.test("stats().vm lists live areas like /proc/vmallocinfo", () => {
  const k = boot(new Board({ ramBytes: 4 * MiB }));
  const a = k.vmalloc(90112 - PAGE_SIZE, { caller: "load_module" });
  const b = k.vmalloc(16384, { caller: "kernel_stack" });
  const vm = k.stats().vm;
  assertEquals(vm.window.start, VM_WINDOW_BASE);
  assertEquals(vm.window.bytes, 2048 * PAGE_SIZE); // 2 x the board's 1024 pages
  assertEquals(vm.areas, [
    { start: b, end: b + 16384, size: 16384, pages: 4, caller: "kernel_stack" },
    { start: a, end: a + 86016, size: 86016, pages: 21, caller: "load_module" },
  ]);
  assertEquals(vm.reservedBytes, (32 + 8) * PAGE_SIZE); // 22 -> 32 pages, 5 -> 8 pages
  assertEquals(vm.mappedPages, 25);
});

Deno.test("every vmalloc misuse raises its typed error and changes nothing", () => {
  const board = new Board({ ramBytes: 4 * MiB });
  const k = boot(board);
  const area = k.vmalloc(2 * PAGE_SIZE);
  const freed = k.vmalloc(PAGE_SIZE);
  k.vfree(freed);
  const cases: [string, () => unknown, ErrorClass<KernelError>, string][] = [
    ["inside an area", () => k.vfree(area + PAGE_SIZE), InvalidFreeError, "inside the area at"],
    ["unaligned", () => k.vfree(area + 8), InvalidFreeError, "inside the area"],
    ["double vfree", () => k.vfree(freed), InvalidFreeError, "no live vmalloc area starts"],
    [
      "the guard page",
      () => k.vfree(area + 2 * PAGE_SIZE),
      InvalidFreeError,
      "no live vmalloc area",
    ],
    [
      "outside the window",
      () => k.vfree(0x1000),
      InvalidAddressError,
      "outside the vmalloc window",
    ],
    [
      "a physical address",
      () => k.vfree(board.ramBase),
      InvalidAddressError,
      "outside the vmalloc window",
    ],
    ["not an integer", () => k.vfree(VM_WINDOW_BASE + 0.5), InvalidAddressError, "outside"],
    ["negative size", () => k.vmalloc(-1), InvalidArgumentError, "size -1"],
    ["fractional size", () => k.vmalloc(1.5), InvalidArgumentError, "size 1.5"],
  ];
  for (const [name, misuse, ErrorClass, text] of cases) {
    const before = board.snapshot();
    assertThrows(misuse, ErrorClass, text);
    assertEquals(board.snapshot(), before, `${name} changed RAM`);
  }
  k.vfree(area);
  allPagesBack(k);
});
