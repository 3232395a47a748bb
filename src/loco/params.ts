import { LocoParameterError } from './errors.js';

/** Largest code length the library accepts: tables grow as m², far past anything synthesisable. */
export const MAX_LENGTH = 4096;
/** Largest run limit: beyond it the constraint is weaker than any real synthesis rule. */
export const MAX_ELL = 64;

export function checkEll(ell: number): void {
  if (!Number.isInteger(ell) || ell < 1 || ell > MAX_ELL) {
    throw new LocoParameterError('ell', ell, `an integer with 1 <= ell <= ${MAX_ELL}`);
  }
}

export function checkLength(m: number, min = 1): void {
  if (!Number.isInteger(m) || m < min || m > MAX_LENGTH) {
    throw new LocoParameterError('length (m)', m, `an integer with ${min} <= m <= ${MAX_LENGTH}`);
  }
}
