/**
 * How a slice pool lays out its slabs: the slot each slice takes, the slab's
 * order, how many slices fit, and where the in-use bitmap goes.
 *
 * The rule: slots are the object size rounded up to 4 bytes (sizes under 8)
 * or 8 bytes; slices sit back to back from the slab's first byte, so a
 * power-of-two size up to the page size is aligned to itself. A slab holding
 * 32 slices or fewer keeps its in-use bitmap in its head's struct page; a
 * larger one keeps it in its last words. The slab order is the smallest whose
 * waste — the tail no slice fits in, plus an in-slab bitmap — is at most 1/8
 * of the slab, but at most SPARSE_SLAB_ORDER when a slab of that order holds
 * a slice: a larger slab saves tail bytes for a busy pool but pins more
 * pages for a sparse one, and real traces have dozens of caches holding a
 * few objects each (procs' 8,392-byte objects took 64-KiB slabs, 7 slices,
 * where 3 lived; order 1 and 2 give them 2 and 4 pages). Objects too large
 * for that take the smallest order that holds one.
 *
 * A busy pool's later slabs are larger (largeSlabs): a pool's tail bytes
 * are paid once a slab, so a pool holding many slabs pays them many times
 * (at boot's peak 123 pages were the tails of one pool's one-page slabs of
 * 632-byte objects), while a large slab's last free slices are few beside
 * what a busy pool holds.
 * @module
 */

import { CHUNK_HEAD_BYTES, CHUNKS_PER_PAGE } from "./layout.ts";

/** Largest object a slice pool takes, in bytes. */
export const MAX_SLICE_SIZE = 32 * 1024;
/** Largest slab order: 64 pages hold 8 slices of MAX_SLICE_SIZE. */
export const MAX_SLAB_ORDER = 6;
/** The largest slab order chosen for its low waste alone (see the module comment). */
export const SPARSE_SLAB_ORDER = 1;
/** Slices whose in-use bits fit in the head's struct page. */
export const STRUCT_PAGE_BITMAP_SLICES = 32;
/** Largest order of a busy pool's large slabs. */
export const LARGE_SLAB_ORDER = 3;

/** The layout of every slab of one pool. */
export interface SlabGeometry {
  /** Bytes from one slice to the next. */
  slotSize: number;
  /** The slab is a pile of 2^order pages. */
  order: number;
  /** Slices per slab. */
  objs: number;
  /** Byte offset of the in-slab bitmap; 0 when it is in the struct page. */
  bitmapOffset: number;
  /** Bytes of each slab no slice can use: the tail and an in-slab bitmap. */
  wasteBytes: number;
}

/**
 * The slab layout for objects of `objSize` bytes.
 * @param objSize 1..MAX_SLICE_SIZE
 * @param pageSize the page size
 * @returns the layout
 */
export function slabGeometry(objSize: number, pageSize: number): SlabGeometry {
  const slotSize = objSize < 8 ? roundUp(objSize, 4) : roundUp(objSize, 8);
  for (let order = 0; order <= MAX_SLAB_ORDER; order++) {
    const slabBytes = pageSize << order;
    let objs = Math.floor(slabBytes / slotSize);
    let bitmapBytes = 0;
    if (objs > STRUCT_PAGE_BITMAP_SLICES) {
      while (objs * slotSize + bitmapWords(objs) * 4 > slabBytes) objs--;
      // Squeezed to 32 slices or fewer, their bits fit the struct page after
      // all: a slab keeps its bitmap in its last words exactly when it holds
      // more than 32 slices, which is how the slice allocator finds it.
      if (objs > STRUCT_PAGE_BITMAP_SLICES) bitmapBytes = bitmapWords(objs) * 4;
    }
    const wasteBytes = slabBytes - objs * slotSize;
    if (objs > 0 && (wasteBytes * 8 <= slabBytes || order >= SPARSE_SLAB_ORDER)) {
      return {
        slotSize,
        order,
        objs,
        bitmapOffset: bitmapBytes === 0 ? 0 : slabBytes - bitmapBytes,
        wasteBytes,
      };
    }
  }
  throw new RangeError(`no slab of order <= ${MAX_SLAB_ORDER} fits ${objSize}-byte objects`);
}

/**
 * A slab's shape as a pool record keeps it in one word: its slices (bits
 * 0-15) and its order (bits 16-19).
 * @param order the slab order
 * @param objs the slices a slab holds
 * @returns the shape word
 */
export function slabShape(order: number, objs: number): number {
  return objs | (order << 16);
}

/** The slab order of a shape word ({@link slabShape}, {@link largeSlabs}). */
export function shapeOrder(shape: number): number {
  return (shape >>> 16) & 0xF;
}

/** The slices a slab holds, from a shape word. */
export function shapeObjs(shape: number): number {
  return shape & 0xFFFF;
}

