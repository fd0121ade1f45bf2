/**
 * A design from a firmware image: an ELF file built from C with the SDK
 * (core/image/sdk, `deno task build-firmware`), run by the board's RV32IM
 * core. The image is checked when the design is made — an RV32 executable,
 * its segments in the flash and RAM windows, the ABI's functions — so that
 * a file that is no image is told before any board is made; booting loads it
 * into a board with flash and calls its pp_init.
 * @module
 */

import type { Board } from "../../hw/board.ts";
import { hex32 } from "../../hw/hex.ts";
import { FLASH_BASE, RAM_BASE, RAM_MAX_BYTES } from "../../hw/memory_map.ts";
import { ElfLoadError } from "../../hw/rv32/elf_error.ts";
import type { ElfImage } from "../../hw/rv32/elf_image.ts";
import { loadElf, readElf } from "../../hw/rv32/elf_loader.ts";
import { IBEX_SMALL, PICORV32, type Rv32TimingModel } from "../../hw/rv32/timing_models.ts";
import type { Design, DesignBootOptions, Firmware } from "../firmware.ts";
import { imageAbi } from "./image_abi.ts";
import { ImageFirmware } from "./image_firmware.ts";

/**
 * The flash a board gets for an image: 1 MiB at FLASH_BASE, the FLASH
 * region of the SDK's linker script (core/image/sdk/firmware.ld).
 */
export const IMAGE_FLASH_BYTES = 1024 * 1024;

/**
 * The core's timing models by the names the command line takes
 * (`--cpu-timing`): "ibex-small", the default, and "picorv32".
 */
export const CPU_TIMINGS: Readonly<Record<string, Rv32TimingModel>> = {
  "ibex-small": IBEX_SMALL,
  picorv32: PICORV32,
};

/** Options of {@link imageDesign}. */
export interface ImageDesignOptions {
  /** The core's timing model; default IBEX_SMALL ("Ibex-small on the counted bus"). */
  timing?: Rv32TimingModel;
}

/**
 * The design an image makes: booting it loads the ELF file into the board
 * (flash and RAM, through the debug port), makes a core with the timing
 * model, and calls pp_init; the firmware calls the image's functions (see
 * core/image/image_firmware.ts). Its board needs {@link IMAGE_FLASH_BYTES}
 * of flash: `boardOptions` says so.
 * @param name the design's name (a replay names it by its file: "first_fit.elf")
 * @param elf the ELF file's bytes
 * @param options the core's timing model
 * @returns the design
 * @throws {ElfLoadError} when the file is not an RV32 executable, or loads
 *   a segment outside the flash and RAM windows
 * @throws {ImageAbiError} when it lacks a function or symbol the ABI requires
 * @example
 * ```ts
 * import { Board, GFP_KERNEL, imageDesign } from "@pagepile/pagepile";
 * const elf = await Deno.readFile(new URL("../../examples/first_fit.elf", import.meta.url));
 * const design = imageDesign("first_fit.elf", elf);
 * const firmware = design.boot(new Board({ ramBytes: 1024 * 1024, ...design.boardOptions }));
 * const block = firmware.galloc(GFP_KERNEL, 100);
 * console.log(firmware.gsize(block), firmware.unsupported); // 104 [ "vmalloc" ]
 * ```
 */
export function imageDesign(
  name: string,
  elf: Uint8Array,
  options: ImageDesignOptions = {},
): Design {
  const image = readElf(elf);
  checkWindows(image);
  const abi = imageAbi(image);
  const bytes = elf.slice();
  const timing = options.timing ?? IBEX_SMALL;
  return {
    name,
    summary: `a firmware image run by the board's RV32IM core (${timing.name})`,
    boardOptions: { flashBytes: IMAGE_FLASH_BYTES },
    boot(board: Board, bootOptions: DesignBootOptions = {}): Firmware {
      const loaded = loadElf(board, bytes);
      return new ImageFirmware(board, loaded, abi, {
        timing,
        maxCallInstructions: bootOptions.maxCallInstructions,
      });
    },
  };
}

/**
 * Refuses a segment that no board holds: outside the flash an image gets
 * and outside the largest RAM. (Whether the RAM segment fits a given board's
 * RAM is loadElf's to say, at boot.)
 */
function checkWindows(image: ElfImage): void {
  for (const segment of image.segments) {
    const end = segment.address + segment.memoryBytes;
    const inFlash = segment.address >= FLASH_BASE && end <= FLASH_BASE + IMAGE_FLASH_BYTES;
    const inRam = segment.address >= RAM_BASE && end <= RAM_BASE + RAM_MAX_BYTES;
    if (!inFlash && !inRam) {
      throw new ElfLoadError(
        `segment outside flash and RAM: it loads ${hex32(segment.address)}-${hex32(end)}; ` +
          `flash is ${hex32(FLASH_BASE)}-${hex32(FLASH_BASE + IMAGE_FLASH_BYTES)}, ` +
          `RAM ${hex32(RAM_BASE)}-${hex32(RAM_BASE + RAM_MAX_BYTES)} at most`,
        segment.headerOffset,
      );
    }
  }
}
