/**
 * Record layouts of the original Koowaldah allocators' state in board RAM,
 * declared once. The records are the original C structures as a 32-bit
 * build lays them out (i386: 4-byte pointers and longs), so the struct page
 * array and the pool descriptors take the bytes they took there.
 *
 * RAM starts with the firmware's own area, which the page allocator never
 * hands out (the zone's "consumed" pages):
 * ```
 * RAM_BASE            struct page array: one per page of RAM, in index order
 *                     (the original puts it at zone->base, and so do we)
 * RAM_BASE + n * 32   kernel globals (GLOBALS_BYTES): what the original keeps
 *                     in its data section
 *                     0x00 mem_zone[ZONE_BOOT]: the zone record (ZONE_BYTES)
 *                     0x6C global_mem_info.zone_list: list of zones
 *                     0x74 boot_slice_swamp.slices: list of all slice pools
 *                     0x7C galloc_sp[9]: the generic allocator's pools
 *                     0xA0 id the next pool created gets (an addition)
 * ...up to the end of the last reserved page
 * ```
 *
 * klist0 node (LIST_NODE_BYTES = 8), the original's intrusive doubly linked
 * list; a list head is a node of its own, and an empty list is a head linked
 * to itself:
 * ```
 * 0x00 prev   0x04 next
 * ```
 *
 * struct page (PAGE_STRUCT_BYTES = 32):
 * ```
 * 0x00 index           the page's index in its zone
 * 0x04 virt            mem_area's virtual address; NOPAGE_ADDR here
 * 0x08 list            klist0 node: on a free list, or on a pool's page list
 * 0x10 area_list       klist0 node for mem_area's page lists; always empty here
 * 0x18 private.order   bits 0-7: order of the pile the page heads;
 *                      bits 8-15: owner tag (PageOwner), an addition
 * 0x1C zone            the zone record
 * ```
 * Invariant: a pile's first page is its head and its order field is the
 * pile's order. Nothing marks a pile free: a pile is free when its head is on
 * the free list of its order. The owner tag is written with the order when a
 * pile is handed out (the same store), and only pictures and the audit read it.
 *
 * mem_zone (ZONE_BYTES = 0x6C):
 * ```
 * 0x00 base   0x04 total_pages   0x08 free_pages
 * 0x0C alloc_levels[MAX_ORDER]: klist0 heads, 8 bytes each; level n lists
 *      the free piles of 2^n pages, linked through their heads' list nodes
 * 0x64 list: klist0 node on global_mem_info.zone_list
 * ```
 *
 * slice pool descriptor, at the start of a page of its own:
 * ```
 * 0x00 slice_list       klist0 node on boot_slice_swamp.slices
 * 0x08 pages_active     klist0 head: slab pages with a free slice
 * 0x10 pages_inactive   klist0 head: slab pages with none
 * 0x18 obj_size         bytes per slice (the size asked for, rounded up to 4)
 * 0x1C flags            as given to slice_pool_create
 * — additions, in the page's room the original leaves unused:
 * 0x20 id   0x24 object size asked for
 * 0x28 name: up to 32 bytes of ASCII, NUL-padded
 * ```
 *
 * slab page (one page, from alloc_page):
 * ```
 * 0x000              slice 0, slice 1, ... obj_size bytes apart
 * PAGE_SIZE - B      the in-use bitmap, B = bitmapBytes(PAGE_SIZE / obj_size):
 *                    bit k (word k / 32, bit k % 32) set when slice k is in use
 *                    or sacrificed to the bitmap
 * ```
 * Invariant: the slices that overlap the bitmap are sacrificed: their bits
 * stay set, so they are never handed out.
 *
 * galloc chunk header (CHUNK_HEADER_BYTES = 4), just before the address galloc returns:
 * ```
 * 0x00 origin (u8): ORIGIN_SLICE or ORIGIN_PAGES   0x01 unused (u8)
 * 0x02 info (u16): the pool's index in galloc_sp, or the pile's order
 * ```
 * @module
 */

