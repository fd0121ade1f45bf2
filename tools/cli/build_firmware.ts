/**
 * `deno task build-firmware SRC.c [MORE.c ...] [-o OUT.elf]`: builds a
 * firmware image from C sources with the SDK (core/image/sdk), for the
 * board's RV32IM core. The work is tools/image/build_image.ts's; this file
 * only reads the command line and says what happened.
 * @module
 */

import { parseArgs } from "node:util";
import { buildImage, BuildImageError, COMPILE_FLAGS } from "../image/build_image.ts";

const HELP = `Usage: deno task build-firmware SRC.c [MORE.c ...] [-o OUT.elf]

Builds a firmware image for the board's RV32IM core from C (or .S / .s)
sources: compiles each with

  clang ${COMPILE_FLAGS.join(" ")}
        -I core/image/sdk

together with the SDK's start-up code (core/image/sdk/start.S) and memset,
memcpy, memmove, memcmp (core/image/sdk/mem.c), and links them with

  ld.lld -T core/image/sdk/firmware.ld

into OUT.elf (default: the first source with .elf for its extension). The
sources include "pagepile.h", which documents the image ABI: the functions a
design defines and how the replay calls them. The same sources and the same
clang give the same bytes.

Options:
  -o, --output OUT.elf   where to write the image
  -h, --help             this text

Exit status 0 when the image was written; 1 when clang or ld.lld is missing
or the build failed (their messages are printed as they wrote them); 2 for
bad usage.

Example:
  deno task build-firmware examples/first_fit.c
  deno task replay traces/recorded/linux-6.1/procs.trace.gz --design ./examples/first_fit.c
`;

async function main(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        output: { type: "string", short: "o" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    console.error(`build-firmware: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length === 0) {
    console.error(`build-firmware: give at least one source file\n\n${HELP}`);
    return 2;
  }
  const output = values.output ?? positionals[0].replace(/\.[^./\\]*$/, "") + ".elf";
  let elf: Uint8Array;
  try {
    elf = await buildImage(positionals, { diagnostics: printMessages });
  } catch (error) {
    if (!(error instanceof BuildImageError)) throw error;
    if (error.kind === "compile" || error.kind === "link") {
      printMessages(error.message);
    } else {
      console.error(`build-firmware: ${error.message}`);
    }
    return 1;
  }
  try {
    await Deno.writeFile(output, elf);
  } catch (error) {
    console.error(`build-firmware: ${output}: cannot be written: ${(error as Error).message}`);
    return 1;
  }
  console.log(`${output}: ${elf.length.toLocaleString("en-US")} bytes`);
  return 0;
}

/** Prints a tool's messages as it wrote them, on stderr. */
function printMessages(text: string): void {
  console.error(text.replace(/\n$/, ""));
}

Deno.exit(await main(Deno.args));
