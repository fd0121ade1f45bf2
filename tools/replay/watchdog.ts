/**
 * A wall-clock bound on synchronous work: what stops a design whose call
 * loops without touching the board (the board's cycle limit stops one that
 * does). JavaScript cannot interrupt itself, so the work runs as a
 * `node:vm` script with a timeout: a thread of V8's watches the clock and
 * terminates the script when the time is up, and the termination comes
 * back as an exception on this thread, which goes on.
 *
 * Starting the watching thread costs about 15 µs, so a replay bounds a
 * batch of 4,096 events at a time, not each call; a batch that takes the
 * whole bound is one whose call never returned.
 * @module
 */

import { Script } from "node:vm";

/** Where the script finds the work it runs: a global slot, since a script sees only globals. */
const SLOT = Symbol.for("pagepile.watchdog.work");
const RUN_WORK = new Script(`globalThis[Symbol.for("pagepile.watchdog.work")]()`);

/** Thrown by {@link runWithin} when the work ran out of time and was stopped. */
export class WatchdogExpired extends Error {
  /** The bound, in seconds. */
  readonly seconds: number;

  /**
   * Says the work ran out of time.
   * @param seconds the bound, in seconds
   */
  constructor(seconds: number) {
    super(`did not end within ${seconds} s`);
    this.name = "WatchdogExpired";
    this.seconds = seconds;
  }
}

/** Whether work runs under the watchdog now: work nested in it runs under the same bound. */
let watching = false;

/**
 * Runs `work`, stopping it if it runs longer than `seconds`. Whatever the
 * work throws comes through unchanged; work stopped mid-way leaves what it
 * was changing as it was at that moment (no `finally` of it runs).
 * @param seconds the bound; Infinity (or 0) runs the work unbounded
 * @param work synchronous work
 * @returns what the work returned
 * @throws {WatchdogExpired} when the work was stopped
 */
export function runWithin<T>(seconds: number, work: () => T): T {
  if (watching || !(seconds > 0 && seconds < Infinity)) return work();
  const slot = globalThis as unknown as Record<symbol, (() => T) | undefined>;
  let finished = false;
  watching = true;
  slot[SLOT] = () => {
    const result = work();
    finished = true;
    return result;
  };
  try {
    return RUN_WORK.runInThisContext({ timeout: Math.ceil(seconds * 1000) }) as T;
  } catch (error) {
    // The script's own timeout error, not one the work threw.
    if (!finished && (error as { code?: string }).code === "ERR_SCRIPT_EXECUTION_TIMEOUT") {
      throw new WatchdogExpired(seconds);
    }
    throw error;
  } finally {
    watching = false;
    slot[SLOT] = undefined;
  }
}
