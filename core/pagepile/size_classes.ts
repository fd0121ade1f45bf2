/**
 * The generic allocator's size classes.
 *
 * Every multiple of 8 up to 64, then four classes per power of two up to
 * 8 KiB (80, 96, 112, 128, 160, 192, ...): a request is rounded up by at most
 * 25% of the class below it, where Linux's powers of two (plus 96 and 192)
 * round up by as much as 100%. Every class is a multiple of 8, so every
 * block is 8-byte aligned, and the powers of two are aligned to themselves.
 * @module
 */

/** Largest request served from a class; larger ones get whole pages. */
export const MAX_CLASS_SIZE = 8192;

/** The class sizes, ascending. */
export const CLASS_SIZES: readonly number[] = buildClassSizes();

/** classIndexBySize[size] for size 1..MAX_CLASS_SIZE: the smallest class that holds it. */
const classIndexBySize: Uint8Array = buildClassIndex();

/**
 * The index in {@link CLASS_SIZES} of the class that serves `size` bytes.
 * @param size 1..MAX_CLASS_SIZE
 * @returns the class index
 */
export function classIndex(size: number): number {
  return classIndexBySize[size];
}

function buildClassSizes(): number[] {
  const sizes: number[] = [];
  for (let size = 8; size <= 64; size += 8) sizes.push(size);
  for (let power = 64; power < MAX_CLASS_SIZE; power *= 2) {
    for (let quarter = 1; quarter <= 4; quarter++) sizes.push(power + (power / 4) * quarter);
  }
  return sizes;
}

function buildClassIndex(): Uint8Array {
  const index = new Uint8Array(MAX_CLASS_SIZE + 1);
  let c = 0;
  for (let size = 1; size <= MAX_CLASS_SIZE; size++) {
    while (CLASS_SIZES[c] < size) c++;
    index[size] = c;
  }
  return index;
}
