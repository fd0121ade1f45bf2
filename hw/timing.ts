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
/**
 * Cycles for one read of flash, of any width: a RAM access and two wait
 * states. RAM_ACCESS_CYCLES stands for a zero-wait-state access; the flash of
 * a small MCU at its usual clock adds its wait states to that — the STM32F1's
 * flash needs 2 at 48 to 72 MHz (RM0008, FLASH_ACR LATENCY). No prefetch
 * buffer or cache hides them: every instruction fetched from flash pays them.
 */
export const FLASH_ACCESS_CYCLES = 4;
