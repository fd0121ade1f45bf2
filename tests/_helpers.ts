/** Small helpers several test files share. */

import { fileURLToPath } from "node:url";
import { assertEquals } from "./_assert.ts";
import { type Kernel, PAGE_SIZE, type TraceEvent, type TraceSink } from "../mod.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** How a process ended, and what it printed. */
export interface DenoRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `deno ...args` in the project's folder, without colours, as a user would. */
export async function runDeno(args: string[]): Promise<DenoRun> {
  const output = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

/** The alignment slice_alloc promises for objects of `size` bytes (as the README states it). */
export function promisedAlign(size: number): number {
  if (size <= PAGE_SIZE && (size & (size - 1)) === 0) return Math.max(size, 4);
  return size < 8 ? 4 : 8;
}

/** After gshrink(), every page but the firmware's is free and the audit is clean. */
export function allPagesBack(k: Kernel): void {
  k.gshrink();
  const pages = k.stats().pages;
  assertEquals(pages.free, pages.total - pages.reserved, "every page is back");
  assertEquals(k.audit(), []);
}

/**
 * A sink that writes each event (every field), problem and lost-events
 * report it receives as a line of text: two readings of a trace compare as
 * their lines.
 */
export function lineRecorder(): { sink: TraceSink; lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    sink: {
      event: (e: TraceEvent) =>
        lines.push(
          [e.line, e.op, e.key, e.size, e.order, e.flags, e.linuxBytes, e.cpu, e.batched, e.pool]
            .concat([e.site, e.name, e.reason]).join(" "),
        ),
      problem: (line, message) => lines.push(`problem ${line} ${message}`),
      lost: (line, count) => lines.push(`lost ${line} ${count}`),
    },
  };
}

export { seededRandom } from "../tools/fuzz/seeded_random.ts";

/** The byte arrays `parts`, end to end, in one array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const bytes = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.length;
  }
  return bytes;
}
