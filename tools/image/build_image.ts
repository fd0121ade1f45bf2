/**
 * Building a firmware image: C (and assembly) sources of a design, with the
 * SDK's start-up code and mem.c, compiled by clang for the board's RV32IM
 * core and linked by ld.lld with the SDK's linker script into an ELF32
 * executable, returned as bytes. What `deno task build-firmware` runs, and
 * what a replay of `--design ./mine.c` runs before it loads the image.
 *
 * The same sources and the same clang give the same bytes: nothing in the
 * image depends on where the files are, when they were built or where the
 * build ran (no debug information; the symbol table names each source by
 * its base name alone; ld.lld writes no build id or time).
 * @module
 */

import { basename, dirname, extname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The compiler's flags, before `-I <sdk>` and the prefix maps. */
export const COMPILE_FLAGS: readonly string[] = [
  "--target=riscv32-unknown-elf",
  "-march=rv32im",
  "-mabi=ilp32",
  "-O2",
  "-std=gnu11",
  // No C library, no startup files; implies -fno-builtin, so that mem.c's
  // loops are not turned back into calls to memset and memcpy.
  "-ffreestanding",
  "-nostdlib",
  // No linker relaxation: no code addresses data through gp, which the
  // driver's calls do not set (ld.lld 14 does not relax anyway).
  "-mno-relax",
  "-Wall",
];

/** The line a missing compiler or linker gets, after the tool's name. */
export const INSTALL_HINT = "apt-get install -y clang lld";

/** Source file extensions the build takes: C, and assembly with or without the preprocessor. */
const SOURCE_EXTENSIONS = [".c", ".S", ".s"];

/** Why a build failed: the kind, and a message to show as it is. */
export type BuildImageFailure = "missing-tool" | "input" | "compile" | "link";

/**
 * A build that failed. For "missing-tool" and "input" the message is one
 * line ("clang is not installed: apt-get install -y clang lld", "x.c: no
 * such file"); for "compile" and "link" it is the tool's own messages,
 * unchanged.
 */
export class BuildImageError extends Error {
  /** What failed. */
  readonly kind: BuildImageFailure;

  /**
   * Describes the failure.
   * @param kind what failed
   * @param message what to show the user
   */
  constructor(kind: BuildImageFailure, message: string) {
    super(message);
    this.name = "BuildImageError";
    this.kind = kind;
  }
}

/** Options of {@link buildImage}. */
export interface BuildImageOptions {
  /** The compiler to run: a command name looked up in PATH, or a path. Default "clang". */
  clang?: string;
  /** The linker to run, likewise. Default "ld.lld". */
  ldLld?: string;
  /**
   * Gets the tools' messages of a build that succeeded (warnings), as they
   * printed them. Default: they are dropped.
   */
  diagnostics?: (text: string) => void;
}

/**
 * The SDK's folder (pagepile.h, firmware.ld, start.S, mem.c) on disk.
 * @returns its absolute path
 * @throws {BuildImageError} when this module was not loaded from a file
 * @example
 * ```ts
 * import { sdkDir } from "./build_image.ts";
 * console.log(sdkDir().endsWith("core/image/sdk")); // true
 * ```
 */
export function sdkDir(): string {
  const url = new URL("../../core/image/sdk", import.meta.url);
  if (url.protocol !== "file:") {
    throw new BuildImageError(
      "input",
      `the firmware SDK is not on disk (${url.href}): build from a clone of pagepile`,
    );
  }
  return fileURLToPath(url);
}

/**
 * Builds a firmware image from sources: each compiled with
 * {@link COMPILE_FLAGS} and `-I` the SDK folder, together with the SDK's
 * start.S and mem.c, then linked with `ld.lld -T firmware.ld`. Paths are
 * relative to the working folder; messages name them as given.
 * @param sources C (`.c`) and assembly (`.S`, `.s`) files, at least one
 * @param options the tools to run, and where warnings go
 * @returns the ELF file's bytes
 * @throws {BuildImageError} when a tool is missing, a source cannot be
 * read, or compiling or linking fails
 * @example
 * ```ts ignore
 * import { buildImage } from "./build_image.ts";
 * const elf = await buildImage(["examples/first_fit.c"], {
 *   diagnostics: (text) => console.error(text),
 * });
 * await Deno.writeFile("examples/first_fit.elf", elf);
 * ```
 */
export async function buildImage(
  sources: readonly string[],
  options: BuildImageOptions = {},
): Promise<Uint8Array> {
  const clang = options.clang ?? "clang";
  const ldLld = options.ldLld ?? "ld.lld";
  const diagnostics = options.diagnostics ?? (() => {});
  if (sources.length === 0) throw new BuildImageError("input", "no source file to build");
  for (const source of sources) await checkSource(source);
  await checkInstalled(clang, "clang");
  await checkInstalled(ldLld, "ld.lld");
  const sdk = sdkDir();
  const all = [resolve(sdk, "start.S"), ...sources, resolve(sdk, "mem.c")];
  const work = await Deno.makeTempDir({ prefix: "pagepile-build-" });
  try {
    const objects = objectNames(all);
    for (let i = 0; i < all.length; i++) {
      const flags = [...COMPILE_FLAGS, "-I", sdk, ...prefixMaps(sdk, all[i])];
      const result = await run(clang, [...flags, "-c", all[i], "-o", resolve(work, objects[i])]);
      if (!result.ok) throw new BuildImageError("compile", result.messages);
      if (result.messages !== "") diagnostics(result.messages);
    }
    // Run in the work folder with bare object names, so that the linker's
    // messages say "first_fit.c.o", not a temporary path.
    const linked = await run(
      ldLld,
      ["-T", resolve(sdk, "firmware.ld"), "-o", "image.elf", ...objects],
      work,
    );
    if (!linked.ok) throw new BuildImageError("link", onceEach(linked.messages));
    if (linked.messages !== "") diagnostics(linked.messages);
    return await Deno.readFile(resolve(work, "image.elf"));
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

/** Refuses a source that is missing, a folder, or neither C nor assembly. */
async function checkSource(source: string): Promise<void> {
  if (!SOURCE_EXTENSIONS.includes(extname(source))) {
    throw new BuildImageError(
      "input",
      `${source}: not a C or assembly source (${SOURCE_EXTENSIONS.join(", ")})`,
    );
  }
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(source);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new BuildImageError("input", `${source}: no such file`);
    }
    throw new BuildImageError("input", `${source}: cannot be read: ${(error as Error).message}`);
  }
  if (!info.isFile) throw new BuildImageError("input", `${source}: is not a file`);
}

/** Runs `tool --version`, to tell a missing tool apart from one that fails on the sources. */
async function checkInstalled(tool: string, name: string): Promise<void> {
  try {
    await new Deno.Command(tool, { args: ["--version"], stdout: "null", stderr: "null" }).output();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new BuildImageError("missing-tool", `${name} is not installed: ${INSTALL_HINT}`);
    }
    throw error;
  }
}

