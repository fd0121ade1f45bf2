import fc from "fast-check";
import { assertEquals } from "./_assert.ts";
import { Board, boot, GFP_KERNEL, MMU_BASE, PAGE_SIZE, RAM_BASE } from "../mod.ts";
import { MMU_PT_BASE, MMU_TLB_FLUSH, PTE_FRAME_MASK } from "../hw/mmu.ts";
import { patternWord, ShadowMemory } from "../tools/replay/shadow_memory.ts";

/** A block as the replayer keeps it: listed whether or not the shadow accepted it. */
interface Listed {
  id: number;
  addr: number;
  size: number;
}

/**
 * Slots of RAM for blocks that cannot overlap: a block of up to 256 bytes at
 * 0 to 43 bytes in. Slots are not lines: a block holds whole 64-byte lines,
 * and shares one with its neighbour.
 */
const SLOT = 300;
const SLOTS = 4;

Deno.test("ShadowMemory.verify finds what reading the whole block finds, whatever writes, refusals and stray frees came before", () => {
  const at = fc.nat(SLOTS * SLOT - 1);
  // A block's offset in its slot: often where it starts a line.
  const offset = fc.oneof(fc.nat(43), fc.constant(-1));
  // Often where a block may start, or a line: a write that crosses into the block or line.
  const near = fc.oneof(
    at,
    fc.tuple(fc.nat(SLOTS - 1), fc.nat(47)).map(([slot, i]) => Math.max(slot * SLOT + i - 4, 0)),
    fc.tuple(fc.nat(Math.floor(SLOTS * SLOT / 64) - 1), fc.nat(7)).map(([line, i]) =>
      line * 64 + i + 60
    ),
  );
  const op = fc.oneof(
    fc.tuple(fc.constant("add" as const), fc.nat(SLOTS - 1), offset, fc.noBias(fc.nat(256))),
    fc.tuple(fc.constant("stray" as const), at, fc.nat(64), fc.constantFrom(1, 4, 8)),
    fc.tuple(fc.constant("free" as const), fc.nat(), fc.constant(0), fc.constant(0)),
    {
      arbitrary: fc.tuple(
        fc.constant("write" as const),
        near,
        fc.constantFrom(1, 2, 4),
        fc.nat(255),
      ),
      weight: 3,
    },
    fc.tuple(fc.constant("burst" as const), near, fc.nat(8), fc.nat(255)),
    fc.tuple(fc.constant("fill" as const), at, fc.nat(16), fc.nat(255)),
    fc.tuple(
      fc.constant("firmware" as const),
      fc.nat(SLOTS - 1),
      fc.nat(43),
      fc.noBias(fc.nat(256)),
    ),
    fc.tuple(fc.constant("release" as const), fc.nat(), fc.constant(0), fc.constant(0)),
  );
  const mode = fc.constantFrom("full", "light") as fc.Arbitrary<"full" | "light">;
  // Tidy runs only add blocks in free slots, so that nothing is ever refused;
  // the others add blocks in live slots and anywhere else, and claim (and
  // give back) firmware structures over them.
  const run = fc.tuple(mode, fc.boolean(), fc.array(op, { maxLength: 80, size: "max" }));
  fc.assert(
    fc.property(run, ([mode, tidy, ops]) => {
      const board = new Board({ ramBytes: 64 * 1024 });
      const shadow = new ShadowMemory(board, mode, { start: 0, bytes: 0 });
      const listed: Listed[] = [];
      const live = new Set<number>();
      const firmware: [number, number][] = [];
      let nextId = 1;
      const list = (addr: number, size: number, align: number): void => {
        const block = { id: nextId++, addr, size };
        shadow.add(block.id, block.addr, block.size, align);
        listed.push(block); // refused or not, as the replayer does
      };
      for (const [kind, a, b, c] of ops) {
        if (kind === "add" && !(tidy && live.has(a))) {
          live.add(a);
          list(RAM_BASE + a * SLOT + (b === -1 ? -(a * SLOT) & 63 : b), c, 1);
        } else if (kind === "stray" && !tidy) {
          list(RAM_BASE + a, b, c);
        } else if (kind === "free" && listed.length > 0) {
          const [block] = listed.splice(a % listed.length, 1);
          live.delete(Math.floor((block.addr - RAM_BASE) / SLOT));
          shadow.remove(block.addr, block.size); // a refused block's too: a stray free
        } else if (kind === "write") {
          if (b === 1) board.write8(RAM_BASE + a, c);
          else if (b === 2) board.write16(RAM_BASE + a, c * 0x0101);
          else board.write32(RAM_BASE + a, c * 0x0101_0101);
        } else if (kind === "burst") {
          board.fill32(RAM_BASE + a, b, c * 0x0101_0101);
        } else if (kind === "fill") {
          board.debugFill(RAM_BASE + a, b, c);
        } else if (kind === "firmware" && !tidy) {
          firmware.push([RAM_BASE + a * SLOT + b, c]);
          shadow.claimFirmware(RAM_BASE + a * SLOT + b, c);
        } else if (kind === "release" && firmware.length > 0) {
          shadow.releaseFirmware(...firmware.splice(a % firmware.length, 1)[0]);
        }
        for (const { id, addr, size } of listed) {
          // Light checks read a large block's ends only, as they always did.
          if (mode === "light" && size > 8) continue;
          const whole = board.debugFindMismatch(addr, size, patternWord(id));
          assertEquals(shadow.verify(id, addr, size), whole);
        }
      }
    }),
    { numRuns: 2000 },
  );
});

Deno.test("ShadowMemory still reads a live block whole once an area was released through another mapping", () => {
  const board = new Board({ ramBytes: 4 * 1024 * 1024 });
  const k = boot(board);
  const shadow = new ShadowMemory(board, "full", k.stats().vm!.window);
  shadow.claimFirmware(board.ramBase, k.stats().pages.reserved * PAGE_SIZE);
  const live = k.page_to_addr(k.alloc_pages(GFP_KERNEL, 0));
  assertEquals(shadow.add(1, live, PAGE_SIZE, PAGE_SIZE), undefined);
  const area = k.vmalloc(PAGE_SIZE);
  assertEquals(shadow.addArea(2, area, PAGE_SIZE), undefined);
  // A firmware bug: the area's page table entry now maps the live block's page.
  const directory = board.read32(MMU_BASE + MMU_PT_BASE);
  const table = board.read32(directory + (area >>> 22) * 4) & PTE_FRAME_MASK;
  const entry = table + ((area >>> 12) & 0x3FF) * 4;
  board.write32(entry, (live | (board.read32(entry) & ~PTE_FRAME_MASK)) >>> 0);
  board.write32(MMU_BASE + MMU_TLB_FLUSH, 0);
  // Releasing the area releases the live block's words; another block is then
  // accepted over them, and its fill replaces the live block's pattern.
  shadow.removeArea(area, PAGE_SIZE);
  assertEquals(shadow.add(3, live, PAGE_SIZE, PAGE_SIZE), undefined);
  assertEquals(shadow.verify(1, live, PAGE_SIZE), live);
});
