/**
 * The virtual memory allocator: virtually contiguous areas built from
 * physically scattered pages, mapped through the MMU's page tables.
 *
 * The window of virtual addresses starts at VM_WINDOW_BASE and holds a power
 * of two of pages (at least twice the RAM's, at most 65,536). Its vmap-area
 * allocator is an implicit binary tree with a byte per node: the largest free
 * order within the node's block of the window, plus one (0: nothing free).
 * An area of n pages takes the first free block of 2^k >= n + 1 pages (the
 * last page at least is an unmapped guard): finding it walks one path from
 * the root, freeing it walks back up, so both cost O(log window pages) bus
 * accesses — at most 16 levels — however many areas are live. Blocks are
 * powers of two of *virtual* pages; the physical pages behind an area are
 * exactly the ones it needs, taken one at a time from the page allocator.
 *
 * The tree (two bytes per window page, up to 32 pages) is taken at the first
 * vmalloc as single pages, wherever they lie, and their addresses are listed
 * in the VM globals: vmalloc exists for scattered memory, so it must not need
 * a run of contiguous pages to start, first call or not. Node n's byte is
 * byte n mod page size of the (n / page size)th listed page. A node's two
 * children share a page, so a walk reads at most one list entry per level
 * below the first page, and stays O(log window pages).
 *
 * Each backing page's struct page points to its area record, so `vfree`
 * finds the area from the address's page-table entry in O(1). Page tables
 * come from the page allocator and go back when they map nothing; each
 * counts its mappings in its struct page. Everything vmalloc takes is a
 * single page: the tree's pages, the page directory, page tables, backing
 * pages, and the slabs of area records (48-byte records fit an order-0 slab).
 * The tree and the page directory are taken at the first vmalloc and given
 * back by `shrink` when no area is live.
 * @module
 */

import type { Board } from "../../hw/board.ts";
import { formatAddress, hex32 } from "../../hw/hex.ts";
import { MMU_BASE } from "../../hw/memory_map.ts";
import {
  MMU_CONTROL,
  MMU_ENABLE,
  MMU_PT_BASE,
  MMU_TLB_FLUSH_PAGE,
  PTE_FRAME_MASK,
  PTE_PRESENT,
  PTE_WRITABLE,
} from "../../hw/mmu.ts";
import { readAscii, writeAscii } from "../ascii_field.ts";
import { add32 } from "../counters.ts";
import { InvalidAddressError, InvalidArgumentError, InvalidFreeError } from "../errors.ts";
import { GFP_KERNEL, GFP_ZERO } from "../gfp.ts";
import {
  flagsOwner,
  flagsState,
  G_VM,
  G_VMAP_POOL,
  PageOwner,
  PageState,
  PG_FLAGS,
  PG_PRIVATE,
  POOL_INTERNAL,
  VA_CALLER,
  VA_CALLER_BYTES,
  VA_MAGIC,
  VA_NEXT,
  VA_ORDER,
  VA_PAGES,
  VA_PREV,
  VA_SIZE,
  VA_START,
  VM_AREA_BYTES,
  VM_AREA_MAGIC,
  VM_AREAS,
  VM_DIRECTORY,
  VM_MAPPED_PAGES,
  VM_NR_AREAS,
  VM_RESERVED_PAGES,
  VM_TABLE_PAGES,
  VM_TREE_PAGE_LIST,
  VM_TREE_PAGES,
  VM_WINDOW_PAGES,
  VM_WINDOW_START,
} from "./layout.ts";
import type { PageAllocator } from "./page_alloc.ts";
import type { SliceAllocator } from "./slice_alloc.ts";
import type { VmArea, VmStats } from "../firmware.ts";

/** First virtual address of the vmalloc window. */
export const VM_WINDOW_BASE = 0xC000_0000;
/** Fewest pages a window has. */
const MIN_WINDOW_PAGES = 64;
/** Most pages a window has: 256 MiB. */
const MAX_WINDOW_PAGES = 65536;

/** The virtual memory allocator. Internal: the Kernel exposes it as vmalloc/vfree. */
export class VmAllocator {
  readonly #bus: Board;
  readonly #pages: PageAllocator;
  readonly #slices: SliceAllocator;
  readonly #vm: number;
  readonly #pool: number;
  readonly #pageSize: number;
  /** log2 of the page size: node n's byte is on tree page n >> pageShift. */
  readonly #pageShift: number;
  /** log2 of the window's pages: the tree's height. */
  readonly #levels: number;
  /** Pages the tree takes: 2^(levels + 1) bytes, at most 32 (the list in the globals holds 32). */
  readonly #treePages: number;

