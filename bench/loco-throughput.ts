/**
 * Section 1: bulk codec throughput. Encodes and decodes one deterministic pseudo-random buffer
 * with LocoCodec on the main thread and reports payload Mbit/s (8·bytes / seconds / 1e6).
 */
import { LocoCodec, type BridgeScheme } from '../src/loco/index.js';
import { randomBytes } from './_prng.js';
import { measure, type TimingOptions } from './_timing.js';
import { fixed, percent, renderTable } from './_table.js';

/** Figures from the project's issue for a C++/GMP enumerative codec, one core, ℓ = 3, m = 96. */
export const CPP_REFERENCE = { encodeMbps: 38, decodeMbps: 65 } as const;
/** The target: twice the C++ reference. */
export const TARGET = { encodeMbps: 76, decodeMbps: 130 } as const;

export interface ThroughputConfig {
  ell: number;
  m: number;
  bridge: BridgeScheme;
}

export interface ThroughputRow extends ThroughputConfig {
  messageBitsPerCodeword: number;
  payloadBytes: number;
  codewords: number;
  strands: number;
  encodeMbps: number;
  decodeMbps: number;
  encodeSpread: number;
  decodeSpread: number;
  /** Present for the ℓ = 3, m = 96 rows, which the reference figures are for. */
  reference?: {
    cppEncodeMbps: number;
    cppDecodeMbps: number;
    encodeRatio: number;
    decodeRatio: number;
    targetEncodeMbps: number;
    targetDecodeMbps: number;
    encodePass: boolean;
    decodePass: boolean;
  };
}

export const THROUGHPUT_CONFIGS: ThroughputConfig[] = [
  ...[1, 2, 3].flatMap((ell) => [48, 96].map((m) => ({ ell, m, bridge: 'check2' as BridgeScheme }))),
  { ell: 3, m: 96, bridge: 'sep1' },
];

export function runThroughput(payloadBytes: number, timing: TimingOptions, seed = 0x5eed1): ThroughputRow[] {
  const data = randomBytes(payloadBytes, seed);
  const bits = 8 * payloadBytes;
  const rows: ThroughputRow[] = [];
  for (const cfg of THROUGHPUT_CONFIGS) {
    const codec = new LocoCodec({ ell: cfg.ell, length: cfg.m, bridge: cfg.bridge, balance: true, codewordsPerStrand: 4 });
    // Correctness once, outside the timed loops.
    const strands = codec.encode(data);
    const back = codec.decode(strands);
    if (back.length !== data.length || !back.every((v, i) => v === data[i])) {
      throw new Error(`round trip failed for ell=${cfg.ell} m=${cfg.m} bridge=${cfg.bridge}`);
    }
    const enc = measure(() => codec.encode(data), timing);
    const dec = measure(() => codec.decode(strands), timing);
    const row: ThroughputRow = {
      ...cfg,
      messageBitsPerCodeword: codec.messageBits,
      payloadBytes,
      codewords: codec.codewordCount(payloadBytes),
      strands: strands.length,
      encodeMbps: bits / enc.seconds / 1e6,
      decodeMbps: bits / dec.seconds / 1e6,
      encodeSpread: enc.spread,
      decodeSpread: dec.spread,
    };
    if (cfg.ell === 3 && cfg.m === 96) {
      row.reference = {
        cppEncodeMbps: CPP_REFERENCE.encodeMbps,
        cppDecodeMbps: CPP_REFERENCE.decodeMbps,
        encodeRatio: row.encodeMbps / CPP_REFERENCE.encodeMbps,
        decodeRatio: row.decodeMbps / CPP_REFERENCE.decodeMbps,
        targetEncodeMbps: TARGET.encodeMbps,
        targetDecodeMbps: TARGET.decodeMbps,
        encodePass: row.encodeMbps >= TARGET.encodeMbps,
        decodePass: row.decodeMbps >= TARGET.decodeMbps,
      };
    }
    rows.push(row);
  }
  return rows;
}

export function formatThroughput(rows: ThroughputRow[]): string {
  const table = renderTable(
    [
      { header: 'ell' },
      { header: 'm' },
      { header: 'bridge', align: 'l' },
      { header: 'bits/cw' },
      { header: 'encode Mbit/s' },
      { header: '±' },
      { header: 'decode Mbit/s' },
      { header: '±' },
      { header: 'C++ ref enc/dec', align: 'l' },
      { header: 'ours/C++ enc', align: 'l' },
      { header: 'ours/C++ dec', align: 'l' },
      { header: 'target >=76 enc', align: 'l' },
      { header: 'target >=130 dec', align: 'l' },
    ],
    rows.map((r) => {
      const ref = r.reference;
      return [
        String(r.ell),
        String(r.m),
        r.bridge,
        String(r.messageBitsPerCodeword),
        fixed(r.encodeMbps, 1),
        percent(r.encodeSpread),
        fixed(r.decodeMbps, 1),
        percent(r.decodeSpread),
        ref ? `${ref.cppEncodeMbps} / ${ref.cppDecodeMbps}` : '',
        ref ? `${fixed(ref.encodeRatio, 2)}x` : '',
        ref ? `${fixed(ref.decodeRatio, 2)}x` : '',
        ref ? (ref.encodePass ? 'PASS' : 'MISS') : '',
        ref ? (ref.decodePass ? 'PASS' : 'MISS') : '',
      ];
    }),
  );
  return table;
}
