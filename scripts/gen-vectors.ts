/** `npm run vectors`: regenerates vectors/ deterministically, then verifies it against the implementation. */
import { resolve } from 'node:path';
import { generateVectors, verifyVectors } from '../src/vectors/index.js';

const dir = resolve('vectors');
const gen = await generateVectors(dir);
const byKind = new Map<string, { files: number; bytes: number }>();
for (const f of gen.files) {
  const k = byKind.get(f.kind) ?? { files: 0, bytes: 0 };
  k.files++;
  k.bytes += f.bytes;
  byKind.set(f.kind, k);
}
console.log(`wrote ${gen.files.length} vector files (${gen.totalBytes} bytes) and manifest.json to ${dir}`);
for (const [kind, k] of byKind) console.log(`  ${kind.padEnd(12)} ${String(k.files).padStart(3)} files ${String(k.bytes).padStart(9)} bytes`);
for (const r of gen.removed) console.log(`  removed stale ${r}`);

const report = await verifyVectors(dir);
for (const f of report.files) if (f.failures > 0) console.error(`FAIL ${f.firstFailure} (${f.failures} of ${f.checks} checks failed)`);
console.log(`verify: ${report.totalChecks} checks, ${report.totalFailures} failures: ${report.ok ? 'ok' : 'FAILED'}`);
if (!report.ok) process.exitCode = 1;
