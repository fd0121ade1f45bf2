/**
 * What a driver puts around every call into a design, so that no design,
 * however broken, takes the driver down with it: a limit on the bus cycles
 * one call may spend (the board stops it there), a watchdog on the time a
 * stretch of calls may take (for a loop that never touches the board), and
 * the exceptions a design throws turned into what broke, naming the call.
 * A design that runs on the board's CPU has a limit on its instructions per
 * call besides (its core stops it), and its traps name the pc.
 * @module
 */

import type { Board } from "../../hw/board.ts";
import { CycleLimitExceeded } from "../../hw/cycle_limit.ts";
import { Rv32CycleLimitExceeded } from "../../hw/rv32/cycle_limit.ts";
import { Rv32InstructionLimitExceeded } from "../../hw/rv32/instruction_limit.ts";
import { Rv32Trap } from "../../hw/rv32/traps.ts";
import { runWithin, WatchdogExpired } from "./watchdog.ts";

/** Limits on each call into a design. */
export interface CallLimits {
  /**
   * Bus cycles one call may spend (each debug-port call counts as a RAM
   * access, 2 cycles); default {@link DEFAULT_MAX_CALL_CYCLES}.
   */
  maxCallCycles?: number;
  /**
   * Seconds a call may run, whether it touches the board or not (a replay
   * bounds each batch of 4,096 events by it); default
   * {@link DEFAULT_WATCHDOG_SECONDS}; Infinity or 0: no watchdog.
   */
  watchdogSeconds?: number;
  /**
   * For a design that runs on the board's CPU (a firmware image): the
   * instructions one call may run (given to the design at boot); default
   * the design's own (an image's: IMAGE_CALL_INSTRUCTIONS, 20 million).
   */
  maxCallInstructions?: number;
}

/**
 * The default limit on one call: 200 million bus cycles, 100 times the
 * dearest call a shipped design makes on a recorded trace (an order-10
 * alloc_pages with GFP_ZERO clears 4 MiB: 2 million cycles), and a second
 * or two of simulation.
 */
export const DEFAULT_MAX_CALL_CYCLES = 200_000_000;

/** The default watchdog: 10 seconds, where a batch of events takes milliseconds. */
export const DEFAULT_WATCHDOG_SECONDS = 10;

/**
 * A design that broke so that the driver cannot go on with it: it threw
 * something other than a refusal, spent its call's cycles, or did not
 * return. Its state in RAM is whatever the call left: nothing more is asked
 * of it.
 */
export class DesignBroken extends Error {
  /** The call that broke: a Kernel method, "boot", "audit", "stats", ... */
  readonly call: string;

  /**
   * Says what broke.
   * @param call the call that broke
   * @param message what happened, naming the call
   */
  constructor(call: string, message: string) {
    super(message);
    this.name = "DesignBroken";
    this.call = call;
  }
}

/**
 * Guards calls into one design on one board. A hot call is bracketed by
 * {@link enter} and {@link leave}; a call that throws leaves `calling` set,
 * so the catch knows the exception is the design's, and hands it to
 * {@link broken} (or, for a refusal it accepts, {@link reset}). Cold calls
 * go through {@link call}, stretches of calls through {@link watch}.
 */
export class CallGuard {
  /** The call in progress, "" between calls: set by enter, cleared by leave and reset. */
  calling = "";
  readonly #board: Board;
  readonly #maxCycles: number;
  readonly #seconds: number;

  /**
   * @param board the board the design runs on
   * @param limits the limits on each call
   */
  constructor(board: Board, limits: CallLimits = {}) {
    this.#board = board;
    this.#maxCycles = limits.maxCallCycles ?? DEFAULT_MAX_CALL_CYCLES;
    this.#seconds = limits.watchdogSeconds ?? DEFAULT_WATCHDOG_SECONDS;
  }

  /** Before a call: names it and gives it its cycles. */
  enter(call: string): void {
    this.calling = call;
    this.#board.limitCycles(this.#maxCycles);
  }

