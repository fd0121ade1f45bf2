/**
 * The two assertions the tests use, on top of node:assert (JSR's @std/assert
 * is out of reach from these machines).
 */

import { deepStrictEqual } from "node:assert/strict";

/** Asserts deep, strict equality. */
export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  deepStrictEqual(actual, expected, message);
}

/** A class of errors, whatever its constructor's parameters. */
// deno-lint-ignore no-explicit-any
export type ErrorClass<E extends Error> = new (...args: any[]) => E;

/**
 * Asserts that `fn` throws an instance of `ErrorClass` whose message contains
 * `includes` (when given), and returns the error for further checks.
 */
export function assertThrows<E extends Error>(
  fn: () => unknown,
  ErrorClass: ErrorClass<E>,
  includes?: string,
): E {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof ErrorClass)) {
      throw new Error(`expected ${ErrorClass.name}, got ${error}`, { cause: error });
    }
    if (includes !== undefined && !error.message.includes(includes)) {
      throw new Error(`expected the message to include "${includes}", got "${error.message}"`);
    }
    return error;
  }
  throw new Error(`expected ${ErrorClass.name}, but nothing was thrown`);
}
