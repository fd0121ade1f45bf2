/**
 * An event's `format` description, as the kernel prints it (`f_show` in
 * kernel/trace/trace_events.c) and trace.dat stores it:
 *
 * ```
 * name: kmalloc
 * ID: 552
 * format:
 * 	field:unsigned short common_type;	offset:0;	size:2;	signed:0;
 * 	...
 * 	field:unsigned long call_site;	offset:8;	size:8;	signed:0;
 * 	field:__data_loc char[] name;	offset:24;	size:4;	signed:1;
 *
 * print fmt: "call_site=%pS ...", (void *)REC->call_site, ...
 * ```
 * A field's name is the last identifier of its declaration (`comm[16]` is
 * `comm`); its offset and size are bytes into the event's payload, which
 * starts with the common fields. `__data_loc` fields hold a u32: the
 * offset of their bytes in the payload in the low 16 bits, their length in
 * the high 16. The header_page description (the ring-buffer page's layout)
 * has field lines only.
 *
 * The print fmt matters for one thing: the `__print_flags(REC->field, "|",
 * {mask, "NAME"}, ...)` table by which libtraceevent names the bits of a
 * flags field (gfp_flags). Its masks are C expressions over literals
 * (`( unsigned long)((( gfp_t)0x400u) | (( gfp_t)0x40u))`, some with `&`
 * and `~`), evaluated here once, in 64 bits.
 * @module
 */

import { DatError } from "./dat_error.ts";

/** One field of an event. */
export interface FormatField {
  /** Its name: the declaration's last identifier. */
  name: string;
  /** Bytes from the payload's start. */
  offset: number;
  /** Bytes it takes (a `__data_loc` field: 4). */
  size: number;
  /** Whether it is a signed number. */
  signed: boolean;
  /** Whether it is a `__data_loc` field (a dynamic array or string). */
  dataLoc: boolean;
}

/** An event's format. */
export interface EventFormat {
  /** The event's system ("kmem", "ftrace", ...). */
  system: string;
  /** The event's name ("kmalloc"). */
  name: string;
  /** Its type id in this recording: the `common_type` of its records. */
  id: number;
  /** Its fields by name, common fields included. */
  fields: Map<string, FormatField>;
  /** The print fmt's text, after "print fmt: ". */
  printFmt: string;
}

/** One entry of a `__print_flags` table: the mask, as two u32 halves, and its name. */
export interface FlagName {
  maskHigh: number;
  maskLow: number;
  name: string;
}

const FIELD_LINE = /^\s*field:(.*);\s*offset:(\d+);\s*size:(\d+);(?:\s*signed:(\d+);)?/;
/** Largest offset or size a field may have: records are smaller than a page. */
const MAX_FIELD_BYTES = 1 << 24;

/**
 * Parses the field lines of a format text.
 * @param text the description
 * @param where what it is and its file offset, for errors
 * @throws {DatError} on a field line whose offset or size does not parse
 */
export function parseFields(
  text: string,
  where: { what: string; offset: number },
): Map<string, FormatField> {
  const fields = new Map<string, FormatField>();
  for (const line of text.split("\n")) {
    if (!/^\s*field:/.test(line)) continue;
    const match = FIELD_LINE.exec(line);
    const declaration = match?.[1].trim() ?? "";
    const name = /([A-Za-z_][A-Za-z0-9_]*)\s*(?:\[[^\]]*\])?$/.exec(declaration)?.[1];
    if (match === null || name === undefined) {
      throw new DatError(
        `${where.what} does not parse: field line "${line.trim().slice(0, 80)}" ` +
          "is not `field:TYPE NAME; offset:N; size:N; signed:N;`",
        where.offset,
      );
    }
    const offset = Number(match[2]);
    const size = Number(match[3]);
    if (offset > MAX_FIELD_BYTES || size > MAX_FIELD_BYTES) {
      throw new DatError(`${where.what} does not parse: field ${name} is too large`, where.offset);
    }
    fields.set(name, {
      name,
      offset,
      size,
      signed: match[4] === "1",
      dataLoc: declaration.startsWith("__data_loc"),
    });
  }
  return fields;
}

/**
 * Parses an event's format description.
 * @param text the description
 * @param system the system it belongs to
 * @param offset its file offset, for errors
 * @throws {DatError} when it has no name, no numeric ID or a bad field line
 */
export function parseEventFormat(text: string, system: string, offset: number): EventFormat {
  const name = /^name: *(\S+)/m.exec(text)?.[1];
  const id = /^ID: *(\d+)\s*$/m.exec(text)?.[1];
  if (name === undefined || id === undefined) {
    throw new DatError(
      `an event format of system "${system}" does not parse: it has no ` +
        (name === undefined ? "name: line" : `numeric ID: line (event "${name}")`),
      offset,
    );
  }
  const fields = parseFields(text, { what: `the format of event "${system}:${name}"`, offset });
  const printAt = text.indexOf("\nprint fmt: ");
  const printFmt = printAt === -1 ? "" : text.slice(printAt + 12).trimEnd();
  return { system, name, id: Number(id), fields, printFmt };
}

