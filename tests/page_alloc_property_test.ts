import fc from "fast-check";
import { assertEquals } from "./_assert.ts";
import { actualPiles, BuddyModel } from "./_buddy_model.ts";
import { Board, boot, GFP_DMA, GFP_KERNEL } from "../mod.ts";

const KiB = 1024;
const MiB = 1024 * KiB;

type Op =
  | { kind: "alloc"; order: number; dma: boolean }
  | { kind: "free"; pick: number };

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("alloc" as const),
      // Mostly small orders, as kernels ask, with the whole range reachable.
      order: fc.oneof(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 10 })),
      dma: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("free" as const), pick: fc.nat() }) },
);

Deno.test("allocPages() and freePages() keep the piles tiling each zone, whatever the sequence", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(64 * KiB, 1 * MiB, 20 * MiB),
      fc.array(opArbitrary, { maxLength: 80, size: "max" }),
      (ramBytes, ops) => {
        const k = boot(new Board({ ramBytes }));
        const model = new BuddyModel(k);
        const initial = actualPiles(k);
        const live: { page: number; order: number }[] = [];
        for (const op of ops) {
          if (op.kind === "alloc") {
            const zones = op.dma ? ["DMA"] : ["Normal", "DMA"];
            const page = k.alloc_pages(op.dma ? GFP_DMA : GFP_KERNEL, op.order);
            if (page === 0) {
              // Out of memory only when no allowed zone has a free aligned block.
              for (const zone of zones) assertEquals(model.hasFreeBlock(zone, op.order), false);
              continue;
            }
            const addr = k.page_to_addr(page);
            if (!op.dma && addr < k.bootInfo.ramBase + 16 * MiB) {
              // GFP_KERNEL falls back to DMA only when Normal cannot serve.
              assertEquals(model.hasFreeBlock("Normal", op.order), false);
            }
            model.allocate(addr, op.order, zones);
            live.push({ page, order: op.order });
          } else if (live.length > 0) {
            const [{ page, order }] = live.splice(op.pick % live.length, 1);
            model.release(k.page_to_addr(page), order);
            k.free_pages(page);
          }
          assertEquals(actualPiles(k), model.expectedPiles());
        }
        assertEquals(k.audit(), []);
        for (const { page, order } of live) {
          model.release(k.page_to_addr(page), order);
          k.free_pages(page);
        }
        assertEquals(actualPiles(k), initial);
        assertEquals(k.audit(), []);
      },
    ),
    { numRuns: 200 },
  );
});
