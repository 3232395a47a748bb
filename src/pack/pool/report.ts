/**
 * What a synthesis order and a reviewer want to know about a pool: strand counts by kind, net
 * density (payload bits ÷ all nucleotides, with and without primers), longest run, GC range per
 * strand, and the rate against the capacity of the run-limited channel.
 */
import { capacity } from '../../loco/cardinality.js';
import { parseWord } from '../../loco/alphabet.js';
import { strandStats } from '../strand-stats.js';
import { frameReads } from './decode.js';
import type { Manifest } from './format.js';
import { detectPrimers, PRIMER_SAMPLE } from './read-frame.js';
import { arrayReads, type ReadSource } from '../read-stream.js';

export interface PoolReport {
  manifest: Manifest;
  strands: { data: number; parity: number; header: number; total: number };
  payloadBytes: number;
  strandLength: number;
  nucleotides: number;
  nucleotidesWithPrimers: number;
  bitsPerNt: number;
  bitsPerNtWithPrimers: number;
  maxRun: number;
  gcMin: number;
  gcMax: number;
  capacity: number;
  rateVsCapacity: number;
}

export function poolReport(strands: readonly string[] | ReadSource, source = 'pool'): PoolReport {
  const src = Array.isArray(strands) ? arrayReads(strands as readonly string[], source) : (strands as ReadSource);
  const sample: string[] = [];
  for (const r of src.pass()) {
    sample.push(r);
    if (sample.length >= PRIMER_SAMPLE) break;
  }
  const { trim, L, manifest } = frameReads(src, detectPrimers(sample));
  // One streaming pass for the statistics, one strand at a time.
  let total = 0;
  let nt = 0;
  let withPrimers = 0;
  let maxRun = 0;
  let gcMin = 1;
  let gcMax = 0;
  for (const r of src.pass()) {
    const body = trim(r);
    total++;
    withPrimers += r.length;
    nt += body.length;
    const st = strandStats([parseWord(body, source)]);
    maxRun = Math.max(maxRun, st.maxRun);
    gcMin = Math.min(gcMin, st.gcMin);
    gcMax = Math.max(gcMax, st.gcMax);
  }
  const data = manifest.dataStrands;
  const parity = manifest.parity * manifest.blocks;
  const bits = 8 * manifest.bytes;
  const cap = capacity(manifest.ell);
  return {
    manifest,
    strands: { data, parity, header: total - data - parity, total },
    payloadBytes: manifest.bytes,
    strandLength: L,
    nucleotides: nt,
    nucleotidesWithPrimers: withPrimers,
    bitsPerNt: nt ? bits / nt : 0,
    bitsPerNtWithPrimers: withPrimers ? bits / withPrimers : 0,
    maxRun,
    gcMin: total ? gcMin : 0,
    gcMax,
    capacity: cap,
    rateVsCapacity: nt ? bits / nt / cap : 0,
  };
}

export function formatPoolReport(r: PoolReport): string {
  const m = r.manifest;
  const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
  return [
    `pool ${m.poolId.toString(16).padStart(4, '0')}: ${r.payloadBytes} bytes, SHA-256 ${m.sha256.slice(0, 16)}…`,
    `  strands        ${r.strands.total} (${r.strands.data} data, ${r.strands.parity} parity in ${m.blocks} Reed–Solomon block(s), ${r.strands.header} header) of ${r.strandLength} nt${m.primers[0] || m.primers[1] ? ` + primers ${m.primers[0].length}+${m.primers[1].length} nt and spacers` : ''}`,
    `  code           ℓ=${m.ell}, ${m.K} codeword(s) of m=${m.m} per strand, check2 bridges, ecc ${m.ecc}${m.ecc === 'residue' ? ` (margin ${m.margin})` : ''}, ${m.chunkBytes} payload bytes per strand`,
    `  net density    ${r.bitsPerNt.toFixed(3)} bits/nt${m.primers[0] || m.primers[1] ? `, ${r.bitsPerNtWithPrimers.toFixed(3)} with primers` : ''} (${pct(r.rateVsCapacity)} of the ℓ=${m.ell} capacity ${r.capacity.toFixed(4)})`,
    `  constraints    max run ${r.maxRun}, GC per strand ${pct(r.gcMin)}–${pct(r.gcMax)}`,
  ].join('\n');
}
