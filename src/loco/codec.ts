/**
 * The bulk codec: bytes → strands of D-LOCO codewords with bridges, and back (spec dloco.md §4).
 *
 * Message framing: the byte stream is read MSB-first, followed by one '1' bit and then '0' bits
 * up to a whole number of codewords (ISO/IEC 9797-1 padding method 2). The decoder strips the
 * trailing zeros and the final '1', so the length needs no side channel: any byte length,
 * including 0, round-trips. A stream whose padding is missing or not byte-aligned is rejected,
 * but padding cannot reveal every truncation (a cut stream may end in a valid-looking padding);
 * the layers above carry the payload length and SHA-256 for that.
 *
 * Balancing: with `balance`, messages index only the lower half of D(m, ℓ) — the words starting
 * with A or T, by complement symmetry g(c̄) = N − 1 − g(c) — and each codeword is sent as c or c̄,
 * together with its bridge, whichever keeps the strand's running disparity #GC − #AT nearest 0.
 * A received codeword starting with G or C is complemented back. Cost: one bit per codeword.
 */
import { z } from 'zod';
import { parseWith } from '../validate.js';
import { formatWord, parseWord } from './alphabet.js';
import { readLimbs, writeLimbs, fitsInBits } from './_bits.js';
import { BRIDGE_LAYOUT, CHECK_OF_PAIR, PAIRS_BY_CHECK, codewordsInStrand, strandLength, symbolDisparity, type BridgeLayout } from './bridge.js';
import { locoCode, type LocoCode } from './code.js';
import { ChecksumMismatchError, LocoParameterError, RunLimitError, StrandFormatError, UncorrectableCodewordError } from './errors.js';
import { MAX_ELL, MAX_LENGTH } from './params.js';

/** fromWord results. */
export const DECODE_CLEAN = 0;
export const DECODE_CORRECTED = 1;
export const DECODE_FAILED = -1;

/**
 * How messages become codeword indices and back. The plain mapper uses the index itself (the
 * lower half when balanced); src/ecc's ResidueCode restricts indices to a residue class and
 * corrects substitutions. The codec does the framing, balancing and bridging either way.
 */
export interface IndexMapper {
  readonly name: string;
  /** Message bits per codeword. */
  readonly messageBits: number;
  /** Whether fromWord corrects errors (then received words may break the run limit). */
  readonly corrects: boolean;
  /** Message u (limbs, may be destroyed) → index x to send (below N/2 when balanced). */
  toIndex(u: Int32Array, x: Int32Array): void;
  /**
   * Received codeword (as sent, maybe complemented) → message u; DECODE_CLEAN, _CORRECTED or
   * _FAILED. `checksum` is the XOR its bridge says the codeword has, or −1 without one.
   */
  fromWord(word: Uint8Array, offset: number, u: Int32Array, checksum: number): number;
  /** After DECODE_CORRECTED: whether it took list decoding (two substitutions). */
  readonly lastByList: boolean;
  /** After DECODE_FAILED: why. */
  readonly failure: string;
}

/** Messages are indices: the lower half of D(m, ℓ) when balanced, all of it otherwise. */
class PlainMapper implements IndexMapper {
  readonly name = 'none';
  readonly corrects = false;
  readonly messageBits: number;
  readonly lastByList = false;
  failure = '';
  constructor(
    private readonly code: LocoCode,
    private readonly balance: boolean,
  ) {
    this.messageBits = code.bits - (balance ? 1 : 0);
  }
  toIndex(u: Int32Array, x: Int32Array): void {
    x.set(u);
  }
  fromWord(word: Uint8Array, offset: number, u: Int32Array): number {
    this.code.rankInto(word, offset, u, this.balance && word[offset] >= 2);
    if (fitsInBits(u, this.messageBits)) return DECODE_CLEAN;
    this.failure = `index lies outside the ${this.messageBits}-bit message range; this codeword was not produced by this encoder`;
    return DECODE_FAILED;
  }
}

export interface DecodeReport {
  data: Uint8Array;
  codewords: number;
  /** Codewords the mapper corrected. */
  corrected: number;
  /** Of those, codewords that needed list decoding (two substitutions). */
  listDecoded: number;
  /** Codewords received clean whose bridge checksum did not match: the bridge itself was hit. */
  bridgeErrors: number;
}

