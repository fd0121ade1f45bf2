/**
 * The kernel's ring-buffer pages, as trace.dat stores each CPU's data, read
 * the way libtraceevent's kbuffer reads them (kbuffer-parse.c):
 *
 * ```
 * page (page size bytes; offsets of x86-64, from the file's header_page)
 * offset  size  field
 *  0       8    timestamp  u64, of the page's first event
 *  8       8    commit     a long: bits 0-26 bytes of events; bit 31
 *                          MISSING_EVENTS (events were lost before this
 *                          page); bit 30 MISSING_STORED (their count, a
 *                          long, follows the events)
 * 16       var  events     back to back, `commit` bytes
 *
 * event header, a u32 w (little-endian: type_len = w & 31, time_delta =
 * w >>> 5; big-endian: type_len = w >>> 27, time_delta = w & 0x7ffffff)
 * type_len  what         length                         timestamp
 * 1..28     data         payload type_len × 4 at +4      ts += delta
 * 0         data         u32 L at +4; payload at +8,     ts += delta
 *                        roundup4(L - 4) bytes
 * 29        padding      u32 at +4 bytes after +4        ts += delta
 * 30        time extend  8 bytes                         ts += u32 at +4 << 27 | delta
 * 31        time stamp   8 bytes                         ts = u32 at +4 << 27 | delta,
 *                                                        bits 59-63 kept
 * ```
 * An event's timestamp is the running `ts` after its own delta. Lost
 * events count for the page's first record, and only when that record
 * starts the page: libtraceevent reports them so, and trace-cmd prints
 * `CPU:N [M EVENTS DROPPED]` then; `hiddenLost` holds the count it does
 * not print (a page opening with a time extend). Timestamps are kept as
 * two u32 halves: no BigInt, no rounding.
 * @module
 */

import { DatError } from "./dat_error.ts";

/** Bits 0-26 of the commit word: bytes of events on the page. */
const COMMIT_MASK = (1 << 27) - 1;
/** Bit 31 of the commit word: events were lost before the page. */
const MISSING_EVENTS = 0x8000_0000;
/** Bit 30: the count of lost events is stored after the page's events. */
const MISSING_STORED = 0x4000_0000;

const TYPE_PADDING = 29;
const TYPE_TIME_EXTEND = 30;
const TYPE_TIME_STAMP = 31;
/** Bits 59-63 of a timestamp, in its high half: a TIME_STAMP event leaves them as they were. */
const TS_MSB_HIGH = 0xF800_0000;
const TWO_32 = 2 ** 32;

/** Where a page's parts are, from the file's header_page description. */
export interface PageLayout {
  /** Offset of the commit word. */
  commitOffset: number;
  /** Bytes of a kernel long: the commit word's and the lost count's size (4 or 8). */
  longSize: number;
  /** Offset of the first event. */
  dataOffset: number;
}

/** Reads the events of one page at a time; the current event's fields are public. */
export class PageReader {
  /** The current event's timestamp, high and low halves. */
  tsHigh = 0;
  tsLow = 0;
  /** The current event's payload: its index in `bytes`, and its length. */
  payload = 0;
  length = 0;
  /**
   * Events lost before the current event, as trace-cmd prints them before
   * it: 0 none, -1 an unknown number, else the count.
   */
  lost = 0;
  /** Lost events trace-cmd does not print (the count, or -1 for unknown; 0 none). */
  hiddenLost = 0;
  /** The bytes the page lies in, and a view of them. */
  bytes: Uint8Array = new Uint8Array(0);
  view: DataView = new DataView(new ArrayBuffer(0));

  readonly #layout: PageLayout;
  readonly #littleEndian: boolean;
  readonly #cpu: number;
  /** Index in `bytes` of the page's first event; events' bytes; next header's offset from the first. */
  #data = 0;
  #commit = 0;
  #next = 0;
  /** The page's lost count, until its first record is read. */
  #pageLost = 0;
  /** Where the page lies, for errors: its file offset, or a chunk's offset and a description. */
  #fileOffset = 0;
  #exact = true;
  #where = "";

  /**
   * @param layout the page layout of the file
   * @param littleEndian the file's byte order
   * @param cpu the CPU whose pages these are (for errors)
   */
  constructor(layout: PageLayout, littleEndian: boolean, cpu: number) {
    this.#layout = layout;
    this.#littleEndian = littleEndian;
    this.#cpu = cpu;
  }

