/*
 * first_fit.c: an example design to copy, in C. One address-ordered
 * first-fit heap with boundary tags and coalescing (FreeRTOS heap_4, K&R
 * malloc), serving the page, slice and generic allocators from the same
 * blocks; no vmalloc.
 *
 * It is the twin of examples/first_fit.ts: the same layout in RAM, the same
 * algorithm, the same decisions, so that on the same board and the same
 * calls every call returns what the TypeScript design returns. Where the two
 * read differently, it is C's way of saying the same thing (a struct where
 * TypeScript names offsets, a return status where it throws).
 *
 *   deno task build-firmware examples/first_fit.c     (-> examples/first_fit.elf)
 *   deno task replay TRACE --design ./examples/first_fit.c
 *
 * RAM: the first page is the image's (the globals, its data and bss, the
 * stack), the rest is the heap.
 *
 *   RAM_BASE + 0x000  globals (section .pp_globals, which the linker puts first)
 *                     0x00 heap start    0x04 heap end     0x08 first free block
 *                     0x0C free blocks   0x10 free pages   0x14 used blocks
 *                     0x18 first pool    0x1C next pool id
 *   RAM_BASE + 0x020  .data, .bss: pp_scratch, 512 bytes (this file has no other data)
 *   RAM_BASE + 0x220  the stack's floor (__stack_limit): 3552 bytes of stack ...
 *   RAM_BASE + 0x1000 ... whose top is here (__stack_top); the heap starts here
 *                     too: blocks, one after another, to the end of RAM
 *
 * block (8-byte aligned, its size a multiple of 8 and at least MIN_BLOCK):
 *
 *   0x00 size | USED   bytes of the block, header included; bit 0 set while handed out
 *   0x04 prev size     bytes of the block just below it, 0 for the first: the boundary
 *                      tag that lets a free find its lower neighbour in one read
 *   0x08 payload       what the caller gets; a free block keeps its links here:
 *                      0x08 next free block, 0x0C previous free block (address order)
 *
 * pool record (the payload of a heap block, POOL_BYTES = 48):
 *
 *   0x00 id   0x04 object size   0x08 live slices   0x0C next pool   0x10 name, 32 bytes
 *
 * The object size word's top bit (POOL_ZERO) says the pool was created with
 * GFP_ZERO: every slice it hands out is zeroed.
 *
 * Invariants, which pp_audit() checks: the blocks tile the heap; each prev
 * size is the size of the block below; the free list holds exactly the free
 * blocks, in address order; no two free blocks touch (a free merges them);
 * the globals' counts match the blocks.
 *
 * A "page" is simply its pile's address: a pile is a heap block whose
 * payload is aligned to its size, so page_to_addr is the identity. A page is
 * free when it lies wholly in a free block, clear of the block's header and
 * links. The design trusts its callers: no misuse is detected.
 *
 * Costs: an allocation walks the free list, O(free blocks); a free is O(1)
 * when a neighbour is free, and otherwise walks the list to its place.
 */

#include "pagepile.h"

/* The image's RAM is exactly the first page, so that the heap starts at
 * RAM_BASE + 4096 as in the TypeScript design. */
PP_FIRMWARE_RAM_SIZE(4096);

#define PAGE 4096u
/* Block header bytes: the payload starts this far into its block. */
#define HEADER 8u
/* The smallest block: a header and a free block's two links. */
#define MIN_BLOCK 16u
/* In a block's size word: handed out. */
#define USED 1u
/* In a pool record's object size word: the pool zeroes its slices (sizes stay far below it). */
#define POOL_ZERO 0x80000000u
#define NAME_BYTES 32u

struct globals {
  uint32_t heap_start;   /* 0x00 the first block */
  uint32_t heap_end;     /* 0x04 one past the last block: the end of RAM */
  uint32_t free_list;    /* 0x08 the first free block, 0 when none */
  uint32_t free_blocks;  /* 0x0C blocks on the free list */
  uint32_t free_pages;   /* 0x10 whole pages in free blocks, clear of their header and links */
  uint32_t used_blocks;  /* 0x14 blocks handed out (pool records included) */
  uint32_t pools;        /* 0x18 the newest pool record, 0 when none */
  uint32_t next_pool_id; /* 0x1C the id the next pool gets */
};

struct block {
  uint32_t size;      /* 0x00 bytes, header included, | USED */
  uint32_t prev_size; /* 0x04 the boundary tag: size of the block below, 0 for the first */
  uint32_t next_free; /* 0x08 free blocks only: the next free block, 0 for the last */
  uint32_t prev_free; /* 0x0C free blocks only: the previous free block, 0 for the first */
};

