/**
 * The generic allocator: any size, no header. Requests up to MAX_CLASS_SIZE
 * come from size-class slice pools; larger ones are runs of exactly the pages
 * they need, straight from the page allocator, whose last page, when the
 * block ends in its first three chunks, is lent to the chunk slabs (see
 * slice_alloc.ts): a 9,208-byte block holds 2 pages and a quarter, not 3
 * pages. `gfree` and `gsize` learn a block's size from its page's struct
 * page — the slab's pool, or the run's length and the chunks it holds of its
 * last page — so an 8-byte object costs 8 bytes.
 * @module
 */

import { ZERO_SIZE_PTR } from "../firmware.ts";
import type { Board } from "../../hw/board.ts";
import { hex32 } from "../../hw/hex.ts";
import { DoubleFreeError, InvalidArgumentError, InvalidFreeError } from "../errors.ts";
import { GFP_DMA, GFP_ZERO, GFP_ZONE_MASK } from "../gfp.ts";
import {
  C_ALLOCS,
  C_REQUESTED,
  CHUNKS_PER_PAGE,
  CLASS_BYTES,
  G_CLASS_POOLS,
  G_LARGE_ALLOCS,
  G_LARGE_LIVE,
  G_LARGE_PAGES,
  G_LARGE_REQUESTED,
  MAX_ORDER,
  PAGE_STRUCT_BYTES,
  PageOwner,
  PG_FLAGS,
  PG_PRIVATE,
  PG_SLAB_CHUNKS,
  POOL_GENERIC,
  POOL_INTERNAL,
} from "./layout.ts";
import { add32, add64, read64 } from "../counters.ts";
import { firstBadByte, ownerText, RED_ACTIVE, reportBug, SLAB_DEBUG } from "./debug.ts";
import { type PageAllocator, RUN_LAST_APART, RUN_PAGES_MASK } from "./page_alloc.ts";
import { CLASS_SIZES, classIndex, MAX_CLASS_SIZE } from "./size_classes.ts";
import type { SliceAllocator } from "./slice_alloc.ts";

/** Figures of one size class, since boot and live. */
export interface GenericClassStats {
  /** The class's block size in bytes. */
  size: number;
  /** The zone its slabs come from: "Normal" (GFP_KERNEL) or "DMA" (GFP_DMA). */
  zone: string;
  /** Allocations since boot. */
  allocs: number;
  /** Bytes requested by those allocations. */
  requestedBytes: number;
  /** Bytes handed out for them: allocs × size. */
  allocatedBytes: number;
  /** Blocks live now. */
  liveBlocks: number;
  /** Bytes of the live blocks: liveBlocks × size. */
  liveBytes: number;
}

/** The generic allocator's figures. */
export interface GenericStats {
  /** One entry per class and zone. */
  classes: GenericClassStats[];
  /** Blocks larger than MAX_CLASS_SIZE, served as page piles. */
  large: {
    /** Blocks live now. */
    liveBlocks: number;
    /** Pages they hold whole (a last page lent to the chunk slabs is a chunk page, counted with the slabs). */
    livePages: number;
    /** Allocations since boot. */
    allocs: number;
    /** Bytes requested by those allocations. */
    requestedBytes: number;
  };
}

/** A large block's head struct page, with the debug option: the bytes asked for. */
const PG_LARGE_SIZE = PG_PRIVATE + 4;
/** A large block's head struct page, with the debug option: the owner tag. */
const PG_LARGE_OWNER = PG_PRIVATE + 8;

const ZONES = [{ name: "Normal", flags: 0 }, { name: "DMA", flags: GFP_DMA }];

/** The generic allocator. Internal: the Kernel exposes it as galloc/gfree/gsize/gshrink. */
export class GenericAllocator {
  readonly #bus: Board;
  readonly #pages: PageAllocator;
  readonly #slices: SliceAllocator;
  readonly #globals: number;
  readonly #pageSize: number;
  /** Bytes of a chunk (see slice_alloc.ts): a large block's last page is lent in chunks. */
  readonly #chunkBytes: number;
  /** The debug boot option (a register): large blocks get a red zone in their last page's slack. */
  #debug = false;

