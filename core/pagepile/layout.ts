/**
 * Record layouts of the firmware's state in board RAM, declared once.
 *
 * RAM starts with the firmware's own area, which the page allocator never
 * hands out:
 * ```
 * RAM_BASE + 0x000   kernel globals (GLOBALS_BYTES)
 *                     0x00 magic "PPK1"    0x04 ram base    0x08 ram size
 *                     0x0C page size       0x10 nr_pages    0x14 mem_map
 *                     0x18 reserved pages  0x1C nr_zones
 *                     0x20 zone records, ZONE_BYTES each
 *                     0xF0 first pool on the list of all pools
 *                     0xF4 next pool id
 *                     0x100 generic allocator's large blocks: live blocks,
 *                           live pages, allocations (64-bit), requested bytes (64-bit)
 *                     0x118 debug reports
 *                     0x120 chunk pages with a free chunk: for GFP_KERNEL pools, for GFP_DMA
 *                     0x128 lent chunk pages with a free chunk (large blocks' last pages), the same
 *                     0x140 the pool of pools (a pool record)
 *                     0x200 the generic allocator's class records (CLASS_BYTES each:
 *                           a pool record, then the class's counters)
 *                     0x2200 the vmap-area pool (a pool record)
 *                     0x2280 the virtual memory allocator's globals (VM_*)
 *                     0x2C00 each zone's lists of hot piles (HOT_ZONE_BYTES each)
 * RAM_BASE + GLOBALS_BYTES
 *                     mem_map: one struct page per page of RAM, in pfn order
 * ...up to the end of the last reserved page
 * ```
 *
 * struct page (PAGE_STRUCT_BYTES = 32):
 * ```
 * 0x00 flags   bits 0-1 state (PageState), bits 4-7 order of the pile it
 *              heads, bits 16-23 owner (PageOwner)
 * 0x04 next    next struct page on a list, 0 at the end
 * 0x08 prev    previous struct page on a list, 0 at the start
 * 0x0C-0x1F    five private words for the page's owner
 * ```
 * Invariant: a pile's first page is its head and carries the pile's state and
 * order; the other pages of the pile have state NONE.
 *
 * zone record (ZONE_BYTES = 0x3C):
 * ```
 * 0x00 first page index   0x04 nr_pages   0x08 nr_free (pages)
 * 0x0C nonempty: bit n set while the order-n free list holds a pile
 * 0x10 free_area[MAX_ORDER + 1]: the head struct page of each order's free list
 * ```
 * No count of piles is kept: the nonempty bits are what an allocation needs
 * (the lowest order >= n with a pile, in one read), and buddyinfo counts the
 * lists by walking them through the debug port.
 * @module
 */

/** Largest order of a pile: 2^10 = 1024 pages (4 MiB). */
export const MAX_ORDER = 10;
/** Number of orders, 0..MAX_ORDER. */
export const NR_ORDERS = MAX_ORDER + 1;

/** "PPK1": marks RAM that the firmware has laid out. */
export const KERNEL_MAGIC = 0x314B_5050;
/** Bytes reserved for the kernel globals at RAM_BASE. */
export const GLOBALS_BYTES = 0x3000;
/** Offsets of the kernel globals. */
export const G_MAGIC = 0x00;
/** RAM base as read from the system-information registers. */
export const G_RAM_BASE = 0x04;
/** RAM size as read from the system-information registers. */
export const G_RAM_SIZE = 0x08;
/** Page size as read from the system-information registers. */
export const G_PAGE_SIZE = 0x0C;
/** Number of pages of RAM. */
export const G_NR_PAGES = 0x10;
/** Address of the struct page array. */
export const G_MEM_MAP = 0x14;
/** Pages at the start of RAM held by the firmware. */
export const G_RESERVED_PAGES = 0x18;
/** Number of zone records. */
export const G_NR_ZONES = 0x1C;
/** Offset of the first zone record. */
export const G_ZONES = 0x20;
/** First pool record on the list of all pools. */
export const G_POOLS = 0xF0;
/** Id the next pool created gets. */
export const G_NEXT_POOL_ID = 0xF4;
/** Generic allocator, large blocks: number live. */
export const G_LARGE_LIVE = 0x100;
/** Generic allocator, large blocks: pages they hold. */
export const G_LARGE_PAGES = 0x104;
/** Generic allocator, large blocks: allocations since boot (64-bit). */
export const G_LARGE_ALLOCS = 0x108;
/** Generic allocator, large blocks: bytes requested since boot (64-bit). */
export const G_LARGE_REQUESTED = 0x110;
/** Debug reports the firmware printed since boot (see debug.ts). */
export const G_DEBUG_REPORTS = 0x118;
/**
 * The first chunk page with a free chunk (see slice_alloc.ts), two lists:
 * at +0 for pools of GFP_KERNEL memory, at +4 for pools of GFP_DMA memory.
 */
