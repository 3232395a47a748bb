/**
 * Runs the trace-reconstruction benchmark on its own: `npx tsx bench/reconstruct-run.ts [--quick]
 * [--write-docs]`. With --write-docs the note and plot go to docs/notes/2026-12-07-trace-reconstruction.{md,svg}.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { benchReconstruct, reconstructNote, reconstructSvg } from './reconstruct.js';

const NOTE = '2026-12-07-trace-reconstruction';

const ROOT: URL = (() => {
  const candidates = [new URL('../../', import.meta.url), new URL('../', import.meta.url)];
  return candidates.find((u) => existsSync(fileURLToPath(new URL('package.json', u)))) ?? candidates[1];
})();

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { quick: { type: 'boolean', default: false }, 'write-docs': { type: 'boolean', default: false } },
    strict: true,
  });
  const load = loadavg()[0];
  const result = await benchReconstruct(values.quick === true);
  if (!values['write-docs']) return;
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: fileURLToPath(ROOT), encoding: 'utf8' }).trim();
  } catch {
    // not a checkout: the note says so
  }
  const dir = new URL('docs/notes/', ROOT);
  mkdirSync(dir, { recursive: true });
  const svgName = `${NOTE}.svg`;
  writeFileSync(new URL(svgName, dir), reconstructSvg(result));
  const command = `npx tsx bench/reconstruct-run.ts${values.quick ? ' --quick' : ''} --write-docs`;
  const note = reconstructNote(result, {
    date: new Date().toISOString().slice(0, 10),
    commit,
    cpu: cpus()[0]?.model ?? 'unknown CPU',
    cores: availableParallelism(),
    node: process.version,
    command,
    svgName,
    load,
  });
  writeFileSync(new URL(`${NOTE}.md`, dir), note);
  console.log(`wrote docs/notes/${NOTE}.md and docs/notes/${svgName}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
