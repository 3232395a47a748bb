/**
 * check2 bridges (spec dloco.md §4): every single substitution anywhere in a strand (codeword or
 * bridge) is detected — decode throws a typed DnarchiveError and never returns bytes.
 * sep1 carries no checksum (BRIDGE_LAYOUT.sep1.detects is false) and is not tested for detection.
 */
import { describe, expect, it } from 'vitest';
import { BRIDGE_LAYOUT, ChecksumMismatchError, LocoCodec, RunLimitError, StrandFormatError, type LocoCodecOptions } from '../../src/loco/index.js';
import { DnarchiveError } from '../../src/errors.js';
import { prngBytes } from './_helpers.js';

const configs: [LocoCodecOptions, number][] = [
  [{ ell: 3, length: 48, bridge: 'check2', balance: true, codewordsPerStrand: 4 }, 60],
  [{ ell: 3, length: 31, bridge: 'check2', balance: false, codewordsPerStrand: 2 }, 30],
  [{ ell: 2, length: 9, bridge: 'check2', balance: true, codewordsPerStrand: 3 }, 12],
  [{ ell: 2, length: 16, bridge: 'check2', balance: false, codewordsPerStrand: 5 }, 25],
  [{ ell: 1, length: 5, bridge: 'check2', balance: true, codewordsPerStrand: 3 }, 8],
  [{ ell: 1, length: 1, bridge: 'check2', balance: true, codewordsPerStrand: 4 }, 2],
  [{ ell: 1, length: 12, bridge: 'check2', balance: false, codewordsPerStrand: 2 }, 9],
];

describe('check2 detects every single substitution', () => {
  it('the layout says so', () => {
    expect(BRIDGE_LAYOUT.check2.detects).toBe(true);
    expect(BRIDGE_LAYOUT.sep1.detects).toBe(false);
  });

  it.each(configs)('%o, %i bytes', (opts, bytes) => {
    const codec = new LocoCodec(opts);
    let tried = 0;
    const byKind = new Map<string, number>();
    for (const seed of [1, 2, 3]) {
      const data = prngBytes(bytes, seed * 101 + bytes);
      const strands = codec.encode(data);
      expect(codec.decode(strands)).toEqual(data);
      for (let si = 0; si < strands.length; si++) {
        const original = strands[si];
        for (let j = 0; j < original.length; j++) {
          for (let v = 0; v < 4; v++) {
            if (v === original[j]) continue;
            const bad = original.slice();
            bad[j] = v;
            const set = strands.slice();
            set[si] = bad;
            tried++;
            let out: Uint8Array | undefined;
            let err: unknown;
            try {
              out = codec.decode(set);
            } catch (e) {
              err = e;
            }
            if (out !== undefined) {
              const same = out.length === data.length && out.every((b, i) => b === data[i]);
              expect.fail(`substitution strand ${si} pos ${j} → ${v} not detected: decode returned ${same ? 'the right' : 'WRONG'} bytes`);
            }
            expect(err).toBeInstanceOf(DnarchiveError);
            const ok = err instanceof ChecksumMismatchError || err instanceof RunLimitError || err instanceof StrandFormatError;
            if (!ok) expect.fail(`unexpected error type ${(err as Error).name}: ${(err as Error).message}`);
            const name = (err as Error).name;
            byKind.set(name, (byKind.get(name) ?? 0) + 1);
          }
        }
      }
    }
    expect(tried).toBeGreaterThan(0);
    // most substitutions are caught by the checksum itself
    expect(byKind.get('ChecksumMismatchError') ?? 0).toBeGreaterThan(tried / 3);
  });

  it('the error names the strand and codeword of the substitution', () => {
    const codec = new LocoCodec({ ell: 3, length: 20, codewordsPerStrand: 3, balance: false });
    const strands = codec.encode(prngBytes(40, 5));
    expect(strands.length).toBeGreaterThan(1);
    // codeword 1 of strand 1 starts at 1·(m + 2) = 22; change its checksum by flipping one symbol
    // to a value that keeps the run limit (a run of ≤ 3 can't be broken by one change unless it
    // joins two runs, so pick a value differing from both neighbours).
    const st = strands[1].slice();
    const j = 22 + 5;
    st[j] = [0, 1, 2, 3].find((v) => v !== st[j] && v !== st[j - 1] && v !== st[j + 1])!;
    const set = strands.slice();
    set[1] = st;
    let err: unknown;
    try {
      codec.decode(set);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ChecksumMismatchError);
    expect((err as ChecksumMismatchError).message).toContain('strand 1, codeword 1');
  });
});