  /**
   * @param bus the board
   * @param pages the page allocator backing pages and tables come from
   * @param slices the slice allocator area records come from
   * @param globals address of the kernel globals
   */
  constructor(bus: Board, pages: PageAllocator, slices: SliceAllocator, globals: number) {
    this.#bus = bus;
    this.#pages = pages;
    this.#slices = slices;
    this.#vm = globals + G_VM;
    this.#pool = globals + G_VMAP_POOL;
    this.#pageSize = pages.layout.pageSize;
    this.#pageShift = Math.log2(this.#pageSize);
    let windowPages = MIN_WINDOW_PAGES;
    while (windowPages < 2 * pages.layout.nrPages && windowPages < MAX_WINDOW_PAGES) {
      windowPages *= 2;
    }
    this.#levels = Math.log2(windowPages);
    this.#treePages = Math.ceil((2 << this.#levels) / this.#pageSize);
  }

  /** Boot: the window's bounds, no tree yet, and the pool for area records. */
  format(): void {
    const bus = this.#bus;
    bus.write32(this.#vm + VM_WINDOW_START, VM_WINDOW_BASE);
    bus.write32(this.#vm + VM_WINDOW_PAGES, 1 << this.#levels);
    const fields = [
      VM_TREE_PAGES,
      VM_DIRECTORY,
      VM_AREAS,
      VM_NR_AREAS,
      VM_MAPPED_PAGES,
      VM_TABLE_PAGES,
      VM_RESERVED_PAGES,
    ];
    for (const field of fields) bus.write32(this.#vm + field, 0);
    this.#slices.initPool(this.#pool, 0, VM_AREA_BYTES, "vmap-area", POOL_INTERNAL);
  }

  /**
   * Maps `size` bytes of scattered pages at consecutive virtual addresses.
   * @returns the area's start, or 0 when memory or window space is short
   *   (everything taken is given back first); 0 also for size 0
   */
  alloc(size: number, caller: string): number {
    if (!Number.isInteger(size) || size < 0) {
      throw new InvalidArgumentError(`size ${size} is not a byte count`);
    }
    const pages = Math.ceil(size / this.#pageSize);
    if (pages === 0 || pages + 1 > 1 << this.#levels || !this.#setUp()) return 0;
    const record = this.#slices.allocFrom(this.#pool);
    if (record === 0) return 0;
    const order = Math.ceil(Math.log2(pages + 1));
    const block = this.#treeAlloc(order);
    if (block < 0) {
      this.#slices.freeTo(this.#pool, record);
      return 0;
    }
    const start = VM_WINDOW_BASE + block * this.#pageSize;
    for (let i = 0; i < pages; i++) {
      if (!this.#mapNewPage(start + i * this.#pageSize, record)) {
        this.#unmapRange(start, i);
        this.#treeFree(block, order);
        this.#slices.freeTo(this.#pool, record);
        return 0;
      }
    }
    const bus = this.#bus;
    bus.write32(record + VA_MAGIC, (VM_AREA_MAGIC ^ record) >>> 0);
    bus.write32(record + VA_START, start);
    bus.write32(record + VA_SIZE, size);
    bus.write32(record + VA_PAGES, pages);
    bus.write32(record + VA_ORDER, order);
    writeAscii(bus, record + VA_CALLER, VA_CALLER_BYTES, caller);
    const head = bus.read32(this.#vm + VM_AREAS);
    bus.write32(record + VA_NEXT, head);
    bus.write32(record + VA_PREV, 0);
    if (head !== 0) bus.write32(head + VA_PREV, record);
    bus.write32(this.#vm + VM_AREAS, record);
    add32(this.#bus, this.#vm + VM_NR_AREAS, 1);
    add32(this.#bus, this.#vm + VM_RESERVED_PAGES, 1 << order);
    return start;
  }

  /**
   * Unmaps an area, flushes its pages from the TLB, and gives every page back.
   * Refused, changing nothing, unless `vaddr` starts a live area.
   */
  free(vaddr: number): void {
    const record = this.#areaAt(vaddr);
    const bus = this.#bus;
    const pages = bus.read32(record + VA_PAGES);
    const order = bus.read32(record + VA_ORDER);
    this.#unmapRange(vaddr, pages);
    this.#treeFree((vaddr - VM_WINDOW_BASE) / this.#pageSize, order);
    const next = bus.read32(record + VA_NEXT);
    const prev = bus.read32(record + VA_PREV);
    if (prev !== 0) bus.write32(prev + VA_NEXT, next);
    else bus.write32(this.#vm + VM_AREAS, next);
    if (next !== 0) bus.write32(next + VA_PREV, prev);
    bus.write32(record + VA_MAGIC, 0);
    this.#slices.freeTo(this.#pool, record);
    add32(this.#bus, this.#vm + VM_NR_AREAS, -1);
    add32(this.#bus, this.#vm + VM_RESERVED_PAGES, -(1 << order));
  }

  /**
   * Gives back, when no area is live, the tree and the page directory (the
   * MMU is turned off).
   * @returns the pages given back
   */
  shrink(): number {
    const bus = this.#bus;
    let freed = 0;
    const treePages = bus.read32(this.#vm + VM_TREE_PAGES);
    if (treePages === 0 || bus.read32(this.#vm + VM_NR_AREAS) !== 0) return freed;
    bus.write32(MMU_BASE + MMU_CONTROL, 0);
    this.#freeTreePages(treePages);
    this.#pages.free(
      this.#pages.addrToPage(bus.read32(this.#vm + VM_DIRECTORY)),
      PageOwner.PAGETABLE,
    );
    bus.write32(this.#vm + VM_TREE_PAGES, 0);
    bus.write32(this.#vm + VM_DIRECTORY, 0);
    add32(this.#bus, this.#vm + VM_TABLE_PAGES, -1);
    freed += treePages + 1;
    return freed;
  }

  /** The window, its use, and the live areas, read from RAM. */
  stats(): VmStats {
    const bus = this.#bus;
    const areas: VmArea[] = [];
    for (let r = bus.read32(this.#vm + VM_AREAS); r !== 0; r = bus.read32(r + VA_NEXT)) {
      const start = bus.read32(r + VA_START);
      const pages = bus.read32(r + VA_PAGES);
      areas.push({
        start,
        end: start + pages * this.#pageSize,
        size: bus.read32(r + VA_SIZE),
        pages,
        caller: readAscii(bus, r + VA_CALLER, VA_CALLER_BYTES),
      });
    }
    const windowPages = bus.read32(this.#vm + VM_WINDOW_PAGES);
    return {
      window: {
        start: VM_WINDOW_BASE,
        end: VM_WINDOW_BASE + windowPages * this.#pageSize,
        bytes: windowPages * this.#pageSize,
      },
      reservedBytes: bus.read32(this.#vm + VM_RESERVED_PAGES) * this.#pageSize,
      mappedPages: bus.read32(this.#vm + VM_MAPPED_PAGES),
      pageTablePages: bus.read32(this.#vm + VM_TABLE_PAGES),
      treePages: bus.read32(this.#vm + VM_TREE_PAGES),
      areas,
    };
  }

  /**
   * Checks the tree's pages are held as such, and every live area against
   * the page tables and the tree: its pages mapped to VMALLOC pages that
   * point back to it, its guard unmapped, its block taken in the tree; and
   * the counters against what the areas hold.
   */
  audit(problems: string[]): void {
    const bus = this.#bus;
    const treePages = bus.read32(this.#vm + VM_TREE_PAGES);
    if (treePages === 0) return;
    if (treePages !== this.#treePages) {
      problems.push(`vm: the tree holds ${treePages} pages, its window needs ${this.#treePages}`);
      return;
    }
    const { ramBase, nrPages } = this.#pages.layout;
    for (let i = 0; i < treePages; i++) {
      const addr = bus.read32(this.#vm + VM_TREE_PAGE_LIST + i * 4);
      const index = (addr - ramBase) / this.#pageSize;
      const inRam = Number.isInteger(index) && index >= 0 && index < nrPages;
      const flags = inRam ? bus.read32(this.#pages.addrToPage(addr) + PG_FLAGS) : 0;
      if (
        flagsState(flags) !== PageState.ALLOCATED || flagsOwner(flags) !== PageOwner.VMAP_TREE
      ) {
        problems.push(`vm: tree page ${i} at ${hex32(addr)} is not a page held for the tree`);
        return;
      }
    }
    let mapped = 0;
    let reserved = 0;
    let areas = 0;
    for (let r = bus.read32(this.#vm + VM_AREAS); r !== 0; r = bus.read32(r + VA_NEXT)) {
      if (++areas > (1 << this.#levels)) {
        problems.push("vm: the list of live areas loops");
        return;
      }
      const start = bus.read32(r + VA_START);
      const pages = bus.read32(r + VA_PAGES);
      const where = `vm area ${hex32(start)}`;
      if (bus.read32(r + VA_MAGIC) !== ((VM_AREA_MAGIC ^ r) >>> 0)) {
        problems.push(`${where}: bad magic`);
      }
      for (let i = 0; i < pages; i++) {
        const pte = this.#pte(start + i * this.#pageSize);
        const page = pte & PTE_PRESENT ? this.#pages.addrToPage(pte & PTE_FRAME_MASK) : 0;
        if (page === 0 || flagsOwner(bus.read32(page + PG_FLAGS)) !== PageOwner.VMALLOC) {
          problems.push(`${where}: page ${i} is not mapped to a vmalloc page`);
        } else if (bus.read32(page + PG_PRIVATE) !== r) {
          problems.push(`${where}: page ${i}'s struct page points to another area`);
        }
      }
      if (this.#pte(start + pages * this.#pageSize) & PTE_PRESENT) {
        problems.push(`${where}: its guard page is mapped`);
      }
      mapped += pages;
      reserved += 1 << bus.read32(r + VA_ORDER);
    }
    if (areas !== bus.read32(this.#vm + VM_NR_AREAS)) {
      problems.push(
        `vm: ${areas} areas listed, the count says ${bus.read32(this.#vm + VM_NR_AREAS)}`,
      );
    }
    if (mapped !== bus.read32(this.#vm + VM_MAPPED_PAGES)) {
      problems.push(
        `vm: areas map ${mapped} pages, the count says ${bus.read32(this.#vm + VM_MAPPED_PAGES)}`,
      );
    }
    if (reserved !== bus.read32(this.#vm + VM_RESERVED_PAGES)) {
      problems.push(
        `vm: areas reserve ${reserved} window pages, the count says ${
          bus.read32(this.#vm + VM_RESERVED_PAGES)
        }`,
      );
    }
    const root = bus.read8(this.#treePage(1) + 1);
    if (reserved === 0 && root !== this.#levels + 1) {
      problems.push(`vm: no area is live, but the tree's root says the window is not all free`);
    }
  }

  /** The record of the live area starting at `vaddr`; refused otherwise. */
  #areaAt(vaddr: number): number {
    const bus = this.#bus;
    const windowEnd = VM_WINDOW_BASE + (1 << this.#levels) * this.#pageSize;
    if (!Number.isInteger(vaddr) || vaddr < VM_WINDOW_BASE || vaddr >= windowEnd) {
      throw new InvalidAddressError(
        `${formatAddress(vaddr)} ` +
          `is outside the vmalloc window ${hex32(VM_WINDOW_BASE)}-${hex32(windowEnd - 1)}`,
        vaddr,
      );
    }
    const pte = bus.read32(this.#vm + VM_TREE_PAGES) === 0 ? 0 : this.#pte(vaddr);
    const page = pte & PTE_PRESENT ? this.#pages.addrToPage(pte & PTE_FRAME_MASK) : 0;
    const flags = page === 0 ? 0 : bus.read32(page + PG_FLAGS);
    if (
      page === 0 || flagsOwner(flags) !== PageOwner.VMALLOC ||
      flagsState(flags) !== PageState.ALLOCATED
    ) {
      throw new InvalidFreeError(`no live vmalloc area starts at ${hex32(vaddr)}`, vaddr);
    }
    const record = bus.read32(page + PG_PRIVATE);
    const start = bus.read32(record + VA_START);
    if (start !== vaddr) {
      throw new InvalidFreeError(
        `${hex32(vaddr)} does not start a vmalloc area: it lies inside the area at ${hex32(start)}`,
        vaddr,
      );
    }
    return record;
  }

  /**
   * Takes the tree and the page directory at the first use, all or nothing;
   * false when memory is short. Every page taken is a single page, so
   * scattered free pages do.
   */
  #setUp(): boolean {
    const bus = this.#bus;
    if (bus.read32(this.#vm + VM_TREE_PAGES) !== 0) return true;
    const list = this.#vm + VM_TREE_PAGE_LIST;
    for (let i = 0; i < this.#treePages; i++) {
      const page = this.#pages.alloc(GFP_KERNEL, 0, PageOwner.VMAP_TREE);
      if (page === 0) {
        this.#freeTreePages(i);
        return false;
      }
      bus.write32(list + i * 4, this.#pages.pageToAddr(page));
    }
    const directory = this.#pages.alloc(GFP_KERNEL | GFP_ZERO, 0, PageOwner.PAGETABLE);
    if (directory === 0) {
      this.#freeTreePages(this.#treePages);
      return false;
    }
    const directoryAddr = this.#pages.pageToAddr(directory);
    // Every node starts free: a node at depth d has its whole block, order
    // levels - d. A depth's nodes fill part of the first page, or whole pages.
    const mask = this.#pageSize - 1;
    for (let depth = 0; depth <= this.#levels; depth++) {
      const value = this.#levels - depth + 1;
      const word = (value * 0x0101_0101) >>> 0;
      const end = 2 << depth;
      for (let node = 1 << depth; node < end;) {
        const page = this.#treePage(node);
        const pageEnd = Math.min(end, node - (node & mask) + this.#pageSize);
        for (; node < pageEnd && node % 4 !== 0; node++) bus.write8(page + (node & mask), value);
        for (; node + 4 <= pageEnd; node += 4) bus.write32(page + (node & mask), word);
        for (; node < pageEnd; node++) bus.write8(page + (node & mask), value);
      }
    }
    bus.write32(this.#vm + VM_TREE_PAGES, this.#treePages);
    bus.write32(this.#vm + VM_DIRECTORY, directoryAddr);
    add32(this.#bus, this.#vm + VM_TABLE_PAGES, 1);
    bus.write32(MMU_BASE + MMU_PT_BASE, directoryAddr);
    bus.write32(MMU_BASE + MMU_CONTROL, MMU_ENABLE);
    return true;
  }

  /** Gives back the first `count` pages on the tree's page list. */
  #freeTreePages(count: number): void {
    for (let i = 0; i < count; i++) {
      const addr = this.#bus.read32(this.#vm + VM_TREE_PAGE_LIST + i * 4);
      this.#pages.free(this.#pages.addrToPage(addr), PageOwner.VMAP_TREE);
    }
  }

  /**
   * The address of the tree page that holds node `node`'s byte (at offset
   * node mod page size). Nodes 2n and 2n + 1 are on the same page.
   */
  #treePage(node: number): number {
    return this.#bus.read32(this.#vm + VM_TREE_PAGE_LIST + (node >> this.#pageShift) * 4);
  }

  /** Takes the first free block of 2^order pages; returns its first page index, or -1. */
  #treeAlloc(order: number): number {
    const bus = this.#bus;
    const mask = this.#pageSize - 1;
    const rootPage = this.#treePage(1);
    const want = order + 1;
    if (bus.read8(rootPage + 1) < want) return -1;
    let node = 1;
    let page = rootPage;
    for (let level = this.#levels; level > order; level--) {
      node *= 2;
      // Past the root's page, each level's nodes are on pages of their own.
      if (node >= this.#pageSize) page = this.#treePage(node);
      if (bus.read8(page + (node & mask)) < want) node++;
    }
    bus.write8(page + (node & mask), 0);
    this.#treeUpdateUp(rootPage, page, node, order);
    return (node - (1 << (this.#levels - order))) << order;
  }

  /** Gives back the block of 2^order pages at page index `first`. */
  #treeFree(first: number, order: number): void {
    const node = (1 << (this.#levels - order)) + (first >> order);
    const rootPage = this.#treePage(1);
    const page = node < this.#pageSize ? rootPage : this.#treePage(node);
    this.#bus.write8(page + (node & (this.#pageSize - 1)), order + 1);
    this.#treeUpdateUp(rootPage, page, node, order);
  }

  /**
   * Recomputes the ancestors of `node` (a block of order `order`), whose byte
   * is on tree page `page`; `rootPage` is the tree's first page, the root's.
   * A parent whose halves are both wholly free is wholly free, else it has
   * the larger of their free orders.
   */
  #treeUpdateUp(rootPage: number, page: number, node: number, order: number): void {
    const bus = this.#bus;
    const mask = this.#pageSize - 1;
    for (let n = node >> 1, o = order + 1; n >= 1; n >>= 1, o++) {
      // `page` holds both halves of n; n itself is on the root's page or on its own.
      const left = bus.read8(page + ((2 * n) & mask));
      const right = bus.read8(page + ((2 * n) & mask) + 1);
      page = n < this.#pageSize ? rootPage : this.#treePage(n);
      bus.write8(page + (n & mask), left === o && right === o ? o + 1 : Math.max(left, right));
    }
  }

  /** Takes a page and maps it at `vaddr` for area `record`; false when memory is short. */
  #mapNewPage(vaddr: number, record: number): boolean {
    const bus = this.#bus;
    const pdeAddr = bus.read32(this.#vm + VM_DIRECTORY) + (vaddr >>> 22) * 4;
    let pde = bus.read32(pdeAddr);
    if ((pde & PTE_PRESENT) === 0) {
      const table = this.#pages.alloc(GFP_KERNEL | GFP_ZERO, 0, PageOwner.PAGETABLE);
      if (table === 0) return false;
      bus.write32(table + PG_PRIVATE, 0);
      pde = (this.#pages.pageToAddr(table) | PTE_PRESENT | PTE_WRITABLE) >>> 0;
      bus.write32(pdeAddr, pde);
      add32(this.#bus, this.#vm + VM_TABLE_PAGES, 1);
    }
    const page = this.#pages.alloc(GFP_KERNEL, 0, PageOwner.VMALLOC);
    if (page === 0) {
      this.#releaseTableIfEmpty(pdeAddr, pde);
      return false;
    }
    bus.write32(page + PG_PRIVATE, record);
    const table = this.#pages.addrToPage(pde & PTE_FRAME_MASK);
    bus.write32(
      (pde & PTE_FRAME_MASK) + ((vaddr >>> 12) & 0x3FF) * 4,
      (this.#pages.pageToAddr(page) | PTE_PRESENT | PTE_WRITABLE) >>> 0,
    );
    bus.write32(table + PG_PRIVATE, bus.read32(table + PG_PRIVATE) + 1);
    add32(this.#bus, this.#vm + VM_MAPPED_PAGES, 1);
    return true;
  }

  /** Unmaps `pages` pages from `start`, flushing each from the TLB and freeing it. */
  #unmapRange(start: number, pages: number): void {
    const bus = this.#bus;
    const directory = bus.read32(this.#vm + VM_DIRECTORY);
    for (let i = 0; i < pages; i++) {
      const vaddr = start + i * this.#pageSize;
      const pdeAddr = directory + (vaddr >>> 22) * 4;
      const pde = bus.read32(pdeAddr);
      const pteAddr = (pde & PTE_FRAME_MASK) + ((vaddr >>> 12) & 0x3FF) * 4;
      const frame = bus.read32(pteAddr) & PTE_FRAME_MASK;
      bus.write32(pteAddr, 0);
      bus.write32(MMU_BASE + MMU_TLB_FLUSH_PAGE, vaddr);
      this.#pages.free(this.#pages.addrToPage(frame), PageOwner.VMALLOC);
      add32(this.#bus, this.#vm + VM_MAPPED_PAGES, -1);
      const table = this.#pages.addrToPage(pde & PTE_FRAME_MASK);
      bus.write32(table + PG_PRIVATE, bus.read32(table + PG_PRIVATE) - 1);
      this.#releaseTableIfEmpty(pdeAddr, pde);
    }
  }

  /** Gives a page table back when it maps nothing. */
  #releaseTableIfEmpty(pdeAddr: number, pde: number): void {
    const table = this.#pages.addrToPage(pde & PTE_FRAME_MASK);
    if (this.#bus.read32(table + PG_PRIVATE) !== 0) return;
    this.#bus.write32(pdeAddr, 0);
    this.#pages.free(table, PageOwner.PAGETABLE);
    add32(this.#bus, this.#vm + VM_TABLE_PAGES, -1);
  }

  /** The page-table entry of `vaddr`, or 0 when no table covers it. */
  #pte(vaddr: number): number {
    const bus = this.#bus;
    const pde = bus.read32(bus.read32(this.#vm + VM_DIRECTORY) + (vaddr >>> 22) * 4);
    if ((pde & PTE_PRESENT) === 0) return 0;
    return bus.read32((pde & PTE_FRAME_MASK) + ((vaddr >>> 12) & 0x3FF) * 4);
  }
}
