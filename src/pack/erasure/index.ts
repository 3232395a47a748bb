/** Outer erasure code across strands: systematic Reed–Solomon over GF(2^16). */
export { ReedSolomonErasure, parityForLoss, binomialTailAbove, MAX_SHARDS } from './reed-solomon.js';
export { ErasureCapacityError, ErasureParameterError } from './errors.js';
export { GF_POLY, gfMul, gfInv, gfDiv } from './gf16.js';
