/**
 * One seed for every fast-check property, so that a run is repeatable: FC_SEED overrides it.
 * A failing property prints its seed and path in the failure ("{ seed: …, path: … }"); rerun
 * with FC_SEED=<seed> to reproduce it.
 */
import fc from 'fast-check';

const seed = process.env.FC_SEED === undefined ? 20261207 : Number(process.env.FC_SEED);
if (!Number.isSafeInteger(seed)) throw new Error(`FC_SEED must be an integer, not ${process.env.FC_SEED}`);
fc.configureGlobal({ seed });
