// The debug options: red zones, poisoning, owner tags; per kernel (boot
// option) and per pool; reported on the console and counted; their cost in
// bus cycles.

import { assertEquals } from "./_assert.ts";
import { Board, boot, GFP_KERNEL, type Kernel, PAGE_SIZE, RAM_BASE } from "../mod.ts";

const MiB = 1024 * 1024;

function bugs(k: Kernel): string[] {
  return k.board.console.text().split("\n").filter((line) => line.startsWith("pagepile: BUG "));
}

function hex(addr: number): string {
  return `0x${addr.toString(16).padStart(8, "0")}`;
}

Deno.test("an overflow into the red zone is reported at free with the byte's address and the owner, and repaired", () => {
  const k = boot(new Board({ ramBytes: MiB }), { debug: true });
  const block = k.galloc(GFP_KERNEL, 40, 0x1234);
  assertEquals(k.gsize(block), 40, "usable bytes end at the red zone");
  k.board.write8(block + 41, 0x55); // the second byte past the object
  assertEquals(k.audit().length, 1, "the audit sees it too");
  assertEquals(
    k.audit()[0].endsWith(
      `red zone after slice ${hex(block)} overwritten at ${hex(block + 41)} (owner #4660)`,
    ),
    true,
    k.audit()[0],
  );
  k.gfree(block);
  assertEquals(k.debugReports(), 1);
  // And an underflow: the byte before the block.
  const next = k.galloc(GFP_KERNEL, 40, 99);
  k.board.write8(next - 1, 0);
  k.gfree(next);
  assertEquals(bugs(k), [
    `pagepile: BUG pool 'galloc-40' (id 6): red zone after slice ${hex(block)} overwritten at ${
      hex(block + 41)
    } (owner #4660); repaired`,
    `pagepile: BUG pool 'galloc-40' (id 6): red zone before slice ${hex(next)} overwritten at ${
      hex(next - 1)
    } (owner #99); repaired`,
  ]);
  assertEquals(k.audit(), [], "repaired and freed");
});

Deno.test("a write after free is reported at the next allocation of that slice, and by the audit", () => {
  const k = boot(new Board({ ramBytes: MiB }));
  const pool = k.slice_pool_create(GFP_KERNEL, 100, { name: "inode", debug: true })!;
  const plain = k.slice_pool_create(GFP_KERNEL, 100, { name: "plain" })!;
  // A slice stays live, so that the slab stays the pool's (an empty slab
  // goes back to the page allocator at once).
  const first = k.slice_alloc(pool, 6);
  const a = k.slice_alloc(pool, 7);
  k.slice_free(a, pool);
  k.board.write32(a + 96, 0xDEAD); // the object's last word, after its free
  assertEquals(k.audit(), [
    `pool 'inode' (id 75) slab ${hex(first - 8)}: use after free: poison overwritten at ${
      hex(a + 96)
    } (slice ${hex(a)}, last owner #7)`,
  ]);
  assertEquals(k.slice_alloc(pool, 8), a, "the same slice again");
  assertEquals(bugs(k), [
    `pagepile: BUG pool 'inode' (id 75): use after free: poison overwritten at ${
      hex(a + 96)
    } (slice ${hex(a)}, last owner #7)`,
  ]);
  // A pool without the option: no red zone, no poison, no report.
  const b = k.slice_alloc(plain);
  k.board.write8(b + 100, 1);
  k.slice_free(b, plain);
  assertEquals(k.debugReports(), 1);
  assertEquals(k.poolStats(plain).slotSize, 104);
  assertEquals(k.poolStats(pool).slotSize, 120, "red zone, 100, red zone, owner tag, to 8 bytes");
});

Deno.test("page poisoning: a write to a freed page is reported when the page is handed out again", () => {
  const k = boot(new Board({ ramBytes: MiB }), { debug: true });
  const addr = k.get_pages(GFP_KERNEL, 1);
  k.put_pages(addr);
  k.board.write8(addr + PAGE_SIZE + 3, 0);
  assertEquals(k.get_pages(GFP_KERNEL, 1), addr);
  assertEquals(bugs(k), [
    `pagepile: BUG page poison overwritten at ${hex(addr + PAGE_SIZE + 3)} ` +
    `(order-1 pile ${hex(addr)}): written after it was freed`,
  ]);
  // Every page was poisoned at boot, so a first allocation is checked too.
  const fresh = k.get_pages(GFP_KERNEL, 0);
  assertEquals(k.board.read32(fresh), 0x6B6B6B6B);
  assertEquals(k.debugReports(), 1);
});