export const locoCodecOptionsSchema = z
  .object({
    ell: z.number().int().min(1).max(MAX_ELL).default(3),
    length: z.number().int().min(1).max(MAX_LENGTH).default(48),
    bridge: z.enum(['sep1', 'check2']).default('check2'),
    balance: z.boolean().default(true),
    codewordsPerStrand: z
      .number()
      .int()
      .min(1)
      .max(1 << 20)
      .default(4),
  })
  .strict();

export type LocoCodecOptions = z.input<typeof locoCodecOptionsSchema>;
export type LocoCodecConfig = z.output<typeof locoCodecOptionsSchema>;

export class LocoCodec {
  readonly config: LocoCodecConfig;
  readonly code: LocoCode;
  /** Message bits carried by each codeword. */
  readonly messageBits: number;
  readonly layout: BridgeLayout;
  private readonly limbs: Int32Array;

  readonly mapper: IndexMapper;
  private readonly index: Int32Array;

  /** `mapper` replaces the plain message ↔ index map (src/ecc supplies a correcting one). */
  constructor(options: LocoCodecOptions = {}, mapper?: (code: LocoCode, config: LocoCodecConfig) => IndexMapper) {
    this.config = parseWith(locoCodecOptionsSchema, options, 'loco codec options');
    const { ell, length, bridge, balance } = this.config;
    this.code = locoCode(length, ell);
    this.mapper = mapper ? mapper(this.code, this.config) : new PlainMapper(this.code, balance);
    this.messageBits = this.mapper.messageBits;
    if (this.messageBits < 1) {
      throw new LocoParameterError('length (m)', length, `too small to carry one message bit at ell = ${ell}`);
    }
    this.layout = BRIDGE_LAYOUT[bridge];
    this.limbs = this.code.newLimbs();
    this.index = this.code.newLimbs();
  }

  /** Codewords needed for a payload of `byteLength` bytes (padding included). */
  codewordCount(byteLength: number): number {
    return Math.ceil((8 * byteLength + 1) / this.messageBits);
  }

  /** Strand lengths for a payload of `byteLength` bytes, in emission order. */
  strandCount(byteLength: number): number {
    return Math.ceil(this.codewordCount(byteLength) / this.config.codewordsPerStrand);
  }

  /** Encodes bytes into strands of symbol values (A=0, T=1, G=2, C=3). Deterministic. */
  encode(data: Uint8Array): Uint8Array[] {
    const s = this.messageBits;
    const total = this.codewordCount(data.length);
    const padded = new Uint8Array(Math.ceil((total * s) / 8) + 4);
    padded.set(data);
    padded[data.length] = 0x80;
    const strands: Uint8Array[] = [];
    const K = this.config.codewordsPerStrand;
    let bitPos = 0;
    for (let first = 0; first < total; first += K) {
      const k = Math.min(K, total - first);
      const out = new Uint8Array(strandLength(this.config.bridge, this.config.length, k));
      this.encodeStrand(padded, bitPos, k, out);
      bitPos += k * s;
      strands.push(out);
    }
    return strands;
  }

  /** Encodes into "ATGC…" strings. */
  encodeToStrings(data: Uint8Array): string[] {
    return this.encode(data).map((s) => formatWord(s));
  }

  /** Decodes strands (in emission order) back to the bytes. Throws a typed error naming the strand. */
  decode(strands: readonly (Uint8Array | string)[]): Uint8Array {
    return this.decodeReport(strands).data;
  }

  /** Like decode, and counts what was corrected. */
  decodeReport(strands: readonly (Uint8Array | string)[]): DecodeReport {
    const m = this.config.length;
    const s = this.messageBits;
    const words = strands.map((st, i) => (typeof st === 'string' ? parseWord(st, `strand ${i}`) : st));
    const counts = words.map((w, i) => {
      const k = codewordsInStrand(this.config.bridge, m, w.length);
      if (k < 0) {
        throw new StrandFormatError(`strand ${i}: length ${w.length} is not a whole number of codewords (m = ${m}, bridge = ${this.config.bridge})`);
      }
      return k;
    });
    const total = counts.reduce((a, b) => a + b, 0);
    if (total === 0) throw new StrandFormatError('no strands to decode: the padding marker is missing');
    const bits = new Uint8Array(Math.ceil((total * s) / 8) + 4);
    let bitPos = 0;
    const report: DecodeReport = { data: new Uint8Array(0), codewords: total, corrected: 0, listDecoded: 0, bridgeErrors: 0 };
    for (let i = 0; i < words.length; i++) {
      this.decodeStrand(words[i], i, counts[i], bits, bitPos, report);
      bitPos += counts[i] * s;
    }
    report.data = stripPadding(bits, total * s, s);
    return report;
  }