export const G_CHUNK_PAGES = 0x120;
/**
 * The first lent chunk page with a free chunk: a large block's last page
 * (see generic_alloc.ts), two lists as G_CHUNK_PAGES's. A chunk is taken
 * from them only when G_CHUNK_PAGES's list has none, so that the pages
 * lent are the last to be pinned by slabs: a lent page that still holds a
 * slab when its block goes keeps the block's run from merging whole.
 */
export const G_LENT_CHUNK_PAGES = 0x128;
/** The pool of pools' record. */
export const G_POOL_OF_POOLS = 0x140;
/** The generic allocator's class records, CLASS_BYTES apart. */
export const G_CLASS_POOLS = 0x200;
/** The vmap-area pool's record. */
export const G_VMAP_POOL = 0x2200;
/** The virtual memory allocator's globals. */
export const G_VM = 0x2280;
/**
 * Each zone's hot piles, HOT_ZONE_BYTES apart: for each order below
 * HOT_ORDERS, the first hot pile's struct page (0: none); the piles are
 * linked through their heads' next words. A hot pile is free
 * but kept unmerged, for the next allocation of its order: the slabs the
 * slice allocator gives back go there (see PageAllocator.freeHot).
 */
export const G_HOT = 0x2C00;
/** Orders that have hot piles: every slab order (0..MAX_SLAB_ORDER). */
export const HOT_ORDERS = 7;
/** Bytes of a zone's hot lists: a head per order. */
export const HOT_ZONE_BYTES = HOT_ORDERS * 4;

/**
 * Virtual memory allocator globals, at G_VM:
 * ```
 * 0x00 window start (virtual)   0x04 window pages (a power of two)
 * 0x08 pages the area tree holds (0 until the first vmalloc)   0x0C unused
 * 0x10 page directory (physical)   0x14 first live area   0x18 live areas
 * 0x1C pages mapped   0x20 page-table pages   0x24 window pages reserved by areas
 * 0x28 the area tree's pages (physical), 32 words: room for the tree of the
 *      largest window, 2 x 65,536 one-byte nodes in 4 KiB pages; only the
 *      first "pages the area tree holds" words are meaningful
 * ```
 */
export const VM_WINDOW_START = 0x00;
/** VM globals: window pages. */
export const VM_WINDOW_PAGES = 0x04;
/** VM globals: how many single pages the area tree holds; 0 when not set up. */
export const VM_TREE_PAGES = 0x08;
/** VM globals: the page directory's address. */
export const VM_DIRECTORY = 0x10;
/** VM globals: first record on the list of live areas. */
export const VM_AREAS = 0x14;
/** VM globals: live areas. */
export const VM_NR_AREAS = 0x18;
/** VM globals: pages mapped into areas. */
export const VM_MAPPED_PAGES = 0x1C;
/** VM globals: page-table pages. */
export const VM_TABLE_PAGES = 0x20;
/** VM globals: window pages reserved by live areas (guards and rounding included). */
export const VM_RESERVED_PAGES = 0x24;
/** VM globals: the area tree's page addresses, in the order of the nodes they hold (32 words). */
export const VM_TREE_PAGE_LIST = 0x28;

/**
 * vmap area record (VM_AREA_BYTES = 0x30), a slice of the vmap-area pool:
 * ```
 * 0x00 magic (VM_AREA_MAGIC ^ record address)   0x04 start (virtual)
 * 0x08 bytes asked for   0x0C pages mapped   0x10 order of its window block
 * 0x14 next live area    0x18 previous live area
 * 0x20 caller tag: up to 16 bytes of ASCII, NUL-padded
 * ```
 */