  /**
   * After a call that returned.
   * @throws {DesignBroken} when it had spent its cycles (and caught the error that said so)
   */
  leave(): void {
    if (this.#board.cyclesLeft < 0) throw this.broken(new CycleLimitExceeded(this.#maxCycles));
    this.reset();
  }

  /** Whether the call in progress has spent its cycles (whatever it did with the error that said so). */
  get spent(): boolean {
    return this.#board.cyclesLeft < 0;
  }

  /** After a call that threw what the driver accepts (a refusal): lifts its limit. */
  reset(): void {
    this.#board.limitCycles(Infinity);
    this.calling = "";
  }

  /**
   * What an exception the call in progress threw means, the call reset.
   * @param error what it threw
   * @returns the design broken, naming the call and what it threw
   */
  broken(error: unknown): DesignBroken {
    const call = this.calling;
    const spent = this.spent;
    this.reset();
    if (error instanceof DesignBroken) return error;
    if (error instanceof CycleLimitExceeded || spent) {
      // Firmware stopped by it is named where: "; stopped at pc 0x... (function+0x...)".
      const where = error instanceof Rv32CycleLimitExceeded
        ? `; ${error.message.slice(error.message.lastIndexOf("stopped at pc"))}`
        : "";
      return new DesignBroken(
        call,
        `${call} did not return within ${this.#maxCycles.toLocaleString("en-US")} bus cycles ` +
          `(the limit on one call: --max-call-cycles)${where}`,
      );
    }
    if (error instanceof WatchdogExpired) {
      return new DesignBroken(
        call,
        `${call} did not return within ${error.seconds} s (the watchdog: --watchdog)`,
      );
    }
    if (error instanceof Rv32InstructionLimitExceeded) {
      // Its message ends "stopped at pc 0x... (function+0x...)".
      const where = error.message.slice(error.message.lastIndexOf("stopped at pc"));
      return new DesignBroken(
        call,
        `${call} did not return within ${error.limit.toLocaleString("en-US")} instructions ` +
          `(the limit on one call: --max-call-instructions); ${where}`,
      );
    }
    if (error instanceof Rv32Trap) {
      return new DesignBroken(call, `${call} trapped: ${error.message}`);
    }
    return new DesignBroken(call, `${call} threw ${thrownText(error)}`);
  }

  /**
   * Runs one call, not timed: guarded like a hot one, any exception it
   * throws making the design broken.
   * @param call its name
   * @param fn the call
   * @returns what it returned
   * @throws {DesignBroken} when it threw, spent its cycles or ran out of time
   */
  call<T>(call: string, fn: () => T): T {
    return this.watch(() => {
      this.enter(call);
      let result: T;
      try {
        result = fn();
      } catch (error) {
        throw this.broken(error);
      }
      this.leave();
      return result;
    });
  }

  /**
   * Runs a stretch of calls (a batch of events) under the watchdog.
   * @param work the stretch
   * @returns what it returned
   * @throws {DesignBroken} naming the call in progress when time ran out
   */
  watch<T>(work: () => T): T {
    try {
      return runWithin(this.#seconds, work);
    } catch (error) {
      if (!(error instanceof WatchdogExpired)) throw error;
      if (this.calling !== "") throw this.broken(error);
      // Between two calls: the driver's own work took the time (it never should).
      throw new DesignBroken("", `the replay did not end a batch within ${error.seconds} s`);
    }
  }
}

/**
 * An exception as a message says it: its class and first line, or the value
 * thrown. Whatever the design threw, this does not throw.
 */
function thrownText(error: unknown): string {
  let text: string;
  try {
    if (error instanceof Error) {
      const first = String(error.message).split("\n")[0];
      text = first === "" ? String(error.name) : `${error.name}: ${first}`;
    } else {
      text = `${typeof error === "string" ? JSON.stringify(error) : String(error)} (not an Error)`;
    }
  } catch {
    text = `${Object.prototype.toString.call(error)} (not an Error)`;
  }
  return text.length > 300 ? text.slice(0, 300) + "..." : text;
}
