import { DnarchiveError, EXIT_UNRECOVERABLE } from '../errors.js';

/** A FASTA/FASTQ file that cannot be read: names the file and the line. */
export class ReadsFormatError extends DnarchiveError {
  constructor(
    readonly file: string,
    readonly line: number,
    detail: string,
  ) {
    super('READS_FORMAT', `${file}${line > 0 ? `:${line}` : ''}: ${detail}`);
  }
}

/** A pool or stream header that fails validation, or strands that do not fit together. */
export class PoolFormatError extends DnarchiveError {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super('POOL_FORMAT', `${file}: ${detail}`);
  }
}

/** The output path exists and --force was not given. */
export class OutputExistsError extends DnarchiveError {
  constructor(readonly path: string) {
    super('OUTPUT_EXISTS', `${path}: output file already exists; pass --force to overwrite it`);
  }
}

/** The output path cannot take a file: a directory, or in a folder that does not exist. */
export class OutputPathError extends DnarchiveError {
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super('OUTPUT_PATH', `${path}: ${detail}`);
  }
}

/** Decoding finished but could not reproduce the input: says what is missing. Exit code 3. */
export class IncompleteDecodeError extends DnarchiveError {
  override readonly exitCode = EXIT_UNRECOVERABLE;
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super('DECODE_INCOMPLETE', `${file}: ${detail}`);
  }
}
