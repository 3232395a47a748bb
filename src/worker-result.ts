/**
 * Results across the worker-thread boundary. A thrown error loses its class on the way (it is
 * structured-cloned as a plain Error), so a worker returns dnarchive's own errors as data — code,
 * message, exit code — and the calling thread rebuilds them as a WorkerError carrying the same
 * three, which the CLI prints as the one line it would have printed on one thread. Anything else
 * a worker throws is a bug and travels as it is.
 */
import { DnarchiveError } from './errors.js';

export type WorkerResult<T> = { ok: true; value: T } | { ok: false; code: string; message: string; exitCode: number };

/** A DnarchiveError raised on a worker thread: its code, message and exit code, rebuilt here. */
export class WorkerError extends DnarchiveError {
  override readonly exitCode: number;
  constructor(code: string, message: string, exitCode: number) {
    super(code, message);
    this.exitCode = exitCode;
  }
}

/** Runs `f` on the worker side, turning a DnarchiveError into data. */
export function asResult<T>(f: () => T): WorkerResult<T> {
  try {
    return { ok: true, value: f() };
  } catch (err) {
    if (err instanceof DnarchiveError) return { ok: false, code: err.code, message: err.message, exitCode: err.exitCode };
    throw err;
  }
}

/** The value of a worker's result, or its error rethrown (calling side). */
export function unwrap<T>(r: WorkerResult<T>): T {
  if (!r.ok) throw new WorkerError(r.code, r.message, r.exitCode);
  return r.value;
}
