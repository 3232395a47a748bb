import { DnarchiveError } from '../errors.js';

/**
 * A Hessian that Cholesky cannot factor even after the dampening retries: names the matrix, the
 * pivot column and the dampening that was tried last.
 */
export class NotPositiveDefiniteError extends DnarchiveError {
  constructor(
    readonly where: string,
    readonly column: number,
    readonly pivot: number,
    readonly damp?: number,
  ) {
    super(
      'QUANT_NOT_PD',
      `${where}: Hessian is not positive definite (pivot ${column} = ${pivot}${damp === undefined ? '' : ` after dampening ${damp}`}); ` +
        'collect more calibration tokens or raise percdamp',
    );
  }
}

/** A matrix, vector or option whose shape or values the quantizer cannot use. */
export class QuantInputError extends DnarchiveError {
  constructor(
    readonly where: string,
    detail: string,
  ) {
    super('QUANT_INPUT', `${where}: ${detail}`);
  }
}

/** A bit budget that cannot be met: names the smallest budget that can. */
export class BudgetError extends DnarchiveError {
  constructor(
    readonly budgetBitsPerWeight: number,
    readonly minimumBitsPerWeight: number,
    detail: string,
  ) {
    super('QUANT_BUDGET', detail);
  }
}

/** A value that does not fit its bit-packing width: names its index, value and width. */
export class BitPackError extends DnarchiveError {
  constructor(
    readonly index: number,
    detail: string,
  ) {
    super('QUANT_BITPACK', detail);
  }
}

/** A .dnq file that fails validation: names the file and the offending field. */
export class DnqFormatError extends DnarchiveError {
  constructor(
    readonly file: string,
    readonly field: string,
    detail: string,
  ) {
    super('DNQ_FORMAT', `${file}: ${field ? `${field}: ` : ''}${detail}`);
  }
}
