import { assertEquals } from "./_assert.ts";
import { traceFloor } from "../tools/bench/trace_floor.ts";
import { readTrace } from "../traces/trace_reader.ts";

const RECORDED = new URL("../traces/recorded/", import.meta.url).pathname;

// The floor walks every line the parse reads (a trace.dat: every record,
// the parse's lines less its `cpus=N` line and the lost-events lines).
for (
  const name of ["linux-6.1/boot.trace.gz", "trace-cmd/fs.report.txt.zst", "trace-cmd/fs.dat"]
) {
  Deno.test(`traceFloor() walks every line or record of ${name}`, async () => {
    const path = RECORDED + name;
    let lost = 0;
    const info = await readTrace(path, { event() {}, problem() {}, lost: () => lost++ });
    const floor = await traceFloor(path);
    assertEquals(floor.units, info.format === "trace.dat" ? info.lines - 1 - lost : info.lines);
  });
}

Deno.test("traceFloor() counts a last line without a line end", async () => {
  const path = await Deno.makeTempFile();
  await Deno.writeTextFile(path, "# pagepile trace 1\r\ngalloc 0x10 0 24\ngfree 0x10");
  assertEquals((await traceFloor(path)).units, 3);
  await Deno.remove(path);
});
