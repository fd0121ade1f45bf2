/**
 * Bus timing: what each access costs, in bus cycles.
 *
 * Costs do not depend on the access width, the address alignment or the value:
 * a cycle count is a pure function of the sequence of accesses, the same on
 * every machine and every run.
 * @module
 */

/** Cycles for one read or write of RAM, of any width. */
export const RAM_ACCESS_CYCLES = 2;
/** Cycles for one read or write of an MMIO register, and for a faulting access. */
export const MMIO_ACCESS_CYCLES = 8;
