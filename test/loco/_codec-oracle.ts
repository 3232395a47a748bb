/**
 * An independent reading of a LocoCodec strand set (spec dloco.md §4 and the framing described in
 * src/loco/codec.ts): checks the layout of every strand and recovers the payload bits without the
 * codec's decoder, so encode is checked against the spec rather than against decode.
 */
import { CHECK_OF_PAIR, type LocoCodec } from '../../src/loco/index.js';
import { complementWord, isConstrained, longestRun, toText } from './_helpers.js';

export interface StrandReport {
  problems: string[];
  /** Message indices of all codewords, in order. */
  indices: bigint[];
}

export function inspectStrands(codec: LocoCodec, strands: readonly Uint8Array[]): StrandReport {
  const { ell, length: m, bridge, balance, codewordsPerStrand: K } = codec.config;
  const code = codec.code;
  const blen = bridge === 'sep1' ? 1 : 2;
  const trailing = bridge === 'check2';
  const problems: string[] = [];
  const indices: bigint[] = [];
  const limit = 1n << BigInt(codec.messageBits);
  strands.forEach((st, si) => {
    const where = `strand ${si}`;
    // number of codewords from the length
    const k = trailing ? st.length / (m + blen) : (st.length + blen) / (m + blen);
    if (!Number.isInteger(k) || k < 1 || k > K) {
      problems.push(`${where}: length ${st.length} is not a whole number of codewords (m=${m}, ${bridge})`);
      return;
    }
    if (si < strands.length - 1 && k !== K) problems.push(`${where}: only ${k} codewords but not the last strand`);
    if (longestRun(st) > ell) problems.push(`${where}: run of ${longestRun(st)} > ell = ${ell}: ${toText(st)}`);
    for (const v of st) if (v > 3) problems.push(`${where}: symbol value ${v}`);
    if (balance) {
      let gc = 0;
      for (const v of st) if (v >= 2) gc++;
      // |gc/L − 1/2| ≤ 1/(2k)  ⇔  |2·gc − L|·k ≤ L
      if (Math.abs(2 * gc - st.length) * k > st.length) {
        problems.push(`${where}: GC ${gc}/${st.length} outside [0.5 − 1/(2·${k}), 0.5 + 1/(2·${k})]`);
      }
    }
    const unit = m + blen;
    for (let c = 0; c < k; c++) {
      const at = c * unit;
      const sent = st.subarray(at, at + m);
      if (!isConstrained(sent, ell)) {
        problems.push(`${where} codeword ${c}: ${toText(sent)} is not in D(m, ell)`);
        continue;
      }
      if (balance && c === 0) {
        // codec.ts: the first codeword of a strand starts the disparity on the AT side
        let d = 0;
        for (const v of sent) d += v >= 2 ? 1 : -1;
        if (d > 0) problems.push(`${where}: first codeword has GC disparity ${d} > 0`);
      }
      const word = balance && sent[0] >= 2 ? complementWord(sent) : sent;
      const x = code.rank(word);
      if (x >= limit) problems.push(`${where} codeword ${c}: index ${x} ≥ 2^${codec.messageBits}`);
      indices.push(x);
      const hasBridge = c < k - 1 || trailing;
      if (!hasBridge) continue;
      const b = st.subarray(at + m, at + m + blen);
      const next = c < k - 1 ? st[at + unit] : -1;
      if (b[0] === sent[m - 1]) problems.push(`${where} bridge ${c}: first bridge symbol repeats the codeword's last`);
      if (b[blen - 1] === next) problems.push(`${where} bridge ${c}: last bridge symbol repeats the next codeword's first`);
      if (blen === 2) {
        if (b[0] === b[1]) problems.push(`${where} bridge ${c}: equal bridge symbols`);
        let xor = 0;
        for (const v of sent) xor ^= v;
        if (CHECK_OF_PAIR[b[0] * 4 + b[1]] !== xor) problems.push(`${where} bridge ${c}: carries ${CHECK_OF_PAIR[b[0] * 4 + b[1]]}, checksum is ${xor}`);
      }
    }
  });
  return { problems, indices };
}

/** Concatenates s-bit indices MSB-first and strips the 1-then-0s padding; null if malformed. */
export function payloadFromIndices(indices: readonly bigint[], s: number): Uint8Array | null {
  let bits = '';
  for (const x of indices) bits += x.toString(2).padStart(s, '0');
  const last = bits.lastIndexOf('1');
  if (last < 0 || last % 8 !== 0 || last < bits.length - s) return null;
  const out = new Uint8Array(last / 8);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(bits.slice(8 * i, 8 * i + 8), 2);
  return out;
}
