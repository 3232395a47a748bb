/** dnarchive — archive data, and quantized neural-network models above all, in synthetic DNA. */
export * as loco from './loco/index.js';
export * as pack from './pack/index.js';
export { DnarchiveError } from './errors.js';
export { OptionError } from './validate.js';
