/**
 * What a Linux kernel allocates, measured on the recorded traces in the
 * repository, as tables the trace synthesizer draws from. Unless a table
 * says otherwise, the figures come from the three whole Linux 6.1 traces
 * (`traces/recorded/linux-6.1/{boot,fs,procs}.trace.gz`, converted with
 * `deno task convert` and counted with awk): 49,679 kmalloc, 414,378
 * kmem_cache_alloc and 190,655 mm_page_alloc events. Weights are whole
 * numbers per 10,000 of the events counted, rounded.
 * @module
 */

import { PAGE_SIZE } from "../../hw/memory_map.ts";

/** Allocations of each kind per 10,000: kmalloc, kmem_cache_alloc, mm_page_alloc. */
export const KIND_WEIGHTS = { galloc: 759, slice: 6329, pages: 2912 } as const;

/**
 * vmalloc areas per 10,000 allocations, when the trace has them. The 6.1
 * traces have no vmalloc events (Linux 6.2 added them); the 6.12 excerpt,
 * which loads and unloads kernel modules all along, has 50. A workload
 * without modules makes far fewer, and an area costs a replay many times an
 * object (mapping, a TLB flush per page), so this is a small share.
 */
export const VMALLOC_WEIGHT = 20;

/**
 * Sizes a kmalloc asks for: `[smallest, largest, weight]`, drawn uniformly
 * within a band. Sixteen sizes make 85% of the calls and are bands of one
 * size (16 bytes alone is 15%; 4096, a page-sized buffer, 9%); the rest is
 * spread over each kmalloc class's range. The last band stops at 64 KiB: the
 * traces have larger calls up to 996,600 bytes, 3 in 10,000, all in it.
 */
export const KMALLOC_SIZE_BANDS: readonly (readonly [number, number, number])[] = [
  [1, 8, 190],
  [8, 8, 834],
  [9, 16, 228],
  [11, 11, 1193],
  [16, 16, 1544],
  [17, 32, 221],
  [24, 24, 550],
  [25, 25, 253],
  [32, 32, 126],
  [33, 64, 316],
  [48, 48, 150],
  [65, 96, 67],
  [72, 72, 1174],
  [88, 88, 333],
  [97, 128, 84],
  [129, 192, 55],
  [168, 168, 188],
  [193, 256, 90],
  [257, 512, 68],
  [296, 296, 310],
  [416, 416, 312],
  [513, 1024, 56],
  [560, 560, 311],
  [640, 640, 188],
  [1025, 2048, 70],
  [2049, 4096, 5],
  [2592, 2592, 129],
  [4096, 4096, 945],
  [4097, 8192, 4],
  [8193, 65536, 8],
];

/** Sizes of Linux's kmalloc caches (SLUB, x86-64): a request takes the first that holds it. */
const KMALLOC_CLASSES = [8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192];

/**
 * The bytes Linux hands out for a kmalloc of `size` bytes (the trace's
 * `bytes_alloc`, pagepile's `linux_bytes=`): the first kmalloc cache that
 * holds it; above 8 KiB kmalloc takes 2^order pages from the page allocator,
 * the fewest that hold it (as the traces show: 16384, 32768, ...).
 * @param size bytes requested, at least 1
 * @returns the bytes Linux hands out
 * @example
 * ```ts
 * import { kmallocBytes } from "./linux_mix.ts";
 * console.log(kmallocBytes(72), kmallocBytes(100), kmallocBytes(9000)); // 96 128 16384
 * ```
 */
export function kmallocBytes(size: number): number {
  for (const bytes of KMALLOC_CLASSES) if (size <= bytes) return bytes;
  let bytes = 2 * PAGE_SIZE;
  while (bytes < size) bytes *= 2;
  return bytes;
}

/** Of 100 kmallocs, those with `__GFP_ZERO` (kzalloc): 32,908 of 49,679. */
export const KMALLOC_ZERO_PERCENT = 66;

/** A slab cache: its name, object size and share of kmem_cache_alloc calls. */
export interface SlabCache {
  /** Linux's name for the cache (the 6.1 traces give it on kmem_cache_free). */
  readonly name: string;
  /** Object size in bytes (`bytes_req` of its allocations). */
  readonly size: number;
  /** Allocations per 10,000 kmem_cache_alloc calls. */
  readonly weight: number;
}

/**
 * The sixteen busiest caches, 87% of the kmem_cache_alloc calls (the rest,
 * a long tail of small caches, is left out). A cache is a size and the
 * allocating functions the traces pair with its name on free: 152 bytes from
 * vm_area_dup and vm_area_alloc are vm_area_struct, and so on.
 */
export const SLAB_CACHES: readonly SlabCache[] = [
  { name: "vm_area_struct", size: 152, weight: 1749 },
  { name: "anon_vma_chain", size: 64, weight: 1599 },
  { name: "names_cache", size: 4096, weight: 882 },
  { name: "anon_vma", size: 96, weight: 841 },
  { name: "maple_node", size: 256, weight: 679 },
  { name: "dentry", size: 192, weight: 526 },
  { name: "lsm_inode_cache", size: 32, weight: 438 },
  { name: "filp", size: 256, weight: 319 },
  { name: "lsm_file_cache", size: 24, weight: 319 },
  { name: "kernfs_node_cache", size: 128, weight: 280 },
  { name: "inode_cache", size: 632, weight: 253 },
  { name: "radix_tree_node", size: 576, weight: 237 },
  { name: "cred_jar", size: 184, weight: 175 },
  { name: "task_struct", size: 8392, weight: 139 },
  { name: "pid", size: 128, weight: 139 },
  { name: "mm_struct", size: 1104, weight: 137 },
];

/**
 * Page allocations per order 0, 1, 2, 3, per 10,000: 182,010 of order 0,
 * 8,526 of order 1, and 118 of orders 2 to 8, which the generator splits
 * between 2 and 3 (it goes no higher).
 */
export const PAGE_ORDER_WEIGHTS: readonly number[] = [9547, 447, 3, 3];

/** Of 100 page allocations, those with `__GFP_ZERO`: 86,595 of 190,655. */
export const PAGES_ZERO_PERCENT = 45;

/**
 * Sizes of vmalloc areas in pages, `[smallest, largest, weight]` per 1,000,
 * from the 449 `alloc_vmap_area` events of the 6.12 excerpt
 * (`traces/recorded/linux-6.12/vm.excerpt.trace.gz`; sizes without the guard
 * page): single pages most, then kernel stacks (4 pages), up to a module's
 * 187 pages.
 */
export const VMALLOC_PAGE_BANDS: readonly (readonly [number, number, number])[] = [
  [1, 1, 307],
  [2, 2, 80],
  [3, 3, 54],
  [4, 4, 118],
  [5, 16, 227],
  [17, 64, 174],
  [65, 187, 40],
];
