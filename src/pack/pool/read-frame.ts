/**
 * Primers and orientation, found from the reads alone. With primers, forward reads start with the
 * left primer and reverse-complemented reads with the reverse complement of the right primer:
 * the two most common 16-mer prefixes, each extended while 90 % of its reads agree, are the two
 * primers (the spacer after a primer varies with the strand, which is where agreement stops).
 * Without primers, orientation is left to the decoder (it tries both).
 */
const PROBE = 16;
const SAMPLE = 4000;
const AGREE = 0.9;

export interface PrimerFrame {
  /** The read with primers (and spacers) trimmed, in forward orientation when primers told it. */
  seq: string;
  reversed: boolean;
  /** Orientation known (primers found); otherwise the decoder tries both. */
  oriented: boolean;
}

export interface Primers {
  found: boolean;
  primers: [string, string];
  /** Prefix of forward reads (left primer) and of reversed reads (revcomp of the right primer). */
  forward: string;
  reverse: string;
}

const PARTNER: Record<string, string> = { A: 'T', T: 'A', G: 'C', C: 'G' };

export function reverseComplementText(s: string): string {
  let out = '';
  for (let i = s.length - 1; i >= 0; i--) out += PARTNER[s[i]] ?? 'N';
  return out;
}

export function detectPrimers(reads: readonly string[]): Primers {
  const none: Primers = { found: false, primers: ['', ''], forward: '', reverse: '' };
  const step = Math.max(1, Math.floor(reads.length / SAMPLE));
  const sample: string[] = [];
  for (let i = 0; i < reads.length && sample.length < SAMPLE; i += step) sample.push(reads[i].toUpperCase());
  const counts = new Map<string, number>();
  for (const r of sample) if (r.length >= PROBE) counts.set(r.slice(0, PROBE), (counts.get(r.slice(0, PROBE)) ?? 0) + 1);
  const top = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  // A payload prefix repeats only by chance; a primer prefix starts a large share of all reads.
  if (top.length < 2 || top[0][1] < 0.2 * sample.length || top[1][1] < 0.1 * sample.length) return none;
  const extend = (probe: string): string => {
    const group = sample.filter((r) => r.startsWith(probe));
    let prefix = probe;
    for (let i = PROBE; ; i++) {
      const tally = new Map<string, number>();
      for (const r of group) if (r.length > i) tally.set(r[i], (tally.get(r[i]) ?? 0) + 1);
      const best = [...tally].sort((a, b) => b[1] - a[1])[0];
      if (!best || best[1] < AGREE * group.length) return prefix;
      prefix += best[0];
    }
  };
  const a = extend(top[0][0]);
  const b = extend(top[1][0]);
  // Which is the left primer? Forward reads end with the right primer = revcomp of the other prefix.
  const endsA = sample.filter((r) => r.startsWith(top[0][0]) && r.endsWith(reverseComplementText(b))).length;
  const endsB = sample.filter((r) => r.startsWith(top[1][0]) && r.endsWith(reverseComplementText(a))).length;
  const [forward, reverse] = endsA >= endsB ? [a, b] : [b, a];
  return { found: true, primers: [forward, reverseComplementText(reverse)], forward, reverse };
}

function mismatches(s: string, prefix: string): number {
  let d = 0;
  for (let i = 0; i < prefix.length; i++) if (s[i] !== prefix[i]) d++;
  return d;
}

export function orientAndTrim(read: string, p: Primers): PrimerFrame {
  const r = read.toUpperCase();
  if (!p.found) return { seq: r, reversed: false, oriented: false };
  const df = mismatches(r, p.forward);
  const dr = mismatches(r, p.reverse);
  const reversed = dr < df;
  const forwardRead = reversed ? reverseComplementText(r) : r;
  // Trim primer + spacer at each end; an indel inside a primer shifts only that end's alignment.
  const left = p.primers[0].length + 1;
  const right = p.primers[1].length + 1;
  return { seq: forwardRead.slice(left, Math.max(left, forwardRead.length - right)), reversed, oriented: true };
}
