import { DnarchiveError } from '../../errors.js';

/** A model or tokenizer file that cannot be read as what it claims: names file, tensor and value. */
export class ModelFormatError extends DnarchiveError {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super('MODEL_FORMAT', `${file}: ${detail}`);
  }
}