Deno.test("page poisoning: a large block cut from adjacent free piles has each pile checked", () => {
  const k = boot(new Board({ ramBytes: MiB }), { debug: true });
  const taken: number[] = [];
  for (let a = k.get_page(GFP_KERNEL); a !== 0; a = k.get_page(GFP_KERNEL)) taken.push(a);
  taken.sort((a, b) => a - b);
  // Pages 1, 2 and 3 of a group of four free again: an order-0 and an order-1 pile, no order 2.
  const at = taken.findIndex((addr) => ((addr - RAM_BASE) / PAGE_SIZE) % 4 === 1);
  const three = taken.splice(at, 3);
  three.forEach((addr) => k.put_page(addr));
  k.board.write8(three[1] + 5, 0);
  assertEquals(k.galloc(GFP_KERNEL, 3 * PAGE_SIZE - 64), three[0]);
  assertEquals(bugs(k), [
    `pagepile: BUG page poison overwritten at ${hex(three[1] + 5)} ` +
    `(order-1 pile ${hex(three[1])}): written after it was freed`,
  ]);
  assertEquals(k.audit(), []);
});

Deno.test("the debug options cost bus cycles, and only where they are on", () => {
  const cycles = (k: Kernel, run: () => void): number => {
    const before = k.board.cycles;
    run();
    return k.board.cycles - before;
  };
  const measure = (debug: boolean) => {
    const k = boot(new Board({ ramBytes: MiB }), { debug });
    k.galloc(GFP_KERNEL, 64); // live: the class's slab exists from here on
    let block = 0;
    const alloc = cycles(k, () => block = k.galloc(GFP_KERNEL, 64));
    const free = cycles(k, () => k.gfree(block));
    const again = cycles(k, () => block = k.galloc(GFP_KERNEL, 64)); // a poisoned slice
    const page = cycles(k, () => k.put_pages(k.get_pages(GFP_KERNEL, 0)));
    return { alloc, free, again, page };
  };
  // Off: the costs the rest of the suite asserts, unchanged by the options'
  // existence. On, for a 64-byte class block, 2 cycles per RAM access: an
  // alloc of a slice never handed out +14 (reads the object size; writes 4
  // red-zone words and the tag; and a debug pool's slab is a page slab,
  // whose bitmap's offset is read, where the pool without the options has a
  // chunk, whose bitmap is in its head); of a freed one +52 (also reads 3 red-zone
  // words and 16 poison words); a free +48 (reads the size and 4 red-zone
  // words; writes 16 poison and 3 red-zone words); a page +4,096 (1,024
  // poison words checked at alloc, 1,024 written at free).
  assertEquals(measure(false), { alloc: 28, free: 24, again: 28, page: 60 });
  assertEquals(measure(true), { alloc: 42, free: 72, again: 80, page: 4156 });
});

Deno.test("a large galloc block's red zone is the slack of its last page; free pages are audited for poison", () => {
  const k = boot(new Board({ ramBytes: MiB }), { debug: true });
  const block = k.galloc(GFP_KERNEL, 3 * PAGE_SIZE + 10, 5);
  assertEquals(k.gsize(block), 3 * PAGE_SIZE + 10, "usable: what was asked for");
  k.board.write8(block + 3 * PAGE_SIZE + 12, 0);
  const expected = `red zone after large block ${hex(block)} (12298 bytes) overwritten at ${
    hex(block + 3 * PAGE_SIZE + 12)
  } (owner #5)`;
  assertEquals(k.audit(), [`generic allocator: ${expected}`]);
  k.gfree(block);
  assertEquals(bugs(k), [`pagepile: BUG galloc: ${expected}`]);
  // The block's pages are free and poisoned now; a write into one shows in the audit.
  k.board.write32(block + 100, 1);
  const problems = k.audit();
  assertEquals(problems.length, 1);
  assertEquals(
    problems[0].endsWith(
      `page poison overwritten at ${hex(block + 100)} (written after it was freed)`,
    ),
    true,
    problems[0],
  );
});
