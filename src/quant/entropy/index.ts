/**
 * Entropy coding of quantized codes: the adaptive binary range coder and the ECSQ stream the
 * .dnq container uses for archive mode, and a static-table multi-context rANS coder for
 * fixed-width codes (measured, not used by the container).
 */
export { RangeEncoder, RangeDecoder, contexts, PROB_BITS } from './range-coder.js';
export { encodeEcsqStream, decodeEcsqStream, ECSQ_STREAM_FORMAT, MAX_ECSQ_CODE, type EcsqStreamOptions } from './ecsq-stream.js';
export { encodeCodes, decodeCodes, CODES_FORMAT, type CodedMatrix, type EncodeCodesOptions } from './codes.js';
export { ransModel, ransEncode, ransDecode, RANS_L, MIN_SCALE_BITS, MAX_SCALE_BITS, MAX_ALPHABET, type RansModel } from './rans.js';
export { countSymbols, quantizeCounts } from './frequencies.js';
export { EntropyInputError, EntropyStreamError } from './errors.js';