/**
 * The `__print_flags` table of `field` in an event's print fmt, in its
 * order, without the entries libtraceevent never prints (a mask of 0 or
 * with bit 63 set: it compares masks as signed numbers, above 0).
 * @returns the table, or undefined when the print fmt names none for `field`
 * @throws {DatError} when the table or one of its masks does not parse
 */
export function flagTable(
  format: EventFormat,
  field: string,
  offset: number,
): FlagName[] | undefined {
  const text = format.printFmt;
  const start = text.indexOf(`__print_flags(REC->${field},`);
  if (start === -1) return undefined;
  const fail = (why: string) =>
    new DatError(
      `the print fmt of event "${format.system}:${format.name}" does not parse: ` +
        `the __print_flags table of ${field}: ${why}`,
      offset,
    );
  let at = start + `__print_flags(REC->${field},`.length;
  // The delimiter, a string literal.
  at = skipSpaces(text, at);
  if (text[at] !== '"') throw fail("no delimiter string");
  at = text.indexOf('"', at + 1) + 1;
  if (at === 0) throw fail("an unterminated delimiter string");
  const table: FlagName[] = [];
  for (;;) {
    at = skipSpaces(text, at);
    if (text[at] === ")") return table;
    if (text[at] !== ",") throw fail(`"${text.slice(at, at + 20)}" where , or ) should be`);
    at = skipSpaces(text, at + 1);
    if (text[at] !== "{") throw fail(`"${text.slice(at, at + 20)}" where {mask, "NAME"} should be`);
    const close = text.indexOf("}", at);
    if (close === -1) throw fail('an unterminated {mask, "NAME"} entry');
    const entry = text.slice(at + 1, close);
    const nameMatch = /,\s*"([^"]*)"\s*$/.exec(entry);
    if (nameMatch === null) throw fail(`entry {${entry.slice(0, 40)}} has no "NAME"`);
    const mask = evaluate(entry.slice(0, nameMatch.index), fail);
    if (mask > 0n && mask < 1n << 63n) {
      table.push({
        maskHigh: Number(mask >> 32n),
        maskLow: Number(mask & 0xFFFF_FFFFn),
        name: nameMatch[1],
      });
    }
    at = close + 1;
  }
}

function skipSpaces(text: string, at: number): number {
  while (at < text.length && (text[at] === " " || text[at] === "\t" || text[at] === "\n")) at++;
  return at;
}

const U64 = (1n << 64n) - 1n;

/**
 * Evaluates a C constant expression of integer literals (with u/l
 * suffixes), casts, parentheses and the operators ~ - + << >> & ^ |, in
 * unsigned 64 bits, with C's precedence.
 */
function evaluate(expression: string, fail: (why: string) => DatError): bigint {
  const tokens = expression.match(/0[xX][0-9a-fA-F]+[uUlL]*|\d+[uUlL]*|<<|>>|[A-Za-z_]\w*|\S/g) ??
    [];
  let i = 0;
  const peek = () => tokens[i];
  const binary = (operators: string[], next: () => bigint) => (): bigint => {
    let value = next();
    while (operators.includes(peek())) {
      const op = tokens[i++];
      const right = next();
      value = op === "|"
        ? value | right
        : op === "^"
        ? value ^ right
        : op === "&"
        ? value & right
        : op === "<<"
        ? (value << (right & 63n)) & U64
        : op === ">>"
        ? value >> (right & 63n)
        : op === "+"
        ? (value + right) & U64
        : (value - right) & U64;
    }
    return value;
  };
  const unary = (): bigint => {
    const token = tokens[i++];
    if (token === undefined) throw fail(`mask "${expression.trim()}" ends too soon`);
    if (token === "~") return unary() ^ U64;
    if (token === "-") return (-unary()) & U64;
    if (token === "(") {
      // A cast is a parenthesised type: identifiers and stars only.
      let end = i;
      while (end < tokens.length && (/^[A-Za-z_]/.test(tokens[end]) || tokens[end] === "*")) end++;
      if (tokens[end] === ")" && end > i) {
        i = end + 1;
        return unary();
      }
      const value = or();
      if (tokens[i++] !== ")") throw fail(`mask "${expression.trim()}" has an unclosed (`);
      return value;
    }
    if (/^\d/.test(token)) {
      const digits = token.replace(/[uUlL]+$/, "");
      const octal = digits.length > 1 && digits.startsWith("0") && !/^0[xX]/.test(digits);
      if (octal && /[89]/.test(digits)) throw fail(`mask "${expression.trim()}" has "${token}"`);
      return BigInt(octal ? "0o" + digits.slice(1) : digits) & U64;
    }
    throw fail(`mask "${expression.trim()}" has "${token}", not a number`);
  };
  const additive = binary(["+", "-"], unary);
  const shift = binary(["<<", ">>"], additive);
  const and = binary(["&"], shift);
  const xor = binary(["^"], and);
  const or = binary(["|"], xor);
  const value = or();
  if (i !== tokens.length) throw fail(`mask "${expression.trim()}" has "${tokens[i]}" left over`);
  return value;
}
