import fc from "fast-check";
import { promisedAlign } from "./_helpers.ts";
import { assertEquals, assertThrows } from "./_assert.ts";
import { Shadow } from "./_shadow.ts";
import {
  Board,
  boot,
  GFP_DMA,
  GFP_KERNEL,
  GFP_ZERO,
  PAGE_SIZE,
  PoolBusyError,
  type SlicePool,
  ZERO_SIZE_PTR,
} from "../mod.ts";

type Op =
  | { kind: "pages"; order: number; dma: boolean }
  | { kind: "pool"; size: number }
  | { kind: "slice"; pick: number }
  | { kind: "galloc"; size: number; zero: boolean }
  | { kind: "free"; pick: number }
  | { kind: "shrink"; pick: number }
  | { kind: "recycle"; pick: number }
  | { kind: "gshrink" };

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("pages" as const), order: fc.nat(4), dma: fc.boolean() }),
  fc.record({
    kind: fc.constant("pool" as const),
    size: fc.oneof(
      fc.constantFrom(4, 40, 200, 2040),
      fc.integer({ min: 1, max: 256 }),
      fc.integer({ min: 1, max: 32768 }),
    ),
  }),
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("slice" as const), pick: fc.nat() }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("galloc" as const),
      // A few sizes often, so slabs fill and empty; any size sometimes.
      size: fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(8, 24, 100, 512, 3000, 10000) },
        fc.nat(300),
        fc.nat(9000),
        fc.nat(40000),
      ),
      zero: fc.boolean(),
    }),
  },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("free" as const), pick: fc.nat() }) },
  fc.record({ kind: fc.constant("shrink" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("recycle" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("gshrink" as const) }),
);

/** How a live block was obtained, so it can be given back the same way. */
type Live =
  | { kind: "pages"; addr: number }
  | { kind: "slice"; addr: number; pool: SlicePool }
  | { kind: "galloc"; addr: number };

Deno.test("the page, slice and generic allocators interleaved keep every block intact and give every page back", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(2 * 1024 * 1024, 20 * 1024 * 1024),
      fc.array(opArbitrary, { maxLength: 200, size: "max" }),
      (ramBytes, ops) => {
        const board = new Board({ ramBytes });
        const k = boot(board);
        const shadow = new Shadow(board);
        const live: Live[] = [];
        const pools: { pool: SlicePool; size: number; live: number }[] = [];
        const give = (block: Live): void => {
          if (block.kind !== "galloc" || block.addr !== ZERO_SIZE_PTR) shadow.remove(block.addr);
          if (block.kind === "pages") k.put_pages(block.addr);
          else if (block.kind === "galloc") k.gfree(block.addr);
          else {
            k.slice_free(block.addr, block.pool);
            pools.find((p) => p.pool === block.pool)!.live--;
          }
        };
        for (const op of ops) {
          if (op.kind === "pages") {
            const addr = k.get_pages(op.dma ? GFP_DMA : GFP_KERNEL, op.order);
            if (addr === 0) continue;
            shadow.add(addr, PAGE_SIZE << op.order, PAGE_SIZE << op.order);
            live.push({ kind: "pages", addr });
          } else if (op.kind === "pool") {
            const pool = k.slice_pool_create(GFP_KERNEL, op.size);
            if (pool !== null) pools.push({ pool, size: op.size, live: 0 });
          } else if (op.kind === "slice" && pools.length > 0) {
            const entry = pools[op.pick % pools.length];
            const addr = k.slice_alloc(entry.pool);
            if (addr === 0) continue;
            shadow.add(addr, entry.size, promisedAlign(entry.size));
            entry.live++;
            live.push({ kind: "slice", addr, pool: entry.pool });
          } else if (op.kind === "galloc") {
            const addr = k.galloc(GFP_KERNEL | (op.zero ? GFP_ZERO : 0), op.size);
            if (addr === 0) continue;
            if (addr !== ZERO_SIZE_PTR) {
              if (op.zero) {
                for (let a = addr; a < addr + op.size; a += 4) assertEquals(board.read32(a), 0);
              }
              shadow.add(addr, k.gsize(addr), 8);
            }
            live.push({ kind: "galloc", addr });
          } else if (op.kind === "free" && live.length > 0) {
            give(live.splice(op.pick % live.length, 1)[0]);
          } else if (op.kind === "shrink" && pools.length > 0) {
            k.slice_pool_shrink(pools[op.pick % pools.length].pool);
          } else if (op.kind === "recycle" && pools.length > 0) {
            const i = op.pick % pools.length;
            if (pools[i].live > 0) {
              const error = assertThrows(() => k.slice_pool_recycle(pools[i].pool), PoolBusyError);
              assertEquals(error.live, pools[i].live);
            } else {
              k.slice_pool_recycle(pools.splice(i, 1)[0].pool);
            }
          } else if (op.kind === "gshrink") {
            k.gshrink();
          }
        }
        shadow.verifyAll();
        assertEquals(k.audit(), []);
        for (const block of live) give(block);
        for (const { pool } of pools) k.slice_pool_recycle(pool);
        k.gshrink();
        const pages = k.stats().pages;
        assertEquals(pages.free, pages.total - pages.reserved);
        assertEquals(k.audit(), []);
      },
    ),
    { numRuns: 150 },
  );
});
