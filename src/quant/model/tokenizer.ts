/**
 * llama2.c's tokenizer.bin and its BPE (spec quant.md §10.3): per token a float32 score, an int32
 * length and the bytes; encoding as run.c does it — optional BOS, a dummy-prefix " ", UTF-8 code
 * points looked up whole with byte fallback (byte + 3), then repeatedly merging the adjacent pair
 * whose concatenation is in the vocabulary with the highest score.
 */
import { readFileSync } from 'node:fs';
import { ModelFormatError } from './errors.js';

export const BOS = 1;
export const EOS = 2;

export class Tokenizer {
  readonly pieces: Uint8Array[];
  readonly scores: Float32Array;
  private readonly lookup = new Map<string, number>();
  private readonly text: string[];

  constructor(
    pieces: Uint8Array[],
    scores: Float32Array,
    readonly maxTokenLength: number,
  ) {
    this.pieces = pieces;
    this.scores = scores;
    const latin = new TextDecoder('latin1');
    this.text = pieces.map((p) => latin.decode(p)); // byte strings: one char per byte
    this.text.forEach((t, i) => {
      if (!this.lookup.has(t)) this.lookup.set(t, i);
    });
  }

  get vocabSize(): number {
    return this.pieces.length;
  }

  encode(text: string, bos = true, eos = false): number[] {
    const out: number[] = [];
    if (bos) out.push(BOS);
    const bytes = new TextEncoder().encode(text);
    if (bytes.length > 0) {
      const space = this.lookup.get(' ');
      if (space !== undefined) out.push(space);
    }
    const tokens: number[] = [];
    for (let i = 0; i < bytes.length; ) {
      let n = 1;
      const b = bytes[i];
      if (b >= 0xf0) n = 4;
      else if (b >= 0xe0) n = 3;
      else if (b >= 0xc0) n = 2;
      n = Math.min(n, bytes.length - i);
      const cp = String.fromCharCode(...bytes.subarray(i, i + n));
      const id = this.lookup.get(cp);
      if (id !== undefined) tokens.push(id);
      else for (let j = 0; j < n; j++) tokens.push(bytes[i + j] + 3);
      i += n;
    }
    for (;;) {
      let best = -1e10;
      let bestId = -1;
      let bestAt = -1;
      for (let i = 0; i + 1 < tokens.length; i++) {
        const id = this.lookup.get(this.text[tokens[i]] + this.text[tokens[i + 1]]);
        if (id !== undefined && this.scores[id] > best) {
          best = this.scores[id];
          bestId = id;
          bestAt = i;
        }
      }
      if (bestAt < 0) break;
      tokens.splice(bestAt, 2, bestId);
    }
    out.push(...tokens);
    if (eos) out.push(EOS);
    return out;
  }

  /** The bytes of `token` as run.c prints it after `prev` (leading space stripped after BOS; <0xHH> → byte). */
  decodePiece(prev: number, token: number): Uint8Array {
    let p = this.pieces[token];
    if (prev === BOS && p[0] === 0x20) p = p.subarray(1);
    const m = /^<0x([0-9A-Fa-f]{2})>$/.exec(this.text[token]);
    if (m) return Uint8Array.of(parseInt(m[1], 16));
    return p;
  }

  decode(tokens: readonly number[]): string {
    const parts: Uint8Array[] = [];
    for (let i = 0; i < tokens.length; i++) if (tokens[i] !== BOS && tokens[i] !== EOS) parts.push(this.decodePiece(i > 0 ? tokens[i - 1] : -1, tokens[i]));
    return new TextDecoder().decode(Buffer.concat(parts));
  }
}

export function readTokenizer(path: string, vocabSize: number): Tokenizer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new ModelFormatError(path, e.code === 'ENOENT' ? 'no such file (pass --tokenizer)' : e.message);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  if (bytes.length < 4) throw new ModelFormatError(path, 'too short for a tokenizer.bin header');
  const maxTokenLength = dv.getInt32(0, true);
  const pieces: Uint8Array[] = [];
  const scores = new Float32Array(vocabSize);
  let at = 4;
  for (let i = 0; i < vocabSize; i++) {
    if (at + 8 > bytes.length) throw new ModelFormatError(path, `ends after ${i} of ${vocabSize} tokens (truncated, or a tokenizer for another vocabulary)`);
    scores[i] = dv.getFloat32(at, true);
    const len = dv.getInt32(at + 4, true);
    if (len < 0 || len > maxTokenLength || at + 8 + len > bytes.length) throw new ModelFormatError(path, `token ${i}: length ${len} is invalid (max_token_length ${maxTokenLength})`);
    pieces.push(new Uint8Array(bytes.subarray(at + 8, at + 8 + len)));
    at += 8 + len;
  }
  if (at !== bytes.length) throw new ModelFormatError(path, `${bytes.length - at} bytes left after ${vocabSize} tokens: a tokenizer for a larger vocabulary?`);
  return new Tokenizer(pieces, scores, maxTokenLength);
}
