/**
 * `deno task convert <trace> <out>`: writes a trace in pagepile's native
 * format (gzip when `out` ends in .gz).
 * @module
 */

import { parseArgs } from "node:util";
import { formatNativeEvent, NATIVE_HEADER } from "../../traces/native_format.ts";
import { readTrace } from "../../traces/trace_reader.ts";
import { TraceInputError } from "../../traces/line_reader.ts";
import { openProblem } from "../../traces/input_file.ts";

const HELP = `Usage: deno task convert <trace> <out>

Reads a Linux ftrace kmem trace (or a native one), plain or gzip, and writes it
in pagepile's native trace format: one Kernel call per line (see the README).
Events replayed as nothing become comments that say why. Lines that are not
valid events are reported on stderr with their line numbers and left out.
<out> is gzip-compressed when its name ends in .gz. The exit status is 0 when
the whole input was converted, 1 when it could not be read (a file that is
missing, empty or not a trace writes nothing), 2 for bad usage.

Example:
  deno task convert traces/recorded/linux-6.1/boot.trace.gz boot.native.gz
`;

/** Bad lines before the first event shown once one comes (the first ones). */
const HELD_BACK_LINES = 100;

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
  let file: Deno.FsFile;
  try {
    file = await Deno.open(output, { write: true, create: true, truncate: true });
  } catch (error) {
    const why = error instanceof Deno.errors.NotFound
      ? "its folder does not exist"
      : openProblem(error);
    console.error(`convert: cannot write ${output}: ${why}`);
    return 1;
  }
  const text = new TextEncoderStream();
  const done =
    (output.endsWith(".gz")
      ? text.readable.pipeThrough(new CompressionStream("gzip"))
      : text.readable).pipeTo(file.writable);
  const writer = text.writable.getWriter();
  let chunk = NATIVE_HEADER + "\n";
  let events = 0;
  let problems = 0;
  let inputError: TraceInputError | undefined;
  const pending: Promise<void>[] = [];
  // Bad lines before the first event are held back: a file that turns out to
  // hold no event at all gets one line saying so, not one per line.
  let heldBack: string[] | null = [];
  try {
    await readTrace(input, {
      event(e) {
        if (heldBack !== null) {
          for (const text of heldBack) console.error(text);
          heldBack = null;
        }
        events++;
        chunk += formatNativeEvent(e) + "\n";
        if (chunk.length >= CHUNK_CHARS) {
          pending.push(writer.write(chunk));
          chunk = "";
        }
      },
      problem(line, message) {
        problems++;
        if (heldBack === null) console.error(`${input}:${line}: ${message}`);
        else if (heldBack.length < HELD_BACK_LINES) heldBack.push(`${input}:${line}: ${message}`);
      },
      lost(line, count) {
        chunk += `# ${count} events lost at line ${line}\n`;
      },
    });
  } catch (error) {
    if (!(error instanceof TraceInputError)) throw error;
    inputError = error;
    chunk += `# input ended early: ${error.message}\n`;
  }
  pending.push(writer.write(chunk));
  await Promise.all(pending);
  await writer.close();
  await done;
  if (inputError !== undefined && events === 0) {
    // Nothing to convert: leave no empty trace behind to be mistaken for one.
    await Deno.remove(output);
    console.error(`convert: ${inputError.message}`);
    return 1;
  }
  if (inputError !== undefined) console.error(`convert: ${inputError.message}`);
  console.error(
    `convert: ${events} events written to ${output}; ${problems} lines were not valid events` +
      (inputError === undefined ? "" : "; the input ended early (see above)"),
  );
  return inputError === undefined ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
