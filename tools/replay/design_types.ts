/**
 * Type-checks a design's module before it is run: a design written against
 * the seam with an argument swapped or a member misspelt is told so, in a
 * line naming the file, line and column, rather than judged on what the
 * mistake makes it do. Runs `deno check` (the same Deno) in a process of its
 * own; Deno keeps what it checked, so a module checked before costs little.
 * @module
 */

import { relative } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Type-checks the module at `path`.
 * @param path the design's module, as given
 * @returns undefined when it type-checks, else one line: where the first
 *   error is, what it says, and how many more there are
 * @example
 * ```ts ignore
 * import { typeCheckDesign } from "./design_types.ts";
 * console.log(await typeCheckDesign("./examples/first_fit.ts")); // undefined
 * ```
 */
export async function typeCheckDesign(path: string): Promise<string | undefined> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(Deno.execPath(), {
      args: ["check", "--quiet", path],
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    const why =
      error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied
        ? "running `deno check` is not allowed (--allow-run)"
        : (error as Error).message;
    return `${path}: cannot be type-checked: ${why}; --no-check runs it unchecked`;
  }
  if (output.code === 0) return undefined;
  const text = new TextDecoder().decode(output.stderr) + new TextDecoder().decode(output.stdout);
  return firstTypeError(text, path);
}

/** The first error `deno check` printed, as one line; what it printed otherwise, first line. */
function firstTypeError(text: string, path: string): string {
  const lines = text.split("\n");
  const first = lines.findIndex((line) => /^(error: )?TS\d+ \[ERROR\]: /.test(line));
  if (first === -1) {
    const said = lines.find((line) => line.trim() !== "")?.replace(/^error: /, "") ?? "";
    return `${path}: does not type-check: ${said}`;
  }
  const [, code, message] = lines[first].match(/(TS\d+) \[ERROR\]: (.*)$/)!;
  let where = path;
  for (const line of lines.slice(first + 1)) {
    const at = line.match(/^\s+at (file:\/\/\S+?):(\d+):(\d+)$/);
    if (at !== null) {
      where = `${shownPath(at[1])}:${at[2]}:${at[3]}`;
      break;
    }
  }
  const found = text.match(/Found (\d+) errors/);
  const more = found === null ? "" : ` (and ${Number(found[1]) - 1} more type errors)`;
  return `${where}: type error ${code}: ${message}${more}; --no-check runs it unchecked`;
}

/** A file URL as a path, relative to the working folder when it lies inside it. */
function shownPath(url: string): string {
  const path = fileURLToPath(url);
  const inside = relative(Deno.cwd(), path);
  return inside.startsWith("..") ? path : inside;
}