/** Free lists: orders 0..MAX_ORDER - 1, so the largest pile is 1024 pages. */
export const MAX_ORDER = 11;
/** The page size the firmware is built for. */
export const PAGE_SIZE = 4096;
/** log2(PAGE_SIZE). */
export const PAGE_SHIFT = 12;
/** mem_area's "no virtual address" value. */
export const NOPAGE_ADDR = 0xFFFF_FFFF;

/** Size of a klist0 node. */
export const LIST_NODE_BYTES = 8;
/** klist0 node: previous node. */
export const L_PREV = 0x00;
/** klist0 node: next node. */
export const L_NEXT = 0x04;

/** Size of a struct page. */
export const PAGE_STRUCT_BYTES = 32;
/** struct page: index in the zone. */
export const PG_INDEX = 0x00;
/** struct page: mem_area's virtual address (NOPAGE_ADDR: nothing maps pages here). */
export const PG_VIRT = 0x04;
/** struct page: node on a free list or a pool's page list. */
export const PG_LIST = 0x08;
/** struct page: node on a mem_area page list. */
export const PG_AREA_LIST = 0x10;
/** struct page: order (bits 0-7) and owner tag (bits 8-15). */
export const PG_ORDER = 0x18;
/** struct page: its zone record. */
export const PG_ZONE = 0x1C;
/** Mask of the order bits of PG_ORDER. */
export const ORDER_MASK = 0xFF;
/** Shift of the owner tag in PG_ORDER. */
export const OWNER_SHIFT = 8;

/** Who a pile was handed out to, as the owner tag records it. */
export const PageOwner = {
  /** Nobody: a pile split off or laid out at boot, never handed out. */
  NONE: 0,
  /** A caller of alloc_pages. */
  PAGES: 1,
  /** A slab page of a slice pool. */
  SLAB: 2,
  /** A slice pool's descriptor page. */
  DESCRIPTOR: 3,
  /** A galloc chunk too large for the pools. */
  GALLOC: 4,
} as const;

/** Size of the zone record. */
export const ZONE_BYTES = 0x6C;
/** zone: address of page 0 (and of the struct page array). */
export const Z_BASE = 0x00;
/** zone: pages in the zone, the consumed ones included. */
export const Z_TOTAL_PAGES = 0x04;
/** zone: free pages (the original sets it at boot only; kept current here). */
export const Z_FREE_PAGES = 0x08;
/** zone: alloc_levels[0]; level n at Z_ALLOC_LEVELS + n * LIST_NODE_BYTES. */
export const Z_ALLOC_LEVELS = 0x0C;
/** zone: node on the list of zones. */
export const Z_LIST = 0x64;

/** Bytes of the kernel globals after the struct page array. */
export const GLOBALS_BYTES = 0xA4;
/** globals: the zone record. */
export const G_ZONE = 0x00;
/** globals: head of the list of zones. */
export const G_ZONE_LIST = 0x6C;
/** globals: head of the list of all slice pools. */
export const G_POOLS = 0x74;
/** globals: galloc_sp[0..8], the generic allocator's pool descriptors. */
export const G_GALLOC_POOLS = 0x7C;
/** globals: the id the next pool gets. */
export const G_NEXT_POOL_ID = 0xA0;

/** pool: node on the list of all pools. */
export const P_SLICE_LIST = 0x00;
/** pool: head of the list of slab pages with a free slice. */
export const P_ACTIVE = 0x08;
/** pool: head of the list of full slab pages. */
export const P_INACTIVE = 0x10;
/** pool: bytes per slice. */
export const P_OBJ_SIZE = 0x18;
/** pool: flags given at creation. */
export const P_FLAGS = 0x1C;
/** pool: id (addition). */
export const P_ID = 0x20;
/** pool: object size asked for (addition). */
export const P_REQUESTED = 0x24;
/** pool: name, NUL-padded ASCII (addition). */
export const P_NAME = 0x28;
/** Longest pool name kept, in bytes. */
export const POOL_NAME_BYTES = 32;
/**
 * Largest object slice_pool_create takes: PAGE_SIZE / 2 - sizeof(unsigned
 * long), so that two slices and a bitmap word fit in a page.
 */
export const MAX_SLICE_OBJ_SIZE = PAGE_SIZE / 2 - 4;

/** Bits per bitmap word (an unsigned long). */
export const BITS_PER_LONG = 32;