struct pool {
  uint32_t id;              /* 0x00 */
  uint32_t obj_size;        /* 0x04 object size | POOL_ZERO */
  uint32_t live;            /* 0x08 slices handed out and not freed */
  uint32_t next;            /* 0x0C the next older pool, 0 for the oldest */
  char name[NAME_BYTES];    /* 0x10 ASCII, NUL-padded */
};

#define POOL_BYTES ((uint32_t)sizeof(struct pool))

_Static_assert(sizeof(struct globals) == 0x20, "globals take RAM_BASE + 0x00..0x1F");
_Static_assert(offsetof(struct block, prev_free) == 0x0C, "block header layout");
_Static_assert(offsetof(struct pool, name) == 0x10 && POOL_BYTES == 48, "pool record layout");

/* The globals, at RAM_BASE: the linker places .pp_globals first in RAM. */
PP_GLOBALS static struct globals g;

/* The block, or pool record, at a physical address. */
static inline struct block *block_at(uint32_t addr) {
  return (struct block *)(uintptr_t)addr;
}
static inline struct pool *pool_at(uint32_t addr) {
  return (struct pool *)(uintptr_t)addr;
}

static inline uint32_t size_of(uint32_t block) {
  return block_at(block)->size & ~USED;
}
static inline bool is_free(uint32_t block) {
  return (block_at(block)->size & USED) == 0;
}
static inline uint32_t next_free(uint32_t block) {
  return block_at(block)->next_free;
}

/* value rounded up to a multiple of align, a power of two. */
static inline uint32_t round_up(uint32_t value, uint32_t align) {
  return (value + align - 1) & ~(align - 1);
}

/* Whole pages inside a free block, clear of its header and links. */
static uint32_t free_pages_in(uint32_t block, uint32_t size) {
  uint32_t first = (block + MIN_BLOCK + PAGE - 1) / PAGE;
  uint32_t end = (block + size) / PAGE;
  return end > first ? end - first : 0;
}

/* Writes a block's size word, and the boundary tag of the block above it. */
static void set_block(uint32_t block, uint32_t size, uint32_t used) {
  block_at(block)->size = size | used;
  if (block + size < g.heap_end) block_at(block + size)->prev_size = size;
}

/* Adds a free block to the globals' counts (add), or takes it away. */
static void count(uint32_t block, bool add) {
  uint32_t pages = free_pages_in(block, size_of(block));
  if (add) {
    g.free_blocks++;
    g.free_pages += pages;
  } else {
    g.free_blocks--;
    g.free_pages -= pages;
  }
}

/* Puts free block `block` on the free list after `prev` (0: first), and counts it. */
static void link_after(uint32_t prev, uint32_t block) {
  uint32_t next = prev == 0 ? g.free_list : next_free(prev);
  block_at(block)->next_free = next;
  block_at(block)->prev_free = prev;
  if (prev == 0) {
    g.free_list = block;
  } else {
    block_at(prev)->next_free = block;
  }
  if (next != 0) block_at(next)->prev_free = block;
  count(block, true);
}

/* Takes free block `block` off the free list, and uncounts it. */
static void unlink_free(uint32_t block) {
  uint32_t next = next_free(block);
  uint32_t prev = block_at(block)->prev_free;
  if (prev == 0) {
    g.free_list = next;
  } else {
    block_at(prev)->next_free = next;
  }
  if (next != 0) block_at(next)->prev_free = prev;
  count(block, false);
}

/* Cuts a used block out of free block `free`; what lies before and after it stays free. */
static uint32_t carve(uint32_t free, uint32_t payload, uint32_t bytes) {
  uint32_t end = free + size_of(free);
  uint32_t block = payload - HEADER;
  uint32_t after = block_at(free)->prev_free;
  unlink_free(free);
  if (block > free) {
    set_block(free, block - free, 0);
    link_after(after, free);
    after = free;
  }
  uint32_t tail = end - (payload + bytes);
  // A tail too small for a block of its own goes with the used block.
  set_block(block, tail < MIN_BLOCK ? end - block : HEADER + bytes, USED);
  if (tail >= MIN_BLOCK) {
    set_block(payload + bytes, tail, 0);
    link_after(after, payload + bytes);
  }
  g.used_blocks++;
  return payload;
}

