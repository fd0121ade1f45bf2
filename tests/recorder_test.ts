import { seededRandom } from "./_helpers.ts";
import { assertEquals } from "./_assert.ts";
import { Board, boot, GFP_KERNEL, type PoolHandle, Recorder, replayTrace } from "../mod.ts";

Deno.test("Recorder output replays to the same calls, bus cycles and final state as the recorded run", async () => {
  const ramBytes = 4 * 1024 * 1024;
  const board = new Board({ ramBytes });
  const lines: string[] = [];
  const k = new Recorder(boot(board), (line) => lines.push(line));
  const cycles = new Map<string, number[]>();
  const timed = <T>(op: string, call: () => T): T => {
    const before = board.cycles;
    const result = call();
    (cycles.get(op) ?? cycles.set(op, []).get(op)!).push(board.cycles - before);
    return result;
  };
  const random = seededRandom(42);
  const pools: PoolHandle[] = [];
  const live: (() => void)[] = [];
  for (let i = 0; i < 3000; i++) {
    const r = random();
    if (r < 0.05 || pools.length === 0) {
      const pool = timed(
        "slice_pool_create",
        () =>
          k.slice_pool_create(GFP_KERNEL, 1 + Math.floor(random() * 2000), { name: `pool ${i}` }),
      );
      if (pool) pools.push(pool);
    } else if (r < 0.3) {
      const pool = pools[Math.floor(random() * pools.length)];
      const slice = timed("slice_alloc", () => k.slice_alloc(pool));
      if (slice !== 0) live.push(() => timed("slice_free", () => k.slice_free(slice, pool)));
    } else if (r < 0.55) {
      const addr = timed("galloc", () => k.galloc(GFP_KERNEL, Math.floor(random() * 12000)));
      if (addr !== 0) live.push(() => timed("gfree", () => k.gfree(addr)));
    } else if (r < 0.65) {
      const page = timed("alloc_pages", () => k.alloc_pages(GFP_KERNEL, Math.floor(random() * 4)));
      if (page !== 0) live.push(() => timed("free_pages", () => k.free_pages(page)));
    } else if (r < 0.7) {
      const size = Math.floor(random() * 40000);
      const vaddr = timed("vmalloc", () => k.vmalloc(size, { caller: `caller ${i}` }));
      if (vaddr !== 0) live.push(() => timed("vfree", () => k.vfree(vaddr)));
    } else if (live.length > 0) {
      live.splice(Math.floor(random() * live.length), 1)[0]();
    }
  }
  timed("gshrink", () => k.gshrink());
  const path = await Deno.makeTempFile();
  await Deno.writeTextFile(path, lines.join("\n") + "\n");
  const report = await replayTrace(path, { ramBytes });
  await Deno.remove(path);

  // Every recorded call replays, the ones that found memory short included.
  assertEquals([report.violations, report.problems.count], [0, 0]);
  assertEquals(report.applied, lines.length - 1);
  assertEquals(report.failures > 0, true);
  for (const [op, recorded] of cycles) {
    const replayed = report.ops[op];
    assertEquals(replayed.count, recorded.length, `${op} count`);
    assertEquals(replayed.cycles.max, Math.max(...recorded), `${op} max cycles`);
    const mean = Math.round((recorded.reduce((a, b) => a + b, 0) / recorded.length) * 10) / 10;
    assertEquals(replayed.cycles.mean, mean, `${op} mean cycles`);
  }
  // The same allocator state at the end, pool names included.
  const original = k.stats();
  assertEquals(report.tables!.pages, original.pages);
  const pools_ = (s: typeof original.slices) =>
    s.map((p) => [p.name, p.activeObjs, p.slabs, p.objSize]);
  assertEquals(pools_(report.tables!.slices), pools_(original.slices));
  assertEquals(report.tables!.vm, original.vm);
});
