// One recording, its files, one answer: a trace-cmd recording replayed from its
// trace.dat (version 7 and version 6) and from its `trace-cmd report` text
// gives the same replay — events, skips by reason, bus cycles, memory, even
// the line numbers (a trace.dat event's line is where the report prints it).

import { assertEquals } from "./_assert.ts";
import { fileURLToPath } from "node:url";
import { type ReplayReport, replayTrace } from "../mod.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const TRACE_CMD = `${ROOT}traces/recorded/trace-cmd/`;

/** What must be the same whichever file the recording was read from. */
function answer(report: ReplayReport) {
  const {
    tracePath: _path,
    format: _format,
    wallSeconds: _wall,
    eventsPerSecond: _rate,
    ...same
  } = report;
  return same;
}

Deno.test("the fs recording gives one answer from its trace.dat v7, its v6 and its report text", async () => {
  const [v7, v6, text] = await Promise.all(
    ["fs.dat", "fs.v6.dat.zst", "fs.report.txt.zst"].map((file) =>
      replayTrace(TRACE_CMD + file, { check: "light" })
    ),
  );
  assertEquals([v7.format, v6.format, text.format], ["trace.dat", "trace.dat", "trace-cmd report"]);
  // As the recording's README counts them: 85,473 events, all on CPU 0, none lost.
  assertEquals(v7.events - v7.ops.slice_pool_create.count, 85_473);
  assertEquals([v7.violations, v7.problems.count, v7.failures, v7.trace.lostEvents], [0, 0, 0, 0]);
  assertEquals(v7.trace.cpus, [0]);
  assertEquals(answer(v6), answer(v7));
  assertEquals(answer(text), answer(v7));
});

Deno.test("the two-CPU recording gives one answer from its trace.dat and its report text", async () => {
  const [dat, text] = await Promise.all(
    ["procs-2cpu.dat", "procs-2cpu.report.txt.zst"].map((file) =>
      replayTrace(TRACE_CMD + file, { check: "light" })
    ),
  );
  // 115,215 events on two CPUs, merged in time order; many objects freed on the other CPU.
  assertEquals(dat.events - dat.ops.slice_pool_create.count, 115_215);
  assertEquals(dat.trace.cpus, [0, 1]);
  assertEquals(dat.trace.crossCpuFrees > 10_000, true);
  assertEquals([dat.violations, dat.problems.count, dat.failures], [0, 0, 0]);
  assertEquals(answer(text), answer(dat));
});

Deno.test("convert writes a trace.dat as a native trace that replays to the same figures", async () => {
  const out = await Deno.makeTempFile({ suffix: ".native.gz" });
  const converted = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "tools/cli/convert.ts",
      "traces/recorded/trace-cmd/fs.dat",
      out,
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(converted.code, 0, new TextDecoder().decode(converted.stderr));
  const [dat, native] = await Promise.all(
    [TRACE_CMD + "fs.dat", out].map((path) =>
      replayTrace(path, { check: "off", ramBytes: 64 * 1024 * 1024 })
    ),
  );
  assertEquals(native.format, "native");
  for (const key of ["events", "applied", "skipped", "violations", "failures"] as const) {
    assertEquals(native[key], dat[key], key);
  }
  for (const op of Object.keys(dat.ops)) {
    assertEquals(native.ops[op].cycles, dat.ops[op].cycles, op);
  }
  await Deno.remove(out);
});

Deno.test("trace-cmd report text: its cpus=N line, (nil), and both forms of its lost-events lines", async () => {
  const path = await Deno.makeTempFile();
  const kfree = (ptr: string) =>
    `              sh-114   [000]     5.810828: kfree:                (free_task+0x1b) call_site=free_task+0x1b ptr=${ptr}`;
  await Deno.writeTextFile(
    path,
    [
      "cpus=1",
      "              sh-114   [000]     5.566942: kmalloc:              (security_task_alloc+0xbf) call_site=security_task_alloc+0xbf ptr=0xff2acb1b5fed96c0 bytes_req=72 bytes_alloc=96 gfp_flags=GFP_KERNEL|__GFP_ZERO node=-1 accounted=false",
      "CPU:0 [EVENTS DROPPED]",
      "CPU:0 [12 EVENTS DROPPED]",
      kfree("(nil)"),
      kfree("0xff2acb1b5fed96c0"),
    ].join("\n") + "\n",
  );
  const report = await replayTrace(path, { ramBytes: 1024 * 1024 });
  assertEquals(report.format, "trace-cmd report");
  assertEquals([report.events, report.applied, report.problems.count], [3, 2, 0]);
  assertEquals(report.skipped, { "kfree(NULL) (a no-op)": 1 });
  assertEquals(report.trace.lostEvents, 13, "an unknown count counts as one");
  await Deno.remove(path);
});