/*
 * First fit: the first free block, in address order, with room for a
 * payload of `bytes` at an `align`-aligned address (align: a power of two).
 * O(free blocks). Returns the payload's address, or 0.
 */
static uint32_t alloc(uint32_t bytes, uint32_t align) {
  // No block can hold more than the heap: refusing at once also keeps the
  // rounding below from wrapping around 2^32 (TypeScript's numbers do not wrap).
  if (bytes > g.heap_end - g.heap_start) return 0;
  uint32_t need = round_up(bytes, 8);
  if (need < MIN_BLOCK - HEADER) need = MIN_BLOCK - HEADER;
  // A block smaller than its header and the payload has no room wherever the
  // payload starts: one comparison skips it, and most blocks the walk meets
  // are such (small freed slices, before a page-aligned pile fits). A free
  // block's size word has USED clear: it is the size itself.
  uint32_t least = HEADER + need;
  for (uint32_t block = g.free_list; block != 0; block = next_free(block)) {
    uint32_t size = block_at(block)->size;
    if (size < least) continue;
    uint32_t payload = round_up(block + HEADER, align);
    // What is left before the new block must be nothing, or a block of its own.
    uint32_t gap = payload - HEADER - block;
    if (gap > 0 && gap < MIN_BLOCK) payload += align;
    if (payload + need <= block + size) return carve(block, payload, need);
  }
  return 0;
}

/*
 * Frees a block, merged with its free neighbours: the one above starts
 * where it ends, the one below is found by the boundary tag. Only a block
 * with no free neighbour walks the free list to find its place.
 */
static void free_block(uint32_t payload) {
  uint32_t block = payload - HEADER;
  uint32_t size = size_of(block);
  uint32_t after = 0;
  bool placed = false;
  uint32_t above = block + size;
  if (above < g.heap_end && is_free(above)) {
    after = block_at(above)->prev_free;
    unlink_free(above);
    size += size_of(above);
    placed = true;
  }
  uint32_t below_size = block_at(block)->prev_size;
  if (below_size != 0 && is_free(block - below_size)) {
    block -= below_size;
    after = block_at(block)->prev_free;
    unlink_free(block);
    size += below_size;
    placed = true;
  }
  if (!placed) {
    for (uint32_t f = g.free_list; f != 0 && f < block; f = next_free(f)) after = f;
  }
  set_block(block, size, 0);
  link_after(after, block);
  g.used_blocks--;
}

/* Zeroes what an allocation with GFP_ZERO hands out, a word at a time as
 * the TypeScript design's fill32 does: `bytes` rounded up to 4. */
static uint32_t zeroed(uint32_t flags, uint32_t addr, uint32_t bytes) {
  if (addr != 0 && (flags & GFP_ZERO) != 0) {
    memset((void *)(uintptr_t)addr, 0, round_up(bytes, 4));
  }
  return addr;
}

/* Asks the board for its RAM, and lays out the globals and one free block spanning the heap. */
void pp_init(void) {
  if (pp_page_size() != PAGE) {
    pp_puts("first-fit needs 4 KiB pages\n");
    pp_halt();
  }
  uint32_t ram = pp_ram_base();
  uint32_t start = ram + PAGE;
  uint32_t end = ram + pp_ram_size();
  g = (struct globals){0};
  g.heap_start = start;
  g.heap_end = end;
  block_at(start)->prev_size = 0;
  set_block(start, end - start, 0);
  link_after(0, start);
}

/* Generic allocator: blocks of the heap, 8-byte aligned. */

uint32_t galloc(uint32_t flags, uint32_t size) {
  if (size == 0) return ZERO_SIZE_PTR;
  return zeroed(flags, alloc(size, 8), size);
}

void gfree(uint32_t addr) {
  if (addr != 0 && addr != ZERO_SIZE_PTR) free_block(addr);
}

uint32_t gsize(uint32_t addr) {
  return addr == ZERO_SIZE_PTR ? 0 : size_of(addr - HEADER) - HEADER;
}

/* What a block takes from the heap: its payload and its header. */
uint32_t gtaken(uint32_t addr) {
  return addr == ZERO_SIZE_PTR ? 0 : size_of(addr - HEADER);
}

/* The heap keeps no empty pages aside: there is nothing to give back. */
uint32_t gshrink(void) {
  return 0;
}

/* Page allocator: a pile is a block whose payload is aligned to its size. */

uint32_t alloc_pages(uint32_t flags, uint32_t order) {
  // Traces name orders 0..MAX_ORDER only; a larger one would shift past 32 bits.
  if (order > PP_MAX_ORDER) return 0;
  uint32_t bytes = PAGE << order;
  return zeroed(flags, alloc(bytes, bytes), bytes);
}

