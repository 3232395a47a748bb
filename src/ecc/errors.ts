export { UncorrectableCodewordError } from '../loco/errors.js';
import { DnarchiveError } from '../errors.js';

/** A residue table or received word that does not match the code's parameters. */
export class ResidueTableMismatchError extends DnarchiveError {
  constructor(detail: string) {
    super('ECC_TABLE_MISMATCH', detail);
  }
}
