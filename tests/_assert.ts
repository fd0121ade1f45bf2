/**
 * The two assertions the tests use, on top of node:assert (JSR's @std/assert
 * is out of reach from these machines).
 */

import { AssertionError, deepStrictEqual } from "node:assert/strict";

/**
 * Asserts deep, strict equality. A failure says what was expected and what
 * came, after `message` when one is given: node:assert would print the
 * message alone, and a CI log would not show the values.
 */
export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  try {
    deepStrictEqual(actual, expected);
  } catch (error) {
    if (message !== undefined && error instanceof AssertionError) {
      error.message = `${message}\n${error.message}`;
    }
    throw error;
  }
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
