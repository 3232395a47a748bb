/** The shipped fixtures are the files their NOTICE names: a changed or truncated copy fails here first. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FIXTURES, MODEL, TEXT, TOKENIZER } from './_fixtures.js';

const notice = readFileSync(`${FIXTURES}NOTICE.md`, 'utf8');

describe('test/fixtures', () => {
  for (const path of [MODEL, TOKENIZER, TEXT]) {
    const name = path.slice(FIXTURES.length);
    it(`${name} has the SHA-256 its NOTICE gives`, () => {
      const row = notice.split('\n').find((l) => l.startsWith(`| \`${name}\``));
      expect(row, `NOTICE.md has a row for ${name}`).toBeDefined();
      const expected = /`([0-9a-f]{64})`/.exec(row!)?.[1];
      expect(createHash('sha256').update(readFileSync(path)).digest('hex')).toBe(expected);
    });
  }
});
