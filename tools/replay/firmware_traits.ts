/**
 * What a driver reads once of a booted firmware before calling it: the
 * promises and optional members that change how it is driven and checked.
 * Read in one guarded call, and checked, since a design's members may be
 * getters that throw or values of any type.
 * @module
 */

import {
  type Firmware,
  type FirmwareCpu,
  KERNEL_PARTS,
  type KernelPart,
} from "../../core/firmware.ts";

/** A firmware's promises and which optional members it has. */
export interface FirmwareTraits {
  /** The parts of the API it lacks (vmalloc whenever it has no vmalloc and vfree). */
  lacks: Set<KernelPart>;
  /** The alignment it promises for slices and galloc blocks. */
  align: number;
  /** Whether a power-of-two slice up to a page is aligned to its size. */
  powerOfTwoAlign: boolean;
  /** The largest object a pool takes. */
  maxSliceSize: number;
  /** Whether it was booted with its debug options. */
  debug: boolean;
  /** Whether it has gtaken (else gsize is what a block takes). */
  hasGtaken: boolean;
  /** Whether it has pageStats (else stats().pages). */
  hasPageStats: boolean;
  /** Whether it has pageMap. */
  hasPageMap: boolean;
  /** Whether it has debugReports. */
  hasDebugReports: boolean;
  /** The CPU its calls run on (a firmware image's core), if they run on one. */
  cpu: FirmwareCpu | undefined;
}

/**
 * Reads a firmware's traits.
 * @param firmware the firmware
 * @returns its traits
 * @throws {TypeError} naming the member whose value is not what the seam says it is
 */
export function firmwareTraits(firmware: Firmware): FirmwareTraits {
  const lacks = new Set<KernelPart>();
  const unsupported = firmware.unsupported ?? [];
  if (!Array.isArray(unsupported)) throw new TypeError("`unsupported` is not a list of parts");
  for (const part of unsupported) {
    if (!(part in KERNEL_PARTS)) {
      throw new TypeError(
        `\`unsupported\` names "${part}", not one of ${Object.keys(KERNEL_PARTS).join(", ")}`,
      );
    }
    lacks.add(part);
  }
  if (typeof firmware.vmalloc !== "function" || typeof firmware.vfree !== "function") {
    lacks.add("vmalloc");
  }
  const align = firmware.align ?? 8;
  if (!Number.isInteger(align) || align < 1 || (align & (align - 1)) !== 0 || align > 4096) {
    throw new TypeError(`\`align\` is ${align}, not a power of two from 1 to 4096`);
  }
  const maxSliceSize = firmware.maxSliceSize ?? Infinity;
  if (typeof maxSliceSize !== "number" || Number.isNaN(maxSliceSize)) {
    throw new TypeError(`\`maxSliceSize\` is ${maxSliceSize}, not a number of bytes`);
  }
  const cpu = firmware.cpu;
  if (
    cpu !== undefined &&
    (typeof cpu !== "object" || cpu === null || typeof cpu.counters !== "function" ||
      typeof cpu.timing?.name !== "string")
  ) {
    throw new TypeError("`cpu` is not a CPU (with counters() and a timing model's name)");
  }
  return {
    lacks,
    align,
    powerOfTwoAlign: firmware.powerOfTwoAlign === true,
    maxSliceSize,
    debug: firmware.debug === true,
    hasGtaken: typeof firmware.gtaken === "function",
    hasPageStats: typeof firmware.pageStats === "function",
    hasPageMap: typeof firmware.pageMap === "function",
    hasDebugReports: typeof firmware.debugReports === "function",
    cpu,
  };
}
