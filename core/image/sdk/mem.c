/*
 * mem.c: memset, memcpy, memmove and memcmp, for images that have no C
 * library. The compiler emits calls to them on its own (struct copies,
 * large initialisers), and heaps call them to zero and move blocks.
 *
 * Every load and store goes through the board's counted bus, so the aligned
 * middle of a buffer is moved a word at a time: a quarter of the accesses
 * that a byte loop makes. This file is compiled with -ffreestanding, which
 * keeps the compiler from turning these loops back into calls to themselves.
 */

#include "pagepile.h"

/* Whether an address is word-aligned. */
static inline int word_aligned(uintptr_t addr) {
  return (addr & 3u) == 0;
}

void *memset(void *dest, int c, size_t n) {
  uint8_t *d = dest;
  uint8_t byte = (uint8_t)c;
  while (n > 0 && !word_aligned((uintptr_t)d)) {
    *d++ = byte;
    n--;
  }
  uint32_t word = byte * 0x01010101u;
  for (; n >= 4; n -= 4, d += 4) *(uint32_t *)(void *)d = word;
  while (n > 0) {
    *d++ = byte;
    n--;
  }
  return dest;
}

/* Copies n bytes upwards, lowest first: right for buffers that do not
 * overlap, and for a destination below its source (memmove). */
static void copy_up(uint8_t *d, const uint8_t *s, size_t n) {
  // Words only when both sides can be aligned together; otherwise bytes.
  if (((uintptr_t)d & 3u) == ((uintptr_t)s & 3u)) {
    while (n > 0 && !word_aligned((uintptr_t)d)) {
      *d++ = *s++;
      n--;
    }
    for (; n >= 4; n -= 4, d += 4, s += 4) {
      *(uint32_t *)(void *)d = *(const uint32_t *)(const void *)s;
    }
  }
  while (n > 0) {
    *d++ = *s++;
    n--;
  }
}

void *memcpy(void *restrict dest, const void *restrict src, size_t n) {
  copy_up(dest, src, n);
  return dest;
}

void *memmove(void *dest, const void *src, size_t n) {
  uint8_t *d = dest;
  const uint8_t *s = src;
  // Upwards is right unless the destination starts inside the source (the
  // unsigned difference is then below n); that case copies downwards.
  if ((uintptr_t)d - (uintptr_t)s >= n) {
    copy_up(d, s, n);
    return dest;
  }
  d += n;
  s += n;
  if (((uintptr_t)d & 3u) == ((uintptr_t)s & 3u)) {
    while (n > 0 && !word_aligned((uintptr_t)d)) {
      *--d = *--s;
      n--;
    }
    for (; n >= 4; n -= 4) {
      d -= 4;
      s -= 4;
      *(uint32_t *)(void *)d = *(const uint32_t *)(const void *)s;
    }
  }
  while (n > 0) {
    *--d = *--s;
    n--;
  }
  return dest;
}

int memcmp(const void *a, const void *b, size_t n) {
  const uint8_t *p = a;
  const uint8_t *q = b;
  for (; n > 0; n--, p++, q++) {
    if (*p != *q) return *p - *q;
  }
  return 0;
}