  /**
   * @param bus the board
   * @param pages the page allocator large blocks come from
   * @param slices the slice allocator the classes live in
   * @param globals address of the kernel globals
   */
  constructor(bus: Board, pages: PageAllocator, slices: SliceAllocator, globals: number) {
    this.#bus = bus;
    this.#pages = pages;
    this.#slices = slices;
    this.#globals = globals;
    this.#pageSize = pages.layout.pageSize;
    this.#chunkBytes = this.#pageSize / CHUNKS_PER_PAGE;
  }

  /**
   * Boot: lays out the class records in the globals, and zeroes the counters.
   * @param debug give every class red zones, poisoning and owner tags
   */
  format(debug = false): void {
    this.#debug = debug;
    ZONES.forEach((zone, z) =>
      CLASS_SIZES.forEach((size, c) => {
        const name = `galloc${z === 0 ? "" : "-dma"}-${size}`;
        const record = this.#classRecord(z, c);
        this.#slices.initPool(
          record,
          zone.flags | (debug ? SLAB_DEBUG : 0),
          size,
          name,
          POOL_GENERIC | POOL_INTERNAL,
        );
        for (const offset of [C_ALLOCS, C_REQUESTED]) {
          this.#bus.write32(record + offset, 0);
          this.#bus.write32(record + offset + 4, 0);
        }
      })
    );
    for (const offset of [G_LARGE_LIVE, G_LARGE_PAGES, G_LARGE_ALLOCS, G_LARGE_REQUESTED]) {
      this.#bus.write32(this.#globals + offset, 0);
      this.#bus.write32(this.#globals + offset + 4, 0);
    }
  }

  /**
   * Allocates `size` bytes.
   * @returns the block's address; ZERO_SIZE_PTR for size 0; 0 when memory is short
   */
  alloc(flags: number, size: number, owner = 0): number {
    this.#pages.checkFlags(flags);
    if (!Number.isInteger(size) || size < 0) {
      throw new InvalidArgumentError(`size ${size} is not a byte count`);
    }
    if (size === 0) return ZERO_SIZE_PTR;
    if (size <= MAX_CLASS_SIZE) {
      const zone = (flags & GFP_ZONE_MASK) === GFP_DMA ? 1 : 0;
      const classIdx = classIndex(size);
      const record = this.#classRecord(zone, classIdx);
      const addr = this.#slices.allocFrom(record, owner);
      if (addr === 0) return 0;
      add64(this.#bus, record + C_ALLOCS, 1);
      add64(this.#bus, record + C_REQUESTED, size);
      if (flags & GFP_ZERO) this.#bus.fill32(addr, CLASS_SIZES[classIdx] / 4, 0);
      return addr;
    }
    const pages = Math.ceil(size / this.#pageSize);
    if (pages > 1 << MAX_ORDER) return 0;
    // The chunks of the last page the block reaches into. Without the debug
    // option (whose red zone takes the slack) the others are lent to the
    // chunk slabs, so a block costs its bytes rounded to a chunk, not a page.
    const held = Math.ceil((size - (pages - 1) * this.#pageSize) / this.#chunkBytes);
    const lend = !this.#debug && held < CHUNKS_PER_PAGE;
    // Exactly the pages asked for, not the next power of two (see allocRun).
    const page = this.#pages.allocRun(flags, pages, PageOwner.GENERIC, lend);
    if (page === 0) return 0;
    const g = this.#globals;
    add32(this.#bus, g + G_LARGE_LIVE, 1);
    add32(this.#bus, g + G_LARGE_PAGES, lend ? pages - 1 : pages);
    add64(this.#bus, g + G_LARGE_ALLOCS, 1);
    add64(this.#bus, g + G_LARGE_REQUESTED, size);
    const addr = this.#pages.pageToAddr(page);
    if (lend) {
      this.#slices.lendTail(page + (pages - 1) * PAGE_STRUCT_BYTES, held, flags & GFP_ZONE_MASK);
      if (flags & GFP_ZERO) {
        this.#bus.fill32(addr + (pages - 1) * this.#pageSize, (held * this.#chunkBytes) / 4, 0);
      }
    }
    if (this.#debug) {
      // The run head's spare private words keep the size and the owner tag.
      this.#bus.write32(page + PG_LARGE_SIZE, size);
      this.#bus.write32(page + PG_LARGE_OWNER, owner >>> 0);
      this.#armSlack(addr + size, addr + pages * this.#pageSize);
    }
    return addr;
  }

  /** Fills [from, to) with red-zone bytes: single bytes up to a word boundary, then words. */
  #armSlack(from: number, to: number): void {
    let at = from;
    for (; at < to && at % 4 !== 0; at++) this.#bus.write8(at, RED_ACTIVE & 0xFF);
    this.#bus.fill32(at, (to - at) / 4, RED_ACTIVE);
  }

  /**
   * Checks a large block's red zone (the slack after it in its last page).
   * @returns what is wrong, or ""
   */
  #checkSlack(page: number, pages: number): string {
    const bus = this.#bus;
    const addr = this.#pages.pageToAddr(page);
    const size = bus.read32(page + PG_LARGE_SIZE);
    const end = addr + pages * this.#pageSize;
    let at = addr + size;
    let bad = -1;
    for (; at < end && at % 4 !== 0 && bad === -1; at++) {
      if (bus.read8(at) !== (RED_ACTIVE & 0xFF)) bad = at;
    }
    if (bad === -1) bad = firstBadByte(bus, at, (end - at) / 4, RED_ACTIVE);
    if (bad === -1) return "";
    return `red zone after large block ${hex32(addr)} (${size} bytes) overwritten at ${
      hex32(bad)
    } (${ownerText(bus.read32(page + PG_LARGE_OWNER))})`;
  }

  /** Frees a block; 0 (NULL) and ZERO_SIZE_PTR are accepted and do nothing. */
  free(addr: number): void {
    if (addr === 0 || addr === ZERO_SIZE_PTR) return;
    const slab = this.#slices.slabHolding(addr);
    if (slab !== 0) {
      this.#slices.freeFromSlab(this.#checkGeneric(this.#slices.slabPool(slab), addr), slab, addr);
      return;
    }
    const page = this.#pages.pageStarting(addr, "generic block");
    if (this.#debug) {
      // Reported, not repaired: the pages go back (and are poisoned) now.
      const pages = this.#pages.runWord(page, PageOwner.GENERIC) & RUN_PAGES_MASK;
      const found = this.#checkSlack(page, pages);
      if (found !== "") reportBug(this.#bus, this.#globals, `galloc: ${found}`);
    }
    const run = this.#pages.freeRun(page, PageOwner.GENERIC);
    const pages = run & RUN_PAGES_MASK;
    if (run & RUN_LAST_APART) this.#slices.takeBackTail(page + pages * PAGE_STRUCT_BYTES);
    add32(this.#bus, this.#globals + G_LARGE_LIVE, -1);
    add32(this.#bus, this.#globals + G_LARGE_PAGES, -pages);
  }

  /**
   * The usable size of a live block: its class size, or its run's bytes (with
   * the debug option: the bytes asked for, the rest being red zone).
   */
  size(addr: number): number {
    if (addr === ZERO_SIZE_PTR) return 0;
    try {
      const record = this.#generalPoolOf(addr);
      if (record !== 0) return this.#slices.liveSliceSize(record, addr);
      const page = this.#pages.pageStarting(addr, "generic block");
      const run = this.#pages.runWord(page, PageOwner.GENERIC);
      // With the debug option the slack after the block is its red zone.
      if (this.#debug) return this.#bus.read32(page + PG_LARGE_SIZE);
      const pages = run & RUN_PAGES_MASK;
      if ((run & RUN_LAST_APART) === 0) return this.#pageSize * pages;
      const tail = page + pages * PAGE_STRUCT_BYTES;
      return this.#pageSize * pages + this.#chunkBytes * this.#slices.heldChunks(tail);
    } catch (error) {
      // The checks are the free path's; a block already free is no double free here.
      if (!(error instanceof DoubleFreeError)) throw error;
      throw new InvalidFreeError(`${hex32(addr)} is not a live block: it is free`, addr);
    }
  }

  /** The class figures and the large-block figures, read from RAM. */
  stats(): GenericStats {
    const classes: GenericClassStats[] = [];
    ZONES.forEach((zone, z) =>
      CLASS_SIZES.forEach((size, c) => {
        const record = this.#classRecord(z, c);
        const allocs = read64(this.#bus, record + C_ALLOCS);
        const requested = read64(this.#bus, record + C_REQUESTED);
        const live = this.#slices.liveSlices(record);
        classes.push({
          size,
          zone: zone.name,
          allocs,
          requestedBytes: requested,
          allocatedBytes: allocs * size,
          liveBlocks: live,
          liveBytes: live * size,
        });
      })
    );
    const g = this.#globals;
    return {
      classes,
      large: {
        liveBlocks: this.#bus.read32(g + G_LARGE_LIVE),
        livePages: this.#bus.read32(g + G_LARGE_PAGES),
        allocs: read64(this.#bus, g + G_LARGE_ALLOCS),
        requestedBytes: read64(this.#bus, g + G_LARGE_REQUESTED),
      },
    };
  }

  /** Checks the large-block counters against the generic piles in mem_map. */
  audit(piles: { page: number; order: number; owner: number }[], problems: string[]): void {
    // A large block is a run of piles; only its first pile records the run's length.
    const ownPiles = piles.filter((p) => p.owner === PageOwner.GENERIC);
    const pages = ownPiles.reduce((n, p) => n + (1 << p.order), 0);
    const large = ownPiles.filter((p) => this.#bus.read32(p.page + PG_PRIVATE) !== 0);
    this.#auditTails(piles, large, problems);
    const live = this.#bus.read32(this.#globals + G_LARGE_LIVE);
    const livePages = this.#bus.read32(this.#globals + G_LARGE_PAGES);
    if (live !== large.length || livePages !== pages) {
      problems.push(
        `generic allocator: counters say ${live} large blocks of ${livePages} pages, ` +
          `mem_map holds ${large.length} of ${pages}`,
      );
    }
    if (this.#debug) {
      for (const { page } of large) {
        const found = this.#checkSlack(page, this.#bus.read32(page + PG_PRIVATE) & RUN_PAGES_MASK);
        if (found !== "") problems.push(`generic allocator: ${found}`);
      }
    }
  }

  /**
   * Checks that each large block whose last page was lent has that page as a
   * chunk page holding its end, and that each chunk page holding a block's
   * end is one's last page.
   */
  #auditTails(
    piles: { page: number; order: number; owner: number }[],
    large: { page: number }[],
    problems: string[],
  ): void {
    const bus = this.#bus;
    const tails = new Map<number, number>(); // a lent last page -> its block's first page
    for (const { page } of large) {
      const run = bus.read32(page + PG_PRIVATE);
      if (run & RUN_LAST_APART) tails.set(page + (run & RUN_PAGES_MASK) * PAGE_STRUCT_BYTES, page);
    }
    for (const { page, owner } of piles) {
      const chunkPage = owner === PageOwner.SLAB && (bus.read32(page + PG_FLAGS) & PG_SLAB_CHUNKS);
      if (!chunkPage || this.#slices.heldChunks(page) === 0) continue;
      if (!tails.delete(page)) {
        problems.push(
          `generic allocator: chunk page ${
            hex32(this.#pages.pageToAddr(page))
          } holds the end of no large block`,
        );
      }
    }
    for (const first of tails.values()) {
      problems.push(
        `generic allocator: large block ${
          hex32(this.#pages.pageToAddr(first))
        }: its last page holds none of its end`,
      );
    }
  }

  /**
   * The class pool holding `addr`, or 0 when `addr` is in no slab. Refused
   * when it is a slice of another pool: that one is freed with slice_free.
   */
  #generalPoolOf(addr: number): number {
    const record = this.#slices.poolOf(addr);
    return record === 0 ? 0 : this.#checkGeneric(record, addr);
  }

  /** `record`, the pool of a slab holding `addr`, refused unless it is a generic class. */
  #checkGeneric(record: number, addr: number): number {
    if (!this.#slices.hasFlags(record, POOL_GENERIC)) {
      const owner = this.#slices.hasFlags(record, POOL_INTERNAL)
        ? "the firmware's own pool"
        : "slice pool";
      throw new InvalidFreeError(
        `${hex32(addr)} is not a generic block: it is in ${owner} ${this.#slices.describe(record)}`,
        addr,
      );
    }
    return record;
  }

  #classRecord(zone: number, classIdx: number): number {
    return this.#globals + G_CLASS_POOLS + (zone * CLASS_SIZES.length + classIdx) * CLASS_BYTES;
  }
}
