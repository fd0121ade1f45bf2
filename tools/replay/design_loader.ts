/**
 * Finds a design by name among the shipped ones, or loads one from a module
 * file of the user's: what `--design` and `--designs` take.
 * @module
 */

import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { DESIGNS } from "../../core/designs.ts";
import type { Design } from "../../core/firmware.ts";

/** A design that cannot be found or loaded; the message says which and why. */
export class DesignLoadError extends Error {
  /**
   * Describes the failure.
   * @param message what went wrong, naming the design or file
   */
  constructor(message: string) {
    super(message);
    this.name = "DesignLoadError";
  }
}

/**
 * The design `spec` names: a shipped design's name (`pagepile`,
 * `koowaldah`), or the path of a module that exports `design` (a path has a
 * `/` or ends in `.ts` or `.js`; relative to the working folder).
 * @param spec a name or a module path
 * @returns the design
 * @throws {DesignLoadError} when no such design exists or the module has none
 * @example
 * ```ts
 * import { loadDesign } from "@pagepile/pagepile";
 * const design = await loadDesign("pagepile");
 * console.log(design.name); // "pagepile"
 * ```
 */
export async function loadDesign(spec: string): Promise<Design> {
  const shipped = DESIGNS.find((d) => d.name === spec);
  if (shipped !== undefined) return shipped;
  if (!/[/\\]|\.[jt]s$/.test(spec)) {
    throw new DesignLoadError(
      `no design named "${spec}": the shipped ones are ${
        DESIGNS.map((d) => d.name).join(", ")
      }; a design of your own is given by its module's path (e.g. ./my_design.ts)`,
    );
  }
  const path = isAbsolute(spec) ? spec : resolve(Deno.cwd(), spec);
  try {
    const info = await Deno.stat(path);
    if (!info.isFile) throw new DesignLoadError(`${spec}: is not a file`);
  } catch (error) {
    if (error instanceof DesignLoadError) throw error;
    throw new DesignLoadError(`${spec}: no such file`);
  }
  let module: Record<string, unknown>;
  try {
    module = await import(pathToFileURL(path).href);
  } catch (error) {
    const why = (error as Error).message.split("\n")[0];
    throw new DesignLoadError(`${spec}: cannot be loaded: ${why}`);
  }
  const design = module.design as Partial<Design> | undefined;
  if (
    design === undefined || typeof design !== "object" || typeof design.name !== "string" ||
    typeof design.boot !== "function"
  ) {
    throw new DesignLoadError(
      `${spec}: exports no design (it must export \`design\`: { name, summary, boot(board) }, ` +
        "see the README)",
    );
  }
  return design as Design;
}
