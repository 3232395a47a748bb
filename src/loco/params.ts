import { LocoParameterError } from './errors.js';

/** Largest code length: the pair tables grow as m²·ℓ (a few MB at 256, tens at 512), and strands
 * are synthesised at 100–300 nt. */
export const MAX_LENGTH = 512;
/** Largest run limit: synthesis rules ask for ℓ ≤ 4; past 8 the constraint is nearly void. */
export const MAX_ELL = 8;

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
