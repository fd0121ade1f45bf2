/**
 * Deno's own cache folder, for the benchmark's subprocesses.
 * @module
 */

/**
 * Deno's cache folder as this process uses it. A benchmark that moves its
 * subprocesses' XDG_CACHE_HOME (so that they remember boards in a folder of
 * its own) names this as their DENO_DIR too: else Deno's cache would move
 * with it, and the first process would compile every module again.
 */
export async function denoDir(): Promise<string> {
  const info = await new Deno.Command(Deno.execPath(), { args: ["info", "--json"] }).output();
  return JSON.parse(new TextDecoder().decode(info.stdout)).denoDir;
}
