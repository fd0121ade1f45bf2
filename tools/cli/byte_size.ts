/**
 * Byte sizes as people type them on a command line.
 * @module
 */

const UNITS: Record<string, number> = {
  "": 1,
  K: 1024,
  KB: 1024,
  KIB: 1024,
  M: 1024 ** 2,
  MB: 1024 ** 2,
  MIB: 1024 ** 2,
  G: 1024 ** 3,
  GB: 1024 ** 3,
  GIB: 1024 ** 3,
};

/**
 * Parses "256M", "1G", "64KiB" or "1048576" (binary units).
 * @returns the bytes, or undefined when the text is not a size
 */
export function parseByteSize(text: string): number | undefined {
  const digits = text.match(/^(\d+)\s*([a-zA-Z]*)$/);
  if (digits === null) return undefined;
  const unit = UNITS[digits[2].toUpperCase()];
  return unit === undefined ? undefined : Number(digits[1]) * unit;
}
