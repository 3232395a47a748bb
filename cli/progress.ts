/**
 * A progress bar on stderr for long runs: only when stderr is a terminal (never in pipes, logs or
 * tests), redrawn at most 10 times a second, erased when done.
 */
export interface Progress {
  tick(done: number): void;
  done(): void;
}

export function createProgress(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY || total <= 0) return { tick: () => undefined, done: () => undefined };
  let last = 0;
  const draw = (done: number): void => {
    const width = 30;
    const filled = Math.round((width * done) / total);
    stream.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`);
  };
  return {
    tick(done: number): void {
      const now = Date.now();
      if (now - last < 100 && done < total) return;
      last = now;
      draw(done);
    },
    done(): void {
      stream.write('\r\x1b[2K');
    },
  };
}
