/** The archival pool: file bytes ↔ synthesis-ready strands with an outer erasure code. */
export {
  encodePool,
  encodePoolStream,
  memorySource,
  planPool,
  poolOptionsSchema,
  type PoolOptions,
  type PoolConfig,
  type EncodedPool,
  type PayloadSource,
  type StrandSink,
} from './encode.js';
export { decodePool, decodePoolTo, MAX_SHIFT, type DecodedPool, type PoolDecodeReport, type DecodeOptions } from './decode.js';
export { openChunkStore, DEFAULT_CHUNK_MEMORY, type ChunkStore, type ChunkStoreOptions } from './chunk-store.js';
export { SpillError } from './spill-store.js';
export type { PayloadWrite } from './rebuild.js';
export { manifestSchema, POOL_FORMAT, HEADER_COPIES, type Manifest } from './format.js';
export { reverseComplementText } from '../dna-text.js';
export { poolReport, formatPoolReport, type PoolReport } from './report.js';
export { FileSource } from './file-source.js';
export { PoolWorkers } from './parallel.js';