/**
 * The bytes of a bitmap of `bits` bits: whole 32-bit words (BITMAP_SIZE).
 * @param bits bits it holds
 * @returns its size in bytes
 */
export function bitmapBytes(bits: number): number {
  return Math.ceil(bits / BITS_PER_LONG) * 4;
}

/** How slices of one size sit in a one-page slab. */
export interface SlabGeometry {
  /** Bytes per slice. */
  readonly slotSize: number;
  /** PAGE_SIZE / slotSize: the slices a page could hold, and the bitmap's bits. */
  readonly perPage: number;
  /** Of those, the slices handed out: the rest overlap the bitmap. */
  readonly usable: number;
  /** Offset of the bitmap in the page. */
  readonly bitmapOffset: number;
}

/**
 * Where the slices and the bitmap of a slab of `slotSize`-byte slices go:
 * the bitmap takes the page's last bitmapBytes(perPage) bytes, and when the
 * tail gap after the last slice is smaller, the slices it overlaps are given up.
 * @param slotSize bytes per slice
 * @returns the slab's geometry
 */
export function slabGeometry(slotSize: number): SlabGeometry {
  const perPage = Math.floor(PAGE_SIZE / slotSize);
  const bitmap = bitmapBytes(perPage);
  const overlap = Math.max(0, bitmap - (PAGE_SIZE - perPage * slotSize));
  return {
    slotSize,
    perPage,
    usable: perPage - Math.ceil(overlap / slotSize),
    bitmapOffset: PAGE_SIZE - bitmap,
  };
}

/** The generic allocator's pools: payloads of 4 << i bytes, i = 0..8. */
export const GALLOC_POOLS = 9;
/** The smallest galloc chunk, and the granule sizes are rounded up to. */
export const GALLOC_MIN_CHUNK = 4;
/** Bytes of the header before every galloc chunk. */
export const CHUNK_HEADER_BYTES = 4;
/** chunk header: origin byte. */
export const CI_ORIGIN = 0x00;
/** chunk header: info half-word. */
export const CI_INFO = 0x02;
/** origin of a chunk from a slice pool. */
export const ORIGIN_SLICE = 0;
/** origin of a chunk from the page allocator. */
export const ORIGIN_PAGES = 1;

/** Boot-time constants the allocators work from (held in registers). */
export interface KoowaldahLayout {
  /** Physical address of the first RAM byte: the zone's base. */
  readonly ramBase: number;
  /** Pages of RAM, all in the one zone. */
  readonly nrPages: number;
  /** Pages at the start of RAM holding the struct page array and the globals. */
  readonly reservedPages: number;
  /** Address of the kernel globals. */
  readonly globals: number;
  /** Address of the zone record. */
  readonly zone: number;
}

/**
 * Lays the firmware's area out for `nrPages` pages of RAM at `ramBase`.
 * @param ramBase the first RAM byte
 * @param nrPages pages of RAM
 * @returns the layout
 */
export function planLayout(ramBase: number, nrPages: number): KoowaldahLayout {
  const globals = ramBase + nrPages * PAGE_STRUCT_BYTES;
  const firmwareBytes = nrPages * PAGE_STRUCT_BYTES + GLOBALS_BYTES;
  return {
    ramBase,
    nrPages,
    reservedPages: Math.ceil(firmwareBytes / PAGE_SIZE),
    globals,
    zone: globals + G_ZONE,
  };
}

/**
 * The address of the free list head of `order` in a zone record.
 * @param zone the zone record
 * @param order 0..MAX_ORDER - 1
 * @returns the list head's address
 */
export function allocLevel(zone: number, order: number): number {
  return zone + Z_ALLOC_LEVELS + order * LIST_NODE_BYTES;
}

/**
 * The original's idx_order: how many times a page index is divisible by
 * two, at most MAX_ORDER - 1 (so index 0 counts as aligned to every order).
 * @param index a page index
 * @returns the largest order a pile starting there can have
 */
export function idxOrder(index: number): number {
  let order = 0;
  while ((index & 1) === 0 && order < MAX_ORDER - 1) {
    order++;
    index >>>= 1;
  }
  return order;
}
