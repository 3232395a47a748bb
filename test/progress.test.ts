/** The progress bar: drawn only on a terminal, rate-limited, erased when done. */
import { describe, expect, it } from 'vitest';
import { createProgress } from '../cli/progress.js';

function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; written: string[] } {
  const written: string[] = [];
  const stream = { isTTY, write: (s: string) => written.push(s) > 0 } as unknown as NodeJS.WriteStream;
  return { stream, written };
}

describe('progress bar', () => {
  it('writes nothing when stderr is not a terminal', () => {
    const { stream, written } = fakeStream(false);
    const p = createProgress('encoding', 10, stream);
    for (let i = 1; i <= 10; i++) p.tick(i);
    p.done();
    expect(written).toEqual([]);
  });

  it('on a terminal: draws, skips redraws within 100 ms except the last, and erases its line', () => {
    const { stream, written } = fakeStream(true);
    const p = createProgress('encoding', 1000, stream);
    for (let i = 1; i <= 1000; i++) p.tick(i);
    expect(written.length).toBeGreaterThanOrEqual(2);
    expect(written.length).toBeLessThan(50);
    expect(written[0]).toMatch(/^\rencoding \[[#.]{30}\] 1\/1000$/);
    expect(written[written.length - 1]).toMatch(/\[#{30}\] 1000\/1000$/);
    p.done();
    expect(written[written.length - 1]).toBe('\r\x1b[2K');
  });
});
