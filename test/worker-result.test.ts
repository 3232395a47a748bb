/** dnarchive's errors cross the worker-thread boundary as data and come back with their code, message and exit code. */
import { describe, expect, it } from 'vitest';
import { DnarchiveError } from '../src/errors.js';
import { IncompleteDecodeError } from '../src/pack/index.js';
import { asResult, unwrap, WorkerError } from '../src/worker-result.js';

describe('worker results', () => {
  it('a value passes; a DnarchiveError becomes data and is rebuilt with its code, message and exit code', () => {
    expect(unwrap(asResult(() => 42))).toBe(42);
    const r = asResult(() => {
      throw new IncompleteDecodeError('reads.fastq', '3 of 5 strands recovered');
    });
    expect(r).toEqual({ ok: false, code: 'DECODE_INCOMPLETE', message: 'reads.fastq: 3 of 5 strands recovered', exitCode: 3 });
    // Structured cloning keeps plain data (what piscina does between threads).
    const back = structuredClone(r);
    let err: unknown;
    try {
      unwrap(back);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(WorkerError);
    expect(err).toBeInstanceOf(DnarchiveError);
    expect(err).toMatchObject({ code: 'DECODE_INCOMPLETE', message: 'reads.fastq: 3 of 5 strands recovered', exitCode: 3 });
  });

  it('anything else is a bug and is thrown as it is', () => {
    expect(() => asResult(() => JSON.parse('{'))).toThrow(SyntaxError);
  });
});
