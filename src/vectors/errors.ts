import { DnarchiveError } from '../errors.js';

/** The vectors folder cannot be found or written. Mismatches are never thrown: verify reports them. */
export class VectorsError extends DnarchiveError {
  constructor(message: string) {
    super('VECTORS', message);
  }
}
