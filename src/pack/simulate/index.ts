/** The seeded DNA channel simulator: presets, options, the channel, read output. */
export { Channel, MAX_READS, type ChannelSummary } from './channel.js';
export { channelConfig, channelOptionsSchema, phredFor, type ChannelOptions, type ChannelConfig } from './config.js';
export { PRESETS, PRESET_NAMES, presetTable, type Preset, type ChannelRates, type Sampling } from './presets.js';
export { PackedStrands, packStrands, StrandInputError } from './strands.js';
export { readChunks, readPairChunks, writeReadsFile, type ReadFormat, type ReadChunk, type PairChunk } from './format.js';
