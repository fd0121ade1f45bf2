/**
 * Boards remembered: each trace's peak of live bytes, by the file's path,
 * size and modification time, kept in a small JSON file, so that a replay
 * sized from a trace it has replayed before starts on the right board at
 * once instead of growing into it (see replayTrace). What is remembered is
 * only a first guess: the replay still counts the peak as it parses the
 * trace and starts over on the right board when the guess was wrong, so a
 * stale or tampered entry costs time, never a figure.
 *
 * The command-line programs keep the file in the user's cache folder
 * (`$XDG_CACHE_HOME/pagepile`, `~/.cache/pagepile`, or `%LOCALAPPDATA%\pagepile`
 * on Windows); the library keeps none unless told where.
 * @module
 */

import { dirname, join } from "node:path";

/** Entries kept; past this the oldest go. */
const MAX_ENTRIES = 512;
/** Bumped when the peak's meaning changes (LiveBytes' counting): older entries are ignored. */
const VERSION = 1;

interface Entry {
  key: string;
  peak: number;
}

/** The file the command-line programs remember boards in, or undefined when no cache folder is known. */
export function defaultBoardMemory(): string | undefined {
  try {
    const xdg = Deno.env.get("XDG_CACHE_HOME");
    if (xdg) return join(xdg, "pagepile", "boards.json");
    const local = Deno.build.os === "windows" ? Deno.env.get("LOCALAPPDATA") : undefined;
    if (local) return join(local, "pagepile", "boards.json");
    const home = Deno.env.get("HOME");
    return home ? join(home, ".cache", "pagepile", "boards.json") : undefined;
  } catch {
    return undefined; // no permission to read the environment: nothing remembered
  }
}

/**
 * The peak remembered for a trace, if its file is as it was then.
 * @param memory the file boards are remembered in
 * @param trace the trace file
 * @returns the peak of live bytes, or undefined
 * @example
 * ```ts
 * import { recallPeak, rememberPeak } from "./board_memory.ts";
 * const memory = await Deno.makeTempFile();
 * const trace = await Deno.makeTempFile();
 * await rememberPeak(memory, trace, 4096);
 * console.log(await recallPeak(memory, trace)); // 4096
 * ```
 */
export async function recallPeak(memory: string, trace: string): Promise<number | undefined> {
  const key = await keyOf(trace);
  if (key === undefined) return undefined;
  return (await entries(memory)).find((e) => e.key === key)?.peak;
}

/**
 * Remembers a trace's peak (the newest entry; the oldest past 512 go). A
 * file that cannot be written is left as it is: remembering is a courtesy.
 * @param memory the file boards are remembered in
 * @param trace the trace file
 * @param peak its peak of live bytes
 */
export async function rememberPeak(memory: string, trace: string, peak: number): Promise<void> {
  const key = await keyOf(trace);
  if (key === undefined) return;
  const kept = (await entries(memory)).filter((e) => e.key !== key);
  kept.push({ key, peak });
  const text = JSON.stringify({ version: VERSION, entries: kept.slice(-MAX_ENTRIES) });
  try {
    await Deno.mkdir(dirname(memory), { recursive: true });
    // Written whole, then renamed over: a reader never sees half a file.
    const temp = `${memory}.${Deno.pid}.tmp`;
    await Deno.writeTextFile(temp, text);
    await Deno.rename(temp, memory);
  } catch {
    // A read-only or missing cache folder: nothing is remembered.
  }
}

/** The file's identity: its absolute path, size and modification time; undefined if unknown. */
async function keyOf(trace: string): Promise<string | undefined> {
  try {
    const path = await Deno.realPath(trace);
    const info = await Deno.stat(path);
    if (!info.isFile || info.mtime === null) return undefined;
    return `${path}\0${info.size}\0${info.mtime.getTime()}`;
  } catch {
    return undefined;
  }
}

async function entries(memory: string): Promise<Entry[]> {
  try {
    const data = JSON.parse(await Deno.readTextFile(memory));
    if (data?.version !== VERSION || !Array.isArray(data.entries)) return [];
    return data.entries.filter((e: Entry) =>
      typeof e?.key === "string" && typeof e.peak === "number" && e.peak >= 0
    );
  } catch {
    return []; // missing, unreadable or damaged: nothing remembered
  }
}
