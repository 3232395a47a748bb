/**
 * `dnarchive generate` and `dnarchive eval` on fp32 stories260K through the built CLI
 * (dist/cli/main.js; run `npm run build` first): the NOTICE sentence, the reference perplexity,
 * and one-line errors for a missing tokenizer or a bad option.
 */
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectOneLineError, runCli } from '../_cli.js';
import { MODEL, NOTICE_SENTENCE, TEXT, TOKENIZER } from '../_fixtures.js';

describe('dnarchive generate', () => {
  it('greedy text from BOS starts with the NOTICE sentence (tokenizer found beside the model)', async () => {
    const r = await runCli(['generate', MODEL, '--steps', '120']);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith(NOTICE_SENTENCE)).toBe(true);
    const p = await runCli(['generate', MODEL, '--tokenizer', TOKENIZER, '--prompt', 'Once upon a time, there was a little girl', '--steps', '30']);
    expect(p.stdout.startsWith('Once upon a time, there was a little girl named Lily.')).toBe(true);
  });

  it('no tokenizer beside the model, or a bad --steps: one line naming the option', async () => {
    const alone = join(mkdtempSync(join(tmpdir(), 'dnarchive-gen-')), 'model.bin');
    copyFileSync(MODEL, alone);
    expectOneLineError(await runCli(['generate', alone]), /--tokenizer/);
    expectOneLineError(await runCli(['generate', MODEL, '--steps', 'many']), /--steps/);
  });
});

describe('dnarchive eval', () => {
  it('fp32 against itself: perplexity 5.149 over 4,372 tokens, KL 0, agreement 1', async () => {
    const r = await runCli(['eval', MODEL, '--text', TEXT, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { perplexity: number; referencePerplexity: number; meanKl: number; top1Agreement: number; tokens: number };
    expect(j.tokens).toBe(4372);
    expect(Math.abs(j.perplexity - 5.149)).toBeLessThan(0.01);
    expect(j.referencePerplexity).toBe(j.perplexity);
    expect(j.meanKl).toBe(0);
    expect(j.top1Agreement).toBe(1);
  }, 60_000);

  it('a missing text file is one line naming it', async () => {
    expectOneLineError(await runCli(['eval', MODEL, '--text', '/nonexistent/stories.txt']), /\/nonexistent\/stories\.txt: no such file/);
  });
});
