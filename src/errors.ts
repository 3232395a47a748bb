/**
 * Base class of every error dnarchive throws on purpose. The CLI prints `message` as one line
 * and exits with `exitCode`; anything that is not a DnarchiveError is a bug.
 */
export class DnarchiveError extends Error {
  /** Stable machine-readable code, e.g. `LOCO_RUN_LIMIT`. */
  readonly code: string;
  readonly exitCode: number = 2;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }
}
