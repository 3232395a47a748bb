import { DnarchiveError, EXIT_UNRECOVERABLE } from '../errors.js';

/** ℓ, m or another code parameter is outside what the code supports. */
export class LocoParameterError extends DnarchiveError {
  constructor(
    readonly parameter: string,
    readonly value: unknown,
    limit: string,
  ) {
    super('LOCO_PARAMETER', `${parameter} = ${String(value)} is out of range: ${limit}`);
  }
}

/** A character outside {A, T, G, C} in a word. */
export class InvalidSymbolError extends DnarchiveError {
  constructor(
    readonly symbol: string,
    readonly position: number,
    where = 'word',
  ) {
    super('LOCO_SYMBOL', `${where}: invalid symbol ${JSON.stringify(symbol)} at position ${position}; only A, T, G, C are allowed`);
  }
}

/** A word whose length differs from the code length m. */
export class InvalidLengthError extends DnarchiveError {
  constructor(
    readonly length: number,
    readonly expected: number,
    where = 'word',
  ) {
    super('LOCO_LENGTH', `${where}: length ${length} does not match the code length m = ${expected}`);
  }
}

/** A run of equal symbols longer than ℓ. */
export class RunLimitError extends DnarchiveError {
  constructor(
    readonly position: number,
    readonly runLength: number,
    readonly ell: number,
    where = 'word',
  ) {
    super('LOCO_RUN_LIMIT', `${where}: run of ${runLength} equal symbols ending at position ${position} exceeds the run limit ℓ = ${ell}`);
  }
}

/** An index outside [0, N(m)) or outside the message range. */
export class IndexRangeError extends DnarchiveError {
  constructor(
    readonly index: bigint,
    readonly limit: bigint,
    what = 'index',
  ) {
    super('LOCO_INDEX_RANGE', `${what} ${index} is out of range: it must satisfy 0 <= ${what} < ${limit}`);
  }
}

/** A bridge checksum that does not match its codeword: a substitution was detected. */
export class ChecksumMismatchError extends DnarchiveError {
  override readonly exitCode = EXIT_UNRECOVERABLE;
  constructor(
    readonly strand: number,
    readonly codeword: number,
  ) {
    super('LOCO_CHECKSUM', `strand ${strand}, codeword ${codeword}: bridge checksum mismatch (a substitution was detected in the codeword or its bridge)`);
  }
}

/** A strand whose layout (length, bridges, padding) does not fit the codec's parameters. */
export class StrandFormatError extends DnarchiveError {
  constructor(message: string) {
    super('LOCO_STRAND_FORMAT', message);
  }
}

/** A codeword an error-correcting mapper could not correct (more substitutions than it handles). */
export class UncorrectableCodewordError extends DnarchiveError {
  override readonly exitCode = EXIT_UNRECOVERABLE;
  constructor(
    readonly strand: number,
    readonly codeword: number,
    readonly reason: string,
  ) {
    super('ECC_UNCORRECTABLE', `strand ${strand}, codeword ${codeword}: cannot correct (${reason})`);
  }
}
