// Parsing in a worker: the same events as the reader on the caller's thread,
// one worker for several traces in turn, and a sink's exception handled.

import { fileURLToPath } from "node:url";
import { readTrace } from "../traces/trace_reader.ts";
import { streamTrace, TraceStreamer } from "../traces/trace_stream.ts";
import type { TraceSink } from "../traces/trace_event.ts";
import { assertEquals } from "./_assert.ts";
import { lineRecorder } from "./_helpers.ts";

const EXCERPT = fileURLToPath(new URL("./fixtures/boot_excerpt.trace.gz", import.meta.url));

Deno.test("a trace parsed in a worker gives the same events as one parsed here", async () => {
  const here = lineRecorder();
  const there = lineRecorder();
  const a = await readTrace(EXCERPT, here.sink);
  const b = await streamTrace(EXCERPT, there.sink);
  assertEquals(b, a);
  assertEquals(there.lines.length, here.lines.length);
  assertEquals(there.lines, here.lines);
});

Deno.test("one TraceStreamer serves traces in turn, and recovers from a sink's exception", async () => {
  const streamer = new TraceStreamer();
  try {
    const first = lineRecorder();
    const second = lineRecorder();
    await streamer.stream(EXCERPT, first.sink);
    // Only one trace at a time.
    const busy = streamer.stream(EXCERPT, lineRecorder().sink);
    const again = streamer.stream(EXCERPT, second.sink).then(() => "ok", (e) => e.message);
    assertEquals(await busy.then(() => "ok"), "ok");
    assertEquals(await again, "TraceStreamer: one trace at a time");
    await streamer.stream(EXCERPT, second.sink);
    assertEquals(second.lines, first.lines);

    let seen = 0;
    const failing: TraceSink = {
      event: () => {
        if (++seen === 100) throw new Error("sink gave up");
      },
      problem: () => {},
      lost: () => {},
    };
    const error = await streamer.stream(EXCERPT, failing).then(() => "", (e) => e.message);
    assertEquals(error, "sink gave up");
    const after = lineRecorder();
    await streamer.stream(EXCERPT, after.sink);
    assertEquals(after.lines, first.lines, "a new worker after the failure");
  } finally {
    streamer.close();
  }
});