void free_pages(uint32_t page) {
  free_block(page);
}

uint32_t page_to_addr(uint32_t page) {
  return page;
}

uint32_t addr_to_page(uint32_t addr) {
  return addr - addr % PAGE;
}

/* Slice allocator: a pool is a record in the heap; each slice is a block of its own. */

/* Writes "pool-ID" into `out` (16 bytes): the name of a pool created without one. */
static void default_name(char *out, uint32_t id) {
  static const char prefix[] = "pool-";
  char digits[10];
  int n = 0;
  do {
    digits[n++] = (char)('0' + id % 10);
    id /= 10;
  } while (id != 0);
  int at = 0;
  for (; prefix[at] != '\0'; at++) out[at] = prefix[at];
  while (n > 0) out[at++] = digits[--n];
  out[at] = '\0';
}

uint32_t slice_pool_create(uint32_t flags, uint32_t obj_size, const char *name) {
  uint32_t record = alloc(POOL_BYTES, 8);
  if (record == 0) return 0;
  struct pool *pool = pool_at(record);
  uint32_t id = g.next_pool_id;
  g.next_pool_id = id + 1;
  pool->id = id;
  pool->obj_size = obj_size | ((flags & GFP_ZERO) != 0 ? POOL_ZERO : 0);
  pool->live = 0;
  pool->next = g.pools;
  g.pools = record;
  char fallback[16];
  if (name == NULL) {
    default_name(fallback, id);
    name = fallback;
  }
  // The first 32 characters, each cut to 7 bits, then NULs. A character
  // that cuts to 0 is written as 0 and the copy goes on: only the string's
  // own NUL ends it (TypeScript copies every character of the string).
  bool ended = false;
  for (uint32_t i = 0; i < NAME_BYTES; i++) {
    if (!ended && name[i] == '\0') ended = true;
    pool->name[i] = ended ? 0 : (char)(name[i] & 0x7F);
  }
  return record;
}

int32_t slice_pool_recycle(uint32_t record) {
  struct pool *pool = pool_at(record);
  if (pool->live > 0) return (int32_t)pool->live;
  // Unlink the record from the list of pools (a short walk: pools are few).
  uint32_t *link = &g.pools;
  while (*link != record) link = &pool_at(*link)->next;
  *link = pool->next;
  free_block(record);
  return 0;
}

uint32_t slice_alloc(uint32_t record) {
  struct pool *pool = pool_at(record);
  uint32_t size_word = pool->obj_size;
  uint32_t size = size_word & ~POOL_ZERO;
  uint32_t slice = alloc(size, 8);
  if (slice == 0) return 0;
  pool->live++;
  if ((size_word & POOL_ZERO) != 0) memset((void *)(uintptr_t)slice, 0, round_up(size, 4));
  return slice;
}

void slice_free(uint32_t slice, uint32_t record) {
  free_block(slice);
  pool_at(record)->live--;
}

/* Freed slices went back to the heap at once: nothing to give back. */
uint32_t slice_pool_shrink(uint32_t record) {
  (void)record;
  return 0;
}

/* Figures. */

/*
 * Page counts as a buddy allocator would print them: each free block's run
 * of whole free pages is cut into aligned piles of up to 2^MAX_ORDER pages.
 * Page numbers are physical (address / PAGE): RAM_BASE is aligned to 1 GiB,
 * so a pile aligned as a number is aligned within RAM too.
 */
void pp_page_stats(struct pp_page_stats *out) {
  for (int order = 0; order <= PP_MAX_ORDER; order++) out->free_by_order[order] = 0;
  for (uint32_t block = g.free_list; block != 0; block = next_free(block)) {
    uint32_t page = (block + MIN_BLOCK + PAGE - 1) / PAGE;
    uint32_t end = (block + size_of(block)) / PAGE;
    while (page < end) {
      int order = PP_MAX_ORDER;
      while (page % (1u << order) != 0 || page + (1u << order) > end) order--;
      out->free_by_order[order]++;
      page += 1u << order;
    }
  }
  uint32_t ram = (uint32_t)(uintptr_t)&g;
  out->total = (g.heap_end - ram) / PAGE;
  out->reserved = (g.heap_start - ram) / PAGE;
  out->free = g.free_pages;
}

/* All pages but the reserved ones and the free ones: three loads, no walk. */
uint32_t pp_pages_in_use(void) {
  return (g.heap_end - g.heap_start) / PAGE - g.free_pages;
}

