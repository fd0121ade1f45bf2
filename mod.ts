/**
 * pagepile: a small kernel's memory management, running as firmware on a
 * simulated board whose bus counts every access in cycles.
 *
 * @example
 * ```ts
 * import { Board, boot, formatBuddyinfo, GFP_KERNEL } from "@pagepile/pagepile";
 * const board = new Board({ ramBytes: 16 * 1024 * 1024 });
 * const k = boot(board);
 * const before = board.cycles;
 * const addr = k.get_pages(GFP_KERNEL, 4);
 * console.log(`get_pages took ${board.cycles - before} bus cycles`);
 * k.put_pages(addr);
 * console.log(formatBuddyinfo(k.stats().pages));
 * ```
 *
 * This module loads no npm package. The HTML report of a replay is a second
 * entry point, `@pagepile/pagepile/report`.
 * @module
 */

export { Board, type BoardCaches, type BoardOptions, type MemoryRegion } from "./hw/board.ts";
export {
  boardCacheCosts,
  CACHE_PRESETS,
  type CacheConfig,
  CacheConfigError,
  type CacheCosts,
  type CacheCounters,
  type CacheLineState,
  CacheModel,
  type CachePresetName,
  CacheView,
  checkCacheConfig,
  formatCacheSpec,
  isCachePresetName,
  parseCacheSpec,
  type Replacement,
  type WritePolicy,
} from "./hw/cache/mod.ts";
export { BusFault, type BusFaultReason } from "./hw/bus_fault.ts";
export { CycleCountError } from "./hw/cycle_count_error.ts";
export { CycleLimitExceeded } from "./hw/cycle_limit.ts";
export type { MmioDevice, RegisterAccess } from "./hw/mmio_device.ts";
export { formatAddress, hex32 } from "./hw/hex.ts";
export {
  BOARD_ID,
  CONSOLE_BASE,
  CYCLE_COUNTER_BASE,
  FAULT_STATUS_BASE,
  FLASH_BASE,
  FLASH_MAX_BYTES,
  MMIO_BLOCK_BYTES,
  MMU_BASE,
  PAGE_SIZE,
  RAM_BASE,
  RAM_DEFAULT_BYTES,
  RAM_MAX_BYTES,
  RAM_MIN_BYTES,
  SYSINFO_BASE,
} from "./hw/memory_map.ts";
export { FLASH_ACCESS_CYCLES, MMIO_ACCESS_CYCLES, RAM_ACCESS_CYCLES } from "./hw/timing.ts";
export {
  CALL_RETURN_ADDRESS,
  DEFAULT_CALL_INSTRUCTIONS,
  type Rv32CallOptions,
  Rv32Core,
  type Rv32CoreOptions,
  type Rv32Counters,
} from "./hw/rv32/core.ts";
export {
  IBEX_SMALL,
  PICORV32,
  RV32_TIMING_CLASSES,
  type Rv32TimingClass,
  type Rv32TimingModel,
} from "./hw/rv32/timing_models.ts";
export {
  type Rv32Access,
  Rv32Breakpoint,
  Rv32BusError,
  Rv32EnvironmentCall,
  Rv32IllegalInstruction,
  Rv32MisalignedAccess,
  Rv32Trap,
} from "./hw/rv32/traps.ts";
export { Rv32InstructionLimitExceeded } from "./hw/rv32/instruction_limit.ts";
export { Rv32CycleLimitExceeded } from "./hw/rv32/cycle_limit.ts";
export { RV32_REGISTERS } from "./hw/rv32/registers.ts";
export { ElfLoadError, ElfSymbolNotFound } from "./hw/rv32/elf_error.ts";
export { ElfImage, type ElfSegment, type ElfSymbol } from "./hw/rv32/elf_image.ts";
export { loadElf, readElf } from "./hw/rv32/elf_loader.ts";
export {
  SYSINFO_BOARD_ID,
  SYSINFO_PAGE_SIZE,
  SYSINFO_RAM_BASE,
  SYSINFO_RAM_SIZE,
} from "./hw/sysinfo.ts";
export { CYCLES_HI, CYCLES_LO } from "./hw/cycle_counter.ts";
export {
  CONSOLE_STATUS,
  CONSOLE_STATUS_READY,
  CONSOLE_TX,
  ConsoleUart,
} from "./hw/console_uart.ts";
export {
  FAULT_ADDR,
  FAULT_COUNT,
  FAULT_INFO,
  FAULT_INFO_VALID,
  FAULT_INFO_WIDTH_SHIFT,
  FAULT_INFO_WRITE,
} from "./hw/fault_status.ts";
export {
  type Design,
  type DesignBoardOptions,
  type DesignBootOptions,
  type Firmware,
  type FirmwareCpu,
  type FirmwareStats,
  KERNEL_PARTS,
  type KernelPart,
  type PageCounts,
  type PageHolder,
  type PageKind,
  type PageMap,
  type PageStats,
  type PoolHandle,
  type PoolStats,
  type SlicePoolOptions,
  type VmallocOptions,
  type VmArea,
  type VmStats,
  ZERO_SIZE_PTR,
} from "./core/firmware.ts";
export { pagepileDesign } from "./core/pagepile/design.ts";
export { koowaldahDesign } from "./core/koowaldah/design.ts";
export { tlsfDesign } from "./core/tlsf/design.ts";
export { DESIGNS } from "./core/designs.ts";
export {
  CPU_TIMINGS,
  IMAGE_FLASH_BYTES,
  imageDesign,
  type ImageDesignOptions,
} from "./core/image/image_design.ts";
export { IMAGE_CALL_INSTRUCTIONS } from "./core/image/image_firmware.ts";
export { IMAGE_PARTS, type ImageAbi, imageAbi, ImageAbiError } from "./core/image/image_abi.ts";
export {
  DesignLoadError,
  type DesignLoadFailure,
  loadDesign,
  type LoadDesignOptions,
} from "./tools/replay/design_loader.ts";
export { boot, type BootInfo, type BootOptions } from "./core/pagepile/boot.ts";
export { POISON_FREE, RED_ACTIVE, RED_INACTIVE, RED_ZONE_BYTES } from "./core/pagepile/debug.ts";
export { Kernel, type KernelStats } from "./core/pagepile/kernel.ts";
export { VM_WINDOW_BASE } from "./core/pagepile/vmalloc.ts";
export type { FreePile } from "./core/pagepile/page_alloc.ts";
export { SlicePool } from "./core/pagepile/slice_alloc.ts";
export { type GenericClassStats, type GenericStats } from "./core/pagepile/generic_alloc.ts";
export { CLASS_SIZES, MAX_CLASS_SIZE } from "./core/pagepile/size_classes.ts";
export { MAX_SLICE_SIZE } from "./core/pagepile/slab_geometry.ts";
export { MAX_ORDER } from "./core/pagepile/layout.ts";
export { GFP_DMA, GFP_KERNEL, GFP_ZERO, gfpProblem } from "./core/gfp.ts";
export {
  CorruptionError,
  DoubleFreeError,
  InvalidAddressError,
  InvalidArgumentError,
  InvalidFreeError,
  KernelError,
  PoolBusyError,
} from "./core/errors.ts";
export { formatBuddyinfo } from "./core/buddyinfo.ts";
export { formatSlabinfo } from "./core/slabinfo.ts";
export { formatVmallocinfo } from "./core/vmallocinfo.ts";
export {
  type LineHandler,
  MAX_LINE_CHARS,
  readLines,
  type ReadLinesOptions,
  TraceInputError,
} from "./traces/line_reader.ts";
export {
  emptyEvent,
  TRACE_OPS,
  type TraceEvent,
  type TraceOp,
  type TraceSink,
} from "./traces/trace_event.ts";
export { LinuxTraceParser } from "./traces/linux_ftrace.ts";
export { formatNativeEvent, NATIVE_HEADER, NativeTraceParser } from "./traces/native_format.ts";
export {
  readTrace,
  type ReadTraceOptions,
  type TraceFormat,
  type TraceInfo,
} from "./traces/trace_reader.ts";
export { streamTrace, type StreamTraceOptions, TraceStreamer } from "./traces/trace_stream.ts";
export { deliverBatch, type EventBatch } from "./traces/event_batch.ts";
export { type TapeReader, TraceTape, type TraceTapeOptions } from "./traces/trace_tape.ts";
export { LiveBytes } from "./traces/live_bytes.ts";
export {
  type AllocationFailure,
  type CpuFigures,
  type CpuOpFigures,
  type MemoryFigures,
  Replayer,
  type ReplayOptions,
  type ReplayResult,
  ReplayStopped,
  type ReplayTables,
  type StopReason,
  type Violation,
} from "./tools/replay/replayer.ts";
export {
  type CallLimits,
  DEFAULT_MAX_CALL_CYCLES,
  DEFAULT_WATCHDOG_SECONDS,
  DesignBroken,
} from "./tools/replay/call_guard.ts";
export {
  type ReplayReport,
  replayTrace,
  type ReplayTraceOptions,
} from "./tools/replay/replay_trace.ts";
export { formatReplayReport } from "./tools/replay/replay_report.ts";
export {
  compareDesigns,
  type CompareOptions,
  type Comparison,
  type DesignFigures,
} from "./tools/compare/compare_designs.ts";
export { formatComparison } from "./tools/compare/comparison_table.ts";
export type { MemorySeries, ReplayPictures } from "./tools/replay/memory_timeline.ts";
export { Recorder } from "./tools/record/recorder.ts";
export { boardForPeak, type BoardSize, boardSizeForTrace } from "./tools/replay/board_size.ts";
export { CHECK_MODES, type CheckMode } from "./tools/replay/shadow_memory.ts";
export type { OpFigures } from "./tools/replay/cycle_stats.ts";
export type {
  CacheCountFigures,
  CacheFigures,
  CacheOpFigures,
  CacheSideFigures,
} from "./tools/replay/cache_stats.ts";
export {
  Mmu,
  MMU_CONTROL,
  MMU_ENABLE,
  MMU_FAULT_CAUSE,
  MMU_FAULT_VADDR,
  MMU_PT_BASE,
  MMU_TLB_FLUSH,
  MMU_TLB_FLUSH_PAGE,
  MMU_TLB_HITS,
  MMU_TLB_MISSES,
  PageFault,
  PageFaultCause,
  PTE_FRAME_MASK,
  PTE_PRESENT,
  PTE_WRITABLE,
  TLB_ENTRIES,
} from "./hw/mmu.ts";