/**
 * A pool's large slabs, as its record keeps them in one word: their shape
 * ({@link slabShape}) and, in bits 20-31, how many slabs the pool holds (of
 * its order and large ones together) before its next new slab is a large
 * one: as many as waste, in the tails of slabs of its order, twice a large
 * slab's bytes. A pool grows its slabs once what growing saves is worth what
 * it may pin: soon for objects few to a slab (an 8,392-byte task_struct
 * wastes 49% of an order-2 slab; after 9 such slabs its next are order-3
 * slabs of 3), late for small ones (a 632-byte inode's page wastes 304
 * bytes; after 108 pages its next slabs are order-2 slabs of 25). 0 when it
 * takes none.
 *
 * The large order is the smallest above the pool's, up to
 * LARGE_SLAB_ORDER, whose waste is at most 1/16 of the slab; or, when none
 * is, the one of least waste if that is at most half the waste of the
 * pool's order. Its slices keep their bits in the struct page (32 at most),
 * as the pool's own slabs must then do too, so that a slice's bitmap word is
 * found the same way in every slab of a pool.
 * @param geometry the pool's slab layout
 * @param pageSize the page size
 * @returns the large-slabs word
 */
export function largeSlabs(geometry: SlabGeometry, pageSize: number): number {
  const baseBytes = pageSize << geometry.order;
  if (geometry.bitmapOffset !== 0 || geometry.wasteBytes * 16 <= baseBytes) return 0;
  let best = -1;
  let bestWaste = geometry.wasteBytes / baseBytes / 2;
  for (let order = geometry.order + 1; order <= LARGE_SLAB_ORDER; order++) {
    const slabBytes = pageSize << order;
    const objs = Math.floor(slabBytes / geometry.slotSize);
    if (objs > STRUCT_PAGE_BITMAP_SLICES) break;
    const waste = (slabBytes - objs * geometry.slotSize) / slabBytes;
    if (waste * 16 <= 1) {
      best = order;
      break;
    }
    if (waste <= bestWaste) {
      best = order;
      bestWaste = waste;
    }
  }
  if (best === -1) return 0;
  const objs = Math.floor((pageSize << best) / geometry.slotSize);
  const after = Math.min(0xFFF, Math.ceil((2 * (pageSize << best)) / geometry.wasteBytes));
  return (slabShape(best, objs) | (after << 20)) >>> 0;
}

/** 32-bit words of an in-use bitmap for `objs` slices. */
export function bitmapWords(objs: number): number {
  return Math.ceil(objs / 32);
}

function roundUp(value: number, to: number): number {
  return Math.ceil(value / to) * to;
}

/** In a pool's small-slabs word: its small slabs are order-0 pages, not chunks. */
export const SMALL_PAGE_SLABS = 0x8000;

/**
 * Slabs' worth of chunks a pool takes before a slab of its order, when its
 * objects fill a chunk to 7/8 or more: a pool that grows in a burst and
 * shrinks back keeps its survivors in chunks, a quarter page each, rather
 * than in page slabs (vm's kernfs pool: 6 objects left in 5 pages).
 */
const CHUNK_SLABS_WORTH = 4;

/** In a pool's small-slabs word: one small slab held (the count's unit; see smallSlabs). */
export const SMALL_HELD_ONE = 1 << 24;

/** How many small slabs a pool holds, from its small-slabs word. */
export function smallSlabsHeld(word: number): number {
  return word >>> 24;
}

/** How many small slabs a pool takes before a slab of its order, from its small-slabs word. */
export function smallSlabsLimit(word: number): number {
  return (word >>> 16) & 0xFF;
}

/**
 * A pool's small slabs, as its record keeps them in one word: the slices a
 * small slab holds (bits 0-14), whether small slabs are order-0 pages
 * (SMALL_PAGE_SLABS) or chunks, and how many a pool with no slab of its own
 * order may hold before its next slab is of that order (bits 16-23): as many
 * as fill one of its slabs' bytes, or CHUNK_SLABS_WORTH slabs' bytes of
 * chunks its objects fill to 7/8, 16 at most. A sparse pool thus takes small
 * slabs until it holds that many, then slabs of its order. The pool counts
 * the small slabs it holds in the same word, bits 24-31 (0 here: see
 * smallSlabsHeld), so that the allocation that takes one reads and writes
 * one word.
 * Objects a chunk holds take chunks; larger ones, in pools of slabs of 2
 * pages or more, take order-0 pages; the others none (0).
 * @param geometry the pool's slab layout
 * @param pageSize the page size
 * @returns the small-slabs word
 */
export function smallSlabs(geometry: SlabGeometry, pageSize: number): number {
  const chunkBytes = pageSize / CHUNKS_PER_PAGE;
  const slabBytes = pageSize << geometry.order;
  const chunkObjs = Math.min(
    STRUCT_PAGE_BITMAP_SLICES,
    Math.floor((chunkBytes - CHUNK_HEAD_BYTES) / geometry.slotSize),
  );
  if (chunkObjs > 0) {
    // The chunk bytes no slice takes, its head included: at most an eighth.
    const fits = (chunkBytes - chunkObjs * geometry.slotSize) * 8 <= chunkBytes;
    const chunks = ((fits ? CHUNK_SLABS_WORTH : 1) * slabBytes) / chunkBytes;
    return (chunkObjs | (chunks << 16)) >>> 0;
  }
  const pageObjs = Math.floor(pageSize / geometry.slotSize);
  // A page of them keeps its bitmap in its struct page, as the pool's slabs do.
  if (geometry.order === 0 || pageObjs === 0 || pageObjs > STRUCT_PAGE_BITMAP_SLICES) return 0;
  return (pageObjs | SMALL_PAGE_SLABS | ((1 << geometry.order) << 16)) >>> 0;
}
