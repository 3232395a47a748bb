/** The progress bar: silent off a terminal or when switched off, ≤ 10 redraws a second, erased at the end. */
import { describe, expect, it } from 'vitest';
import { createProgress } from '../cli/progress.js';

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { isTTY, writes, write: (t: string) => writes.push(t) };
}

describe('createProgress', () => {
  it('writes nothing when the stream is not a terminal, when disabled, or for an empty total', () => {
    for (const [tty, enabled, total] of [
      [false, true, 100],
      [true, false, 100],
      [true, true, 0],
    ] as const) {
      const s = fakeStream(tty);
      const p = createProgress('x', total, { stream: s, enabled, now: () => 0 });
      p.tick(10);
      p.add(5);
      p.done();
      expect(s.writes).toEqual([]);
    }
  });

  it('redraws at most once per interval, however often it ticks', () => {
    const s = fakeStream(true);
    let t = 0;
    const p = createProgress('simulate', 1000, { stream: s, now: () => t });
    for (let i = 1; i <= 1000; i++) {
      t = i; // 1 ms per item: one second in all
      p.tick(i);
    }
    // First tick draws, then one per 100 ms: at most 11 draws for 1 s.
    expect(s.writes.length).toBeGreaterThanOrEqual(10);
    expect(s.writes.length).toBeLessThanOrEqual(11);
    expect(s.writes[0]).toMatch(/^\r\x1b\[2Ksimulate \[\.{24}\]\s+0% 1\/1000/);
    expect(s.writes.at(-1)).toMatch(/\[#{22}\.{2}\]\s+90% 901\/1000 1000\/s ETA 1s$/);
    p.done();
    expect(s.writes.at(-1)).toBe('\r\x1b[2K');
  });

  it('shows a slow rate with one decimal (fine-tuning steps, about one a second)', () => {
    const s = fakeStream(true);
    let t = 0;
    const p = createProgress('fine-tuning', 100, { stream: s, now: () => t, intervalMs: 0 });
    t = 4000;
    p.tick(3);
    expect(s.writes.at(-1)).toMatch(/ 3% 3\/100 0\.8\/s ETA 2m10s$/);
  });

  it('add() counts up; the bar never overflows; done() erases only what was drawn', () => {
    const s = fakeStream(true);
    let t = 0;
    const p = createProgress('x', 10, { stream: s, now: () => t, intervalMs: 0 });
    p.add(4);
    t = 2000;
    p.add();
    expect(s.writes.at(-1)).toMatch(/\[#{12}\.{12}\]\s+50% 5\/10/);
    p.tick(25);
    expect(s.writes.at(-1)).toMatch(/\[#{24}\] 100% 25\/10/);
    p.done();
    p.done();
    expect(s.writes.filter((w) => w === '\r\x1b[2K')).toHaveLength(1);
  });

  it('stays silent under the test runner by default (stderr is not a terminal here)', () => {
    const p = createProgress('x', 5);
    if (!process.stderr.isTTY) {
      const write = process.stderr.write;
      let calls = 0;
      process.stderr.write = (() => {
        calls++;
        return true;
      }) as typeof process.stderr.write;
      try {
        p.tick(3);
        p.done();
      } finally {
        process.stderr.write = write;
      }
      expect(calls).toBe(0);
    }
  });
});
