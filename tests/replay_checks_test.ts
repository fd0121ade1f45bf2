import { assertEquals } from "./_assert.ts";
import {
  Board,
  boot,
  FAULT_ADDR,
  FAULT_STATUS_BASE,
  Kernel,
  readTrace,
  Replayer,
  replayTrace,
  TraceStreamer,
} from "../mod.ts";
import { fileURLToPath } from "node:url";

const EXCERPT = fileURLToPath(new URL("./fixtures/boot_excerpt.trace.gz", import.meta.url));
const BOOT = fileURLToPath(new URL("../traces/recorded/linux-6.1/boot.trace.gz", import.meta.url));

/** A kernel whose methods named in `faults` are replaced; the rest go to the real one. */
function faulty(k: Kernel, faults: Partial<Record<keyof Kernel, unknown>>): Kernel {
  return new Proxy(k, {
    get(target, prop) {
      if (prop in faults) return faults[prop as keyof Kernel];
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

async function replayInto(k: Kernel, path: string) {
  const replayer = new Replayer(k);
  const info = await readTrace(path, replayer);
  return replayer.finish(info.lines);
}

Deno.test("Replayer catches an allocator that hands out overlapping blocks", async () => {
  const k = boot(new Board({ ramBytes: 32 * 1024 * 1024 }));
  const handedOut: number[] = [];
  let calls = 0;
  const report = await replayInto(
    faulty(k, {
      galloc(flags: number, size: number): number {
        // Every 50th call returns an address already handed out.
        if (++calls % 50 === 0 && handedOut.length > 0) return handedOut[handedOut.length - 1];
        const addr = k.galloc(flags, size);
        handedOut.push(addr);
        return addr;
      },
      gfree(): void {}, // the doubled blocks cannot really be freed twice
    }),
    EXCERPT,
  );
  assertEquals(report.violations > 0, true);
  const overlap = report.violationList.find((v) => v.message.includes("overlaps block"));
  assertEquals(overlap !== undefined && overlap.line > 0, true);
  // It names the block it overlaps, and the line that allocated that one.
  const said = overlap!.message.match(
    /^galloc returned a bad block: (0x[0-9a-f]{8}) \+ \d+ bytes overlaps block (0x[0-9a-f]{8}) \(\d+ bytes, galloc at line (\d+)\)$/,
  );
  assertEquals(said !== null, true, overlap!.message);
  assertEquals(said![1], said![2]);
  assertEquals(Number(said![3]) < overlap!.line, true);
});

Deno.test("Replayer catches an allocator that clobbers a live block, naming block and line", async () => {
  const k = boot(new Board({ ramBytes: 32 * 1024 * 1024 }));
  let calls = 0;
  let victim = 0;
  const report = await replayInto(
    faulty(k, {
      slice_alloc(pool: Parameters<Kernel["slice_alloc"]>[0]): number {
        const slice = k.slice_alloc(pool);
        if (++calls === 100) victim = slice;
        // Later, a stray write lands in the victim (the first slice byte is the pattern).
        if (calls === 200) k.board.write8(victim, 0x00);
        return slice;
      },
    }),
    EXCERPT,
  );
  assertEquals(report.violations, 1);
  const [violation] = report.violationList;
  assertEquals(violation.message.includes(`block 0x${victim.toString(16).padStart(8, "0")}`), true);
  assertEquals(violation.message.includes("changed at"), true);
});

Deno.test("Replayer reports the allocators' own audit failures", async () => {
  const k = boot(new Board({ ramBytes: 32 * 1024 * 1024 }));
  // Corrupt a zone's free-page count once the replay is under way.
  let calls = 0;
  const report = await replayInto(
    faulty(k, {
      alloc_pages(flags: number, order: number): number {
        const page = k.alloc_pages(flags, order);
        // One free page fewer than the zone has: the audit finds it (and the counts).
        const nrFree = k.bootInfo.ramBase + 0x28;
        if (++calls === 10) k.board.write32(nrFree, k.board.read32(nrFree) - 1);
        return page;
      },
    }),
    EXCERPT,
  );
  assertEquals(
    report.violationList.some((v) => v.message.includes("audit: zone DMA: nr_free says")),
    true,
  );
});

Deno.test("replayTrace() reports a truncated gzip trace and what it replayed before", async () => {
  const path = await Deno.makeTempFile({ suffix: ".gz" });
  await Deno.writeFile(path, (await Deno.readFile(BOOT)).slice(0, 200_000));
  const report = await replayTrace(path, { ramBytes: 64 * 1024 * 1024 });
  assertEquals(report.inputError!.includes("cannot read past line"), true);
  assertEquals(report.events > 10_000 && report.lines > 10_000, true);
  assertEquals(report.violations, 0);
  await Deno.remove(path);
});

const HEADER = "# tracer: nop\n";
const line = (event: string): string =>
  `            init-1       [000] .....     3.303073: ${event}\n`;

Deno.test("replayTrace() counts garbage lines with their line numbers and goes on; --strict stops", async () => {
  const path = await Deno.makeTempFile();
  await Deno.writeTextFile(
    path,
    HEADER +
      line(
        "kmalloc: call_site=f+0x1/0x2 ptr=ff1d8de8893d4e40 bytes_req=64 bytes_alloc=64 gfp_flags=GFP_KERNEL",
      ) + // 2
      "hello world\n" + // 3
      "\x00\x01\xff\xfe binary garbage\n" + // 4
      line(
        "kmalloc: call_site=f ptr=ff1d8de8893d5000 bytes_req=abc bytes_alloc=64 gfp_flags=GFP_KERNEL",
      ) + // 5
      line(
        "mm_page_alloc: page=fff90e96400a4c00 pfn=0x2930 order=11 migratetype=0 gfp_flags=GFP_KERNEL",
      ) + // 6
      line("sched_switch: prev_comm=a") + // 7
      line("kmalloc: call_site=f ptr=zzzz bytes_req=8 bytes_alloc=8 gfp_flags=GFP_KERNEL") + // 8
      line("kfree: call_site=g+0x1/0x2 ptr=ff1d8de8893d4e40") + // 9
      "x".repeat(70_000) + "\n" + // 10
      line("kfree: call_site=g+0x1/0x2 ptr=ff1d8de8893d4e40") + // 11: a double free inside the trace
      line("kfree: call_site=g+0x1/0x2 ptr=ff1d8de889999999"), // 12: never allocated
  );
  const report = await replayTrace(path, { ramBytes: 1024 * 1024 });
  assertEquals(report.problems.first.map((p) => [p.line, p.message]), [
    [3, "not an ftrace event line: no [CPU] field"],
    [4, "not an ftrace event line: no [CPU] field"],
    [5, "kmalloc: bytes_req is missing or not a byte count"],
    [6, "mm_page_alloc: order 11 is above 10"],
    [7, 'unknown event "sched_switch"'],
    [8, "kmalloc: ptr is missing or not a hex pointer"],
    [10, "line is longer than 64 KiB; ignored"],
  ]);
  assertEquals([report.events, report.applied, report.violations], [4, 2, 0]);
  assertEquals(report.skipped, {
    "free of an object not allocated in the trace (allocated before recording, or in bulk)": 2,
  });
  const strict = await replayTrace(path, { ramBytes: 1024 * 1024, strict: true });
  assertEquals(strict.stoppedAt, {
    line: 3,
    message: "not an ftrace event line: no [CPU] field",
    reason: "strict",
  });
  assertEquals(strict.events, 1);
  await Deno.remove(path);
});

Deno.test("replayTrace() treats an allocation of a key still live as an implicit free", async () => {
  const path = await Deno.makeTempFile();
  await Deno.writeTextFile(
    path,
    "# pagepile trace 1\ngalloc 0x10 0 24\ngalloc 0x10 0 9000\ngfree 0x10\nalloc_pages 0x5 0 1\n" +
      "alloc_pages 0x5 0 0\nfree_pages 0x5\n",
  );
  const report = await replayTrace(path, { ramBytes: 1024 * 1024 });
  assertEquals([report.events, report.applied, report.trace.implicitFrees], [6, 6, 2]);
  assertEquals([report.ops.gfree.count, report.ops.free_pages.count], [2, 2]);
  assertEquals(report.violations, 0);
  await Deno.remove(path);
});

Deno.test("replayTrace() reports arguments the API refuses as invalid events, not violations", async () => {
  const path = await Deno.makeTempFile();
  await Deno.writeTextFile(
    path,
    "# pagepile trace 1\nalloc_pages 0x1 0 50\ngalloc 0x2 3 8\nslice_pool_create p 0 99999\n" +
      "slice_alloc 0x3 p\ngalloc 0x4 0 16\ngfree 0x4\n",
  );
  const report = await replayTrace(path, { ramBytes: 1024 * 1024 });
  assertEquals(report.violations, 0);
  assertEquals(report.problems.first.map((p) => p.line), [2, 3]);
  assertEquals(report.problems.first[0].message, "alloc_pages: order 50 is out of range 0..10");
  // Objects over 32 KiB are no slices pagepile has: that pool and its slice are unsupported.
  assertEquals(report.skipped, {
    "invalid event (listed under problems)": 2,
    "slice_pool_create: the design has no slices over 32768 bytes": 1,
    "slice_alloc: the design has no slices over 32768 bytes": 1,
  });
  assertEquals([report.events, report.applied], [6, 2]);
  await Deno.remove(path);
});

Deno.test("a bus fault in a Kernel call is a violation at its event, latched on the board; --strict stops there", async () => {
  const path = await Deno.makeTempFile();
  await Deno.writeTextFile(
    path,
    "# pagepile trace 1\ngalloc 0x1 0 24\ngalloc 0x2 0 5000\ngalloc 0x3 0 24\ngfree 0x1\n",
  );
  // A firmware bug: a 5000-byte galloc writes one word past the end of RAM.
  const k = boot(new Board({ ramBytes: 1024 * 1024 }));
  const end = k.board.ramBase + k.board.ramBytes;
  const buggy = faulty(k, {
    galloc(flags: number, size: number): number {
      if (size === 5000) k.board.write32(end, 0);
      return k.galloc(flags, size);
    },
  });
  const replayer = new Replayer(buggy);
  await readTrace(path, replayer);
  const result = replayer.finish();
  assertEquals(result.violations, 1);
  assertEquals(
    result.violationList[0],
    {
      line: 3,
      message: `galloc faulted: bus fault: 32-bit write at 0x${
        end.toString(16).padStart(8, "0")
      } (no RAM or device at this address)`,
    },
  );
  assertEquals(k.board.read32(FAULT_STATUS_BASE + FAULT_ADDR), end, "latched");
  assertEquals([result.events, result.applied], [4, 3], "the replay went on");

  // The same through replayTrace --strict: it stops at that event.
  const galloc = Kernel.prototype.galloc;
  Kernel.prototype.galloc = function (flags: number, size: number): number {
    if (size === 5000) this.board.write32(this.board.ramBase + this.board.ramBytes, 0);
    return galloc.call(this, flags, size);
  };
  try {
    const strict = await replayTrace(path, { ramBytes: 1024 * 1024, strict: true });
    assertEquals(strict.stoppedAt?.line, 3);
    assertEquals(strict.stoppedAt?.message.startsWith("galloc faulted: bus fault"), true);
    const lenient = await replayTrace(path, { ramBytes: 1024 * 1024 });
    assertEquals([lenient.stoppedAt, lenient.violations, lenient.events], [null, 1, 4]);
  } finally {
    Kernel.prototype.galloc = galloc;
  }
  await Deno.remove(path);
});

Deno.test("with --debug, what the firmware's debug options find is a violation naming the call site", async () => {
  const clean = await replayTrace(EXCERPT, { ramBytes: 32 * 1024 * 1024, debug: true });
  assertEquals([clean.debug, clean.violations, clean.events], [true, 0, 3031]);

  const path = await Deno.makeTempFile();
  await Deno.writeTextFile(
    path,
    "# pagepile trace 1\ngalloc 0x1 0 64 site=alloc_inode+0x1c/0x2a0\n" +
      "galloc 0x2 0 64 site=d_alloc+0x10/0x90\ngfree 0x1\ngfree 0x2\n",
  );
  // A firmware bug: the second block is handed out one byte short of its class.
  const galloc = Kernel.prototype.galloc;
  let calls = 0;
  Kernel.prototype.galloc = function (flags: number, size: number, owner?: number): number {
    const addr = galloc.call(this, flags, size, owner);
    // As if the caller overflowed: every second block (a replay may start over).
    if (++calls % 2 === 0) this.board.write8(addr + 64, 0);
    return addr;
  };
  try {
    const report = await replayTrace(path, { ramBytes: 1024 * 1024, debug: true, check: "off" });
    assertEquals(report.violations, 1);
    assertEquals(report.violationList[0].line, 5, "found when the block was freed");
    const message = report.violationList[0].message;
    assertEquals(message.startsWith("debug: pool 'galloc-64'"), true, message);
    assertEquals(message.includes("red zone after slice"), true, message);
    assertEquals(message.includes("owner #2 (d_alloc+0x10/0x90)); repaired"), true, message);
    // Parsed in a worker, board given or sized from the trace: a debug
    // replay's tape still carries every call site (siteOpsRead).
    const streamer = new TraceStreamer();
    try {
      for (const ramBytes of [1024 * 1024, undefined]) {
        const again = await replayTrace(path, { ramBytes, debug: true, check: "off", streamer });
        const found = again.violationList[0].message;
        assertEquals(found.includes("owner #2 (d_alloc+0x10/0x90)); repaired"), true, found);
      }
    } finally {
      streamer.close();
    }
  } finally {
    Kernel.prototype.galloc = galloc;
  }
  await Deno.remove(path);
});
