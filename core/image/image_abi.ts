/**
 * The image ABI, version 1 (core/image/sdk/pagepile.h, section 3): which
 * functions an image defines, found by name in its ELF symbol table, and so
 * which parts of the Kernel API it has; where its stack and its scratch
 * buffer are; and the checks an image must pass before any board is made
 * for it.
 *
 * ```
 * required          pp_init, pp_page_stats; __stack_top and pp_scratch (the SDK's)
 * part "pages"      alloc_pages, free_pages, page_to_addr, addr_to_page
 * part "slices"     slice_pool_create, slice_pool_recycle, slice_alloc, slice_free,
 *                   slice_pool_shrink; then pp_pools and pp_pool_stats are required
 * part "generic"    galloc, gfree, gsize, gshrink
 * optional          pp_pages_in_use, pp_audit, gtaken
 * ```
 * A part with any of its functions missing is unsupported; "vmalloc" always
 * is (the ABI has no C vmalloc).
 * @module
 */

import type { KernelPart } from "../firmware.ts";
import type { ElfImage } from "../../hw/rv32/elf_image.ts";
import { hex32 } from "../../hw/hex.ts";

/** The parts an image may have, and the functions each one needs. */
export const IMAGE_PARTS: Readonly<Record<"pages" | "slices" | "generic", readonly string[]>> = {
  pages: ["alloc_pages", "free_pages", "page_to_addr", "addr_to_page"],
  slices: [
    "slice_pool_create",
    "slice_pool_recycle",
    "slice_alloc",
    "slice_free",
    "slice_pool_shrink",
  ],
  generic: ["galloc", "gfree", "gsize", "gshrink"],
};

/** The functions every image defines. */
const REQUIRED = ["pp_init", "pp_page_stats"];
/** The functions an image with slices defines besides them: its pools' figures. */
const SLICE_FIGURES = ["pp_pools", "pp_pool_stats"];
/** The functions an image may define or leave out. */
const OPTIONAL = ["pp_pages_in_use", "pp_audit", "gtaken"];

/** The bytes of pp_scratch (PP_SCRATCH_BYTES). */
export const SCRATCH_BYTES = 512;

/**
 * An image that is an executable the core can run but not a firmware image
 * of the ABI: a function or symbol it must define is missing, or is not
 * where it must be.
 * @example
 * ```ts
 * import { ImageAbiError } from "@pagepile/pagepile";
 * console.log(new ImageAbiError("no pp_init").message); // image ABI: no pp_init
 * ```
 */
export class ImageAbiError extends Error {
  /**
   * Describes what the image lacks.
   * @param problem what is wrong, in a line
   */
  constructor(problem: string) {
    super(`image ABI: ${problem}`);
    this.name = "ImageAbiError";
  }
}

/** What the driver needs to know of an image to call it. */
export interface ImageAbi {
  /** Each function of the ABI the image defines, by name: its address. */
  readonly functions: ReadonlyMap<string, number>;
  /** The parts of the Kernel API it lacks ("vmalloc" always among them). */
  readonly lacks: readonly KernelPart[];
  /** `__stack_top`: the stack pointer at every call. */
  readonly stackTop: number;
  /** `pp_scratch`: where the driver writes names and the figures' functions write their structs. */
  readonly scratch: number;
}

/**
 * Reads an image's ABI from its symbols.
 * @param image the image, as readElf read it
 * @returns its functions, the parts it lacks, its stack top and scratch buffer
 * @throws {ImageAbiError} when it lacks a required function or symbol, or
 *   has slices without their figures
 * @example
 * ```ts
 * import { ElfImage, imageAbi } from "@pagepile/pagepile";
 * const fn = (name: string, address: number) => ({ name, address, size: 4, kind: "function" as const });
 * const image = new ElfImage(0x2000_0000, [], [
 *   fn("pp_init", 0x2000_0000),
 *   fn("pp_page_stats", 0x2000_0004),
 *   fn("galloc", 0x2000_0008),
 *   fn("gfree", 0x2000_000C),
 *   fn("gsize", 0x2000_0010),
 *   fn("gshrink", 0x2000_0014),
 *   { name: "__stack_top", address: 0x4000_1000, size: 0, kind: "notype" },
 *   { name: "pp_scratch", address: 0x4000_0000, size: 512, kind: "object" },
 * ]);
 * console.log(imageAbi(image).lacks); // [ "pages", "slices", "vmalloc" ]
 * ```
 */
export function imageAbi(image: ElfImage): ImageAbi {
  const address = (name: string): number | undefined => image.symbols.get(name)?.address;
  for (const name of REQUIRED) {
    if (address(name) === undefined) {
      throw new ImageAbiError(
        `no function ${name}: every image defines pp_init and pp_page_stats ` +
          "(core/image/sdk/pagepile.h, the image ABI)",
      );
    }
  }
  const functions = new Map<string, number>();
  const lacks: KernelPart[] = [];
  const add = (name: string): void => {
    const at = address(name);
    if (at !== undefined) functions.set(name, at);
  };
  for (const name of [...REQUIRED, ...OPTIONAL]) add(name);
  for (const [part, names] of Object.entries(IMAGE_PARTS) as [KernelPart, readonly string[]][]) {
    if (names.some((name) => address(name) === undefined)) {
      lacks.push(part);
      continue;
    }
    for (const name of names) add(name);
  }
  lacks.push("vmalloc");
  if (!lacks.includes("slices")) {
    for (const name of SLICE_FIGURES) {
      if (address(name) === undefined) {
        throw new ImageAbiError(
          `no function ${name}: an image with the slice allocator defines pp_pools and ` +
            "pp_pool_stats, for its pools' figures",
        );
      }
      add(name);
    }
  }
  return {
    functions,
    lacks,
    stackTop: stackTop(image),
    scratch: scratch(image),
  };
}

/** `__stack_top`, which must be a 16-byte aligned address. */
function stackTop(image: ElfImage): number {
  const symbol = image.symbols.get("__stack_top");
  if (symbol === undefined) {
    throw new ImageAbiError(
      "no symbol __stack_top: link with core/image/sdk/firmware.ld (deno task build-firmware)",
    );
  }
  if (symbol.address % 16 !== 0) {
    throw new ImageAbiError(`__stack_top is ${hex32(symbol.address)}, not 16-byte aligned`);
  }
  return symbol.address;
}

/** `pp_scratch`, which must hold SCRATCH_BYTES (when its size is given). */
function scratch(image: ElfImage): number {
  const symbol = image.symbols.get("pp_scratch");
  if (symbol === undefined) {
    throw new ImageAbiError(
      "no symbol pp_scratch: link with core/image/sdk/start.S (deno task build-firmware)",
    );
  }
  if (symbol.size !== 0 && symbol.size < SCRATCH_BYTES) {
    throw new ImageAbiError(
      `pp_scratch holds ${symbol.size} bytes, not ${SCRATCH_BYTES}`,
    );
  }
  if (symbol.address % 4 !== 0) {
    throw new ImageAbiError(`pp_scratch is at ${hex32(symbol.address)}, not 4-byte aligned`);
  }
  return symbol.address;
}
