/** dnarchive/pack — FASTA/FASTQ I/O, atomic output files and the raw self-describing codeword stream. */
export { parseReads, formatFasta, type SequenceRecord } from './fasta.js';
export { writeFileAtomic, AtomicWriter, checkOutputPath } from './atomic-file.js';
export { encodeRawStream, decodeRawStream, decodeRawStreamReport, sha256Hex, listRanges, RAW_MAGIC } from './raw-stream.js';
export { strandStats, type StrandStats } from './strand-stats.js';
export { ReadsFormatError, PoolFormatError, OutputExistsError, OutputPathError, IncompleteDecodeError } from './errors.js';
export * from './erasure/index.js';
export * from './pool/index.js';
export * from './simulate/index.js';
export { arrayReads, fileReads, fileRecords, textReads, parseSequences, type ReadSource } from './read-stream.js';
export { readRecords, parseRecordLines, RecordParser, ReadsInputError, type ReadRecord, type ReadRecordsOptions } from './read-stream.js';
export { isGzip, gunzipWhole } from './gzip-input.js';
export { mergePair, mateName, pairedReads, MIN_OVERLAP, type PairedStats } from './paired-reads.js';
