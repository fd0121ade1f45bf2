/**
 * The MMU: translates 32-bit virtual addresses through a two-level page
 * table held in RAM, with a small TLB.
 *
 * ```
 * virtual address:  31 ........ 22 21 ........ 12 11 ........ 0
 *                   directory index  table index    byte offset
 * entry (both levels, 32 bits): bits 31-12 frame address, bit 1 writable,
 *                               bit 0 present; other bits ignored
 * ```
 * The directory (1024 entries, 4 KiB) is at PT_BASE; a present directory
 * entry points to a page table (1024 entries, 4 KiB); a present table entry
 * maps the page. Only the table entry's writable bit is checked.
 *
 * Registers:
 * ```
 * offset  name            access  value
 * 0x00    PT_BASE         RW      physical address of the directory
 * 0x04    CONTROL         RW      bit 0: translation on (off: virtual = physical)
 * 0x08    TLB_FLUSH       W       any write drops every TLB entry
 * 0x0C    TLB_FLUSH_PAGE  W       drops the entry of the page holding the written address
 * 0x10    FAULT_VADDR     R       virtual address of the last page fault
 * 0x14    FAULT_CAUSE     R       last fault's cause (PageFaultCause), bit 8 set for a write
 * 0x18    TLB_HITS        R       translations the TLB served
 * 0x1C    TLB_MISSES      R       translations that walked the tables
 * ```
 *
 * The TLB holds TLB_ENTRIES translations, fully associative, replaced in
 * FIFO order. A hit costs no bus cycle; a miss reads the directory entry and
 * the table entry through the bus, at the RAM cost of each read.
 * @module
 */

import { hex32 } from "./hex.ts";
import type { MmioDevice, RegisterAccess } from "./mmio_device.ts";

/** Offset of PT_BASE. */
export const MMU_PT_BASE = 0x00;
/** Offset of CONTROL. */
export const MMU_CONTROL = 0x04;
/** Offset of TLB_FLUSH. */
export const MMU_TLB_FLUSH = 0x08;
/** Offset of TLB_FLUSH_PAGE. */
export const MMU_TLB_FLUSH_PAGE = 0x0C;
/** Offset of FAULT_VADDR. */
export const MMU_FAULT_VADDR = 0x10;
/** Offset of FAULT_CAUSE. */
export const MMU_FAULT_CAUSE = 0x14;
/** Offset of TLB_HITS. */
export const MMU_TLB_HITS = 0x18;
/** Offset of TLB_MISSES. */
export const MMU_TLB_MISSES = 0x1C;
/** CONTROL bit: translation on. */
export const MMU_ENABLE = 1;
/** Entry bit: present. */
export const PTE_PRESENT = 1;
/** Entry bit: writable. */
export const PTE_WRITABLE = 2;
/** Mask of an entry's frame address. */
export const PTE_FRAME_MASK = 0xFFFF_F000;
/** Translations the TLB holds. */
export const TLB_ENTRIES = 16;

/** Why a translation failed. */
export const PageFaultCause = {
  /** The directory entry is not present: no page table covers the address. */
  NO_TABLE: 1,
  /** The table entry is not present: the page is not mapped. */
  NOT_MAPPED: 2,
  /** A write to a page mapped read-only. */
  READ_ONLY: 3,
} as const;

const CAUSE_TEXT: Record<number, string> = {
  [PageFaultCause.NO_TABLE]: "no page table covers it",
  [PageFaultCause.NOT_MAPPED]: "the page is not mapped",
  [PageFaultCause.READ_ONLY]: "the page is read-only",
};

/**
 * A virtual access the MMU could not translate.
 * @example
 * ```ts
 * import { Board, MMU_BASE, MMU_CONTROL, MMU_ENABLE, MMU_PT_BASE, PageFault } from "@pagepile/pagepile";
 * const board = new Board({ ramBytes: 1024 * 1024 });
 * board.write32(MMU_BASE + MMU_PT_BASE, board.ramBase); // zeroed RAM: an empty directory
 * board.write32(MMU_BASE + MMU_CONTROL, MMU_ENABLE);
 * try {
 *   board.vread32(0xC000_0000);
 * } catch (e) {
 *   console.log(e instanceof PageFault && e.vaddr === 0xC000_0000); // true
 * }
 * ```
 */
export class PageFault extends Error {
  /** The virtual address of the access. */
  readonly vaddr: number;
  /** Whether the access was a read or a write. */
  readonly access: "read" | "write";
  /** Why: a PageFaultCause. */
  readonly code: number;

  /**
   * Describes a failed translation.
   * @param vaddr the virtual address
   * @param access read or write
   * @param code a PageFaultCause
   */
  constructor(vaddr: number, access: "read" | "write", code: number) {
    super(`page fault: ${access} at virtual ${hex32(vaddr)} (${CAUSE_TEXT[code]})`);
    this.name = "PageFault";
    this.vaddr = vaddr;
    this.access = access;
    this.code = code;
  }
}

