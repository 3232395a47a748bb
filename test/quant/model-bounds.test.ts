/**
 * Size fields read from files are bounded before anything is sized from them: a `.dnq` whose
 * manifest claims a context of 2·10^7 (258 KB of file, a 641 MB checkpoint before) is refused by
 * `dequantize`, `eval` and `generate` with one line naming the field; a forward pass allocates for
 * the positions it runs, not for the context a header claims.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generate, parseModel, readDnq, readLlama2c, readTokenizer, writeDnq, writeLlama2c } from '../../src/quant/index.js';
import type { DnqTensorInput } from '../../src/quant/dnq.js';
import { expectOneLineError, runCli } from '../_cli.js';
import { MODEL, TEXT, TOKENIZER } from '../_fixtures.js';
import { editManifest } from './_quant-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'dnarchive-bounds-'));
const QUICK = ['--calib', TEXT, '--bits', '4', '--method', 'rtn', '--uniform', '--calib-tokens', '16'];

describe('model size fields from files', () => {
  it('a .dnq claiming seqLen 2·10^7 or 10^9: dequantize, eval and generate refuse it in one line, and write nothing', async () => {
    const good = join(dir, 'good.dnq');
    expect((await runCli(['quantize', MODEL, '-o', good, ...QUICK])).code).toBe(0);
    const archive = readDnq(new Uint8Array(readFileSync(good)), good);
    for (const seqLen of [2e7, 1e9]) {
      const bad = join(dir, `seq-${seqLen}.dnq`);
      const m = archive.manifest;
      writeFileSync(
        bad,
        writeDnq({
          model: { ...m.model, seqLen },
          quantizer: m.quantizer,
          budgetBitsPerWeight: m.budget.bitsPerWeight,
          tensors: archive.tensors as DnqTensorInput[],
        }),
      );
      const out = join(dir, 'never.bin');
      expectOneLineError(
        await runCli(['dequantize', bad, '-o', out]),
        new RegExp(`seq-${seqLen}\\.dnq: manifest model: seq_len = ${seqLen}: expected 1 … 131072`),
      );
      expect(existsSync(out)).toBe(false);
      expectOneLineError(await runCli(['eval', bad, '--reference', MODEL, '--text', TEXT, '--tokenizer', TOKENIZER]), /seq_len = \d+: expected 1 … 131072/);
      expectOneLineError(await runCli(['generate', bad, '--tokenizer', TOKENIZER, '--steps', '3']), /seq_len = \d+: expected 1 … 131072/);
    }
  });

  it('a .dnq older than version 4 (no checksum over its manifest) is read with one warning line; version 4 without', async () => {
    const good = join(dir, 'v4.dnq');
    expect((await runCli(['quantize', MODEL, '-o', good, ...QUICK])).code).toBe(0);
    const v4 = await runCli(['dequantize', good, '-o', join(dir, 'v4.bin')]);
    expect(v4.code).toBe(0);
    expect(v4.stderr).not.toMatch(/warning/);
    const old = join(dir, 'v3.dnq');
    writeFileSync(
      old,
      editManifest(new Uint8Array(readFileSync(good)), (m) => (m.version = 3)),
    );
    const v3 = await runCli(['dequantize', old, '-o', join(dir, 'v3.bin')]);
    expect(v3.code).toBe(0);
    expect(v3.stderr.trim()).toMatch(/^dnarchive: warning: .*v3\.dnq is a version-3 \.dnq container, whose manifest no checksum covers/);
    expect(readFileSync(join(dir, 'v3.bin')).equals(readFileSync(join(dir, 'v4.bin')))).toBe(true);
  });

  it('a weight that overflows float32: eval and generate stop with one line naming where, not a perplexity of NaN', async () => {
    const model = readLlama2c(MODEL);
    model.layers[2].w2[5] = 3e38;
    const bad = join(dir, 'overflow.bin');
    await writeLlama2c(model, bad);
    for (const args of [
      ['eval', bad, '--reference', MODEL, '--text', TEXT, '--tokenizer', TOKENIZER],
      ['generate', bad, '--tokenizer', TOKENIZER, '--steps', '5'],
    ]) {
      const r = await runCli(args);
      expectOneLineError(
        r,
        /non-finite values in the residual stream after layer 2 at position \d+: a weight of layers\.2 \(or an earlier tensor\) overflows float32/,
      );
      expect(r.code).toBe(2);
    }
  });

  it('a safetensors file whose header length is 2^40 is named as safetensors, not read as a llama2.c checkpoint', () => {
    const bytes = new Uint8Array(64);
    new DataView(bytes.buffer).setBigUint64(0, 2n ** 40n, true);
    bytes.set(new TextEncoder().encode('{"a":'), 8);
    expect(() => parseModel(bytes, 'big-header.safetensors')).toThrow(/big-header\.safetensors: header length 1099511627776 exceeds the \d+-byte limit/);
  });

  it('a forward pass sized for the text it runs: a claimed context of 2^20 costs nothing until used', () => {
    const model = readLlama2c(MODEL);
    const tok = readTokenizer(TOKENIZER, model.config.vocabSize);
    const wide = { ...model, config: { ...model.config, seqLen: 1 << 20 } };
    expect(generate(wide, tok, { steps: 40 })).toBe(generate(model, tok, { steps: 40 }));
  });
});
