/** Outer erasure code across strands (pool.md, layer 2): systematic Reed–Solomon over GF(2^16). */
export { ReedSolomonErasure, ParityEncoder, MAX_SHARDS, parityAgrees } from './reed-solomon.js';
export { FftReedSolomon, FFT_MAX_SHARDS } from './fft-rs.js';
export { parityForLoss, binomialTailAbove } from './parity-sizing.js';
export { ErasureCapacityError, ErasureParameterError } from './errors.js';
export { GF_POLY, gfMul, gfInv, gfDiv } from './gf16.js';
