/**
 * llama2.c's tokenizer (spec quant.md §10.3), encoding as run.c's `encode` does: optional BOS, a
 * dummy-prefix piece " " when the text is non-empty (it takes part in the merges, so " Once" can
 * become one token), each UTF-8 code point looked up whole or else spelled as byte tokens
 * (byte + 3, after <unk>, <s>, </s>), then the greedy BPE of bpe.ts. Decoding as run.c's `decode`:
 * a piece's leading space is dropped right after BOS and "<0xHH>" pieces are raw bytes.
 */
import { buildMergeTable, mergePairs, type MergeTable } from './bpe.js';

export const BOS = 1;
export const EOS = 2;
/** Byte b is token b + BYTE_OFFSET when its code point has no piece of its own. */
const BYTE_OFFSET = 3;

const latin1 = new TextDecoder('latin1');
const utf8 = new TextEncoder();

export class Tokenizer {
  readonly pieces: Uint8Array[];
  readonly scores: Float32Array;
  /** Piece bytes as latin1 strings (one char per byte), to use as map keys. */
  private readonly text: string[];
  private readonly lookup = new Map<string, number>();
  private readonly merges: MergeTable;
  /** The byte each "<0xHH>" piece stands for, or −1. */
  private readonly rawByte: Int16Array;

  constructor(
    pieces: Uint8Array[],
    scores: Float32Array,
    readonly maxTokenLength: number,
  ) {
    this.pieces = pieces;
    this.scores = scores;
    this.text = pieces.map((p) => latin1.decode(p));
    // run.c binary-searches a sorted copy; with duplicate pieces any match may win, we take the first.
    this.text.forEach((t, i) => {
      if (!this.lookup.has(t)) this.lookup.set(t, i);
    });
    this.merges = buildMergeTable(this.text, this.lookup, scores);
    this.rawByte = new Int16Array(pieces.length).fill(-1);
    this.text.forEach((t, i) => {
      const m = /^<0x([0-9A-Fa-f]{2})>$/.exec(t);
      if (m) this.rawByte[i] = parseInt(m[1], 16);
    });
  }

  get vocabSize(): number {
    return this.pieces.length;
  }

  /** Token ids of `text` as run.c encodes it. */
  encode(text: string, bos = true, eos = false): number[] {
    const bytes = utf8.encode(text);
    const ids: number[] = [];
    if (bytes.length > 0) {
      const space = this.lookup.get(' ');
      if (space !== undefined) ids.push(space);
    }
    for (let i = 0; i < bytes.length;) {
      // A code point: a lead byte and up to three continuation bytes (10xxxxxx), as run.c groups them.
      let j = i + 1;
      while (j < bytes.length && j - i < 4 && (bytes[j] & 0xc0) === 0x80) j++;
      const id = this.lookup.get(latin1.decode(bytes.subarray(i, j)));
      if (id !== undefined) ids.push(id);
      else for (let k = i; k < j; k++) ids.push(bytes[k] + BYTE_OFFSET);
      i = j;
    }
    const out = mergePairs(this.merges, ids);
    if (bos) out.unshift(BOS);
    if (eos) out.push(EOS);
    return out;
  }

  /** The bytes run.c prints for `token` after `prev`. */
  decodePiece(prev: number, token: number): Uint8Array {
    if (token < 0 || token >= this.pieces.length) throw new RangeError(`token ${token} is outside the vocabulary of ${this.pieces.length}`);
    const raw = this.rawByte[token];
    if (raw >= 0) return Uint8Array.of(raw);
    const p = this.pieces[token];
    return prev === BOS && p[0] === 0x20 ? p.subarray(1) : p;
  }

  /** The text of a token sequence; BOS and EOS delimit sequences and print nothing. */
  decode(tokens: readonly number[]): string {
    const parts: Uint8Array[] = [];
    let length = 0;
    for (let i = 0; i < tokens.length; i++) {
      if (tokens[i] === BOS || tokens[i] === EOS) continue;
      const p = this.decodePiece(i > 0 ? tokens[i - 1] : -1, tokens[i]);
      parts.push(p);
      length += p.length;
    }
    const all = new Uint8Array(length);
    let at = 0;
    for (const p of parts) {
      all.set(p, at);
      at += p.length;
    }
    return new TextDecoder().decode(all);
  }
}
