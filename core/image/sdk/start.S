/*
 * start.S: the image's entry point, and the scratch buffer of the image ABI.
 *
 * _start is what a debugger or a run from reset executes: it sets the stack
 * and calls pp_init, then stops on ebreak, since there is nothing to return
 * to. The driver does not need it: it calls pp_init, and every other
 * function, directly, with sp = __stack_top (see pagepile.h, "The image ABI").
 *
 * gp is left alone: images are compiled with -mno-relax, so no code
 * addresses data relative to it, and the driver's calls, which do not set
 * it, behave as a run from _start.
 */

  .section .text.start, "ax", @progbits
  .globl _start
  .type _start, @function
_start:
  lui sp, %hi(__stack_top)
  addi sp, sp, %lo(__stack_top)
  call pp_init
  ebreak
  .size _start, . - _start

/* pp_scratch: 512 bytes in the image's RAM that the driver writes pool names
 * into and passes as `out` to the figures' functions. In .bss: the loader
 * zeroes it with the rest of the RAM segment. */
  .section .bss.pp_scratch, "aw", @nobits
  .globl pp_scratch
  .type pp_scratch, @object
  .balign 16
pp_scratch:
  .zero 512
  .size pp_scratch, 512
