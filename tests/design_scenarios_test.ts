/**
 * The original Koowaldah kernel's own allocator tests — test_mm,
 * test_slice_alloc and test_galloc (kernel/init/) — run on every shipped
 * design through the seam alone. Each step checks what those tests only
 * printed: every allocation succeeds (the boards are sized so that memory
 * suffices), no two live blocks overlap, what was written to a block is
 * still there when it is freed, and at the end every page is back and the
 * audit is clean.
 */

import { assertEquals } from "./_assert.ts";
import { Board, type Design, type Firmware, GFP_KERNEL, PAGE_SIZE } from "../mod.ts";
import { REPO_DESIGNS } from "./_designs.ts";

const MiB = 1024 * 1024;

/**
 * The live blocks of a scenario: their ranges, kept sorted to catch an
 * overlap, and a pattern written into each (through the debug port, so the
 * checks cost no bus cycles) to catch a change before it is freed.
 */
class LiveBlocks {
  readonly #board: Board;
  /** Live ranges sorted by start: [start, end, pattern] each. */
  readonly #ranges: [number, number, number][] = [];
  #nextPattern = 0x5A00_0001;

  constructor(board: Board) {
    this.#board = board;
  }

  /** Records a new block of `size` bytes at `addr` and fills it with its pattern. */
  add(addr: number, size: number, what: string): void {
    if (addr === 0) throw new Error(`${what} failed`);
    if (size === 0) return;
    const at = this.#search(addr);
    const before = this.#ranges[at - 1];
    const after = this.#ranges[at];
    if ((before && before[1] > addr) || (after && after[0] < addr + size)) {
      throw new Error(`${what} at 0x${addr.toString(16)} overlaps a live block`);
    }
    const pattern = this.#nextPattern++;
    this.#board.debugFill(addr, size, pattern);
    this.#ranges.splice(at, 0, [addr, addr + size, pattern]);
  }

  /** Checks the block at `addr` still holds its pattern, and forgets it. */
  remove(addr: number, what: string): void {
    const at = this.#search(addr);
    const range = this.#ranges[at];
    if (range === undefined || range[0] !== addr) return; // a size-0 block
    const changed = this.#board.debugFindMismatch(addr, range[1] - addr, range[2]);
    if (changed !== -1) throw new Error(`${what}: byte 0x${changed.toString(16)} changed`);
    this.#ranges.splice(at, 1);
  }

  /** Live blocks. */
  get size(): number {
    return this.#ranges.length;
  }

