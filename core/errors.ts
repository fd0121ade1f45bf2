/**
 * Errors the firmware raises on misuse. A call that raises one of them has
 * changed no allocator state. Running out of memory is not misuse: it returns
 * 0 (or null), never one of these.
 * @module
 */

/**
 * Base of every misuse error the kernel raises.
 * @example
 * ```ts
 * import { Board, boot, KernelError } from "@pagepile/pagepile";
 * const k = boot(new Board({ ramBytes: 1024 * 1024 }));
 * try {
 *   k.put_pages(0x1234);
 * } catch (e) {
 *   console.log(e instanceof KernelError); // true
 * }
 * ```
 */
export class KernelError extends Error {
  /** The address the error is about, when there is one. */
  readonly address: number | undefined;

  /**
   * Describes a refused call.
   * @param message what went wrong, naming the address
   * @param address the address the error is about
   */
  constructor(message: string, address?: number) {
    super(message);
    this.name = new.target.name;
    this.address = address;
  }
}

/** An argument out of range: an order, a zone, a size, unknown flag bits. */
export class InvalidArgumentError extends KernelError {}

/** An address that is not what the call needs: outside RAM, or not a struct page. */
export class InvalidAddressError extends KernelError {}

/** A free of something that is already free. */
export class DoubleFreeError extends KernelError {}

/** A free of an address that does not start a block the caller may free. */
export class InvalidFreeError extends KernelError {}

/** A pool recycled while slices are still live; says how many. */
export class PoolBusyError extends KernelError {
  /** Slices still live in the pool. */
  readonly live: number;

  /**
   * Describes a refused recycle.
   * @param message what went wrong, naming the pool
   * @param address the pool record's address
   * @param live slices still live
   */
  constructor(message: string, address: number, live: number) {
    super(message, address);
    this.live = live;
  }
}

/**
 * Allocator metadata found broken while serving a call: something wrote
 * where it must not (a write after free, an overflow). The call changed
 * nothing before it noticed.
 */
export class CorruptionError extends KernelError {}
