import fc from "fast-check";
import { assertEquals } from "./_assert.ts";
import { KeyTable } from "../traces/key_table.ts";

Deno.test("KeyTable behaves as a Map for keys below 2^52, through growth and deletions", () => {
  // Few distinct keys, often near each other, so probe runs collide and shift.
  const key = fc.oneof(
    fc.integer({ min: 0, max: 64 }),
    fc.constantFrom(2 ** 52 - 1, 2 ** 31, 2 ** 32 + 5, 0xd8de8893d4e40),
    fc.integer({ min: 0, max: 2 ** 52 - 1 }),
  );
  const op = fc.tuple(fc.constantFrom("set", "delete", "get"), key, fc.nat());
  fc.assert(
    fc.property(fc.array(op, { maxLength: 3000, size: "max" }), (ops) => {
      const table = new KeyTable<number>();
      const model = new Map<number, number>();
      for (const [kind, k, v] of ops) {
        if (kind === "set") {
          table.set(k, v);
          model.set(k, v);
        } else if (kind === "delete") {
          table.delete(k);
          model.delete(k);
        } else {
          assertEquals(table.get(k), model.get(k));
        }
      }
      for (const [k, v] of model) assertEquals(table.get(k), v);
      assertEquals([...table.values()].sort(), [...model.values()].sort());
    }),
    { numRuns: 100 },
  );
});
