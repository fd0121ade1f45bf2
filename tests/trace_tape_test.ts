// A trace parsed once into a tape: the same events as the reader, its peak of
// live bytes as the sizing pass finds it, and memory held to its budget.

import { fileURLToPath } from "node:url";
import { boardSizeForTrace } from "../tools/replay/board_size.ts";
import { deliverBatch } from "../traces/event_batch.ts";
import { TraceInputError } from "../traces/line_reader.ts";
import type { TraceEvent, TraceSink } from "../traces/trace_event.ts";
import { readTrace } from "../traces/trace_reader.ts";
import { TraceTape } from "../traces/trace_tape.ts";
import { EarlyWorker } from "../traces/trace_worker_start.ts";
import { assertEquals } from "./_assert.ts";
import { lineRecorder } from "./_helpers.ts";

const EXCERPT = fileURLToPath(new URL("./fixtures/boot_excerpt.trace.gz", import.meta.url));
const BOOT = fileURLToPath(
  new URL("../traces/recorded/linux-6.1/boot.trace.gz", import.meta.url),
);

/** Reads a tape from its first batch, telling it each batch was read. */
async function readAll(tape: TraceTape, sink: TraceSink): Promise<number> {
  let i = 0;
  for (let batch = await tape.next(i); batch !== undefined; batch = await tape.next(++i)) {
    deliverBatch(batch, sink);
    tape.consumed(i + 1);
  }
  return i;
}

Deno.test("a tape, parsed here or in a worker, holds the reader's events and the sizing pass's peak", async () => {
  const expected = lineRecorder();
  const info = await readTrace(EXCERPT, expected.sink);
  const { peakLiveBytes } = await boardSizeForTrace(EXCERPT);
  for (const inWorker of [false, true]) {
    const tape = await TraceTape.open(EXCERPT, { inWorker });
    try {
      const got = lineRecorder();
      await readAll(tape, got.sink);
      assertEquals(got.lines, expected.lines);
      assertEquals(tape.end(), info);
      assertEquals(tape.peak, peakLiveBytes);
      assertEquals(tape.fromStart, true);
      // Kept whole: read again from the start.
      const again = lineRecorder();
      await readAll(tape, again.sink);
      assertEquals(again.lines, expected.lines);
    } finally {
      tape.close();
    }
  }
});

Deno.test("past its budget a tape lets go of what was read, and the worker waits for the reader", async () => {
  const expected = lineRecorder();
  await readTrace(EXCERPT, expected.sink);
  // One byte: every batch is past the budget.
  const tape = await TraceTape.open(EXCERPT, { inWorker: true, budgetBytes: 1 });
  try {
    const got = lineRecorder();
    const batches = await readAll(tape, got.sink);
    assertEquals(batches > 0, true);
    assertEquals(got.lines, expected.lines);
    assertEquals(tape.fromStart, false);
    let threw = false;
    try {
      tape.at(0);
    } catch {
      threw = true;
    }
    assertEquals(threw, true);
  } finally {
    tape.close();
  }
});

Deno.test("a worker refilling the buffers of batches let go hands on every field as read", async () => {
  // 109,496 events: 27 batches; with a budget of one byte each is let go
  // once read, and its buffer filled again by the worker.
  const expected = lineRecorder();
  await readTrace(BOOT, expected.sink);
  const tape = await TraceTape.open(BOOT, { inWorker: true, budgetBytes: 1 });
  try {
    const got = lineRecorder();
    assertEquals(await readAll(tape, got.sink), 27);
    assertEquals(got.lines.length, expected.lines.length);
    assertEquals(got.lines.findIndex((line, i) => line !== expected.lines[i]), -1);
    // The peak, counted batch by batch here, is the sizing pass's, event by event.
    assertEquals(tape.peak, (await boardSizeForTrace(BOOT)).peakLiveBytes);
  } finally {
    tape.close();
  }
});

