/** dnarchive/loco — D-LOCO constrained codes: cardinality, rank/unrank, bridges, the bulk codec. */
export { SYMBOLS, parseWord, formatWord, complementInPlace } from './alphabet.js';
export { cardinality, capacity, countTables, floorLog2, type CountTables } from './cardinality.js';
export { LocoCode, locoCode, firstRunViolation } from './code.js';
export { rankReference, unrankReference } from './reference.js';
export {
  BRIDGE_SCHEMES,
  BRIDGE_LAYOUT,
  CHECK_OF_PAIR,
  PAIRS_BY_CHECK,
  strandLength,
  codewordsInStrand,
  xorChecksum,
  disparity,
  type BridgeScheme,
  type BridgeLayout,
} from './bridge.js';
export {
  LocoCodec,
  locoCodecOptionsSchema,
  DECODE_CLEAN,
  DECODE_CORRECTED,
  DECODE_FAILED,
  type IndexMapper,
  type DecodeReport,
  type LocoCodecOptions,
  type LocoCodecConfig,
} from './codec.js';
export { rateReport, type RateReport } from './rate.js';
export { MAX_ELL, MAX_LENGTH } from './params.js';
export {
  LocoParameterError,
  InvalidSymbolError,
  InvalidLengthError,
  RunLimitError,
  IndexRangeError,
  ChecksumMismatchError,
  StrandFormatError,
  UncorrectableCodewordError,
} from './errors.js';
/** Fixed-width limb arithmetic shared with the layers above (src/ecc); allocation-free. */
export { LIMB_BITS, limbsFor, bigToLimbs, limbsToBig, mulSmallAdd, divSmall, modSmall, addLimbs, subLimbs, compareLimbs } from './_limbs.js';
