import { assertEquals } from "./_assert.ts";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

Deno.test("the demo runs from the checkout: every allocator, a real trace replayed, its report written", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", "tools/cli/demo.ts"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const stdout = new TextDecoder().decode(output.stdout);
  assertEquals(output.code, 0, new TextDecoder().decode(output.stderr));
  for (
    const text of [
      "The firmware booted in",
      "audit: every invariant holds",
      "Replaying a real Linux 6.1 boot trace",
      "events: 109,496 = 103,041 applied",
      "OK: every check passed",
    ]
  ) {
    assertEquals(stdout.includes(text), true, text);
  }
  const html = stdout.match(/HTML report \(memory map, charts, tables\): (\S+)/)?.[1];
  assertEquals(html !== undefined && (await Deno.stat(html)).size > 10_000, true, html);
  await Deno.remove(html!);
});