export const VM_AREA_BYTES = 0x30;
/** area: magic. */
export const VA_MAGIC = 0x00;
/** area: start address. */
export const VA_START = 0x04;
/** area: bytes asked for. */
export const VA_SIZE = 0x08;
/** area: pages mapped. */
export const VA_PAGES = 0x0C;
/** area: order of its block of the window. */
export const VA_ORDER = 0x10;
/** area: next live area. */
export const VA_NEXT = 0x14;
/** area: previous live area. */
export const VA_PREV = 0x18;
/** area: caller tag. */
export const VA_CALLER = 0x20;
/** Longest caller tag kept. */
export const VA_CALLER_BYTES = 16;
/** Magic of a live area record, XORed with its address. */
export const VM_AREA_MAGIC = 0x564D_4152;

/** Size of a struct page. */
export const PAGE_STRUCT_BYTES = 32;
/** struct page: flags word. */
export const PG_FLAGS = 0x00;
/** struct page: next on a list. */
export const PG_NEXT = 0x04;
/** struct page: previous on a list. */
export const PG_PREV = 0x08;
/** struct page: first private word (owner's use). */
export const PG_PRIVATE = 0x0C;
/** Slab head: its pool record. Slab tail: its head's struct page. */
export const PG_SLAB_POOL = 0x0C;
/** Slab head: first free slice on the slab's free list, 0 when none. */
export const PG_SLAB_FREELIST = 0x10;
/**
 * Slab head: its counts, one word: slices handed out (bits 0-15), slices
 * the slab holds (bits 16-29), bit 30 set for a large slab (one of a busy
 * pool's larger slabs) and bit 31 for a small slab (a chunk, or an order-0
 * slab of a pool of larger ones), so one read gives an
 * allocation or a free its bound, its count and which counter a slab going
 * back lowers.
 */
export const PG_SLAB_INUSE = 0x14;
/** Slab head: index of the first slice never handed out. */
export const PG_SLAB_BUMP = 0x18;
/** Slab head: the in-use bitmap, when the slab holds 32 slices or fewer. */
export const PG_SLAB_BITMAP = 0x1C;
/**
 * Chunk page: which of its chunks are slabs, a bit each (bit i: the i-th
 * chunk), and above them (CHUNKS_HELD_SHIFT) which are held by the large
 * galloc block that ends in the page (see generic_alloc.ts) and on which
 * chunk list it was lent (CHUNKS_LENT_DMA).
 */
export const PG_CHUNK_MASK = 0x0C;
/**
 * Chunk page, PG_CHUNK_MASK: the held chunks' bits start here. A large
 * block's last page lent to the chunk slabs holds the block's end in its
 * first chunks, which have no head; the others are chunks as any.
 */
export const CHUNKS_HELD_SHIFT = 4;
/**
 * Chunk page, PG_CHUNK_MASK: a large block's last page lent on the chunk
 * list of GFP_DMA pools (the block was GFP_DMA), not on GFP_KERNEL's.
 */
export const CHUNKS_LENT_DMA = 1 << 8;
/**
 * Flags bit of a chunk page: an order-0 slab page split into chunks, each
 * chunk a small slab of its own pool with its head in the chunk's last
 * CHUNK_HEAD_BYTES (see slice_alloc.ts).
 */
export const PG_SLAB_CHUNKS = 1 << 9;
/** A chunk's head: laid out as a slab head's struct page, at the chunk's end. */
export const CHUNK_HEAD_BYTES = PAGE_STRUCT_BYTES;
/** Chunks a chunk page is cut into. */
export const CHUNKS_PER_PAGE = 4;

/**
 * The address of the head of chunk `chunk` of the chunk page at `pageAddr`:
 * the chunk's last CHUNK_HEAD_BYTES.
 * @param pageAddr the chunk page's physical address
 * @param chunk 0..CHUNKS_PER_PAGE - 1
 * @param pageSize the page size
 * @returns the head's address
 */
