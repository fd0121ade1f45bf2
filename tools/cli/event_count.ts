/**
 * Counts of events as people type them on a command line.
 * @module
 */

/** Decimal units: a count of events is no byte size. */
const UNITS: Record<string, number> = { "": 1, K: 1e3, M: 1e6, G: 1e9 };

/**
 * Parses "50000", "2.5M", "100M", "1e8" or "3K" (K, M, G: thousands,
 * millions, billions).
 * @param text the count as typed
 * @returns the count, or undefined when the text is no whole number of
 *   events (a fraction, a negative number, a unit that is not K, M or G)
 * @example
 * ```ts
 * import { parseEventCount } from "./event_count.ts";
 * console.log(parseEventCount("2.5M"), parseEventCount("1e8"), parseEventCount("1.5")); // 2500000 100000000 undefined
 * ```
 */
export function parseEventCount(text: string): number | undefined {
  const match = text.match(/^(\d+(?:\.\d+)?(?:e\d+)?)([a-z]?)$/i);
  if (match === null) return undefined;
  const unit = UNITS[match[2].toUpperCase()];
  if (unit === undefined) return undefined;
  // The product is rounded in binary (2.3 × 1e6 is 2299999.9999999995), off
  // by a few parts in 10^16: a count typed whole is within 10^-9 of a whole
  // number, one typed with a fraction (1.0000001M) is not.
  const value = Number(match[1]) * unit;
  const count = Math.round(value);
  if (Math.abs(value - count) > 1e-9 * Math.max(1, count)) return undefined;
  return Number.isSafeInteger(count) ? count : undefined;
}
