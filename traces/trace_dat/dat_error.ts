/**
 * What is wrong with a trace.dat file, and where: the reader's modules throw
 * a DatError at the first byte they cannot make sense of; readTraceDat turns
 * it into the one-line TraceInputError the caller sees, with the file's name
 * and the last line delivered.
 * @module
 */

/** A fault in a trace.dat file at a file offset, on one CPU's data or on none. */
export class DatError extends Error {
  /** The file offset where the fault was found. */
  readonly offset: number;
  /** The CPU whose data holds it, or -1 when it is in the metadata. */
  readonly cpu: number;

  /**
   * @param message what is wrong, without the file's name or the offset
   * @param offset the file offset
   * @param cpu the CPU whose data holds the fault, or -1
   */
  constructor(message: string, offset: number, cpu = -1) {
    super(message);
    this.name = "DatError";
    this.offset = offset;
    this.cpu = cpu;
  }
}