export function chunkHeadAddress(pageAddr: number, chunk: number, pageSize: number): number {
  return pageAddr + ((chunk + 1) * pageSize) / CHUNKS_PER_PAGE - CHUNK_HEAD_BYTES;
}

/**
 * pool record (POOL_BYTES = 0x58), for every slice pool:
 * ```
 * 0x00 magic (poolMagic(record address, id); 0 once recycled)
 * 0x04 obj_size   0x08 slot_size
 * 0x0C slab shape: slices per slab (bits 0-15) and slab order (bits 16-19)
 * 0x10 large slabs: a busy pool's larger slabs, shaped as 0x0C, and how many
 *      slabs the pool holds before its next one is large (bits 20-31); 0
 *      when it takes none (see slab_geometry.ts largeSlabs)
 * 0x14 offset of the in-slab bitmap, 0 when it is in the head's struct page
 * 0x18 gfp flags  0x1C pool flags (POOL_GENERIC, POOL_INTERNAL)
 * 0x20 partial slabs (list head)
 * 0x24 small slabs: slices per small slab (bits 0-14), whether they are
 *      order-0 pages (bit 15) or chunks, how many a pool with no slab of
 *      its order takes before one of its order (bits 16-23), and how many
 *      it holds (bits 24-31); see slab_geometry.ts smallSlabs
 * 0x28 slabs of the pool's order (bits 0-15) and large slabs (bits 16-31)
 * 0x2C next pool   0x30 prev pool   0x34 id
 * 0x38 name: up to 32 bytes of ASCII, ended by a NUL when shorter
 * ```
 * Slabs are piles from the page allocator, or chunks of a chunk page; partial
 * slabs are on the pool's list, linked through their heads' next and prev;
 * full slabs are on no list.
 *
 * No count of live slices is kept: an allocation and a free would each pay a
 * read and a write for it. The slabs' counts words hold it: a full slab's
 * slices are all live, so the live slices are the slices the pool's slabs
 * hold less the free ones of its partial slabs (SliceAllocator.liveSlices),
 * which stats and a recycle read; an empty slab goes back at once, so a pool
 * with no live slice holds no slab.
 */
export const POOL_BYTES = 0x58;
/** pool: magic word. */
export const P_MAGIC = 0x00;
/** pool: object size asked for. */
export const P_OBJ_SIZE = 0x04;
/** pool: bytes between slices. */
export const P_SLOT_SIZE = 0x08;
/** pool: its slabs' shape: slices per slab (bits 0-15) and order (bits 16-19). */
export const P_SLAB_SHAPE = 0x0C;
/** pool: its large slabs' shape, and the slabs it holds before it takes them (see above). */
export const P_LARGE_SLABS = 0x10;
/** pool: offset of the in-slab bitmap (0: in the head's struct page). */
export const P_BITMAP_OFFSET = 0x14;
/** pool: gfp flags given at creation. */
export const P_GFP = 0x18;
/** pool: POOL_GENERIC / POOL_INTERNAL bits. */
export const P_FLAGS = 0x1C;
/** pool: first partial slab. */
export const P_PARTIAL = 0x20;
/** pool: its small slabs' slices, kind, how many it takes and how many it holds (see above). */
export const P_SMALL_SLABS = 0x24;
/** pool: number of slabs of its order (bits 0-15) and of large slabs (bits 16-31). */
export const P_NR_SLABS = 0x28;
/** pool: next on the list of all pools. */
export const P_NEXT = 0x2C;
/** pool: previous on the list of all pools. */
export const P_PREV = 0x30;
/** pool: id. */
export const P_ID = 0x34;
/** pool: name, ASCII, ended by a NUL when shorter than the field. */
export const P_NAME = 0x38;
/** Longest pool name kept, in bytes. */
export const POOL_NAME_BYTES = 32;

/**
 * A generic class's record: its pool's record, then its counters, which
 * only the generic allocator keeps (a slice pool counts no allocations):
 * ```
 * 0x00 the class's pool record (POOL_BYTES)
 * POOL_BYTES + 0x00 allocations since boot (64-bit)
 * POOL_BYTES + 0x08 bytes requested by them (64-bit)
 * ```
 */
