/**
 * The board's physical memory map: where flash, RAM and each MMIO register block sit.
 *
 * ```
 * 0x0000_0000 - 0x1FFF_FFFF   unmapped: 0 is NULL, every access faults
 * 0x2000_0000 - 0x20FF_FFFF   flash (read-only): the first flashBytes bytes from FLASH_BASE
 * 0x2100_0000 - 0x3FFF_FFFF   unmapped
 * 0x4000_0000 - 0x7FFF_FFFF   RAM: the first ramBytes bytes from RAM_BASE
 * 0x8000_0000 - 0xEFFF_FFFF   unmapped
 * 0xF000_0000 - 0xF000_0FFF   system information (read-only)
 * 0xF000_1000 - 0xF000_1FFF   cycle counter (read-only)
 * 0xF000_2000 - 0xF000_2FFF   console UART
 * 0xF000_3000 - 0xF000_3FFF   fault status
 * 0xF000_4000 - 0xF000_4FFF   MMU
 * 0xF000_5000 - 0xFFFF_FFFF   unmapped
 * ```
 *
 * RAM_BASE is aligned to 1 GiB, so a pile of 2^n pages whose offset in RAM is
 * aligned to 2^n pages is aligned to 2^n pages as a physical address too.
 *
 * Flash holds a firmware image's code and read-only data. The bus only reads
 * it (a store faults); the debug port programs it, as a debug probe would.
 * A board has no flash unless its options ask for some.
 * @module
 */

/** Physical address of the first byte of RAM. Not 0, so 0 is always NULL. */
export const RAM_BASE = 0x4000_0000;
/** Smallest RAM a board can have: 64 KiB. */
export const RAM_MIN_BYTES = 64 * 1024;
/** Largest RAM a board can have: 1 GiB, which fills the RAM window. */
export const RAM_MAX_BYTES = 1024 * 1024 * 1024;
/** RAM a board gets when its options do not say: 64 MiB. */
export const RAM_DEFAULT_BYTES = 64 * 1024 * 1024;
/** Physical address of the first byte of flash, below RAM and far from 0. */
export const FLASH_BASE = 0x2000_0000;
/** Largest flash a board can have: 16 MiB, which fills the flash window. */
export const FLASH_MAX_BYTES = 16 * 1024 * 1024;
/** Page size the board reports to the firmware, in bytes. */
export const PAGE_SIZE = 4096;

/** Size of every MMIO register block, in bytes. */
export const MMIO_BLOCK_BYTES = 0x1000;
/** Base of the system-information register block. */
export const SYSINFO_BASE = 0xF000_0000;
/** Base of the cycle-counter register block. */
export const CYCLE_COUNTER_BASE = 0xF000_1000;
/** Base of the console UART register block. */
export const CONSOLE_BASE = 0xF000_2000;
/** Base of the fault-status register block. */
export const FAULT_STATUS_BASE = 0xF000_3000;
/** Base of the MMU's register block. */
export const MMU_BASE = 0xF000_4000;

/** Identifier the board reports in its BOARD_ID register ("PP", revision 1). */
export const BOARD_ID = 0x5050_0001;
