/**
 * Records of kmem and vmalloc events to KmemEvents calls, with the values
 * the text readers would find in `trace-cmd report`'s line for the same
 * record, so that a trace.dat and its report replay alike. Fields are found
 * by the offsets and sizes of the file's own format descriptions; what the
 * report text would make of each value is mirrored here:
 *
 * - pointers, pfns, vmap addresses: the low 52 bits (the text reader keeps
 *   13 hex digits); a NULL `ptr` prints `(nil)`, 0.
 * - counts (`bytes_req`, `bytes_alloc`, `size`): printed `%zu`; above 15
 *   digits the text reader refuses them, so the same problem is reported.
 * - `order`: printed `%d`, so a value with bit 31 set prints negative and is
 *   refused; above MAX_TRACE_ORDER, refused too. mm_page_free_batched
 *   prints `order=0` whatever the record.
 * - mm_page_alloc's pfn: its print fmt prints 0 for -1UL (no page).
 * - call sites: `sym+0xoff` from kallsyms (kallsyms.ts).
 * - gfp flags: the names libtraceevent prints from the event's
 *   `__print_flags` table (the first masks wholly set, each taken out of
 *   the value before the next), then the text reader's rule on each name:
 *   GFP_ZERO when it holds `__GFP_ZERO`, GFP_DMA when it holds `GFP_DMA`
 *   not followed by `32`.
 * - kmem_cache_free's cache name: its `__data_loc` string, up to the first
 *   NUL or space (the text reader's `name=` ends at a space).
 * A record shorter than its format's fields is a problem, not a read past it.
 * @module
 */

import { GFP_DMA, GFP_ZERO } from "../../core/gfp.ts";
import { INFORMATIONAL_KMEM_EVENTS, type KmemEvents, MAX_TRACE_ORDER } from "../kmem_events.ts";
import type { TraceSink } from "../trace_event.ts";
import { type EventFormat, type FlagName, flagTable, type FormatField } from "./event_format.ts";
import type { Kallsyms } from "./kallsyms.ts";

/** Largest count the text reader reads (15 digits). */
const MAX_COUNT = 999_999_999_999_999;
const TWO_32 = 2 ** 32;
/** Largest event type id: common_type is a u16 (a u32 read is limited to it too). */
const MAX_TYPE_ID = 0xFFFF;
/** Gfp values whose pagepile flags were worked out, per event; past this the cache starts over. */
const MAX_CACHED_FLAGS = 4096;
/** Cache names kept decoded; past this, further names are decoded each time. */
const MAX_CACHED_NAMES = 4096;

/** What a record becomes. */
enum Kind {
  Kmalloc,
  CacheAlloc,
  Kfree,
  CacheFree,
  PageAlloc,
  PageFree,
  PageFreeBatched,
  VmapAlloc,
  VmapFree,
  VmapPurge,
  Informational,
  Unknown,
}

const KINDS: Record<string, Kind> = {
  kmalloc: Kind.Kmalloc,
  kmalloc_node: Kind.Kmalloc,
  kmem_cache_alloc: Kind.CacheAlloc,
  kmem_cache_alloc_node: Kind.CacheAlloc,
  kfree: Kind.Kfree,
  kmem_cache_free: Kind.CacheFree,
  mm_page_alloc: Kind.PageAlloc,
  mm_page_free: Kind.PageFree,
  mm_page_free_batched: Kind.PageFreeBatched,
  alloc_vmap_area: Kind.VmapAlloc,
  free_vmap_area_noflush: Kind.VmapFree,
  purge_vmap_area_lazy: Kind.VmapPurge,
};

/** A field as read here: offset and size (1, 2, 4 or 8), sign; null when the event has none. */
type Field = FormatField | null;

/** How to decode one event type. */
interface Decoder {
  name: string;
  kind: Kind;
  ptr: Field;
  site: Field;
  bytesReq: Field;
  bytesAlloc: Field;
  gfp: Field;
  /** pfn, or the vmap area's address: the key. */
  key: Field;
  order: Field;
  size: Field;
  failed: Field;
  cacheName: Field;
  /** The gfp_flags `__print_flags` table; empty when the print fmt has none. */
  flagNames: FlagName[];
  /** pagepile flags of gfp values seen (values below 2^32). */
  flagCache: Map<number, number>;
  /** Bytes a record needs for every field read. */
  minLength: number;
}

const utf8 = new TextDecoder();

