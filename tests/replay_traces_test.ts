import { assertEquals } from "./_assert.ts";
import { type ReplayReport, replayTrace } from "../mod.ts";
import { fileURLToPath } from "node:url";

const LINUX = fileURLToPath(new URL("../traces/recorded/linux-6.1/", import.meta.url));
const LINUX_6_12 = fileURLToPath(new URL("../traces/recorded/linux-6.12/", import.meta.url));
const MiB = 1024 * 1024;

const PAGE_NEVER_ALLOCATED =
  "free of a page not allocated in the trace (boot-time memory, or a bulk allocation)";
const OBJECT_NEVER_ALLOCATED =
  "free of an object not allocated in the trace (allocated before recording, or in bulk)";
const KFREE_NULL = "kfree(NULL) (a no-op)";
const BATCHED = "batched free of a page already freed (mm_page_free_batched)";

/** Every event is applied or skipped for a stated reason, and the op counts add up. */
function assertAccounted(report: ReplayReport): void {
  const skipped = Object.values(report.skipped).reduce((a, b) => a + b, 0);
  assertEquals(report.applied + skipped, report.events);
  const calls = Object.values(report.ops).reduce((n, op) => n + op.count, 0);
  assertEquals(calls, report.applied + report.trace.implicitFrees);
  assertEquals([report.violations, report.problems.count, report.failures], [0, 0, 0]);
  assertEquals(report.inputError, null);
}

Deno.test("replayTrace() replays the Linux boot trace with no violation, every event accounted for", async () => {
  const report = await replayTrace(LINUX + "boot.trace.gz");
  assertAccounted(report);
  // The board is sized from the trace: peak live 30.9 MiB -> 128 MiB.
  assertEquals(report.ramBytes, 128 * MiB);
  assertEquals([report.events, report.applied], [109_496, 103_041]);
  assertEquals(report.skipped, {
    [PAGE_NEVER_ALLOCATED]: 4_005, // deferred init, initramfs, init memory, vmalloc pages
    [KFREE_NULL]: 1_963,
    [BATCHED]: 338,
    [OBJECT_NEVER_ALLOCATED]: 149, // 139 bulk maple_node + 2 other caches + 8 kfree
  });
  assertEquals(report.ops.galloc.count, 17_854);
  assertEquals(report.ops.slice_alloc.count, 56_423);
  assertEquals(report.ops.alloc_pages.count, 3_260);
  // Peak object bytes and Linux's own rounding there, as the traces' README says.
  assertEquals(Math.round(report.memory.objectRequestedBytes / 1e5) / 10, 13.5);
  assertEquals(
    Math.round((report.memory.linuxAllocatedBytes / report.memory.objectRequestedBytes) * 1000),
    1048,
  );
  // pagepile's classes waste less than Linux's at that peak.
  assertEquals(report.memory.objectAllocatedBytes < report.memory.linuxAllocatedBytes, true);
});

Deno.test("replayTrace() replays the Linux fs trace with no violation, every event accounted for", async () => {
  const report = await replayTrace(LINUX + "fs.trace.gz", { ramBytes: 256 * MiB });
  assertAccounted(report);
  assertEquals([report.events, report.applied], [817_058, 683_142]);
  assertEquals(report.skipped, {
    [OBJECT_NEVER_ALLOCATED]: 13_039, // 13,035 bulk maple_node, 3 others, 1 kfree
    [KFREE_NULL]: 16_078,
    [PAGE_NEVER_ALLOCATED]: 5,
    [BATCHED]: 104_794,
  });
  assertEquals(report.memory.objectAllocatedBytes <= report.memory.linuxAllocatedBytes, true);
});

Deno.test("replayTrace() replays the Linux procs trace with no violation, every event accounted for", async () => {
  const report = await replayTrace(LINUX + "procs.trace.gz", { ramBytes: 256 * MiB });
  assertAccounted(report);
  assertEquals([report.events, report.applied], [574_238, 470_551]);
  assertEquals(report.skipped, {
    [OBJECT_NEVER_ALLOCATED]: 27_339,
    [KFREE_NULL]: 8_127,
    [PAGE_NEVER_ALLOCATED]: 1_125, // 1,117 of them vmalloc'ed kernel stacks
    [BATCHED]: 67_096,
  });
  assertEquals(report.memory.objectAllocatedBytes <= report.memory.linuxAllocatedBytes, true);
});

Deno.test("replayTrace() replays the Linux 6.12 excerpt's vmalloc events through the MMU", async () => {
  const report = await replayTrace(LINUX_6_12 + "vm.excerpt.trace.gz");
  assertEquals([report.violations, report.problems.count, report.failures], [0, 0, 0]);
  const skipped = Object.values(report.skipped).reduce((a, b) => a + b, 0);
  assertEquals(report.applied + skipped, report.events);
  assertEquals([report.events, report.applied], [215_401, 175_301]);
  assertEquals(report.skipped["purge_vmap_area_lazy (informational)"], 900);
  assertEquals(report.skipped["vfree of an area not allocated in the trace (before recording)"], 2);
  // Hundreds of areas: 449 made, 446 of them freed within the excerpt.
  assertEquals([report.ops.vmalloc.count, report.ops.vfree.count], [449, 446]);
  // A kmalloc above 8 KiB is reported twice with one pointer: 42 unseen frees.
  assertEquals(report.trace.implicitFrees, 42);
  assertEquals(report.tlb.hits + report.tlb.misses > 0, true);
  assertEquals(report.tables!.vm!.areas.length, 449 - 446);
});
