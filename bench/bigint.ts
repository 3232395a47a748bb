/**
 * Section 2: big-integer representations on rank / unrank (the issue: "measure big-integer against
 * native BigInt (and a fixed-limb typed-array representation) on rank/unrank and keep what is
 * fastest in the hot path; record the measurement").
 *
 * Every variant uses the same algorithm as spec dloco.md §3 with the sums precomputed, so only the
 * number representation (and, for the "pair" variants, the table shape) differs:
 *
 *  - symbol tables: for every position j, state (previous symbol, its run capped at ℓ; or "none")
 *    and symbol a, the symbol contribution of the spec's sum. For a valid prefix that value is also
 *    the number of codewords preceding the prefix extended by a, so rank adds one value per symbol
 *    and unrank takes the largest a whose value is ≤ x and subtracts it.
 *  - pair tables: the same, two symbols at a time (16 entries per state), which is the table shape
 *    of the library's hot path (src/loco/code.ts). Unrank picks the first symbol from entries 4, 8,
 *    12 and the second from the three after it.
 *
 * Representations: native BigInt; the big-integer package (which on an engine with BigInt is a
 * thin wrapper around it), and the same package loaded a second time with BigInt hidden so that
 * it runs its own pure-JS arbitrary-precision arithmetic; and the library's fixed 30-bit limbs in
 * an Int32Array (LocoCode.rankInto / unrankFrom, pair tables, preallocated buffers).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import bigInt from 'big-integer';
import { countTables, LocoCode, rankReference, unrankReference, type CountTables } from '../src/loco/index.js';
import { bigToLimbs, limbsToBig } from '../src/loco/_limbs.js';
import { mulberry32, randomBelow, randomBits } from './_prng.js';
import { measure, type TimingOptions } from './_timing.js';
import { fixed, percent, renderTable, si } from './_table.js';

type BigIntLib = bigInt.BigIntegerStatic;
type BigInteger = bigInt.BigInteger;

// ---------------------------------------------------------------------------------------------
// Tables (built once with native BigInt, then converted for each representation).

export interface SpecTables {
  m: number;
  ell: number;
  /** States: s = prev·ℓ + (run − 1), and none = 4ℓ before the first symbol. */
  states: number;
  none: number;
  /** next1[s·4 + a], next2[s·16 + 4a + b]: the state after one symbol / a symbol pair. */
  next1: Uint8Array;
  next2: Uint8Array;
  /** sym[(j·states + s)·4 + a]: contribution of symbol a at position j after state s. */
  sym: bigint[];
  /** 1 when m is odd (block 0 holds a single symbol), else 2. */
  firstLen: number;
  blocks: number;
  /** pairRank / pairCount[(b·states + s)·16 + p]: run-capped rank value / preceding-codeword count. */
  pairRank: bigint[];
  pairCount: bigint[];
}

