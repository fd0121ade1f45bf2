import { assertEquals } from "./_assert.ts";
import { Board, boot, GFP_KERNEL } from "../mod.ts";

const MiB = 1024 * 1024;
const TOP_ORDER = 7; // the largest pile a 1 MiB board can hold next to its firmware pages

/**
 * Allocates every page as a single page, frees the top 2^TOP_ORDER pages of RAM
 * (they merge into one pile) and every other remaining page (isolated single
 * pages: their buddies stay allocated), then measures the bus cycles of
 * alloc_pages and free_pages for each order up to TOP_ORDER.
 */
function measure(ramBytes: number): { alloc: number[]; free: number[]; freeSingles: number } {
  const board = new Board({ ramBytes });
  const k = boot(board);
  const pages: number[] = [];
  for (let p = k.alloc_page(GFP_KERNEL); p !== 0; p = k.alloc_page(GFP_KERNEL)) pages.push(p);
  pages.sort((a, b) => a - b);
  const top = pages.splice(pages.length - (1 << TOP_ORDER));
  for (const page of top) k.free_pages(page);
  for (const page of pages) if (((page - pages[0]) / 32) % 2 === 1) k.free_pages(page);
  const alloc: number[] = [];
  const free: number[] = [];
  for (let order = 0; order <= TOP_ORDER; order++) {
    let before = board.cycles;
    const page = k.alloc_pages(GFP_KERNEL, order);
    alloc.push(board.cycles - before);
    before = board.cycles;
    k.free_pages(page);
    free.push(board.cycles - before);
  }
  return { alloc, free, freeSingles: k.stats().pages.freeByOrder[0] };
}

Deno.test("allocPages() and freePages() cost the same bus cycles on 1 MiB and on a fragmented 1 GiB", () => {
  const small = measure(1 * MiB);
  const large = measure(1024 * MiB);
  // Half of the 1 GiB board's pages are free as isolated single pages.
  // Pages 0-2050 (1 GiB) or 0-4 (1 MiB) hold the firmware; the rest but the
  // top 128 alternate allocated and free, starting with an allocated one.
  assertEquals(large.freeSingles, (262144 - 2051 - 128 - 1) / 2);
  assertEquals(small.freeSingles, (256 - 5 - 128 - 1) / 2);
  assertEquals(large.alloc, small.alloc);
  assertEquals(large.free, small.free);
  // 2 cycles per RAM access. Orders 0..6 first read the zone's hot list of
  // their order (empty here: 1 access); every order then reads the zone's
  // nonempty bits (1). Order 0 takes an isolated page: read the list's head
  // and its next, write the head and the next's prev (4), write its flags,
  // update nr_free (2): 9 accesses. Order n >= 1 finds order 7 the lowest
  // with a pile (no list below is read), reads its head and next and writes
  // the head (3), splits it 7 - n times (4 writes each: the lists below are
  // empty, so nothing is read), writes the nonempty bits, the flags and
  // nr_free (4): 2 * (37 - 4n) cycles. Freeing order n >= 1 checks the flags,
  // clears them, merges 7 - n times (5 each: the buddy's flags, next and prev
  // read, its list's head and its flags written: it is its list's only pile),
  // finds the order-7 buddy taken, pushes onto an empty list (5), writes the
  // nonempty bits once for every list emptied and filled (2) and updates
  // nr_free (2): 2 * (47 - 5n). Freeing an isolated page merges nothing: 11
  // accesses.
  assertEquals(small.alloc, [18, 66, 58, 50, 42, 34, 26, 16]);
  assertEquals(small.free, [22, 84, 74, 64, 54, 44, 34, 24]);
  assertEquals([Math.max(...large.alloc), Math.max(...large.free)], [66, 84]);
});
