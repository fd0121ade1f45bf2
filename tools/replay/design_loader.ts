/**
 * Finds a design by name among the shipped ones, or loads one from a file of
 * the user's — a TypeScript module, a firmware image (`.elf`), or C sources
 * built into one (`.c`): what `--design` and `--designs` take.
 * @module
 */

import { basename, isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { DESIGNS } from "../../core/designs.ts";
import type { Design } from "../../core/firmware.ts";
import { ImageAbiError } from "../../core/image/image_abi.ts";
import { imageDesign } from "../../core/image/image_design.ts";
import { ElfLoadError } from "../../hw/rv32/elf_error.ts";
import type { Rv32TimingModel } from "../../hw/rv32/timing_models.ts";
import { buildImage, BuildImageError } from "../image/build_image.ts";

/**
 * What kind of failure a {@link DesignLoadError} is: "usage" when the
 * design was not given right (a name that names no design, a path with no
 * file, a module that exports no design, C that does not compile); "input"
 * when the file is there but cannot be run (a file that is no firmware image
 * the board can run, or C with no compiler on the machine to build it).
 * The command-line programs exit with status 2 for the first, 1 for the second.
 */
export type DesignLoadFailure = "usage" | "input";

/** A design that cannot be found or loaded; the message says which and why. */
export class DesignLoadError extends Error {
  /** What kind of failure it is. */
  readonly kind: DesignLoadFailure;

  /**
   * Describes the failure.
   * @param message what went wrong, naming the design or file
   * @param kind what kind of failure it is; default "usage"
   */
  constructor(message: string, kind: DesignLoadFailure = "usage") {
    super(message);
    this.name = "DesignLoadError";
    this.kind = kind;
  }
}

/** Options of {@link loadDesign}. */
export interface LoadDesignOptions {
  /**
   * For a firmware image (`.elf`, `.c`): the timing model of the core it
   * runs on; default IBEX_SMALL. Designs in TypeScript ignore it.
   */
  cpuTiming?: Rv32TimingModel;
  /** For a firmware image: its name; default the file's name ("first_fit.c"). */
  name?: string;
}

/**
 * Whether `spec` names a firmware image: an ELF file (`.elf`) or C sources
 * built into one (`.c`), rather than a shipped design or a module.
 * @param spec a name or a path
 * @returns true for a path ending in `.elf` or `.c`
 * @example
 * ```ts
 * import { isImageSpec } from "./design_loader.ts";
 * console.log(isImageSpec("./examples/first_fit.elf"), isImageSpec("pagepile")); // true false
 * ```
 */
export function isImageSpec(spec: string): boolean {
  return /\.(elf|c)$/.test(spec);
}

/**
 * Whether `spec` names a module of one's own: neither a shipped design nor
 * a firmware image. Its state could be kept off the board, in the host's
 * memory, so a replay checks that it is not (ReplayTraceOptions.stateCheck).
 * @param spec a name or a path
 * @returns true for a path that is not an image's
 * @example
 * ```ts
 * import { isModuleSpec } from "./design_loader.ts";
 * console.log(isModuleSpec("./mine.ts"), isModuleSpec("tlsf"), isModuleSpec("./mine.c")); // true false false
 * ```
 */
export function isModuleSpec(spec: string): boolean {
  return !DESIGNS.some((d) => d.name === spec) && !isImageSpec(spec);
}

/**
 * The design `spec` names: a shipped design's name (`pagepile`,
 * `koowaldah`), the path of a module that exports `design`, the path of a
 * firmware image (`.elf`), or of a C file built into one with the SDK (`.c`:
 * clang and ld.lld, as `deno task build-firmware` builds it). A path has a
 * `/` or ends in `.ts`, `.js`, `.elf` or `.c`; relative to the working folder.
 * @param spec a name or a path
 * @param options for an image: the core's timing model, and its name
 * @returns the design
 * @throws {DesignLoadError} when no such design exists, the module has
 *   none, the file is no image the board can run, or the C cannot be built
 * @example
 * ```ts
 * import { loadDesign } from "@pagepile/pagepile";
 * const design = await loadDesign("pagepile");
 * console.log(design.name); // "pagepile"
 * const image = await loadDesign("./examples/first_fit.elf");
 * console.log(image.name, image.boardOptions); // first_fit.elf { flashBytes: 1048576 }
 * ```
 */
export async function loadDesign(spec: string, options: LoadDesignOptions = {}): Promise<Design> {
  const shipped = DESIGNS.find((d) => d.name === spec);
  if (shipped !== undefined) return shipped;
  if (!/[/\\]|\.([jt]s|elf|c)$/.test(spec)) {
    throw new DesignLoadError(
      `no design named "${spec}": the shipped ones are ${
        DESIGNS.map((d) => d.name).join(", ")
      }; a design of your own is given by its file's path (e.g. ./my_design.ts, ./mine.c, ` +
        "./mine.elf)",
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
  if (isImageSpec(spec)) {
    return imageFromBytes(spec, await imageBytes(spec), options);
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

/**
 * The ELF file an image spec names: the file itself (`.elf`), or the image
 * built from the C file (`.c`), as bytes.
 * @param spec a path ending in `.elf` or `.c`
 * @returns the ELF file's bytes
 * @throws {DesignLoadError} when the file cannot be read, or the C cannot
 *   be built: "usage" for C that does not compile or link (clang's first
 *   error line), "input" when clang or ld.lld is missing (the apt-get line)
 * @example
 * ```ts ignore
 * import { imageBytes } from "./design_loader.ts";
 * const elf = await imageBytes("./examples/first_fit.c"); // built with clang and ld.lld
 * ```
 */
export async function imageBytes(spec: string): Promise<Uint8Array> {
  if (!spec.endsWith(".c")) {
    try {
      return await Deno.readFile(spec);
    } catch (error) {
      throw new DesignLoadError(`${spec}: cannot be read: ${(error as Error).message}`, "input");
    }
  }
  try {
    return await buildImage([spec]);
  } catch (error) {
    if (!(error instanceof BuildImageError)) throw error;
    if (error.kind === "missing-tool") {
      throw new DesignLoadError(`${spec}: cannot be built: ${error.message}`, "input");
    }
    if (error.kind === "input") throw new DesignLoadError(error.message);
    const verb = error.kind === "compile" ? "does not compile" : "does not link";
    throw new DesignLoadError(`${spec}: ${verb}: ${firstError(error.message)}`);
  }
}

/**
 * The design of an image's bytes, its problems as DesignLoadErrors of kind
 * "input" naming the file.
 * @param spec the file, as given (for messages, and the default name)
 * @param elf the ELF file's bytes
 * @param options the core's timing model, and the design's name
 * @returns the design
 * @throws {DesignLoadError} when the bytes are no image the board can run
 * @example
 * ```ts
 * import { imageFromBytes } from "./design_loader.ts";
 * try {
 *   imageFromBytes("./notes.elf", new TextEncoder().encode("hello"));
 * } catch (error) {
 *   console.log((error as Error).message);
 *   // ./notes.elf: ELF: not an ELF file: it starts 68 65 6c 6c, not 7f 45 4c 46 (file offset 0x0)
 * }
 * ```
 */
export function imageFromBytes(
  spec: string,
  elf: Uint8Array,
  options: LoadDesignOptions = {},
): Design {
  try {
    return imageDesign(options.name ?? basename(spec), elf, { timing: options.cpuTiming });
  } catch (error) {
    if (!(error instanceof ElfLoadError || error instanceof ImageAbiError)) throw error;
    throw new DesignLoadError(`${spec}: ${error.message}`, "input");
  }
}

/**
 * A tool's first error line ("mine.c:3:1: error: ..."), with how many more
 * errors it reported; its first line when none says "error".
 */
function firstError(messages: string): string {
  const lines = messages.split("\n").filter((line) => line.trim() !== "");
  const first = lines.find((line) => /\berror\b/.test(line)) ?? lines[0] ?? "(no message)";
  const errors = lines.filter((line) => /(^|: )error: /.test(line)).length;
  return errors > 1 ? `${first} (and ${errors - 1} more errors)` : first;
}
