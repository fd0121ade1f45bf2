// The C side of firmware images: `deno task build-firmware` builds the
// committed example byte for byte, and says in one line what is missing, or
// passes the compiler's and linker's own messages through.

import { fileURLToPath } from "node:url";
import { assertEquals } from "./_assert.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CLI = "tools/cli/build_firmware.ts";
const EXAMPLE_ELF = `${ROOT}examples/first_fit.elf`;

/** How the command ended, and what it printed. */
interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs build-firmware in the project's folder, with `env` on top of this process's. */
async function buildFirmware(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", "--allow-run", CLI, ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...env },
  }).output();
  const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

/** The first line `tool --version` prints, or undefined when the tool is not installed. */
async function toolVersion(tool: string): Promise<string | undefined> {
  try {
    const output = await new Deno.Command(tool, { args: ["--version"], stderr: "null" }).output();
    return new TextDecoder().decode(output.stdout).split("\n")[0].trim();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/** Where `tool` is in PATH, or undefined. */
function whereIs(tool: string): string | undefined {
  for (const folder of (Deno.env.get("PATH") ?? "").split(":")) {
    if (folder === "") continue;
    try {
      if (Deno.statSync(`${folder}/${tool}`).isFile) return `${folder}/${tool}`;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

const clangVersion = await toolVersion("clang");
const lldVersion = await toolVersion("ld.lld");
const noTools = clangVersion === undefined
  ? "clang is not installed"
  : lldVersion === undefined
  ? "ld.lld is not installed"
  : undefined;
if (noTools !== undefined) console.log(`image_sdk_test: tests that build skipped: ${noTools}`);

/**
 * Why the committed image cannot be compared here, if it cannot: the
 * compiler that built it (its .comment section names it, e.g. "Debian clang
 * version 14.0.6") is not this machine's, and another clang emits other code.
 */
function otherCompiler(elf: Uint8Array): string | undefined {
  if (noTools !== undefined) return noTools;
  const text = new TextDecoder("latin1").decode(elf);
  if (text.includes(`${clangVersion}\0`)) return undefined;
  const builtBy = /[^\0]*clang version [^\0]*/.exec(text)?.[0] ?? "an unnamed compiler";
  return `examples/first_fit.elf was built by ${builtBy}; this machine has ${clangVersion}`;
}

const committed = await Deno.readFile(EXAMPLE_ELF);
const cannotCompare = otherCompiler(committed);
if (cannotCompare !== undefined && noTools === undefined) {
  console.log(`image_sdk_test: byte-for-byte comparison skipped: ${cannotCompare}`);
}

Deno.test({
  name:
    "build-firmware builds examples/first_fit.c into the committed first_fit.elf, byte for byte",
  ignore: cannotCompare !== undefined,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      // From another folder and by an absolute path: nothing of either may reach the image.
      const copy = `${dir}/first_fit.c`;
      await Deno.copyFile(`${ROOT}examples/first_fit.c`, copy);
      const result = await buildFirmware([copy, "-o", `${dir}/built.elf`]);
      assertEquals(result.code, 0, result.stderr);
      assertEquals(result.stderr, "", "no warning");
      const built = await Deno.readFile(`${dir}/built.elf`);
      assertEquals(built.length, committed.length, "the same size");
      assertEquals(built, committed, "rebuild examples/first_fit.elf and commit it");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("build-firmware says in one line that clang is missing, exit status 1", async () => {
  // (-o somewhere nothing can be written: the committed image stays as it is, whatever happens.)
  const result = await buildFirmware(["examples/first_fit.c", "-o", "/nonexistent/x.elf"], {
    PATH: "",
  });
  assertEquals(result.code, 1);
  assertEquals(
    result.stderr,
    "build-firmware: clang is not installed: apt-get install -y clang lld\n",
  );
  assertEquals(result.stdout, "");
});

Deno.test({
  name: "build-firmware says in one line that ld.lld is missing, exit status 1",
  ignore: clangVersion === undefined,
  async fn() {
    // A PATH with clang in it and nothing else.
    const dir = await Deno.makeTempDir();
    try {
      await Deno.symlink(whereIs("clang")!, `${dir}/clang`);
      const result = await buildFirmware(["examples/first_fit.c", "-o", `${dir}/x.elf`], {
        PATH: dir,
      });
      assertEquals(result.code, 1);
      assertEquals(
        result.stderr,
        "build-firmware: ld.lld is not installed: apt-get install -y clang lld\n",
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("build-firmware names a missing source in one line, exit status 1", async () => {
  const result = await buildFirmware(["examples/no_such_design.c"]);
  assertEquals(result.code, 1);
  assertEquals(result.stderr, "build-firmware: examples/no_such_design.c: no such file\n");
});

Deno.test({
  name: "build-firmware passes clang's message for a syntax error through, exit status 1",
  ignore: noTools !== undefined,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const source = `${dir}/broken.c`;
      await Deno.writeTextFile(source, '#include "pagepile.h"\nvoid pp_init(void) { int x = ; }\n');
      const result = await buildFirmware([source]);
      assertEquals(result.code, 1);
      assertEquals(result.stderr.includes(`${source}:2:30: error: expected expression`), true);
      assertEquals(result.stderr.includes("1 error generated."), true, result.stderr);
      assertEquals(result.stderr.includes("build-firmware:"), false, "clang's words alone");
      assertEquals(result.stderr.includes("    at "), false, "no stack trace");
      let written = true;
      await Deno.stat(`${dir}/broken.elf`).catch(() => written = false);
      assertEquals(written, false, "no image written");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "build-firmware refuses an image whose data leaves too little stack, said once",
  ignore: noTools !== undefined,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      // 3700 bytes of bss and pp_scratch's 512 do not fit in 4096 with 512 of stack.
      const source = `${dir}/greedy.c`;
      await Deno.writeTextFile(
        source,
        '#include "pagepile.h"\nuint8_t table[3700];\nvoid pp_init(void) { table[0] = 1; }\n',
      );
      const result = await buildFirmware([source]);
      assertEquals(result.code, 1);
      assertEquals(
        result.stderr,
        "ld.lld: error: data and bss leave less than 512 bytes of stack in the firmware RAM: " +
          "raise PP_FIRMWARE_RAM_SIZE\n",
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