export function buildSpecTables(m: number, ell: number): SpecTables {
  const t: CountTables = countTables(ell, m);
  const S = 4 * ell + 1;
  const none = 4 * ell;
  const prevOf = (s: number): number => (s === none ? 4 : (s / ell) | 0);
  const runOf = (s: number): number => (s === none ? 0 : (s % ell) + 1);
  const step = (s: number, a: number): number => (s !== none && a === prevOf(s) ? a * ell + Math.min(runOf(s) + 1, ell) - 1 : a * ell);
  /** Σ_{k=1..ℓ−run} T(n − k): valid continuations of length n after a run of `run`. */
  const same = (n: number, run: number): bigint => {
    let v = 0n;
    for (let k = 1; k <= ell - run && n - k >= 0; k++) v += t.T[n - k];
    return v;
  };
  /** The spec's symbol contribution with n symbols left (this one included). */
  const contrib = (n: number, s: number, a: number): bigint => {
    const prev = prevOf(s);
    return a <= prev ? BigInt(a) * t.M[n] : BigInt(a - 1) * t.M[n] + same(n, runOf(s));
  };

  const next1 = new Uint8Array(S * 4);
  const next2 = new Uint8Array(S * 16);
  for (let s = 0; s < S; s++) {
    for (let a = 0; a < 4; a++) {
      next1[s * 4 + a] = step(s, a);
      for (let b = 0; b < 4; b++) next2[s * 16 + a * 4 + b] = step(step(s, a), b);
    }
  }
  const sym: bigint[] = new Array<bigint>(m * S * 4).fill(0n);
  for (let j = 0; j < m; j++) {
    for (let s = 0; s < S; s++) for (let a = 0; a < 4; a++) sym[(j * S + s) * 4 + a] = contrib(m - j, s, a);
  }
  const firstLen = m % 2 === 1 ? 1 : 2;
  const blocks = Math.ceil(m / 2);
  const pairRank: bigint[] = new Array<bigint>(blocks * S * 16).fill(0n);
  const pairCount: bigint[] = new Array<bigint>(blocks * S * 16).fill(0n);
  for (let b = 0, j = 0; b < blocks; b++) {
    const len = b === 0 ? firstLen : 2;
    const n = m - j;
    for (let s = 0; s < S; s++) {
      for (let p = 0; p < (len === 2 ? 16 : 4); p++) {
        const e = (b * S + s) * 16 + p;
        if (len === 1) {
          pairRank[e] = pairCount[e] = contrib(n, s, p);
          continue;
        }
        const a = p >> 2;
        const c = p & 3;
        const first = contrib(n, s, a);
        const second = contrib(n - 1, step(s, a), c);
        const valid = !(s !== none && a === prevOf(s) && runOf(s) >= ell);
        pairRank[e] = first + second;
        pairCount[e] = valid ? first + second : first;
      }
    }
    j += len;
  }
  return { m, ell, states: S, none, next1, next2, sym, firstLen, blocks, pairRank, pairCount };
}

// ---------------------------------------------------------------------------------------------
// Native BigInt.

export class NativeSymbolCodec {
  private readonly m: number;
  private readonly stride: number;
  private readonly none: number;
  private readonly next1: Uint8Array;
  private readonly tab: bigint[];

  constructor(t: SpecTables) {
    this.m = t.m;
    this.stride = t.states * 4;
    this.none = t.none;
    this.next1 = t.next1;
    this.tab = t.sym;
  }

  rank(word: Uint8Array, off: number): bigint {
    const tab = this.tab;
    const next = this.next1;
    const stride = this.stride;
    let s = this.none;
    let g = 0n;
    for (let j = 0, base = 0; j < this.m; j++, base += stride) {
      const e = s * 4 + word[off + j];
      g += tab[base + e];
      s = next[e];
    }
    return g;
  }

  unrank(index: bigint, out: Uint8Array, off: number): void {
    const tab = this.tab;
    const next = this.next1;
    const stride = this.stride;
    let x = index;
    let s = this.none;
    for (let j = 0, base = 0; j < this.m; j++, base += stride) {
      const row = base + s * 4;
      let a = 3;
      while (a > 0 && tab[row + a] > x) a--;
      if (a > 0) x -= tab[row + a];
      out[off + j] = a;
      s = next[s * 4 + a];
    }
  }
}

export class NativePairCodec {
  private readonly firstLen: number;
  private readonly blocks: number;
  private readonly stride: number;
  private readonly none: number;
  private readonly next1: Uint8Array;
  private readonly next2: Uint8Array;
  private readonly rankTab: bigint[];
  private readonly countTab: bigint[];

  constructor(t: SpecTables) {
    this.firstLen = t.firstLen;
    this.blocks = t.blocks;
    this.stride = t.states * 16;
    this.none = t.none;
    this.next1 = t.next1;
    this.next2 = t.next2;
    this.rankTab = t.pairRank;
    this.countTab = t.pairCount;
  }