/**
 * Object file names for the sources: each source's base name + ".o",
 * numbered when two sources share a base name.
 */
function objectNames(sources: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return sources.map((source) => {
    const name = basename(source);
    const count = (seen.get(name) ?? 0) + 1;
    seen.set(name, count);
    return count === 1 ? `${name}.o` : `${name}.${count}.o`;
  });
}

/**
 * Maps the SDK's folder and the source's folder out of whatever the
 * compiler writes (__FILE__, debug information), so that an image does not
 * depend on where the files are.
 */
function prefixMaps(sdk: string, source: string): string[] {
  const folder = dirname(resolve(source));
  return [`-ffile-prefix-map=${sdk}=pagepile-sdk`, `-ffile-prefix-map=${folder}=.`];
}

/**
 * The linker's messages, each once: ld.lld 14 reports a failed ASSERT (and
 * a region overflow) once per pass over the script. A message is a line
 * starting "ld.lld: " with the lines under it (">>> referenced by ...").
 */
function onceEach(text: string): string {
  const messages: string[] = [];
  for (const line of text.replace(/\n$/, "").split("\n")) {
    if (messages.length === 0 || line.startsWith("ld.lld: ")) messages.push(line);
    else messages[messages.length - 1] += "\n" + line;
  }
  return [...new Set(messages)].join("\n") + "\n";
}

/** Runs a tool; its stdout and stderr together are its messages. */
async function run(
  tool: string,
  args: string[],
  cwd?: string,
): Promise<{ ok: boolean; messages: string }> {
  const output = await new Deno.Command(tool, { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
  return { ok: output.success, messages: decode(output.stdout) + decode(output.stderr) };
}