  /**
   * Starts on a page.
   * @param bytes the buffer holding the page
   * @param view a view of the whole buffer
   * @param start the page's index in `bytes`
   * @param length the page's bytes there (a last page may be short)
   * @param fileOffset the page's file offset; for a page inside a
   *   compressed chunk, the chunk's
   * @param where empty for a page read as is; else which page of which
   *   chunk, for errors
   * @throws {DatError} when the page's commit runs past it
   */
  load(
    bytes: Uint8Array,
    view: DataView,
    start: number,
    length: number,
    fileOffset: number,
    where: string,
  ): void {
    const layout = this.#layout;
    this.bytes = bytes;
    this.view = view;
    this.#fileOffset = fileOffset;
    this.#exact = where === "";
    this.#where = where;
    if (length < layout.dataOffset) {
      throw this.#fail(`a page of ${length} bytes is too short for its header`, 0);
    }
    const le = this.#littleEndian;
    this.tsHigh = view.getUint32(start + (le ? 4 : 0), le);
    this.tsLow = view.getUint32(start + (le ? 0 : 4), le);
    const commitAt = start + layout.commitOffset;
    const word = view.getUint32(commitAt + (le || layout.longSize === 4 ? 0 : 4), le);
    this.#data = start + layout.dataOffset;
    this.#commit = word & COMMIT_MASK;
    this.#next = 0;
    if (layout.dataOffset + this.#commit > length) {
      throw this.#fail(
        `the page's commit (${this.#commit} bytes of events) runs past the page ` +
          `(${length - layout.dataOffset} bytes of room)`,
        layout.commitOffset,
      );
    }
    this.#pageLost = 0;
    if (word & MISSING_EVENTS) {
      this.#pageLost = -1;
      if (word & MISSING_STORED) {
        const at = layout.dataOffset + this.#commit;
        if (at + layout.longSize > length) {
          throw this.#fail("the page's count of lost events lies past the page", at);
        }
        // libtraceevent returns the count as an int: its low 32 bits, signed.
        this.#pageLost =
          view.getUint32(this.#data + this.#commit + (le || layout.longSize === 4 ? 0 : 4), le) |
          0;
      }
    }
  }

  /**
   * Moves to the page's next data event.
   * @returns false when the page holds no more
   * @throws {DatError} when an event runs past the page's events
   */
  next(): boolean {
    const view = this.view;
    const le = this.#littleEndian;
    const data = this.#data;
    const commit = this.#commit;
    while (this.#next < commit) {
      const at = this.#next;
      if (at + 4 > commit) throw this.#failAt("an event header runs past the page's events", at);
      const word = view.getUint32(data + at, le);
      const typeLen = le ? word & 31 : word >>> 27;
      const delta = le ? word >>> 5 : word & 0x7FF_FFFF;
      if (typeLen >= 1 && typeLen <= 28) {
        return this.#dataEvent(at, at + 4, typeLen * 4, delta);
      }
      if (at + 8 > commit) {
        // A padding header alone at the very end: the rest of the page is unused.
        if (typeLen === TYPE_PADDING) return false;
        throw this.#failAt(`an event of type ${typeLen} runs past the page's events`, at);
      }
      const arg = view.getUint32(data + at + 4, le);
      if (typeLen === 0) {
        if (arg < 4) throw this.#failAt(`an event gives its length as ${arg} bytes`, at);
        return this.#dataEvent(at, at + 8, Math.ceil((arg - 4) / 4) * 4, delta);
      }
      if (typeLen === TYPE_PADDING) {
        this.#add(0, delta);
        this.#next = at + 4 + arg;
      } else if (typeLen === TYPE_TIME_EXTEND) {
        this.#add(arg >>> 5, ((arg << 27) | delta) >>> 0);
        this.#next = at + 8;
      } else if (typeLen === TYPE_TIME_STAMP) {
        this.tsHigh = ((this.tsHigh & TS_MSB_HIGH) | (arg >>> 5)) >>> 0;
        this.tsLow = ((arg << 27) | delta) >>> 0;
        this.#next = at + 8;
      }
    }
    return false;
  }

  #dataEvent(header: number, payload: number, length: number, delta: number): boolean {
    if (payload + length > this.#commit) {
      throw this.#failAt(
        `an event of ${length} bytes runs past its page ` +
          `(${this.#commit - payload} bytes of events left)`,
        header,
      );
    }
    this.#add(0, delta);
    this.payload = this.#data + payload;
    this.length = length;
    this.#next = payload + length;
    this.lost = 0;
    this.hiddenLost = 0;
    if (this.#pageLost !== 0) {
      if (header === 0) this.lost = this.#pageLost;
      else this.hiddenLost = this.#pageLost;
      this.#pageLost = 0;
    }
    return true;
  }

  /** Adds a 64-bit delta, given as halves, to the running timestamp. */
  #add(high: number, low: number): void {
    let sum = this.tsLow + low;
    let carry = 0;
    if (sum >= TWO_32) {
      sum -= TWO_32;
      carry = 1;
    }
    this.tsLow = sum;
    this.tsHigh = (this.tsHigh + high + carry) >>> 0;
  }

  /** A DatError at the event header `at` bytes past the page's first event. */
  #failAt(message: string, at: number): DatError {
    return this.#fail(message, this.#layout.dataOffset + at);
  }

  /** A DatError at byte `inPage` of the page. */
  #fail(message: string, inPage: number): DatError {
    return this.#exact
      ? new DatError(message, this.#fileOffset + inPage, this.#cpu)
      : new DatError(`${message} (${this.#where}, byte ${inPage})`, this.#fileOffset, this.#cpu);
  }
}