  /**
   * Strand-level entry for framing layers (the pool): encodes k codewords from k·messageBits bits
   * of `bits` at bitPos (MSB-first) into one strand with bridges and balancing.
   */
  encodeStrandBits(bits: Uint8Array, bitPos: number, k: number, out = new Uint8Array(strandLength(this.config.bridge, this.config.length, k))): Uint8Array {
    this.encodeStrand(bits, bitPos, k, out);
    return out;
  }

  /**
   * Strand-level decoding that never throws on bad codewords: decodes the k codewords of
   * `strand` into `bits` at bitPos (which must be zero there: bits are ORed in) and writes each
   * codeword's status (DECODE_CLEAN, _CORRECTED, _FAILED) to `statuses`. Returns the number of
   * failed codewords; a failed codeword's bits are left zero.
   */
  decodeStrandBits(strand: Uint8Array, k: number, bits: Uint8Array, bitPos: number, statuses: Int8Array): number {
    const { length: m } = this.config;
    const s = this.messageBits;
    const x = this.limbs;
    const mapper = this.mapper;
    const unit = m + this.layout.length;
    const detects = this.layout.detects;
    let failed = 0;
    for (let c = 0; c < k; c++) {
      const at = c * unit;
      const sum = this.scanCodeword(strand, at);
      const runOk = this.scanViolation < 0;
      const bridgeValue = detects ? CHECK_OF_PAIR[strand[at + m] * 4 + strand[at + m + 1]] : sum;
      let status: number = DECODE_FAILED;
      if (mapper.corrects || (runOk && bridgeValue === sum)) status = mapper.fromWord(strand, at, x, detects ? bridgeValue : -1);
      statuses[c] = status;
      if (status === DECODE_FAILED) failed++;
      else writeLimbs(bits, bitPos + c * s, s, x);
    }
    return failed;
  }

  /** After scanCodeword: position (within the codeword) of the first symbol past the run limit, or −1. */
  private scanViolation = -1;

  /** One pass over the codeword at `at`: returns its XOR checksum and sets scanViolation. */
  private scanCodeword(strand: Uint8Array, at: number): number {
    const { length: m, ell } = this.config;
    let run = 1;
    let sum = strand[at];
    this.scanViolation = -1;
    for (let i = at + 1; i < at + m; i++) {
      const v = strand[i];
      sum ^= v;
      if (v === strand[i - 1]) {
        if (++run > ell && this.scanViolation < 0) this.scanViolation = i - at;
      } else run = 1;
    }
    return sum;
  }

