import { DnarchiveError } from '../../errors.js';

/** Symbols, contexts or frequency tables the entropy coder cannot encode: names what and where. */
export class EntropyInputError extends DnarchiveError {
  constructor(
    readonly where: string,
    detail: string,
  ) {
    super('ENTROPY_INPUT', `${where}: ${detail}`);
  }
}

/**
 * An entropy-coded stream that does not decode: truncated, corrupt, or not made for the shape it
 * is decoded with. Names the byte offset (or table field) where decoding stopped.
 */
export class EntropyStreamError extends DnarchiveError {
  constructor(
    readonly where: string,
    readonly offset: number,
    detail: string,
  ) {
    super('ENTROPY_STREAM', `${where}: byte ${offset}: ${detail}`);
  }
}
