import fc from "fast-check";
import { assertEquals } from "./_assert.ts";
import { clearBits, firstSetBit, setBits } from "../hw/word_bits.ts";

Deno.test("word bitmaps set, clear and search ranges as a bit-by-bit model does", () => {
  const WORDS = 200;
  const range = fc.tuple(fc.nat(WORDS), fc.nat(WORDS)).map(([a, b]) =>
    [a, b].sort((x, y) => x - y)
  );
  const op = fc.tuple(fc.constantFrom("set", "clear", "first"), range);
  fc.assert(
    fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
      const bits = new Uint32Array(Math.ceil(WORDS / 32));
      const model = new Array<boolean>(WORDS).fill(false);
      for (const [kind, [first, end]] of ops) {
        if (kind === "set") {
          setBits(bits, first, end);
          model.fill(true, first, end);
        } else if (kind === "clear") {
          clearBits(bits, first, end);
          model.fill(false, first, end);
        } else {
          const hit = model.slice(first, end).indexOf(true);
          assertEquals(firstSetBit(bits, first, end), hit === -1 ? -1 : first + hit);
        }
      }
      for (let word = 0; word < WORDS; word++) {
        assertEquals(((bits[word >>> 5] >>> (word & 31)) & 1) === 1, model[word]);
      }
    }),
    { numRuns: 2000 },
  );
});
