/**
 * The TinyStories sample's fixed split (spec quant.md §10.4 and the data NOTICE): one story per
 * line; the first 9 calibrate, the last 9 evaluate, and a story is never in both. The sample file
 * has 19 lines (its NOTICE says 18), so line 10 belongs to neither split.
 */
import { readFileSync } from 'node:fs';
import { QuantInputError } from '../errors.js';

export const CALIBRATION_STORIES = 9;
export const EVALUATION_STORIES = 9;

export interface StorySplit {
  calibration: string[];
  evaluation: string[];
}

export function splitStories(text: string, where = 'text'): StorySplit {
  const stories = text
    .split('\n')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (stories.length < CALIBRATION_STORIES + EVALUATION_STORIES) {
    throw new QuantInputError(where, `${stories.length} stories (one per line); the split needs at least ${CALIBRATION_STORIES + EVALUATION_STORIES}`);
  }
  const split = { calibration: stories.slice(0, CALIBRATION_STORIES), evaluation: stories.slice(-EVALUATION_STORIES) };
  // A story repeated across the boundary would let evaluation see calibration text.
  const calibration = new Set(split.calibration);
  const shared = split.evaluation.findIndex((s) => calibration.has(s));
  if (shared >= 0)
    throw new QuantInputError(
      where,
      `evaluation story ${shared + 1} of ${EVALUATION_STORIES} also appears among the calibration stories: the split must not overlap`,
    );
  return split;
}

export function readStories(path: string): StorySplit {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new QuantInputError(path, (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message);
  }
  return splitStories(text, path);
}
