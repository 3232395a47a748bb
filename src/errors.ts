/**
 * Base class of every error dnarchive throws on purpose. The CLI prints `message` as one line
 * and exits with `exitCode`; anything that is not a DnarchiveError is a bug.
 */
/** Exit codes: 2 for input the command cannot take, 3 when the input was read but the data could not be recovered. */
export const EXIT_BAD_INPUT = 2;
export const EXIT_UNRECOVERABLE = 3;

export class DnarchiveError extends Error {
  /** Stable machine-readable code, e.g. `LOCO_RUN_LIMIT`. */
  readonly code: string;
  readonly exitCode: number = EXIT_BAD_INPUT;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }
}