  /** The index of the first range starting at or after `addr`. */
  #search(addr: number): number {
    let low = 0;
    let high = this.#ranges.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.#ranges[mid][0] < addr) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}

/** Boots `design` and returns the firmware with its free pages right after boot. */
function bootFor(design: Design, ramBytes: number): { k: Firmware; freeAtBoot: number } {
  const k = design.boot(new Board({ ...design.boardOptions, ramBytes }));
  return { k, freeAtBoot: k.stats().pages.free };
}

/** After gshrink, the free pages are what they were after boot and the audit is clean. */
function assertAllBack(k: Firmware, freeAtBoot: number): void {
  k.gshrink();
  assertEquals(k.stats().pages.free, freeAtBoot, "every page is back");
  assertEquals(k.audit(), []);
}

for (const design of REPO_DESIGNS) {
  Deno.test(`${design.name}: test_mm's interleaving of piles and 2048 single pages`, () => {
    // 32 MiB: the first-fit heap puts a header before each page-aligned pile,
    // so its 2048 single pages take 8 KiB each.
    const { k, freeAtBoot } = bootFor(design, 32 * MiB);
    const live = new LiveBlocks(k.board);
    const alloc = (order: number): number => {
      const page = k.alloc_pages(GFP_KERNEL, order);
      live.add(page === 0 ? 0 : k.page_to_addr(page), PAGE_SIZE << order, `order ${order}`);
      assertEquals(k.addr_to_page(k.page_to_addr(page)), page);
      return page;
    };
    const free = (page: number): void => {
      live.remove(k.page_to_addr(page), "free_pages");
      k.free_pages(page);
    };
    // pg[1..6] as test_mm allocates and frees them, in its order.
    const pg: number[] = [];
    pg[1] = alloc(0);
    pg[2] = alloc(1);
    free(pg[1]);
    pg[3] = alloc(3);
    pg[4] = alloc(1);
    free(pg[2]);
    pg[5] = alloc(4);
    pg[6] = alloc(2);
    free(pg[4]);
    free(pg[3]);
    free(pg[6]);
    free(pg[5]);
    assertEquals(k.audit(), []);
    for (let i = 0; i < 6; i++) pg[i] = alloc(i + 1);
    const pages: number[] = [];
    for (let i = 0; i < 2048; i++) pages.push(alloc(0));
    for (let i = 0; i < 1048; i += 2) free(pages[i]);
    assertEquals(k.audit(), []);
    // test_mm then frees pg[0..6]; pg[6] was freed already (a double free
    // the original cannot notice), so it stops at pg[5]. It leaves the other
    // single pages allocated; they are freed here so that every page is back.
    for (let i = 0; i < 6; i++) free(pg[i]);
    for (let i = 1; i < 1048; i += 2) free(pages[i]);
    for (let i = 1048; i < 2048; i++) free(pages[i]);
    assertEquals(live.size, 0);
    assertAllBack(k, freeAtBoot);
  });

  Deno.test(`${design.name}: test_slice_alloc with 4-, 40- and 200-byte slices`, () => {
    const { k, freeAtBoot } = bootFor(design, 16 * MiB);
    const live = new LiveBlocks(k.board);
    for (const size of [4, 40, 200]) {
      const pool = k.slice_pool_create(GFP_KERNEL, size, { name: `test-${size}` });
      if (pool === null) throw new Error(`slice_pool_create(${size}) failed`);
      const slices: number[] = [];
      const alloc = (i: number): void => {
        slices[i] = k.slice_alloc(pool);
        live.add(slices[i], size, `slice_alloc(${size})`);
      };
      const free = (i: number): void => {
        live.remove(slices[i], `slice_free(${size})`);
        k.slice_free(slices[i], pool);
      };
      for (let i = 0; i < 1024; i++) alloc(i);
      for (let i = 0; i < 1024; i += 2) free(i);
      for (let i = 0; i < 1024; i += 2) alloc(i);
      for (let i = 1; i < 1024; i += 2) free(i);
      for (let i = 0; i < 1024; i += 2) free(i);
      assertEquals(k.poolStats(pool).activeObjs, 0);
      k.slice_pool_recycle(pool);
      assertEquals(k.audit(), []);
    }
    assertAllBack(k, freeAtBoot);
  });

  Deno.test(`${design.name}: test_galloc with chunks of 0..2043 bytes and of 0..99 pages`, () => {
    // The 100 page-sized chunks take 7339 pages on koowaldah (each is rounded
    // up to a power of two of pages after its header): 64 MiB holds them.
    const { k, freeAtBoot } = bootFor(design, 64 * MiB);
    const live = new LiveBlocks(k.board);
    const alloc = (size: number): number => {
      const chunk = k.galloc(GFP_KERNEL, size);
      live.add(chunk, size, `galloc(${size})`);
      return chunk;
    };
    const free = (chunk: number): void => {
      live.remove(chunk, "gfree");
      k.gfree(chunk);
    };
    const chunks: number[] = [];
    for (let i = 0; i < 2044; i++) chunks[i] = alloc(i);
    for (let i = 0; i < 2044; i += 2) free(chunks[i]);
    for (let i = 1; i < 2044; i += 2) free(chunks[i]);
    assertEquals(k.audit(), []);
    for (let i = 0; i < 100; i++) chunks[i] = alloc(i * PAGE_SIZE);
    for (let i = 0; i < 100; i++) free(chunks[i]);
    assertEquals(live.size, 0);
    assertAllBack(k, freeAtBoot);
  });
}
