/*
 * pagepile.h: everything a C firmware image for the pagepile board needs,
 * in one freestanding header.
 *
 * A firmware image is an allocator design written in C, compiled for RV32IM
 * and run by the board's CPU: its code and constants in flash, its data,
 * bss and stack in the first bytes of RAM, every fetch, load and store
 * through the board's counted bus. The driver (the replay, the comparison,
 * the fuzzer) loads the image and calls its functions, one call per
 * allocator call of the trace it replays. This header holds:
 *
 *   1. the board: memory map, registers, tiny accessors (console, cycles);
 *   2. the GFP flags and ZERO_SIZE_PTR;
 *   3. the image ABI: the functions an image defines, and how they are called;
 *   4. what the SDK provides: memset/memcpy/memmove/memcmp, pp_scratch,
 *      the linker script's symbols;
 *   5. how to wrap an existing heap (TLSF, o1heap, umm_malloc).
 *
 * Build an image with
 *   deno task build-firmware mine.c [more.c ...] [-o mine.elf]
 * which compiles with
 *   clang --target=riscv32-unknown-elf -march=rv32im -mabi=ilp32 -O2
 *         -std=gnu11 -ffreestanding -nostdlib -mno-relax -Wall
 *         -I core/image/sdk
 * together with core/image/sdk/start.S and mem.c, and links with
 *   ld.lld -T core/image/sdk/firmware.ld
 * Then `deno task replay TRACE --design ./mine.c`.
 * examples/first_fit.c is a whole design to copy.
 *
 * Only clang's freestanding headers are used: there is no C library. The
 * core has no compressed instructions, no floating point, no CSRs but the
 * counters, and no trap handler: a trap (ebreak, an illegal instruction, a
 * bus fault) ends the call it happens in and is reported as the design
 * breaking.
 */