  rank(word: Uint8Array, off: number): bigint {
    const tab = this.rankTab;
    const next = this.next2;
    const stride = this.stride;
    let s = this.none;
    let g: bigint;
    let j = off;
    if (this.firstLen === 1) {
      const a = word[j++];
      g = tab[s * 16 + a];
      s = this.next1[s * 4 + a];
    } else {
      const p = word[j] * 4 + word[j + 1];
      j += 2;
      g = tab[s * 16 + p];
      s = next[s * 16 + p];
    }
    for (let b = 1, base = stride; b < this.blocks; b++, base += stride, j += 2) {
      const p = word[j] * 4 + word[j + 1];
      g += tab[base + s * 16 + p];
      s = next[s * 16 + p];
    }
    return g;
  }

  unrank(index: bigint, out: Uint8Array, off: number): void {
    const tab = this.countTab;
    const next = this.next2;
    const stride = this.stride;
    let x = index;
    let s = this.none;
    let j = off;
    for (let b = 0, base = 0; b < this.blocks; b++, base += stride) {
      const row = base + s * 16;
      if (b === 0 && this.firstLen === 1) {
        let a = 3;
        while (a > 0 && tab[row + a] > x) a--;
        if (a > 0) x -= tab[row + a];
        out[j++] = a;
        s = this.next1[s * 4 + a];
        continue;
      }
      let a = 12;
      while (a > 0 && tab[row + a] > x) a -= 4;
      let p = a + 3;
      while (p > a && tab[row + p] > x) p--;
      if (p > 0) x -= tab[row + p];
      out[j] = p >> 2;
      out[j + 1] = p & 3;
      j += 2;
      s = next[s * 16 + p];
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The big-integer package (immutable objects: every add / subtract allocates).

export class BigIntegerSymbolCodec {
  private readonly m: number;
  private readonly stride: number;
  private readonly none: number;
  private readonly next1: Uint8Array;
  private readonly tab: BigInteger[];
  private readonly zero: BigInteger;

  constructor(lib: BigIntLib, t: SpecTables) {
    this.m = t.m;
    this.stride = t.states * 4;
    this.none = t.none;
    this.next1 = t.next1;
    this.tab = t.sym.map((v) => lib(v.toString()));
    this.zero = lib(0);
  }

  rank(word: Uint8Array, off: number): BigInteger {
    const tab = this.tab;
    const next = this.next1;
    const stride = this.stride;
    let s = this.none;
    let g = this.zero;
    for (let j = 0, base = 0; j < this.m; j++, base += stride) {
      const e = s * 4 + word[off + j];
      g = g.add(tab[base + e]);
      s = next[e];
    }
    return g;
  }

  unrank(index: BigInteger, out: Uint8Array, off: number): void {
    const tab = this.tab;
    const next = this.next1;
    const stride = this.stride;
    let x = index;
    let s = this.none;
    for (let j = 0, base = 0; j < this.m; j++, base += stride) {
      const row = base + s * 4;
      let a = 3;
      while (a > 0 && tab[row + a].compare(x) > 0) a--;
      if (a > 0) x = x.subtract(tab[row + a]);
      out[off + j] = a;
      s = next[s * 4 + a];
    }
  }
}

export class BigIntegerPairCodec {
  private readonly firstLen: number;
  private readonly blocks: number;
  private readonly stride: number;
  private readonly none: number;
  private readonly next1: Uint8Array;
  private readonly next2: Uint8Array;
  private readonly rankTab: BigInteger[];
  private readonly countTab: BigInteger[];

  constructor(lib: BigIntLib, t: SpecTables) {
    this.firstLen = t.firstLen;
    this.blocks = t.blocks;
    this.stride = t.states * 16;
    this.none = t.none;
    this.next1 = t.next1;
    this.next2 = t.next2;
    this.rankTab = t.pairRank.map((v) => lib(v.toString()));
    this.countTab = t.pairCount.map((v) => lib(v.toString()));
  }

  rank(word: Uint8Array, off: number): BigInteger {
    const tab = this.rankTab;
    const next = this.next2;
    const stride = this.stride;
    let s = this.none;
    let g: BigInteger;
    let j = off;
    if (this.firstLen === 1) {
      const a = word[j++];
      g = tab[s * 16 + a];
      s = this.next1[s * 4 + a];
    } else {
      const p = word[j] * 4 + word[j + 1];
      j += 2;
      g = tab[s * 16 + p];
      s = next[s * 16 + p];
    }
    for (let b = 1, base = stride; b < this.blocks; b++, base += stride, j += 2) {
      const p = word[j] * 4 + word[j + 1];
      g = g.add(tab[base + s * 16 + p]);
      s = next[s * 16 + p];
    }
    return g;
  }

  unrank(index: BigInteger, out: Uint8Array, off: number): void {
    const tab = this.countTab;
    const next = this.next2;
    const stride = this.stride;
    let x = index;
    let s = this.none;
    let j = off;
    for (let b = 0, base = 0; b < this.blocks; b++, base += stride) {
      const row = base + s * 16;
      if (b === 0 && this.firstLen === 1) {
        let a = 3;
        while (a > 0 && tab[row + a].compare(x) > 0) a--;
        if (a > 0) x = x.subtract(tab[row + a]);
        out[j++] = a;
        s = this.next1[s * 4 + a];
        continue;
      }
      let a = 12;
      while (a > 0 && tab[row + a].compare(x) > 0) a -= 4;
      let p = a + 3;
      while (p > a && tab[row + p].compare(x) > 0) p--;
      if (p > 0) x = x.subtract(tab[row + p]);
      out[j] = p >> 2;
      out[j + 1] = p & 3;
      j += 2;
      s = next[s * 16 + p];
    }
  }
}

/**
 * A second, separate instance of big-integer that does not see BigInt, so it uses its own
 * pure-JS arithmetic (arrays of base-10^7 digits). Evaluated from the package's file with
 * `BigInt` shadowed by a parameter; the global is left alone.
 */
export function loadPureJsBigInteger(): BigIntLib {
  const require = createRequire(import.meta.url);
  const file = require.resolve('big-integer');
  const source = readFileSync(file, 'utf8');
  const module = { exports: {} as unknown };
  const factory = new Function('module', 'exports', 'BigInt', 'define', `${source}\n;return module.exports;`) as (
    m: { exports: unknown },
    e: unknown,
    b: undefined,
    d: undefined,
  ) => BigIntLib;
  const lib = factory(module, module.exports, undefined, undefined);
  // Make sure the instance really runs without BigInt.
  if (typeof (lib(2).pow(80) as unknown as { value: unknown }).value === 'bigint') {
    throw new Error('pure-JS big-integer instance unexpectedly uses native BigInt');
  }
  return lib;
}

// ---------------------------------------------------------------------------------------------
// The benchmark.

export interface BigIntRow {
  m: number;
  ell: number;
  /** Message bits per codeword used for Mbit/s: code.bits − 1 (balanced codec). */
  messageBits: number;
  impl: string;
  tables: 'symbol' | 'pair';
  rankCodewordsPerSec: number;
  rankMbps: number;
  rankSpread: number;
  unrankCodewordsPerSec: number;
  unrankMbps: number;
  unrankSpread: number;
  /** Throughput relative to the native BigInt symbol-table baseline, same m. */
  rankVsBaseline: number;
  unrankVsBaseline: number;
}

export interface BigIntOptions {
  lengths: number[];
  ell: number;
  /** Codewords per timed call. */
  batch: number;
  /** Codewords cross-checked between all implementations before timing. */
  checkSample: number;
  timing: TimingOptions;
  /** Include the pure-JS big-integer rows (slow). */
  pureJs: boolean;
  seed?: number;
}

interface Impl {
  name: string;
  tables: 'symbol' | 'pair';
  rank: () => unknown;
  unrank: () => unknown;
}

export function runBigInt(o: BigIntOptions): BigIntRow[] {
  const rows: BigIntRow[] = [];
  const pure = o.pureJs ? loadPureJsBigInteger() : undefined;
  for (const m of o.lengths) {
    const ell = o.ell;
    const code = new LocoCode(m, ell);
    const W = code.width;
    const t = buildSpecTables(m, ell);
    const nSym = new NativeSymbolCodec(t);
    const nPair = new NativePairCodec(t);
    const bSym = new BigIntegerSymbolCodec(bigInt, t);
    const bPair = new BigIntegerPairCodec(bigInt, t);
    const pSym = pure ? new BigIntegerSymbolCodec(pure, t) : undefined;
    const pPair = pure ? new BigIntegerPairCodec(pure, t) : undefined;

    crossCheck(o, code, t, { nSym, nPair, bSym, bPair, pSym, pPair, pure });

    // Timed inputs: indices in the balanced codec's message range [0, 2^(bits−1)) and their words.
    const K = o.batch;
    const next = mulberry32((o.seed ?? 0xb161) + m);
    const idx: bigint[] = [];
    const words = new Uint8Array(K * m);
    const idxLimbs = new Int32Array(K * W);
    for (let i = 0; i < K; i++) {
      const x = randomBits(next, code.bits - 1);
      idx.push(x);
      words.set(code.unrank(x), i * m);
      bigToLimbs(x, idxLimbs, i * W, W);
    }
    const idxB = idx.map((x) => bigInt(x.toString()));
    const idxP = pure ? idx.map((x) => pure(x.toString())) : [];
    const outWords = new Uint8Array(K * m);
    const outBig: bigint[] = new Array<bigint>(K).fill(0n);
    const outObj: BigInteger[] = new Array<BigInteger>(K).fill(bigInt(0));
    const rankLimbs = new Int32Array(K * W);
    const rankViews = Array.from({ length: K }, (_, i) => rankLimbs.subarray(i * W, (i + 1) * W));
    const idxViews = Array.from({ length: K }, (_, i) => idxLimbs.subarray(i * W, (i + 1) * W));
    const x = code.newLimbs();

    const impls: Impl[] = [
      {
        name: 'native BigInt',
        tables: 'symbol',
        rank: () => {
          for (let i = 0; i < K; i++) outBig[i] = nSym.rank(words, i * m);
          return outBig;
        },
        unrank: () => {
          for (let i = 0; i < K; i++) nSym.unrank(idx[i], outWords, i * m);
          return outWords;
        },
      },
      {
        name: 'native BigInt',
        tables: 'pair',
        rank: () => {
          for (let i = 0; i < K; i++) outBig[i] = nPair.rank(words, i * m);
          return outBig;
        },
        unrank: () => {
          for (let i = 0; i < K; i++) nPair.unrank(idx[i], outWords, i * m);
          return outWords;
        },
      },
      {
        name: 'big-integer (wraps BigInt)',
        tables: 'symbol',
        rank: () => {
          for (let i = 0; i < K; i++) outObj[i] = bSym.rank(words, i * m);
          return outObj;
        },
        unrank: () => {
          for (let i = 0; i < K; i++) bSym.unrank(idxB[i], outWords, i * m);
          return outWords;
        },
      },
      {
        name: 'big-integer (wraps BigInt)',
        tables: 'pair',
        rank: () => {
          for (let i = 0; i < K; i++) outObj[i] = bPair.rank(words, i * m);
          return outObj;
        },
        unrank: () => {
          for (let i = 0; i < K; i++) bPair.unrank(idxB[i], outWords, i * m);
          return outWords;
        },
      },
      {
        name: 'Int32Array 30-bit limbs (library)',
        tables: 'pair',
        rank: () => {
          for (let i = 0; i < K; i++) code.rankInto(words, i * m, rankViews[i]);
          return rankLimbs;
        },
        unrank: () => {
          for (let i = 0; i < K; i++) {
            x.set(idxViews[i]); // unrankFrom destroys its input
            code.unrankFrom(x, outWords, i * m);
          }
          return outWords;
        },
      },
    ];
    // Pure-JS big-integer last: it shares the BigInteger*Codec classes, whose call sites should see
    // only the wrapper's objects while those rows are timed.
    if (pSym && pPair) {
      for (const [tables, c] of [
        ['symbol', pSym],
        ['pair', pPair],
      ] as const) {
        impls.push({
          name: 'big-integer (pure JS)',
          tables,
          rank: () => {
            for (let i = 0; i < K; i++) outObj[i] = c.rank(words, i * m);
            return outObj;
          },
          unrank: () => {
            for (let i = 0; i < K; i++) c.unrank(idxP[i], outWords, i * m);
            return outWords;
          },
        });
      }
    }

    const measured = impls.map((impl) => {
      const r = measure(impl.rank, o.timing);
      const u = measure(impl.unrank, o.timing);
      // The timed calls must have produced the right answers too.
      checkBatch(impl.name, code, words, outWords);
      return { impl, r, u };
    });
    const base = measured[0];
    const baseRank = K / base.r.seconds;
    const baseUnrank = K / base.u.seconds;
    for (const { impl, r, u } of measured) {
      const rankCps = K / r.seconds;
      const unrankCps = K / u.seconds;
      rows.push({
        m,
        ell,
        messageBits: code.bits - 1,
        impl: impl.name,
        tables: impl.tables,
        rankCodewordsPerSec: rankCps,
        rankMbps: (rankCps * (code.bits - 1)) / 1e6,
        rankSpread: r.spread,
        unrankCodewordsPerSec: unrankCps,
        unrankMbps: (unrankCps * (code.bits - 1)) / 1e6,
        unrankSpread: u.spread,
        rankVsBaseline: rankCps / baseRank,
        unrankVsBaseline: unrankCps / baseUnrank,
      });
    }
    // Sanity: the limb ranks written in the last timed call are the indices.
    for (let i = 0; i < K; i++) {
      if (limbsToBig(rankLimbs, i * W, W) !== idx[i]) throw new Error(`limb rank mismatch at m=${m}, word ${i}`);
    }
  }
  return rows;
}

/** After each implementation's timed unrank, outWords must hold the batch's words again. */
function checkBatch(name: string, code: LocoCode, words: Uint8Array, outWords: Uint8Array): void {
  for (let i = 0; i < words.length; i++) {
    if (outWords[i] !== words[i]) {
      throw new Error(`${name}: unrank produced a different word at m=${code.m}, codeword ${Math.floor(i / code.m)}`);
    }
  }
  outWords.fill(0);
}

interface Variants {
  nSym: NativeSymbolCodec;
  nPair: NativePairCodec;
  bSym: BigIntegerSymbolCodec;
  bPair: BigIntegerPairCodec;
  pSym?: BigIntegerSymbolCodec;
  pPair?: BigIntegerPairCodec;
  pure?: BigIntLib;
}

/**
 * All implementations agree on rank and unrank, and with the spec reference (reference.ts), on
 * a sample: edge indices, indices over the full range [0, N) and over the message range.
 */
function crossCheck(o: BigIntOptions, code: LocoCode, t: SpecTables, v: Variants): void {
  const { m, ell } = t;
  const N = code.size;
  const next = mulberry32((o.seed ?? 0xb161) ^ 0xc0ffee ^ m);
  const sample: bigint[] = [0n, 1n, N - 1n, N / 2n - 1n, N / 2n, (1n << BigInt(code.bits - 1)) - 1n];
  while (sample.length < o.checkSample) {
    sample.push(sample.length % 2 ? randomBelow(next, N) : randomBits(next, code.bits - 1));
  }
  const W = code.width;
  const limbs = code.newLimbs();
  const x = code.newLimbs();
  const buf = new Uint8Array(m);
  const fail = (what: string, i: bigint): never => {
    throw new Error(`bigint benchmark: ${what} disagrees at m=${m}, ell=${ell}, index ${i}`);
  };
  const sameWord = (a: Uint8Array, b: Uint8Array): boolean => a.every((s, k) => s === b[k]);
  for (const i of sample) {
    const word = unrankReference(i, m, ell);
    if (rankReference(word, ell) !== i) fail('spec reference rank(unrank)', i);
    // Ranks.
    if (v.nSym.rank(word, 0) !== i) fail('native BigInt symbol rank', i);
    if (v.nPair.rank(word, 0) !== i) fail('native BigInt pair rank', i);
    if (BigInt(v.bSym.rank(word, 0).toString()) !== i) fail('big-integer symbol rank', i);
    if (BigInt(v.bPair.rank(word, 0).toString()) !== i) fail('big-integer pair rank', i);
    if (v.pSym && BigInt(v.pSym.rank(word, 0).toString()) !== i) fail('pure-JS big-integer symbol rank', i);
    if (v.pPair && BigInt(v.pPair.rank(word, 0).toString()) !== i) fail('pure-JS big-integer pair rank', i);
    code.rankInto(word, 0, limbs);
    if (limbsToBig(limbs, 0, W) !== i) fail('limb rankInto', i);
    // Unranks.
    const check = (what: string, f: () => void): void => {
      buf.fill(0);
      f();
      if (!sameWord(buf, word)) fail(what, i);
    };
    check('native BigInt symbol unrank', () => v.nSym.unrank(i, buf, 0));
    check('native BigInt pair unrank', () => v.nPair.unrank(i, buf, 0));
    check('big-integer symbol unrank', () => v.bSym.unrank(bigInt(i.toString()), buf, 0));
    check('big-integer pair unrank', () => v.bPair.unrank(bigInt(i.toString()), buf, 0));
    const pure = v.pure;
    if (pure && v.pSym && v.pPair) {
      const pSym = v.pSym;
      const pPair = v.pPair;
      check('pure-JS big-integer symbol unrank', () => pSym.unrank(pure(i.toString()), buf, 0));
      check('pure-JS big-integer pair unrank', () => pPair.unrank(pure(i.toString()), buf, 0));
    }
    check('limb unrankFrom', () => {
      bigToLimbs(i, x, 0, W);
      code.unrankFrom(x, buf, 0);
    });
  }
}

export function formatBigInt(rows: BigIntRow[]): string {
  return renderTable(
    [
      { header: 'm' },
      { header: 'representation', align: 'l' },
      { header: 'tables', align: 'l' },
      { header: 'rank cw/s' },
      { header: 'Mbit/s' },
      { header: '±' },
      { header: 'vs BigInt' },
      { header: 'unrank cw/s' },
      { header: 'Mbit/s' },
      { header: '±' },
      { header: 'vs BigInt' },
    ],
    rows.map((r) => [
      String(r.m),
      r.impl,
      r.tables,
      si(r.rankCodewordsPerSec),
      fixed(r.rankMbps, 1),
      percent(r.rankSpread),
      `${fixed(r.rankVsBaseline, 2)}x`,
      si(r.unrankCodewordsPerSec),
      fixed(r.unrankMbps, 1),
      percent(r.unrankSpread),
      `${fixed(r.unrankVsBaseline, 2)}x`,
    ]),
  );
}

/** One line per length naming the fastest representation for rank and for unrank. */
export function summariseBigInt(rows: BigIntRow[]): string {
  const lines: string[] = [];
  for (const m of [...new Set(rows.map((r) => r.m))]) {
    const here = rows.filter((r) => r.m === m);
    const best = (key: 'rankCodewordsPerSec' | 'unrankCodewordsPerSec'): BigIntRow => here.reduce((a, b) => (b[key] > a[key] ? b : a));
    const r = best('rankCodewordsPerSec');
    const u = best('unrankCodewordsPerSec');
    lines.push(
      `m=${m}: fastest rank: ${r.impl}, ${r.tables} tables (${fixed(r.rankVsBaseline, 1)}x native BigInt); ` +
        `fastest unrank: ${u.impl}, ${u.tables} tables (${fixed(u.unrankVsBaseline, 1)}x native BigInt)`,
    );
  }
  return lines.join('\n');
}