  /** Writes k codewords read from `padded` at bitPos, with bridges, into `out`. */
  private encodeStrand(padded: Uint8Array, bitPos: number, k: number, out: Uint8Array): void {
    const { length: m, bridge, balance } = this.config;
    const s = this.messageBits;
    const x = this.limbs;
    const code = this.code;
    const blen = this.layout.length;
    const oddFlip = m & 1 ? 3 : 0;
    let D = 0;
    let pos = 0;
    let prevLast = -1;
    let prevCheck = 0;
    for (let c = 0; c < k; c++) {
      readLimbs(padded, bitPos, s, x);
      bitPos += s;
      this.mapper.toIndex(x, this.index);
      // The codeword goes straight to its place in the strand, after the bridge that precedes it.
      const at = c > 0 ? pos + blen : pos;
      code.unrankFrom(this.index, out, at);
      let gc = 0;
      let sum = 0;
      for (let i = at; i < at + m; i++) {
        const v = out[i];
        gc += v >> 1;
        sum ^= v;
      }
      const d = 2 * gc - m;
      const first = out[at];
      let sigma = 0;
      if (c > 0) {
        // Pick the complement flag and the bridge together: the bridge must differ from the
        // first symbol actually sent, which the flag decides.
        let best = Infinity;
        let bestBridge = 0;
        for (let sg = 0; sg < (balance ? 2 : 1); sg++) {
          const f = sg ? 3 - first : first;
          const dd = sg ? -d : d;
          if (bridge === 'sep1') {
            for (let b = 0; b < 4; b++) {
              if (b === prevLast || b === f) continue;
              const score = Math.abs(D + symbolDisparity(b) + dd);
              if (score < best) {
                best = score;
                sigma = sg;
                bestBridge = b;
              }
            }
          } else {
            for (let i = 0; i < 3; i++) {
              const p = PAIRS_BY_CHECK[prevCheck * 3 + i];
              if (p >> 2 === prevLast || (p & 3) === f) continue;
              const score = Math.abs(D + symbolDisparity(p >> 2) + symbolDisparity(p & 3) + dd);
              if (score < best) {
                best = score;
                sigma = sg;
                bestBridge = p;
              }
            }
          }
        }
        if (blen === 1) {
          out[pos] = bestBridge;
          D += symbolDisparity(bestBridge);
        } else {
          out[pos] = bestBridge >> 2;
          out[pos + 1] = bestBridge & 3;
          D += symbolDisparity(bestBridge >> 2) + symbolDisparity(bestBridge & 3);
        }
      } else if (balance && d > 0) {
        sigma = 1; // the first codeword of a strand starts the disparity on the AT side
      }
      if (sigma) for (let i = at; i < at + m; i++) out[i] = 3 - out[i];
      D += sigma ? -d : d;
      prevLast = out[at + m - 1];
      prevCheck = sum ^ (sigma ? oddFlip : 0);
      pos = at + m;
    }
    if (this.layout.trailing) {
      let best = Infinity;
      let bestPair = 0;
      for (let i = 0; i < 3; i++) {
        const p = PAIRS_BY_CHECK[prevCheck * 3 + i];
        if (p >> 2 === prevLast) continue;
        const score = Math.abs(D + symbolDisparity(p >> 2) + symbolDisparity(p & 3));
        if (score < best) {
          best = score;
          bestPair = p;
        }
      }
      out[pos] = bestPair >> 2;
      out[pos + 1] = bestPair & 3;
    }
  }

  private decodeStrand(strand: Uint8Array, si: number, k: number, bits: Uint8Array, bitPos: number, report: DecodeReport): void {
    const { length: m, ell } = this.config;
    const s = this.messageBits;
    const x = this.limbs;
    const mapper = this.mapper;
    const unit = m + this.layout.length;
    const detects = this.layout.detects;
    for (let c = 0; c < k; c++) {
      const at = c * unit;
      const where = `strand ${si}, codeword ${c}`;
      // A correcting mapper accepts run-limit violations: a substitution may cause one, and it
      // corrects them.
      const sum = this.scanCodeword(strand, at);
      if (this.scanViolation >= 0 && !mapper.corrects) throw new RunLimitError(this.scanViolation, ell + 1, ell, where);
      const bridgeValue = detects ? CHECK_OF_PAIR[strand[at + m] * 4 + strand[at + m + 1]] : sum;
      if (!mapper.corrects && bridgeValue !== sum) throw new ChecksumMismatchError(si, c);
      const status = mapper.fromWord(strand, at, x, detects ? bridgeValue : -1);
      if (status === DECODE_FAILED) {
        if (mapper.corrects) throw new UncorrectableCodewordError(si, c, mapper.failure);
        throw new StrandFormatError(`${where}: ${mapper.failure}`);
      }
      if (status === DECODE_CORRECTED) {
        report.corrected++;
        if (mapper.lastByList) report.listDecoded++;
      } else if (bridgeValue !== sum) report.bridgeErrors++;
      writeLimbs(bits, bitPos + c * s, s, x);
    }
  }
}

/** Removes the 1-then-0s padding from a bit buffer of totalBits bits (last codeword s bits). */
function stripPadding(bits: Uint8Array, totalBits: number, s: number): Uint8Array {
  let last = -1;
  for (let byte = Math.ceil(totalBits / 8) - 1; byte >= 0 && last < 0; byte--) {
    const v = bits[byte];
    if (v !== 0) last = byte * 8 + 7 - (31 - Math.clz32(v & -v)); // the lowest set bit comes last MSB-first
  }
  if (last < 0 || last < totalBits - s || last % 8 !== 0) {
    throw new StrandFormatError(
      'the padding marker (a 1 bit followed by zeros, ending on a byte boundary in the last codeword) is missing: the strands are incomplete, out of order or not from this encoder',
    );
  }
  return bits.slice(0, last / 8);
}
