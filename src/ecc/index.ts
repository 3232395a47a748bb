/** dnarchive/ecc — EC D-LOCO: residue decoding of single substitutions (spec dloco.md §5). */
import { LocoCodec, type LocoCodecOptions } from '../loco/codec.js';
import { ResidueCode, type ResidueCodeOptions } from './residue-code.js';

export { differenceSet, differenceVectors, type DifferenceSet } from './differences.js';
export { findModulus, differenceResidues, MAX_MODULUS, type ModulusOptions } from './modulus.js';
export { residueTable, clearResidueTables, ResidueTable, type ResidueClass, type ResidueTableOptions } from './residue-table.js';
export { ResidueCode, type ResidueCodeOptions } from './residue-code.js';
export { UncorrectableCodewordError, ResidueTableMismatchError } from './errors.js';

export type EccScheme = 'none' | 'residue';

export interface EccCodecOptions extends LocoCodecOptions {
  ecc?: EccScheme;
  margin?: number;
  cacheDir?: string | false;
}

/** The bulk codec with the chosen error correction: `none` (plain D-LOCO) or `residue`. */
export function eccCodec(options: EccCodecOptions = {}): LocoCodec {
  const { ecc = 'residue', margin, cacheDir, ...loco } = options;
  if (ecc === 'none') return new LocoCodec(loco);
  const residue: ResidueCodeOptions = { margin, cacheDir };
  return new LocoCodec(loco, (code, config) => new ResidueCode(code.m, code.ell, { ...residue, balance: config.balance }));
}
export { ListDecoder, LIST_UNIQUE, LIST_AMBIGUOUS, LIST_EMPTY, type ListResult } from './list-decode.js';
export { runTrial, type TrialOptions, type TrialCounts } from './trial.js';
export { listDecodeBatch, type ListJob, type ListJobResult } from './list-batch.js';
export { ListDecodePool, type ListPoolOptions } from './list-pool.js';
