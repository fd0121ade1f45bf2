/**
 * `deno task floor <trace>`: the floor of reading a trace, as a process of
 * its own: what `deno task parse` is measured against.
 * @module
 */

import { traceFloor } from "../bench/trace_floor.ts";

const HELP = `Usage: deno task floor <trace>

Does the least work that reading a trace cannot do without, and nothing more:
for text (Linux tracefs, trace-cmd report, native; plain, gzip or zstd) it
decompresses, decodes, splits the lines and finds one field on each (the event's
name, or a native line's op); for a trace.dat it reads the metadata and every
page of every CPU's data (decompressing them), walking each record's header
without decoding it. Prints the lines or records, bytes and seconds. Its time
is the floor "deno task parse" is held to (deno task bench --only user).
Exit status 0 when the file was read, 1 when it could not be, 2 for bad usage.

Example:
  deno task floor traces/recorded/linux-6.1/fs.trace.gz
`;

async function main(args: string[]): Promise<number> {
  if (args.includes("--help")) {
    console.log(HELP);
    return 0;
  }
  if (args.length !== 1 || args[0].startsWith("-")) {
    console.error(`floor: give one trace\n\n${HELP}`);
    return 2;
  }
  const start = performance.now();
  try {
    const floor = await traceFloor(args[0]);
    const seconds = (performance.now() - start) / 1000;
    const n = (value: number) => value.toLocaleString("en-US");
    console.log(
      `${args[0]}: ${floor.kind}, ${n(floor.units)} ${
        floor.kind === "text" ? "lines" : "records"
      }, ` +
        `${n(floor.bytes)} bytes, ${seconds.toFixed(2)} s (checksum ${floor.checksum})`,
    );
    return 0;
  } catch (error) {
    console.error(`floor: ${(error as Error).message}`);
    return 1;
  }
}

Deno.exit(await main(Deno.args));
