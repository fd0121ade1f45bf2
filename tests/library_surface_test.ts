// The library's entry point loads only the library: no npm package, and only
// relative imports, so that a script outside the project can import it by
// file URL. The HTML report, which needs npm packages, is a second entry.

import { assertEquals } from "./_assert.ts";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

async function deno(args: string[], cwd: string): Promise<{ code: number; out: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, out: decode(output.stdout) + decode(output.stderr) };
}

interface ModuleGraph {
  modules: { specifier: string }[];
  npmPackages: Record<string, unknown>;
}

async function graph(entry: string, ...flags: string[]): Promise<ModuleGraph> {
  const { code, out } = await deno(["info", "--json", ...flags, entry], ROOT);
  assertEquals(code, 0, out);
  return JSON.parse(out);
}

Deno.test("mod.ts loads no npm package: every module it pulls is one of the project's files", async () => {
  // --no-lock: without it, deno info lists every package of the lock file,
  // whatever the entry point imports.
  const mod = await graph("mod.ts", "--no-lock");
  assertEquals(Object.keys(mod.npmPackages), []);
  // Deno's own node: built-ins are the runtime's, not packages.
  const foreign = mod.modules.filter((m) =>
    !m.specifier.startsWith(`file://${ROOT}`) && !m.specifier.startsWith("node:")
  );
  assertEquals(foreign.map((m) => m.specifier), []);
  const paths = mod.modules.map((m) => m.specifier.slice(`file://${ROOT}`.length));
  assertEquals(paths.includes("tools/report/charts.ts"), false);
  assertEquals(paths.includes("tools/report/html_report.ts"), false);
  // The report's entry point is where Plot and linkedom come in.
  const report = await graph("report.ts");
  const npm = report.modules.filter((m) => m.specifier.startsWith("npm:"));
  assertEquals(npm.map((m) => m.specifier.replace(/^npm:\/?/, "").replace(/@[\d.]+$/, "")).sort(), [
    "@observablehq/plot",
    "linkedom",
  ]);
});

Deno.test("a script outside the project imports mod.ts by file URL and runs a board", async () => {
  const dir = await Deno.makeTempDir();
  const mod = new URL("../mod.ts", import.meta.url).href;
  await Deno.writeTextFile(
    `${dir}/use.ts`,
    `import { Board, boot, GFP_KERNEL, replayTrace } from "${mod}";
const k = boot(new Board({ ramBytes: 16 * 1024 * 1024 }));
const addr = k.get_pages(GFP_KERNEL, 2);
k.put_pages(addr);
const trace = await Deno.makeTempFile();
await Deno.writeTextFile(trace, "# pagepile trace 1\\ngalloc 0x1 0 100\\ngfree 0x1\\n");
const report = await replayTrace(trace, { ramBytes: 1024 * 1024 });
console.log(addr !== 0, report.applied, report.violations);
`,
  );
  // No deno.json there, no import map: only what the file URL leads to.
  const { code, out } = await deno(
    ["run", "--no-lock", "--allow-read", "--allow-write", "use.ts"],
    dir,
  );
  assertEquals([code, out.trim()], [0, "true 2 0"]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("the published package holds the code and leaves the recorded traces out", async () => {
  const { code, out } = await deno(["publish", "--dry-run", "--allow-dirty"], ROOT);
  assertEquals(code, 0, out);
  const files = [...out.matchAll(/file:\/\/\S+/g)].map((m) => m[0].slice(`file://${ROOT}`.length));
  assertEquals(files.includes("mod.ts") && files.includes("report.ts"), true, out);
  assertEquals(files.filter((f) => f.startsWith("traces/recorded/") || f.endsWith(".gz")), []);
});