/* The pools, newest first. */
uint32_t pp_pools(uint32_t *out, uint32_t max) {
  uint32_t n = 0;
  for (uint32_t record = g.pools; record != 0; record = pool_at(record)->next) {
    if (n < max) out[n] = record;
    n++;
  }
  return n;
}

/* A heap has no slabs: each slice is a block of its own, counted as a slab of one. */
void pp_pool_stats(uint32_t record, struct pp_pool_stats *out) {
  const struct pool *pool = pool_at(record);
  uint32_t obj_size = pool->obj_size & ~POOL_ZERO;
  uint32_t live = pool->live;
  // What each slice takes from the heap: its block, header included.
  uint32_t payload = round_up(obj_size, 8);
  if (payload < MIN_BLOCK - HEADER) payload = MIN_BLOCK - HEADER;
  uint32_t slot_size = HEADER + payload;
  out->id = pool->id;
  out->address = record;
  out->record_bytes = POOL_BYTES;
  out->obj_size = obj_size;
  out->slot_size = slot_size;
  out->objs_per_slab = 1;
  out->pages_per_slab = 0;
  out->active_objs = live;
  out->total_objs = live;
  out->slabs = live;
  out->empty_slabs = 0;
  out->bytes_wasted = live * (slot_size - obj_size);
  out->internal = 0;
  // The name up to its first NUL, as TypeScript reads it; NULs after.
  bool ended = false;
  for (uint32_t i = 0; i < NAME_BYTES; i++) {
    if (!ended && pool->name[i] == '\0') ended = true;
    out->name[i] = ended ? 0 : pool->name[i];
  }
}

/* Audit: one line on the console per broken invariant, worded as first_fit.ts words it. */

static void say_block(const char *before, uint32_t block, const char *after) {
  pp_puts(before);
  pp_put_hex32(block);
  pp_puts(after);
}

/* Walks the heap block by block, and the free list along with it. */
uint32_t pp_audit(void) {
  uint32_t problems = 0;
  uint32_t end = g.heap_end;
  uint32_t free = 0, used = 0, pages = 0;
  // The block below this one, and the free list's next block and the one before it.
  uint32_t below = 0;
  bool below_free = false;
  uint32_t listed = g.free_list, listed_below = 0;
  for (uint32_t block = g.heap_start; block != end; block += below) {
    uint32_t size = size_of(block);
    bool free_here = is_free(block);
    // (size > end - block, not block + size > end: a wild size must not wrap.)
    if (size < MIN_BLOCK || size % 8 != 0 || size > end - block) {
      say_block("block ", block, " has a bad size, ");
      // Signed, as TypeScript's bitwise and reads the size word.
      pp_put_dec((int32_t)size);
      pp_putc('\n');
      return problems + 1;
    }
    uint32_t tag = block_at(block)->prev_size;
    if (tag != below) {
      say_block("block ", block, ": prev size ");
      pp_put_udec(tag);
      pp_puts(", not ");
      pp_put_udec(below);
      pp_putc('\n');
      problems++;
    }
    if (free_here && below_free) {
      say_block("free block ", block, " touches the one below\n");
      problems++;
    }
    if (free_here) {
      // The free list must name this very block next: address order, nothing missing.
      if (listed != block) {
        say_block("free list: ", listed, " where ");
        say_block("", block, " is\n");
        problems++;
      }
      if (block_at(block)->prev_free != listed_below) {
        say_block("free block ", block, ": wrong link to the previous free block\n");
        problems++;
      }
      listed = next_free(block);
      listed_below = block;
      free++;
      pages += free_pages_in(block, size);
    } else {
      used++;
    }
    below = size;
    below_free = free_here;
  }
  if (listed != 0) {
    say_block("free list goes on past the last block, to ", listed, "\n");
    problems++;
  }
  const struct {
    const char *name;
    uint32_t kept, found;
  } counts[] = {
    {"free blocks", g.free_blocks, free},
    {"free pages", g.free_pages, pages},
    {"used blocks", g.used_blocks, used},
  };
  for (uint32_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
    if (counts[i].kept != counts[i].found) {
      pp_puts("the globals count ");
      pp_put_udec(counts[i].kept);
      pp_putc(' ');
      pp_puts(counts[i].name);
      pp_puts("; the heap has ");
      pp_put_udec(counts[i].found);
      pp_putc('\n');
      problems++;
    }
  }
  return problems;
}
