/**
 * `deno task convert <trace> <out>`: writes a trace in pagepile's native
 * format (gzip when `out` ends in .gz).
 * @module
 */

import { parseArgs } from "node:util";
import { formatNativeEvent, NATIVE_HEADER } from "../traces/native_format.ts";
import { readTrace } from "../traces/trace_reader.ts";
import { TraceInputError } from "../traces/line_reader.ts";

const HELP = `Usage: deno task convert <trace> <out>

Reads a Linux ftrace kmem trace (or a native one), plain or gzip, and writes it
in pagepile's native trace format: one Kernel call per line (see the README).
Events replayed as nothing become comments that say why. Lines that are not
valid events are reported on stderr with their line numbers and left out.
<out> is gzip-compressed when its name ends in .gz.

Example:
  deno task convert ../shared/traces/linux/boot.trace.gz boot.native.gz
`;

/** Lines are gathered into chunks of about this many characters before writing. */
const CHUNK_CHARS = 1 << 16;

async function main(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { help: { type: "boolean", default: false } },
    });
  } catch (error) {
    console.error(`convert: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length !== 2) {
    console.error(`convert: give a trace and an output file\n\n${HELP}`);
    return 2;
  }
  const [input, output] = positionals;
  const file = await Deno.open(output, { write: true, create: true, truncate: true });
  const text = new TextEncoderStream();
  const done =
    (output.endsWith(".gz")
      ? text.readable.pipeThrough(new CompressionStream("gzip"))
      : text.readable).pipeTo(file.writable);
  const writer = text.writable.getWriter();
  let chunk = NATIVE_HEADER + "\n";
  let events = 0;
  let problems = 0;
  const pending: Promise<void>[] = [];
  try {
    await readTrace(input, {
      event(e) {
        events++;
        chunk += formatNativeEvent(e) + "\n";
        if (chunk.length >= CHUNK_CHARS) {
          pending.push(writer.write(chunk));
          chunk = "";
        }
      },
      problem(line, message) {
        problems++;
        console.error(`${input}:${line}: ${message}`);
      },
      lost(line, count) {
        chunk += `# ${count} events lost at line ${line}\n`;
      },
    });
  } catch (error) {
    if (!(error instanceof TraceInputError)) throw error;
    console.error(`convert: ${error.message}`);
    chunk += `# input ended early: ${error.message}\n`;
  }
  pending.push(writer.write(chunk));
  await Promise.all(pending);
  await writer.close();
  await done;
  console.error(
    `convert: ${events} events written to ${output}; ${problems} lines were not valid events`,
  );
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
