/**
 * Hand-rolled field scanning for trace lines: faster than regular
 * expressions on the hot path, and strict: a malformed number is -1, never a
 * silently truncated value.
 * @module
 */

/**
 * The value of `name=` among space-separated `key=value` fields, or
 * undefined when absent.
 */
export function fieldValue(fields: string, name: string): string | undefined {
  let at = fields.startsWith(name) && fields.charCodeAt(name.length) === 61 ? 0 : -1;
  if (at === -1) {
    at = fields.indexOf(" " + name + "=");
    if (at === -1) return undefined;
    at++;
  }
  const start = at + name.length + 1;
  const end = fields.indexOf(" ", start);
  return end === -1 ? fields.slice(start) : fields.slice(start, end);
}

/** A decimal count (digits only, at most 15 of them), or -1. */
export function parseCount(text: string | undefined): number {
  if (text === undefined || text.length === 0 || text.length > 15) return -1;
  let value = 0;
  for (let i = 0; i < text.length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * A hex value (optional 0x, at most 16 digits) as a key: its low 52 bits, so
 * it is exact as a number. -1 when malformed.
 */
export function parseHexKey(text: string | undefined): number {
  if (text === undefined) return -1;
  let start = text.startsWith("0x") ? 2 : 0;
  const length = text.length - start;
  if (length === 0 || length > 16) return -1;
  let value = 0;
  if (length > 13) {
    // Check the high digits, then keep the low 13 (52 bits).
    for (let i = start; i < text.length - 13; i++) if (hexDigit(text.charCodeAt(i)) < 0) return -1;
    start = text.length - 13;
  }
  for (let i = start; i < text.length; i++) {
    const digit = hexDigit(text.charCodeAt(i));
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  if (code >= 65 && code <= 70) return code - 55;
  return -1;
}
