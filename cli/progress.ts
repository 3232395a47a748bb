/**
 * A one-line progress bar on stderr for long runs. It draws only on a terminal (never into pipes,
 * logs or tests) and only when not switched off, redraws at most every 100 ms (≤ 10 per second,
 * so a tight loop may tick freely), and erases itself when done so the summary line that follows
 * starts clean.
 */

export interface Progress {
  /** Sets the number of items done so far. */
  tick(done: number): void;
  /** Adds n items (default 1). */
  add(n?: number): void;
  /** Erases the bar (no-op if nothing was drawn). */
  done(): void;
}

export interface ProgressOptions {
  /** false switches the bar off (e.g. --no-progress, --json); default on. */
  enabled?: boolean;
  /** Where to draw (default process.stderr); nothing is drawn unless it is a TTY. */
  stream?: { isTTY?: boolean; write(text: string): unknown };
  /** Minimum time between redraws, ms (default 100). */
  intervalMs?: number;
  /** Clock in ms (default performance.now; tests pass their own). */
  now?: () => number;
}

const OFF: Progress = { tick: () => undefined, add: () => undefined, done: () => undefined };
const WIDTH = 24;

function compact(x: number): string {
  if (x >= 1e9) return `${(x / 1e9).toFixed(1)}G`;
  if (x >= 1e6) return `${(x / 1e6).toFixed(1)}M`;
  if (x >= 1e4) return `${(x / 1e3).toFixed(1)}k`;
  // Slow items (fine-tuning steps run about one a second): a rate of 0.9/s must not read 0/s.
  if (x < 10 && !Number.isInteger(x)) return x.toFixed(1);
  return String(Math.round(x));
}

function duration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${Math.ceil(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.ceil(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function createProgress(label: string, total: number, options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  if (options.enabled === false || !stream.isTTY || !(total > 0)) return OFF;
  const interval = options.intervalMs ?? 100;
  const now = options.now ?? (() => performance.now());
  const started = now();
  let last = -Infinity;
  let count = 0;
  let drawn = false;

  const draw = (t: number): void => {
    const share = Math.min(1, count / total);
    const filled = Math.round(share * WIDTH);
    const elapsed = (t - started) / 1000;
    const rate = elapsed > 0 ? count / elapsed : 0;
    const eta = rate > 0 ? (total - count) / rate : Infinity;
    stream.write(
      `\r\x1b[2K${label} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${(share * 100).toFixed(0).padStart(3)}% ` +
        `${compact(count)}/${compact(total)} ${compact(rate)}/s ETA ${duration(eta)}`,
    );
    drawn = true;
  };

  const update = (): void => {
    const t = now();
    if (t - last < interval) return;
    last = t;
    draw(t);
  };

  return {
    tick(done: number): void {
      count = done;
      update();
    },
    add(n = 1): void {
      count += n;
      update();
    },
    done(): void {
      if (drawn) stream.write('\r\x1b[2K');
      drawn = false;
    },
  };
}
