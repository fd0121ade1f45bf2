/**
 * The RV32 integer registers by their ABI names (the RISC-V psABI's integer
 * calling convention): what a driver sets before calling into firmware.
 *
 * ```
 * x0       zero   always 0
 * x1       ra     return address
 * x2       sp     stack pointer (16-byte aligned at a call)
 * x3       gp     global pointer (linker's __global_pointer$; set once)
 * x4       tp     thread pointer
 * x5-x7    t0-t2  temporaries
 * x8-x9    s0-s1  saved (s0 is the frame pointer)
 * x10-x17  a0-a7  arguments; a0-a1 also return values
 * x18-x27  s2-s11 saved
 * x28-x31  t3-t6  temporaries
 * ```
 * @module
 */

/**
 * Register numbers by ABI name: `regs[RV32_REGISTERS.a0]` is a0.
 * @example
 * ```ts
 * import { RV32_REGISTERS } from "@pagepile/pagepile";
 * console.log(RV32_REGISTERS.a0, RV32_REGISTERS.sp); // 10 2
 * ```
 */
export const RV32_REGISTERS = {
  zero: 0,
  ra: 1,
  sp: 2,
  gp: 3,
  tp: 4,
  t0: 5,
  t1: 6,
  t2: 7,
  s0: 8,
  s1: 9,
  a0: 10,
  a1: 11,
  a2: 12,
  a3: 13,
  a4: 14,
  a5: 15,
  a6: 16,
  a7: 17,
  s2: 18,
  s3: 19,
  s4: 20,
  s5: 21,
  s6: 22,
  s7: 23,
  s8: 24,
  s9: 25,
  s10: 26,
  s11: 27,
  t3: 28,
  t4: 29,
  t5: 30,
  t6: 31,
} as const;
