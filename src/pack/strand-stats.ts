/** Figures a synthesis provider asks about: longest homopolymer run and GC content per strand. */
export interface StrandStats {
  strands: number;
  nucleotides: number;
  maxRun: number;
  gcMin: number;
  gcMax: number;
}

export function strandStats(strands: readonly Uint8Array[]): StrandStats {
  let nt = 0;
  let maxRun = 0;
  let gcMin = 1;
  let gcMax = 0;
  for (const s of strands) {
    nt += s.length;
    let gc = 0;
    let run = 0;
    for (let i = 0; i < s.length; i++) {
      gc += s[i] >> 1;
      run = i > 0 && s[i] === s[i - 1] ? run + 1 : 1;
      if (run > maxRun) maxRun = run;
    }
    const frac = s.length > 0 ? gc / s.length : 0;
    if (frac < gcMin) gcMin = frac;
    if (frac > gcMax) gcMax = frac;
  }
  if (strands.length === 0) gcMin = 0;
  return { strands: strands.length, nucleotides: nt, maxRun, gcMin, gcMax };
}