/** Decodes records into KmemEvents calls and problems. */
export class KmemRecords {
  /** By event type id (a u16): an array, faster to index than a map on the hot path. */
  readonly #decoders: (Decoder | undefined)[] = [];
  readonly #kmem: KmemEvents;
  readonly #sink: TraceSink;
  readonly #kallsyms: Kallsyms;
  readonly #le: boolean;
  /** The common_type field: where each record says which event it is. */
  readonly #typeOffset: number;
  readonly #typeSize: number;
  /** Cache names seen, by a hash of their bytes. */
  readonly #names = new Map<number, string>();

  /**
   * @param formats the file's event formats, with the file offset of each
   * @param kallsyms the file's symbols
   * @param kmem receives the calls
   * @param sink receives the problems
   * @param littleEndian the file's byte order
   * @throws {DatError} when a print fmt's flag table does not parse
   */
  constructor(
    formats: { format: EventFormat; offset: number }[],
    kallsyms: Kallsyms,
    kmem: KmemEvents,
    sink: TraceSink,
    littleEndian: boolean,
  ) {
    this.#kallsyms = kallsyms;
    this.#kmem = kmem;
    this.#sink = sink;
    this.#le = littleEndian;
    let type: FormatField | undefined;
    for (const { format, offset } of formats) {
      if (format.id <= MAX_TYPE_ID) this.#decoders[format.id] = decoder(format, offset);
      type ??= format.fields.get("common_type");
    }
    this.#typeOffset = type?.offset ?? 0;
    this.#typeSize = type?.size === 4 ? 4 : 2;
  }

