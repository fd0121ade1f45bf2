/**
 * The traps of the RV32 core: typed errors that stop firmware and name the
 * instruction that raised them.
 *
 * The core has no trap handler (no mtvec): a trap ends the run, leaving `pc`
 * at the trapping instruction and every register as it was before it — the
 * instruction does not retire. Each message is one line that names the pc,
 * and the function it falls in when the core was given a symbolizer.
 * @module
 */

import type { BusFault } from "../bus_fault.ts";
import { hex32 } from "../hex.ts";
import { location } from "./_location.ts";

/** The kind of access a misaligned-access or bus-error trap was making. */
export type Rv32Access = "fetch" | "load" | "store";

/**
 * A trap of the RV32 core; the subclasses say which. `pc` is the address of
 * the instruction that trapped.
 * @example
 * ```ts
 * import { Board, FLASH_BASE, Rv32Core, Rv32Trap } from "@pagepile/pagepile";
 * const board = new Board({ ramBytes: 64 * 1024, flashBytes: 4096 });
 * const core = new Rv32Core(board);
 * core.pc = FLASH_BASE; // flash is zeroed: the word 0 is an illegal instruction
 * try {
 *   core.step();
 * } catch (e) {
 *   console.log(e instanceof Rv32Trap && e.pc === FLASH_BASE); // true
 * }
 * ```
 */
export class Rv32Trap extends Error {
  /** The address of the instruction that trapped. */
  readonly pc: number;

  /**
   * Describes a trap.
   * @param message what happened, without the location
   * @param pc the trapping instruction's address
   * @param symbol the function + offset that `pc` falls in, if known
   * @param options the error's cause, if any
   */
  constructor(message: string, pc: number, symbol?: string, options?: ErrorOptions) {
    super(`${message} at pc ${location(pc, symbol)}`, options);
    this.name = "Rv32Trap";
    this.pc = pc >>> 0;
  }
}

/**
 * A word that is not an RV32IM instruction the core runs: a reserved
 * encoding, a compressed (RV32C) one, or a CSR instruction other than a
 * counter read (see Rv32Core).
 * @example
 * ```ts
 * import { Rv32IllegalInstruction } from "@pagepile/pagepile";
 * const trap = new Rv32IllegalInstruction(0x2000_0000, 0);
 * console.log(trap.message); // illegal instruction 0x00000000 at pc 0x20000000
 * ```
 */
export class Rv32IllegalInstruction extends Rv32Trap {
  /** The instruction word, unsigned. */
  readonly word: number;

  /**
   * Describes an illegal instruction.
   * @param pc the instruction's address
   * @param word the instruction word
   * @param symbol the function + offset that `pc` falls in, if known
   */
  constructor(pc: number, word: number, symbol?: string) {
    super(`illegal instruction ${hex32(word)}`, pc, symbol);
    this.name = "Rv32IllegalInstruction";
    this.word = word >>> 0;
  }
}

/**
 * An access whose address is not a multiple of its width: a load or store
 * (RV32 traps on them; the core never splits one), or a jump or taken
 * branch to an address that is not a multiple of 4 (reported, as the ISA
 * says, on the jump: `pc` is the jump's, `address` its target).
 * @example
 * ```ts
 * import { Rv32MisalignedAccess } from "@pagepile/pagepile";
 * const trap = new Rv32MisalignedAccess(0x2000_0010, "load", 0x4000_0002, 4);
 * console.log(trap.message);
 * // misaligned load: 32-bit at 0x40000002 at pc 0x20000010
 * ```
 */
export class Rv32MisalignedAccess extends Rv32Trap {
  /** Which access it was. */
  readonly access: Rv32Access;
  /** The misaligned address, unsigned. */
  readonly address: number;
  /** The access width in bytes: 1, 2 or 4 (4 for a fetch). */
  readonly width: number;

  /**
   * Describes a misaligned access.
   * @param pc the trapping instruction's address
   * @param access fetch, load or store
   * @param address the misaligned address
   * @param width the access width in bytes
   * @param symbol the function + offset that `pc` falls in, if known
   */
  constructor(pc: number, access: Rv32Access, address: number, width: number, symbol?: string) {
    super(`misaligned ${access}: ${width * 8}-bit at ${hex32(address)}`, pc, symbol);
    this.name = "Rv32MisalignedAccess";
    this.access = access;
    this.address = address >>> 0;
    this.width = width;
  }
}

/**
 * A fetch, load or store that the bus refused: the board's BusFault (its
 * `cause`), which the bus has latched in the fault-status registers, as it
 * would for any access.
 * @example
 * ```ts
 * import { BusFault, Rv32BusError } from "@pagepile/pagepile";
 * const fault = new BusFault(0, 4, "read", "unmapped");
 * const trap = new Rv32BusError(0x2000_0010, "load", fault);
 * console.log(trap.address, trap.cause === fault); // 0 true
 * ```
 */
export class Rv32BusError extends Rv32Trap {
  /** Which access it was. */
  readonly access: Rv32Access;
  /** The address the bus refused. */
  readonly address: number;
  /** The bus's fault. */
  override readonly cause: BusFault;

  /**
   * Describes a bus error.
   * @param pc the trapping instruction's address
   * @param access fetch, load or store
   * @param fault the bus's fault
   * @param symbol the function + offset that `pc` falls in, if known
   */
  constructor(pc: number, access: Rv32Access, fault: BusFault, symbol?: string) {
    super(`bus error on ${access} (${fault.message})`, pc, symbol, { cause: fault });
    this.name = "Rv32BusError";
    this.access = access;
    this.address = fault.address;
    this.cause = fault;
  }
}

/**
 * An EBREAK: firmware asking for a debugger (an assertion's trap, say).
 * @example
 * ```ts
 * import { Rv32Breakpoint } from "@pagepile/pagepile";
 * console.log(new Rv32Breakpoint(0x2000_0000, "main+0x0").message);
 * // ebreak at pc 0x20000000 (main+0x0)
 * ```
 */
export class Rv32Breakpoint extends Rv32Trap {
  /**
   * Describes an EBREAK.
   * @param pc the EBREAK's address
   * @param symbol the function + offset that `pc` falls in, if known
   */
  constructor(pc: number, symbol?: string) {
    super("ebreak", pc, symbol);
    this.name = "Rv32Breakpoint";
  }
}

/**
 * An ECALL: firmware asking an environment that the board does not have.
 * @example
 * ```ts
 * import { Rv32EnvironmentCall } from "@pagepile/pagepile";
 * console.log(new Rv32EnvironmentCall(0x2000_0000).message); // ecall at pc 0x20000000
 * ```
 */
export class Rv32EnvironmentCall extends Rv32Trap {
  /**
   * Describes an ECALL.
   * @param pc the ECALL's address
   * @param symbol the function + offset that `pc` falls in, if known
   */
  constructor(pc: number, symbol?: string) {
    super("ecall", pc, symbol);
    this.name = "Rv32EnvironmentCall";
  }
}