/** The MMU's register block and translation logic. */
export class Mmu implements MmioDevice {
  /** Device name in the memory map. */
  readonly name = "mmu";
  /** Register access, per the table above. */
  readonly registers: ReadonlyMap<number, RegisterAccess> = new Map<number, RegisterAccess>([
    [MMU_PT_BASE, "RW"],
    [MMU_CONTROL, "RW"],
    [MMU_TLB_FLUSH, "W"],
    [MMU_TLB_FLUSH_PAGE, "W"],
    [MMU_FAULT_VADDR, "R"],
    [MMU_FAULT_CAUSE, "R"],
    [MMU_TLB_HITS, "R"],
    [MMU_TLB_MISSES, "R"],
  ]);
  readonly #read32: (addr: number) => number;
  #ptBase = 0;
  #control = 0;
  #faultVaddr = 0;
  #faultCause = 0;
  #hits = 0;
  #misses = 0;
  /** TLB: virtual page number -> slot; each slot's frame and writable bit. */
  readonly #slots = new Map<number, number>();
  readonly #slotVpn = new Int32Array(TLB_ENTRIES).fill(-1);
  readonly #slotFrame = new Uint32Array(TLB_ENTRIES);
  readonly #slotWritable = new Uint8Array(TLB_ENTRIES);
  #nextSlot = 0;

  /**
   * Powers on an MMU with translation off and an empty TLB.
   * @param read32 the bus read used to walk the tables (it charges cycles)
   */
  constructor(read32: (addr: number) => number) {
    this.#read32 = read32;
  }

  /** Whether translation is on. */
  get enabled(): boolean {
    return (this.#control & MMU_ENABLE) !== 0;
  }

  /**
   * Translates a virtual address for an access.
   * @returns the physical address
   * @throws {PageFault} when the page is not mapped, or is read-only for a write
   */
  translate(vaddr: number, write: boolean): number {
    if (!this.enabled) return vaddr;
    const vpn = vaddr >>> 12;
    let slot = this.#slots.get(vpn);
    if (slot !== undefined) {
      this.#hits++;
    } else {
      this.#misses++;
      const pde = this.#read32(this.#ptBase + (vaddr >>> 22) * 4);
      if ((pde & PTE_PRESENT) === 0) this.#fault(vaddr, write, PageFaultCause.NO_TABLE);
      const pte = this.#read32((pde & PTE_FRAME_MASK) + ((vaddr >>> 12) & 0x3FF) * 4);
      if ((pte & PTE_PRESENT) === 0) this.#fault(vaddr, write, PageFaultCause.NOT_MAPPED);
      slot = this.#fill(vpn, pte);
    }
    if (write && this.#slotWritable[slot] === 0) {
      this.#fault(vaddr, write, PageFaultCause.READ_ONLY);
    }
    return (this.#slotFrame[slot] | (vaddr & 0xFFF)) >>> 0;
  }

  /** Reads a register. */
  read32(offset: number): number {
    switch (offset) {
      case MMU_PT_BASE:
        return this.#ptBase;
      case MMU_CONTROL:
        return this.#control;
      case MMU_FAULT_VADDR:
        return this.#faultVaddr;
      case MMU_FAULT_CAUSE:
        return this.#faultCause;
      case MMU_TLB_HITS:
        return this.#hits >>> 0;
      default:
        return this.#misses >>> 0;
    }
  }

  /** Writes a register. */
  write32(offset: number, value: number): void {
    if (offset === MMU_PT_BASE) {
      this.#ptBase = value & PTE_FRAME_MASK;
      this.#flushAll();
    } else if (offset === MMU_CONTROL) {
      this.#control = value & MMU_ENABLE;
      this.#flushAll();
    } else if (offset === MMU_TLB_FLUSH) {
      this.#flushAll();
    } else {
      const slot = this.#slots.get(value >>> 12);
      if (slot !== undefined) {
        this.#slots.delete(value >>> 12);
        this.#slotVpn[slot] = -1;
      }
    }
  }

  #fill(vpn: number, pte: number): number {
    const slot = this.#nextSlot;
    this.#nextSlot = (slot + 1) % TLB_ENTRIES;
    if (this.#slotVpn[slot] !== -1) this.#slots.delete(this.#slotVpn[slot]);
    this.#slotVpn[slot] = vpn;
    this.#slotFrame[slot] = (pte & PTE_FRAME_MASK) >>> 0;
    this.#slotWritable[slot] = pte & PTE_WRITABLE ? 1 : 0;
    this.#slots.set(vpn, slot);
    return slot;
  }

  #flushAll(): void {
    this.#slots.clear();
    this.#slotVpn.fill(-1);
  }

  #fault(vaddr: number, write: boolean, cause: number): never {
    this.#faultVaddr = vaddr >>> 0;
    this.#faultCause = cause | (write ? 0x100 : 0);
    throw new PageFault(vaddr >>> 0, write ? "write" : "read", cause);
  }
}
