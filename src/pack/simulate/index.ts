/** The seeded DNA channel simulator and its presets. */
export { Channel, channelConfig, channelOptionsSchema, type ChannelOptions, type ChannelConfig, type ChannelSummary } from './channel.js';
export { PRESETS, type Preset, type ChannelRates } from './presets.js';