#ifndef PAGEPILE_H
#define PAGEPILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------------------
 * 1. The board
 *
 *   0x00000000 - 0x1FFFFFFF   unmapped: 0 is NULL, every access faults
 *   0x20000000 - 0x20FFFFFF   flash, read-only: the image's .text and .rodata
 *   0x40000000 - 0x7FFFFFFF   RAM: the board's first RAM_SIZE bytes
 *   0xF0000000                system information (read-only)
 *   0xF0001000                cycle counter (read-only)
 *   0xF0002000                console UART
 *   0xF0003000                fault status
 *   0xF0004000                MMU
 *   everything else           unmapped: an access faults
 *
 * RAM_BASE is aligned to 1 GiB, so a pile of 2^n pages aligned within RAM
 * is aligned to 2^n pages physically. RAM is 64 KiB to 1 GiB, zero at
 * power-on. MMIO registers are 32 bits wide at aligned offsets: any other
 * access to them faults, so always go through PP_MMIO (a 32-bit volatile
 * access). Costs: a RAM access of any width is 2 bus cycles, an MMIO access
 * 8; the CPU adds its own per instruction (see the replay's timing model).
 * ------------------------------------------------------------------------ */

/** A 32-bit register of the MMIO block at `base`, at offset `offset`. */
#define PP_MMIO(base, offset) (*(volatile uint32_t *)(uintptr_t)((base) + (offset)))

#define PP_FLASH_BASE 0x20000000u
#define PP_RAM_BASE 0x40000000u   /* the board's; read it with pp_ram_base() */
#define PP_PAGE_SIZE 4096u        /* the board's; read it with pp_page_size() */
#define PP_MAX_ORDER 10           /* piles of up to 2^10 pages */
#define PP_NR_ORDERS (PP_MAX_ORDER + 1)

/* System information: what firmware asks the board at boot. All read-only. */
#define PP_SYSINFO_BASE 0xF0000000u
#define PP_SYSINFO_RAM_BASE 0x00u  /* physical address of the first RAM byte */
#define PP_SYSINFO_RAM_SIZE 0x04u  /* RAM size in bytes */
#define PP_SYSINFO_PAGE_SIZE 0x08u /* 4096 */
#define PP_SYSINFO_BOARD_ID 0x0Cu  /* PP_BOARD_ID */
#define PP_BOARD_ID 0x50500001u    /* "PP", revision 1 */

/* Cycle counter: the board's bus cycles since power-on, 64 bits. Read LO
 * first: reading it latches HI, so the two halves belong together. The value
 * is the count before the reading access itself is charged. */
#define PP_CYCLE_COUNTER_BASE 0xF0001000u
#define PP_CYCLES_LO 0x00u
#define PP_CYCLES_HI 0x04u

/* Console UART: what firmware writes to TX is captured, one byte per write. */
#define PP_CONSOLE_BASE 0xF0002000u
#define PP_CONSOLE_TX 0x00u           /* W: the low byte is transmitted */
#define PP_CONSOLE_STATUS 0x04u       /* R: bit 0 ready */
#define PP_CONSOLE_STATUS_READY 0x1u  /* always set on this board */

/* Fault status: the last bus fault, latched. Any write to INFO clears it. */
#define PP_FAULT_STATUS_BASE 0xF0003000u
#define PP_FAULT_ADDR 0x00u           /* R: address of the last faulting access */
#define PP_FAULT_INFO 0x04u           /* RW: bit 0 valid, bit 1 write, bits 8-11 width */
#define PP_FAULT_COUNT 0x08u          /* R: faults since power-on */
#define PP_FAULT_INFO_VALID 0x1u
#define PP_FAULT_INFO_WRITE 0x2u
#define PP_FAULT_INFO_WIDTH_SHIFT 8

/* MMU: a two-level page table in RAM (a directory of 1024 entries, each
 * pointing to a table of 1024 entries mapping 4 KiB pages; entry bits 31-12
 * frame address, bit 1 writable, bit 0 present) and a 16-entry TLB. It only
 * translates the driver's virtual accesses (vmalloc areas): the CPU's own
 * fetches, loads and stores are physical. */
#define PP_MMU_BASE 0xF0004000u
#define PP_MMU_PT_BASE 0x00u          /* RW: physical address of the directory */
#define PP_MMU_CONTROL 0x04u          /* RW: bit 0 translation on */
#define PP_MMU_TLB_FLUSH 0x08u        /* W: any write drops every TLB entry */
#define PP_MMU_TLB_FLUSH_PAGE 0x0Cu   /* W: drops the entry of the written address's page */
#define PP_MMU_FAULT_VADDR 0x10u      /* R: virtual address of the last page fault */
#define PP_MMU_FAULT_CAUSE 0x14u      /* R: a PP_PAGE_FAULT_* cause, bit 8 set for a write */
#define PP_MMU_TLB_HITS 0x18u         /* R: translations the TLB served */
#define PP_MMU_TLB_MISSES 0x1Cu       /* R: translations that walked the tables */
#define PP_MMU_ENABLE 0x1u
#define PP_PTE_PRESENT 0x1u
#define PP_PTE_WRITABLE 0x2u
#define PP_PTE_FRAME_MASK 0xFFFFF000u
#define PP_PAGE_FAULT_NO_TABLE 1u
#define PP_PAGE_FAULT_NOT_MAPPED 2u
#define PP_PAGE_FAULT_READ_ONLY 3u
#define PP_PAGE_FAULT_WRITE 0x100u

static inline uint32_t pp_ram_base(void) {
  return PP_MMIO(PP_SYSINFO_BASE, PP_SYSINFO_RAM_BASE);
}
static inline uint32_t pp_ram_size(void) {
  return PP_MMIO(PP_SYSINFO_BASE, PP_SYSINFO_RAM_SIZE);
}
static inline uint32_t pp_page_size(void) {
  return PP_MMIO(PP_SYSINFO_BASE, PP_SYSINFO_PAGE_SIZE);
}
static inline uint32_t pp_board_id(void) {
  return PP_MMIO(PP_SYSINFO_BASE, PP_SYSINFO_BOARD_ID);
}

/** The board's bus cycles so far: LO first, which latches HI. */
static inline uint64_t pp_read_cycles(void) {
  uint32_t lo = PP_MMIO(PP_CYCLE_COUNTER_BASE, PP_CYCLES_LO);
  uint32_t hi = PP_MMIO(PP_CYCLE_COUNTER_BASE, PP_CYCLES_HI);
  return ((uint64_t)hi << 32) | lo;
}

/** Whether the UART takes a byte now (always, on this board). */
static inline bool pp_uart_ready(void) {
  return (PP_MMIO(PP_CONSOLE_BASE, PP_CONSOLE_STATUS) & PP_CONSOLE_STATUS_READY) != 0;
}

/** Transmits one byte. The board's UART is always ready, so there is no
 * poll of STATUS (it would cost an MMIO read per byte for nothing); firmware
 * for a real UART would wait for pp_uart_ready() first. */
static inline void pp_putc(char c) {
  PP_MMIO(PP_CONSOLE_BASE, PP_CONSOLE_TX) = (uint8_t)c;
}

/** Transmits a NUL-terminated string as it is: unlike puts, no newline is added. */
static inline void pp_puts(const char *s) {
  while (*s != '\0') pp_putc(*s++);
}

/** Transmits `value` in decimal, unsigned. */
static inline void pp_put_udec(uint32_t value) {
  char digits[10];
  int n = 0;
  do {
    digits[n++] = (char)('0' + value % 10);
    value /= 10;
  } while (value != 0);
  while (n > 0) pp_putc(digits[--n]);
}

/** Transmits `value` in decimal, signed. */
static inline void pp_put_dec(int32_t value) {
  uint32_t magnitude = (uint32_t)value;
  if (value < 0) {
    pp_putc('-');
    magnitude = 0u - magnitude;
  }
  pp_put_udec(magnitude);
}

/** Transmits `value` as "0x" and 8 lowercase hex digits (as hex32() in TypeScript). */
static inline void pp_put_hex32(uint32_t value) {
  pp_putc('0');
  pp_putc('x');
  for (int shift = 28; shift >= 0; shift -= 4) {
    pp_putc("0123456789abcdef"[(value >> shift) & 0xFu]);
  }
}

static inline uint32_t pp_fault_addr(void) {
  return PP_MMIO(PP_FAULT_STATUS_BASE, PP_FAULT_ADDR);
}
static inline uint32_t pp_fault_info(void) {
  return PP_MMIO(PP_FAULT_STATUS_BASE, PP_FAULT_INFO);
}
static inline uint32_t pp_fault_count(void) {
  return PP_MMIO(PP_FAULT_STATUS_BASE, PP_FAULT_COUNT);
}
static inline void pp_fault_clear(void) {
  PP_MMIO(PP_FAULT_STATUS_BASE, PP_FAULT_INFO) = 0;
}

static inline uint32_t pp_mmu_pt_base(void) {
  return PP_MMIO(PP_MMU_BASE, PP_MMU_PT_BASE);
}
/** Sets the directory's physical address (the MMU drops its TLB). */
static inline void pp_mmu_set_pt_base(uint32_t directory) {
  PP_MMIO(PP_MMU_BASE, PP_MMU_PT_BASE) = directory;
}
/** Turns translation on or off (the MMU drops its TLB). */
static inline void pp_mmu_enable(bool on) {
  PP_MMIO(PP_MMU_BASE, PP_MMU_CONTROL) = on ? PP_MMU_ENABLE : 0u;
}
static inline void pp_tlb_flush(void) {
  PP_MMIO(PP_MMU_BASE, PP_MMU_TLB_FLUSH) = 0;
}
/** Drops the TLB entry of the page holding `vaddr`, after its table entry changed. */
static inline void pp_tlb_flush_page(uint32_t vaddr) {
  PP_MMIO(PP_MMU_BASE, PP_MMU_TLB_FLUSH_PAGE) = vaddr;
}
static inline uint32_t pp_mmu_fault_vaddr(void) {
  return PP_MMIO(PP_MMU_BASE, PP_MMU_FAULT_VADDR);
}
static inline uint32_t pp_mmu_fault_cause(void) {
  return PP_MMIO(PP_MMU_BASE, PP_MMU_FAULT_CAUSE);
}

/** Stops the call with a breakpoint trap: the driver reports the design as
 * broken, with the core's pc. For what cannot go on (a board it cannot run
 * on); say why on the console first. */
static inline _Noreturn void pp_halt(void) {
  for (;;) __asm__ volatile("ebreak");
}

/* ---------------------------------------------------------------------------
 * 2. Flags and special values (the same values as the TypeScript API)
 * ------------------------------------------------------------------------ */

#define GFP_KERNEL 0x0u     /* zone Normal, falling back to DMA: the usual flags */
#define GFP_DMA 0x1u        /* zone DMA only: the first 16 MiB of RAM */
#define GFP_ZONE_MASK 0x3u  /* flags & GFP_ZONE_MASK names the zone; 2 and 3 name none */
#define GFP_ZERO 0x100u     /* the memory handed out is zeroed */

/* What galloc(flags, 0) may return: not NULL, no block, and nothing answers
 * there on the bus, so any access through it faults (Linux's ZERO_SIZE_PTR).
 * gfree takes it and does nothing; gsize says 0. */
#define ZERO_SIZE_PTR 0x10u

/* ---------------------------------------------------------------------------
 * 3. The image ABI, version 1
 *
 * How the driver calls an image. It loads the ELF file's PT_LOAD segments
 * (flash and RAM, at their physical addresses; the rest of a segment past
 * its file bytes is zeroed), then calls pp_init once, then one function per
 * allocator call. Each call follows the RISC-V calling convention (ilp32):
 * a0..a2 hold the arguments, sp = __stack_top (16-byte aligned), ra = an
 * address no code occupies (returning to it ends the call), gp and tp are
 * not set (the image is linked with -mno-relax and needs neither). A call
 * may run a limited number of instructions; it must return (no `_start`
 * loop, no waiting for interrupts). The result is a0, unsigned.
 *
 * All values are 32 bits. A handle (page, pool) is whatever the design
 * chooses, usually an address; 0 is NULL and means "none". Running out of
 * memory returns 0 and is no error. A C design trusts its callers: the
 * misuse the TypeScript pagepile design refuses (double frees, frees to the
 * wrong pool) has no C equivalent; slice_pool_recycle's status is the only
 * refusal, the one the seam requires.
 *
 * Parts. An image declares which parts of the API it has by defining their
 * functions: the driver looks them up in the ELF's symbol table, and a part
 * with any function missing is unsupported (a replay skips its events,
 * counted as such). vmalloc has no C part in version 1: images lack it.
 *
 *   required   pp_init, pp_page_stats
 *   "pages"    alloc_pages, free_pages, page_to_addr, addr_to_page
 *   "slices"   slice_pool_create, slice_pool_recycle, slice_alloc,
 *              slice_free, slice_pool_shrink, and then pp_pools and
 *              pp_pool_stats are required too
 *   "generic"  galloc, gfree, gsize, gshrink
 *   optional   pp_pages_in_use, pp_audit, gtaken
 * ------------------------------------------------------------------------ */

/** Lays out the design's state in RAM, on a board fresh from power-on (RAM
 * zero but for the image's segments). Ask the board for its RAM and page
 * size with pp_ram_base(), pp_ram_size(), pp_page_size(). */
void pp_init(void);

/* The page allocator (part "pages"). */

/** Allocates a pile of 2^order contiguous pages (order 0..10), aligned to
 * its size; zeroed when flags has GFP_ZERO. Returns the pile's "page" (the
 * design's handle for its first page), or 0. */
uint32_t alloc_pages(uint32_t flags, uint32_t order);
/** Frees a pile alloc_pages returned, by its page. */
void free_pages(uint32_t page);
/** The physical address of a page. */
uint32_t page_to_addr(uint32_t page);
/** The page that holds a physical address of RAM. */
uint32_t addr_to_page(uint32_t addr);

/* The slice allocator (part "slices"). */

/** Creates a pool of `obj_size`-byte slices, aligned to 8 (4 for sizes
 * under 8); with GFP_ZERO in flags every slice comes zeroed. `name` is a
 * NUL-terminated ASCII name for statistics (the first 32 bytes count), or
 * NULL when the trace gave none (the design picks one, such as "pool-ID"):
 * the driver writes it into pp_scratch. Returns the pool's handle, or 0. */
uint32_t slice_pool_create(uint32_t flags, uint32_t obj_size, const char *name);
/** Destroys a pool that has no live slice, giving its memory back: returns
 * 0. A pool with live slices is refused and left as it was: returns the
 * number of live slices (the driver raises PoolBusyError with it). */
int32_t slice_pool_recycle(uint32_t pool);
/** Gets a slice from a pool: its address, or 0. */
uint32_t slice_alloc(uint32_t pool);
/** Returns a slice to the pool it came from. */
void slice_free(uint32_t slice, uint32_t pool);
/** Gives the pool's pages that hold no live slice back; returns how many. */
uint32_t slice_pool_shrink(uint32_t pool);

/* The generic allocator (part "generic"). */

/** Allocates `size` bytes aligned to 8; zeroed with GFP_ZERO. Returns the
 * block's address, 0, or ZERO_SIZE_PTR for size 0. */
uint32_t galloc(uint32_t flags, uint32_t size);
/** Frees a block galloc returned; 0 and ZERO_SIZE_PTR do nothing. */
void gfree(uint32_t addr);
/** The bytes a live block may use (at least what was asked); 0 for ZERO_SIZE_PTR. */
uint32_t gsize(uint32_t addr);
/** Optional: the bytes a live block takes from its allocator, its header
 * included: what the replay's waste figure counts (without it, gsize). */
uint32_t gtaken(uint32_t addr);
/** Gives the generic allocator's empty pages back; returns how many. */
uint32_t gshrink(void);

/* Figures. */

/** Page counts of the whole RAM, as one zone (like /proc/buddyinfo):
 *   offset  field
 *   0x00    total            pages of RAM (RAM_SIZE / page size)
 *   0x04    reserved         pages at the start of RAM that are the
 *                            firmware's own: no block may lie there (the
 *                            image's RAM counts among them)
 *   0x08    free             free pages: the sum of free_by_order[n] << n
 *   0x0C    free_by_order    [11]: free piles of 2^n pages, n = 0..10
 *   56 bytes in all. */
struct pp_page_stats {
  uint32_t total;
  uint32_t reserved;
  uint32_t free;
  uint32_t free_by_order[PP_NR_ORDERS];
};

/** One pool's figures (a line of /proc/slabinfo; PoolStats in TypeScript):
 *   0x00 id              the pool's id
 *   0x04 address         physical address of its record in RAM
 *   0x08 record_bytes    bytes of that record (no block may overlap it)
 *   0x0C obj_size        object size asked at creation
 *   0x10 slot_size       bytes each slice takes in its slab
 *   0x14 objs_per_slab   slices per slab
 *   0x18 pages_per_slab  pages per slab
 *   0x1C active_objs     slices handed out and not freed
 *   0x20 total_objs      slices the pool's slabs hold
 *   0x24 slabs           slabs the pool holds
 *   0x28 empty_slabs     of those, slabs with no live slice
 *   0x2C bytes_wasted    slabs' bytes - active_objs * obj_size
 *   0x30 internal        1 for the firmware's own pools, else 0
 *   0x34 name            [32] ASCII, NUL-padded (no NUL when all 32 are used)
 *   84 bytes in all. */
struct pp_pool_stats {
  uint32_t id;
  uint32_t address;
  uint32_t record_bytes;
  uint32_t obj_size;
  uint32_t slot_size;
  uint32_t objs_per_slab;
  uint32_t pages_per_slab;
  uint32_t active_objs;
  uint32_t total_objs;
  uint32_t slabs;
  uint32_t empty_slabs;
  uint32_t bytes_wasted;
  uint32_t internal;
  char name[32];
};

_Static_assert(offsetof(struct pp_page_stats, free_by_order) == 0x0C, "pp_page_stats layout");
_Static_assert(sizeof(struct pp_page_stats) == 56, "pp_page_stats layout");
_Static_assert(offsetof(struct pp_pool_stats, internal) == 0x30, "pp_pool_stats layout");
_Static_assert(offsetof(struct pp_pool_stats, name) == 0x34, "pp_pool_stats layout");
_Static_assert(sizeof(struct pp_pool_stats) == 84, "pp_pool_stats layout");

/** Required: fills `out` (in pp_scratch) with the page counts. */
void pp_page_stats(struct pp_page_stats *out);
/** Optional: pages held for any caller or for the design itself, every page
 * but the free and reserved ones. Read after every allocation: keep it a few
 * loads. Without it the driver computes total - reserved - free. */
uint32_t pp_pages_in_use(void);
/** Required with slices: writes the handles of up to `max` live pools to
 * `out` (in pp_scratch), in the order the design lists them, and returns
 * how many pools there are (which may be more than max). */
uint32_t pp_pools(uint32_t *out, uint32_t max);
/** Required with slices: fills `out` (in pp_scratch) with a live pool's figures. */
void pp_pool_stats(uint32_t pool, struct pp_pool_stats *out);
/** Optional: checks the design's invariants against its state in RAM;
 * prints each broken one as one line, ending "\n", on the console UART;
 * returns how many. */
uint32_t pp_audit(void);

/* ---------------------------------------------------------------------------
 * 4. What the SDK provides
 * ------------------------------------------------------------------------ */

/** 512 bytes in the image's RAM (start.S defines it, in .bss): the driver
 * writes a pool's name here before slice_pool_create, and passes pointers
 * into it as `out` for pp_page_stats, pp_pools and pp_pool_stats. Between
 * calls the design may use it as it likes. */
#define PP_SCRATCH_BYTES 512
extern uint8_t pp_scratch[PP_SCRATCH_BYTES];

/* mem.c: the compiler may emit calls to these even where the source has
 * none (struct copies, large initialisers). */
void *memset(void *dest, int c, size_t n);
void *memcpy(void *restrict dest, const void *restrict src, size_t n);
void *memmove(void *dest, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);

/* firmware.ld's symbols (use their addresses: (uint32_t)__stack_top).
 *   __firmware_ram_start   RAM_BASE: the image's RAM begins here
 *   __firmware_ram_end     RAM_BASE + __firmware_ram_size: the design's
 *                          own RAM begins here
 *   __stack_top            = __firmware_ram_end: sp at every call
 *   __stack_limit          the end of .bss: the stack may grow down to it */
extern uint8_t __firmware_ram_start[];
extern uint8_t __firmware_ram_end[];
extern uint8_t __stack_top[];
extern uint8_t __stack_limit[];

/** Puts a global in section .pp_globals, which the linker places first in
 * RAM, at RAM_BASE exactly: a design keeps its globals at a fixed address,
 * as a TypeScript design keeps them at RAM_BASE. */
#define PP_GLOBALS __attribute__((section(".pp_globals")))

/** Sets the bytes of RAM the image takes for its data, bss and stack (a
 * decimal literal, a multiple of 16; default 4096). Write it once, at file
 * scope: PP_FIRMWARE_RAM_SIZE(8192). The link fails when data and bss leave
 * less than 512 bytes of stack. */
#define PP_FIRMWARE_RAM_SIZE(bytes) \
  __asm__(".globl __firmware_ram_size\n.set __firmware_ram_size, " #bytes)

/* ---------------------------------------------------------------------------
 * 5. Wrapping an existing heap
 *
 * A heap that manages a region (TLSF, o1heap, umm_malloc, Zephyr's
 * sys_heap) becomes a design with the "generic" part alone: give it the RAM
 * above the image's own, define galloc, gfree, gsize, gshrink, and leave the
 * page and slice functions undefined, so those parts are unsupported (the
 * replay skips their events and counts them). pp_page_stats stays required.
 * Add the heap's sources to the build; if they include <string.h>,
 * <assert.h> or <stdlib.h>, give them small headers of your own with what
 * they use (memset and memcpy are above; assert can call pp_halt()).
 *
 *   #include "pagepile.h"
 *   #include "tlsf.h"
 *
 *   static tlsf_t heap;          // in .bss: in the image's RAM
 *   static uint32_t heap_start;  // the first page the heap owns
 *
 *   void pp_init(void) {
 *     heap_start = (uint32_t)__firmware_ram_end;
 *     uint32_t end = pp_ram_base() + pp_ram_size();
 *     heap = tlsf_create_with_pool((void *)heap_start, end - heap_start);
 *     // o1heap:     heap = o1heapInit((void *)heap_start, end - heap_start);
 *     // umm_malloc: umm_init_heap((void *)heap_start, end - heap_start);
 *   }
 *
 *   uint32_t galloc(uint32_t flags, uint32_t size) {
 *     if (size == 0) return ZERO_SIZE_PTR;
 *     void *block = tlsf_malloc(heap, size);  // o1heapAllocate(heap, size); umm_malloc(size)
 *     if (block != NULL && (flags & GFP_ZERO) != 0) memset(block, 0, size);
 *     return (uint32_t)block;
 *   }
 *
 *   void gfree(uint32_t addr) {
 *     if (addr != 0 && addr != ZERO_SIZE_PTR) tlsf_free(heap, (void *)addr);
 *   }
 *
 *   uint32_t gsize(uint32_t addr) {
 *     return addr == ZERO_SIZE_PTR ? 0 : tlsf_block_size((void *)addr);
 *   }
 *
 *   uint32_t gshrink(void) { return 0; }  // a heap keeps its region
 *
 *   void pp_page_stats(struct pp_page_stats *out) {
 *     memset(out, 0, sizeof *out);
 *     out->total = pp_ram_size() / PP_PAGE_SIZE;
 *     out->reserved = (heap_start - pp_ram_base()) / PP_PAGE_SIZE;
 *     // Free pages: whole pages inside the heap's free blocks, each run cut
 *     // into aligned piles of up to 2^10 pages (as examples/first_fit.c does),
 *     // found with tlsf_walk_pool(tlsf_get_pool(heap), walker, out). A heap
 *     // that cannot walk its blocks (o1heap, umm_malloc) reports free = 0:
 *     // the whole heap then counts as held, which is what it holds.
 *   }
 *
 *   uint32_t pp_audit(void) {            // optional
 *     if (tlsf_check(heap) == 0) return 0;  // o1heapDoInvariantsHold(heap)
 *     pp_puts("tlsf_check failed\n");
 *     return 1;
 *   }
 *
 * A heap that cannot tell a block's size (o1heap and umm_malloc have no
 * call for it) can keep it: allocate size + 8 bytes, store size in the first
 * word, return the address + 8 (which keeps 8-byte alignment), and read it
 * back in gsize; gtaken can then say size + 8 plus the heap's own header.
 * The replay checks that every block is aligned to 8 (4 for sizes under 8):
 * a heap that aligns less must round its blocks up.
 * ------------------------------------------------------------------------ */

#endif /* PAGEPILE_H */