export const CLASS_BYTES = POOL_BYTES + 0x10;
/** class record: allocations since boot, 64-bit. */
export const C_ALLOCS = POOL_BYTES;
/** class record: bytes requested since boot, 64-bit. */
export const C_REQUESTED = POOL_BYTES + 0x08;
/** Magic of a live pool record, before mixing in its address and id (see poolMagic). */
export const POOL_MAGIC = 0x504C_4353;

/**
 * The magic word of a live pool record: POOL_MAGIC mixed with the record's
 * address and the pool's id. Ids are never reused, so a handle kept after its
 * pool was recycled fails the check even when a new pool takes the record.
 * @param record the record's address
 * @param id the pool's id
 * @returns the magic word
 */
export function poolMagic(record: number, id: number): number {
  return (POOL_MAGIC ^ record ^ Math.imul(id, 0x9E37_79B1)) >>> 0;
}
/** pool flag: a class pool of the generic allocator. */
export const POOL_GENERIC = 1;
/** pool flag: the firmware's own pool (not recyclable by callers). */
export const POOL_INTERNAL = 2;

/** The state of a page, in bits 0-1 of its flags. */
export const PageState = {
  /** Not the head of a pile: inside one, or not yet laid out. */
  NONE: 0,
  /** Head of a free pile, on its zone's free list for its order. */
  FREE: 1,
  /** Head of an allocated pile. */
  ALLOCATED: 2,
  /** Held by the firmware for its own structures; never handed out. */
  RESERVED: 3,
} as const;

/** Who holds an allocated pile, in bits 16-23 of its head's flags. */
export const PageOwner = {
  /** Nobody (free or inside a pile). */
  NONE: 0,
  /** The firmware's own structures. */
  FIRMWARE: 1,
  /** A caller of alloc_pages/get_pages. */
  PAGES: 2,
  /** A slab of the slice allocator (head and tail pages alike). */
  SLAB: 3,
  /** A large block of the generic allocator. */
  GENERIC: 4,
  /** A page backing a vmalloc area. */
  VMALLOC: 5,
  /** An MMU page table or directory. */
  PAGETABLE: 6,
  /** The virtual memory allocator's area tree. */
  VMAP_TREE: 7,
  /**
   * Nobody, in a free pile kept hot: unmerged, on its zone's hot list, for
   * the next allocation of its order (the owner bits keep buddies from
   * merging with it).
   */
  HOT: 8,
} as const;

/** Mask of the state bits of a struct page's flags. */
export const PG_STATE_MASK = 0x3;
/** Shift of the order bits of a struct page's flags. */
export const PG_ORDER_SHIFT = 4;
/** Shift of the owner bits of a struct page's flags. */
export const PG_OWNER_SHIFT = 16;

/** Size of a zone record. */
export const ZONE_BYTES = 0x3C;
/** zone: index of its first page. */
export const Z_FIRST_PAGE = 0x00;
/** zone: number of pages. */
export const Z_NR_PAGES = 0x04;
/** zone: number of free pages. */
export const Z_NR_FREE = 0x08;
/** zone: the orders whose free list is not empty, a bit each (bit n: order n). */
export const Z_NONEMPTY = 0x0C;
/** zone: first free_area entry. */
export const Z_FREE_AREA = 0x10;
/** Size of a free_area entry. */
export const FREE_AREA_BYTES = 4;
/** free_area entry: head of the free list. */
export const FA_HEAD = 0x00;

/**
 * Packs a struct page flags word.
 * @param state a PageState
 * @param order the order of the pile the page heads
 * @param owner a PageOwner
 * @returns the flags word
 */
export function pageFlags(state: number, order: number, owner: number): number {
  return (state | (order << PG_ORDER_SHIFT) | (owner << PG_OWNER_SHIFT)) >>> 0;
}

/** The state field of a flags word. */
export function flagsState(flags: number): number {
  return flags & PG_STATE_MASK;
}

/** The order field of a flags word. */
export function flagsOrder(flags: number): number {
  return (flags >>> PG_ORDER_SHIFT) & 0xF;
}

/** The owner field of a flags word. */
export function flagsOwner(flags: number): number {
  return (flags >>> PG_OWNER_SHIFT) & 0xFF;
}