  /**
   * Decodes one record into the sink.
   * @param bytes the bytes holding the record
   * @param view a view of them
   * @param at the record's payload index in them
   * @param length the payload's length
   * @param cpu the CPU it was recorded on
   * @param line its line in `trace-cmd report`'s text
   */
  decode(
    bytes: Uint8Array,
    view: DataView,
    at: number,
    length: number,
    cpu: number,
    line: number,
  ): void {
    if (length < this.#typeOffset + this.#typeSize) {
      this.#sink.problem(line, `a record of ${length} bytes, too short to say its event`);
      return;
    }
    const type = this.#typeSize === 2
      ? view.getUint16(at + this.#typeOffset, this.#le)
      : Math.min(view.getUint32(at + this.#typeOffset, this.#le), MAX_TYPE_ID + 1);
    const d = this.#decoders[type];
    if (d === undefined) {
      this.#sink.problem(
        line,
        `a record of event type ${type}, which no format of the file describes`,
      );
      return;
    }
    if (d.kind === Kind.Unknown) {
      this.#sink.problem(line, `unknown event "${d.name}"`);
      return;
    }
    if (length < d.minLength) {
      this.#sink.problem(
        line,
        `${d.name}: a record of ${length} bytes, shorter than its format's ${d.minLength}`,
      );
      return;
    }
    const problem = this.#call(d, bytes, view, at, at + length, cpu, line);
    if (problem !== undefined) this.#sink.problem(line, problem);
  }

  /** Makes the KmemEvents call; returns the problem the text reader would report, if any. */
  #call(
    d: Decoder,
    bytes: Uint8Array,
    view: DataView,
    at: number,
    end: number,
    cpu: number,
    line: number,
  ): string | undefined {
    const kmem = this.#kmem;
    const name = d.name;
    switch (d.kind) {
      case Kind.Kmalloc:
      case Kind.CacheAlloc: {
        if (d.ptr === null) return `${name}: ptr is missing or not a hex pointer`;
        const ptr = this.#key(view, at, d.ptr);
        const bytesReq = this.#count(view, at, d.bytesReq);
        if (bytesReq < 0) return `${name}: bytes_req is missing or not a byte count`;
        const bytesAlloc = this.#count(view, at, d.bytesAlloc);
        if (bytesAlloc < 0) return `${name}: bytes_alloc is missing or not a byte count`;
        const site = this.#site(view, at, d.site);
        if (d.kind === Kind.Kmalloc) {
          kmem.kmalloc(line, cpu, ptr, bytesReq, bytesAlloc, this.#flags(view, at, d), site);
        } else {
          kmem.cacheAlloc(line, cpu, ptr, bytesReq, bytesAlloc, site);
        }
        return undefined;
      }
      case Kind.Kfree:
      case Kind.CacheFree: {
        if (d.ptr === null) return `${name}: ptr is missing or not a hex pointer`;
        const ptr = this.#key(view, at, d.ptr);
        const site = this.#site(view, at, d.site);
        if (d.kind === Kind.Kfree) kmem.kfree(line, cpu, ptr, site);
        else kmem.cacheFree(line, cpu, ptr, site, this.#cacheName(bytes, view, at, end, d));
        return undefined;
      }
      case Kind.PageAlloc:
      case Kind.PageFree:
      case Kind.PageFreeBatched: {
        if (d.key === null) return `${name}: pfn is missing or not a hex number`;
        const pfn = d.kind === Kind.PageAlloc && this.#allOnes(view, at, d.key)
          ? 0
          : this.#key(view, at, d.key);
        let order = 0;
        if (d.kind !== Kind.PageFreeBatched) {
          order = d.order === null ? -1 : this.#low(view, at, d.order) | 0;
          if (order < 0) return `${name}: order is missing or not a number`;
          if (order > MAX_TRACE_ORDER) return `${name}: order ${order} is above ${MAX_TRACE_ORDER}`;
        }
        if (d.kind === Kind.PageAlloc) {
          kmem.pageAlloc(line, cpu, pfn, order, this.#flags(view, at, d));
        } else kmem.pageFree(line, cpu, pfn, order, d.kind === Kind.PageFreeBatched);
        return undefined;
      }
      case Kind.VmapAlloc: {
        if (d.key === null) return "alloc_vmap_area: va_start is missing or not a decimal address";
        const size = this.#count(view, at, d.size);
        if (size < 0) return "alloc_vmap_area: size is missing or not a byte count";
        const failed = d.failed !== null && this.#high(view, at, d.failed) === 0 &&
          this.#low(view, at, d.failed) === 1;
        kmem.vmapAlloc(line, cpu, this.#key(view, at, d.key), size, failed);
        return undefined;
      }
      case Kind.VmapFree:
        if (d.key === null) {
          return "free_vmap_area_noflush: va_start is missing or not a hex address";
        }
        kmem.vmapFree(line, cpu, this.#key(view, at, d.key));
        return undefined;
      case Kind.VmapPurge:
        kmem.vmapPurge(line, cpu);
        return undefined;
      default:
        kmem.informational(line, cpu, name);
        return undefined;
    }
  }

  /** The low 32 bits of a field's value (sign-extended from its size first). */
  #low(view: DataView, at: number, f: FormatField): number {
    const le = this.#le;
    const p = at + f.offset;
    switch (f.size) {
      case 1:
        return (f.signed ? view.getInt8(p) : view.getUint8(p)) >>> 0;
      case 2:
        return (f.signed ? view.getInt16(p, le) : view.getUint16(p, le)) >>> 0;
      case 4:
        return view.getUint32(p, le);
      default:
        return view.getUint32(p + (le ? 0 : 4), le);
    }
  }

  /** The high 32 bits of a field's value as 64 bits (a signed field's sign, when smaller). */
  #high(view: DataView, at: number, f: FormatField): number {
    if (f.size === 8) return view.getUint32(at + f.offset + (this.#le ? 4 : 0), this.#le);
    return f.signed && this.#low(view, at, f) >= 0x8000_0000 ? 0xFFFF_FFFF : 0;
  }

  /** A pointer, pfn or address as a key: its low 52 bits. */
  #key(view: DataView, at: number, f: FormatField): number {
    return (this.#high(view, at, f) & 0xF_FFFF) * TWO_32 + this.#low(view, at, f);
  }

  /** Whether the field holds -1 in its size (C's -1UL). */
  #allOnes(view: DataView, at: number, f: FormatField): boolean {
    return this.#low(view, at, f) === 0xFFFF_FFFF &&
      (f.size < 8 || this.#high(view, at, f) === 0xFFFF_FFFF);
  }

  /** An unsigned count as the text reader reads its decimal; -1 when it would refuse it. */
  #count(view: DataView, at: number, f: Field): number {
    if (f === null) return -1;
    const high = f.size === 8 ? this.#high(view, at, f) : 0;
    if (high >= 1 << 21) return -1;
    const value = high * TWO_32 + this.#low(view, at, f);
    return value > MAX_COUNT ? -1 : value;
  }

  #site(view: DataView, at: number, f: Field): string {
    return f === null
      ? ""
      : this.#kallsyms.resolve(this.#high(view, at, f), this.#low(view, at, f));
  }

  /** pagepile GFP flags of the record's gfp_flags, by the names the print fmt gives its bits. */
  #flags(view: DataView, at: number, d: Decoder): number {
    if (d.gfp === null || d.flagNames.length === 0) return 0;
    const high = this.#high(view, at, d.gfp);
    const low = this.#low(view, at, d.gfp);
    if (high !== 0) return gfpFlags(d.flagNames, high, low);
    let flags = d.flagCache.get(low);
    if (flags === undefined) {
      if (d.flagCache.size >= MAX_CACHED_FLAGS) d.flagCache.clear();
      flags = gfpFlags(d.flagNames, 0, low);
      d.flagCache.set(low, flags);
    }
    return flags;
  }

  /** kmem_cache_free's cache name, up to its first NUL or space; "" when absent or out of the record. */
  #cacheName(bytes: Uint8Array, view: DataView, at: number, record: number, d: Decoder): string {
    if (d.cacheName === null) return "";
    const loc = view.getUint32(at + d.cacheName.offset, this.#le);
    const start = at + (loc & 0xFFFF);
    const end = Math.min(start + (loc >>> 16), record);
    let stop = start;
    let hash = 0x811C9DC5;
    while (stop < end && bytes[stop] !== 0 && bytes[stop] !== 32) {
      hash = Math.imul(hash ^ bytes[stop], 0x01000193);
      stop++;
    }
    const cached = this.#names.get(hash);
    if (cached !== undefined && sameBytes(cached, bytes, start, stop)) return cached;
    const name = utf8.decode(bytes.subarray(start, stop));
    if (this.#names.size < MAX_CACHED_NAMES) this.#names.set(hash, name);
    return name;
  }
}

/** How to decode records of `format`. */
function decoder(format: EventFormat, offset: number): Decoder {
  const kind = KINDS[format.name] ??
    (INFORMATIONAL_KMEM_EVENTS.has(format.name) ? Kind.Informational : Kind.Unknown);
  const fields: FormatField[] = [];
  const field = (name: string): Field => {
    const f = format.fields.get(name);
    if (f === undefined || ![1, 2, 4, 8].includes(f.size)) return null;
    fields.push(f);
    return f;
  };
  const vmap = kind === Kind.VmapAlloc ? "addr" : "va_start";
  const d: Decoder = {
    name: format.name,
    kind,
    ptr: kind <= Kind.CacheFree ? field("ptr") : null,
    site: kind <= Kind.CacheFree ? field("call_site") : null,
    bytesReq: kind <= Kind.CacheAlloc ? field("bytes_req") : null,
    bytesAlloc: kind <= Kind.CacheAlloc ? field("bytes_alloc") : null,
    gfp: kind === Kind.Kmalloc || kind === Kind.PageAlloc ? field("gfp_flags") : null,
    key: kind >= Kind.PageAlloc && kind <= Kind.PageFreeBatched
      ? field("pfn")
      : kind === Kind.VmapAlloc || kind === Kind.VmapFree
      ? field(vmap)
      : null,
    order: kind === Kind.PageAlloc || kind === Kind.PageFree ? field("order") : null,
    size: kind === Kind.VmapAlloc ? field("size") : null,
    failed: kind === Kind.VmapAlloc ? field("failed") : null,
    cacheName: kind === Kind.CacheFree ? field("name") : null,
    flagNames: kind === Kind.Kmalloc || kind === Kind.PageAlloc
      ? flagTable(format, "gfp_flags", offset) ?? []
      : [],
    flagCache: new Map(),
    minLength: 0,
  };
  d.minLength = Math.max(0, ...fields.map((f) => f.offset + f.size));
  return d;
}

/**
 * pagepile flags of a gfp value: libtraceevent's __print_flags walk (each
 * mask wholly set in what is left prints its name and is taken out), with
 * the text reader's rule on the names printed.
 */
function gfpFlags(table: FlagName[], high: number, low: number): number {
  let flags = 0;
  for (const { maskHigh, maskLow, name } of table) {
    if ((high & maskHigh) >>> 0 !== maskHigh || (low & maskLow) >>> 0 !== maskLow) continue;
    high = (high & ~maskHigh) >>> 0;
    low = (low & ~maskLow) >>> 0;
    if (name.includes("__GFP_ZERO")) flags |= GFP_ZERO;
    for (let i = name.indexOf("GFP_DMA"); i !== -1; i = name.indexOf("GFP_DMA", i + 7)) {
      if (name.charCodeAt(i + 7) !== 51 /* "3" of GFP_DMA32 */) flags |= GFP_DMA;
    }
  }
  return flags;
}

/** Whether `text` is the bytes [start, stop) read as UTF-8 (ASCII compared; else decoded). */
function sameBytes(text: string, bytes: Uint8Array, start: number, stop: number): boolean {
  if (text.length !== stop - start) return text === utf8.decode(bytes.subarray(start, stop));
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) !== bytes[start + i]) return false;
  }
  return true;
}