Deno.test("a tape takes a worker started ahead, even one parsing its trace, as its own", async () => {
  const expected = lineRecorder();
  const info = await readTrace(EXCERPT, expected.sink);
  const { peakLiveBytes } = await boardSizeForTrace(EXCERPT);
  const siteOps = ["vmalloc"] as const;
  const other = await Deno.makeTempFile();
  await Deno.writeTextFile(other, "# pagepile trace 1\ngalloc 0x10 0 24\n");
  try {
    // Started only; parsing this trace ahead; parsing another trace, or for other sites.
    for (const ahead of ["none", "this", "other trace", "other sites"]) {
      const early = new EarlyWorker();
      if (ahead === "this") early.parse(EXCERPT, siteOps);
      if (ahead === "other trace") early.parse(other, siteOps);
      if (ahead === "other sites") early.parse(EXCERPT, []);
      // Let it post its first batches before a tape takes it.
      await new Promise((resume) => setTimeout(resume, 300));
      const taken: (number | undefined)[] = [];
      const tape = await TraceTape.open(EXCERPT, {
        inWorker: true,
        siteOps,
        startedWorker: (path, ops) => {
          const started = early.take(path, ops);
          taken.push(started?.received?.length);
          return started;
        },
      });
      try {
        const got = lineRecorder();
        await readAll(tape, got.sink);
        assertEquals(got.lines, expected.lines.map(withSitesOf(siteOps)), ahead);
        assertEquals(tape.end(), info, ahead);
        // Counted by the worker, batch by batch: the sizing pass's peak.
        assertEquals(tape.peak, peakLiveBytes, ahead);
        assertEquals(taken.length, 1, ahead);
        if (ahead === "this") assertEquals(taken[0]! > 0, true, `${ahead}: ${taken}`);
        assertEquals(early.take(EXCERPT, siteOps), undefined, ahead);
      } finally {
        tape.close();
        early.close();
      }
    }
  } finally {
    await Deno.remove(other);
  }
  // A tape parsed here does not ask for one; the worker left is stopped by close.
  const unused = new EarlyWorker();
  unused.parse(EXCERPT, siteOps);
  const here = await TraceTape.open(EXCERPT, {
    inWorker: false,
    startedWorker: () => {
      throw new Error("asked for a worker");
    },
  });
  try {
    await here.whole();
    assertEquals(here.peak, peakLiveBytes);
  } finally {
    here.close();
    unused.close();
  }
});

/** A lineRecorder line as read with only these ops' call sites. */
function withSitesOf(ops: readonly string[]): (line: string) => string {
  return (line) => {
    if (line.startsWith("problem") || line.startsWith("lost")) return line;
    const fields = line.split(" ");
    // line op key size order flags linuxBytes cpu batched pool site name reason
    if (!ops.includes(fields[1])) fields[10] = "";
    return fields.join(" ");
  };
}

Deno.test("a tape with siteOps carries the call sites of those ops alone", async () => {
  const path = await Deno.makeTempFile();
  await Deno.writeTextFile(
    path,
    "# pagepile trace 1\ngalloc 0x10 0 24 site=a+0x1/0x2\nvmalloc 0x2000 8192 site=b+0x3/0x4\n" +
      "vfree 0x2000\ngfree 0x10 site=c+0x5/0x6\n",
  );
  try {
    for (const inWorker of [false, true]) {
      const tape = await TraceTape.open(path, { inWorker, siteOps: ["vmalloc"] });
      const sites: string[] = [];
      try {
        await readAll(tape, {
          event: (e: TraceEvent) => sites.push(`${e.op} ${e.site}`),
          problem: () => {},
          lost: () => {},
        });
      } finally {
        tape.close();
      }
      assertEquals(sites, ["galloc ", "vmalloc b+0x3/0x4", "vfree ", "gfree "]);
    }
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("a drained tape parses on to the end for the peak, keeping nothing", async () => {
  const { peakLiveBytes } = await boardSizeForTrace(EXCERPT);
  for (const inWorker of [false, true]) {
    const tape = await TraceTape.open(EXCERPT, { inWorker, budgetBytes: 1 });
    try {
      if (inWorker) tape.drain();
      await tape.whole();
      assertEquals(tape.peak, peakLiveBytes);
      assertEquals(tape.fromStart, false);
    } finally {
      tape.close();
    }
  }
});

Deno.test("a tape read once whole keeps nothing past its budget, and never waits for a reader", async () => {
  const { peakLiveBytes } = await boardSizeForTrace(EXCERPT);
  for (const inWorker of [false, true]) {
    const tape = await TraceTape.open(EXCERPT, { inWorker, budgetBytes: 1, readWhenWhole: true });
    try {
      await tape.whole();
      assertEquals(tape.peak, peakLiveBytes);
      // Parsed here, past the budget, nothing is kept either.
      assertEquals(tape.fromStart, false);
      assertEquals(await tape.next(tape.length), undefined);
    } finally {
      tape.close();
    }
  }
});

Deno.test("a tape of a file that is no trace ends in the reader's input error", async () => {
  const path = await Deno.makeTempFile();
  try {
    await Deno.writeTextFile(path, "no trace here\n");
    const messages: string[] = [];
    // Parsed here, in a worker of its own, in a worker started ahead that
    // found the error before the tape took it.
    for (const where of ["here", "worker", "early worker"]) {
      const early = new EarlyWorker();
      if (where === "early worker") {
        early.parse(path, []);
        await new Promise((resume) => setTimeout(resume, 300));
      }
      const tape = await TraceTape.open(path, {
        inWorker: where !== "here",
        siteOps: [],
        startedWorker: (p, ops) => early.take(p, ops),
      });
      try {
        await tape.whole();
        let error: unknown;
        try {
          tape.end();
        } catch (e) {
          error = e;
        }
        assertEquals(error instanceof TraceInputError, true, `${where}: ${error}`);
        assertEquals(tape.ended, undefined);
        messages.push((error as Error).message);
      } finally {
        tape.close();
        early.close();
      }
    }
    assertEquals(messages, [messages[0], messages[0], messages[0]]);
  } finally {
    await Deno.remove(path);
  }
});
