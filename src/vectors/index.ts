/** dnarchive/vectors — committed test vectors for the D-LOCO code and codec, and their verifier. */
export { generateVectors, type GenerateReport, type GeneratedFile } from './generate.js';
export { verifyVectors, type VerifyReport, type FileVerification } from './verify.js';
export { defaultVectorsDir } from './dir.js';
export { MANIFEST_FILE, manifestSchema, type Manifest, type ManifestEntry, type VectorKind } from './format.js';
export { VectorsError } from './errors.js';
