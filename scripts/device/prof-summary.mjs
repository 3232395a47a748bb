// Summarises V8 .cpuprofile files (node --cpu-prof): self and inclusive time per function, the top
// N of each. Inclusive times stop at await boundaries (V8's sampled stacks do not cross them).
// Usage: node scripts/device/prof-summary.mjs <dir> [N]
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
const dir = process.argv[2];
const top = Number(process.argv[3] ?? 45);
for (const f of readdirSync(dir).filter((x) => x.endsWith('.cpuprofile'))) {
  const p = JSON.parse(readFileSync(join(dir, f), 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const key = (n) => `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.replace(/^.*\/(dist|node_modules)\//, '$1/')}:${n.callFrame.lineNumber + 1}`;
  const self = new Map();
  const incl = new Map();
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = (p.timeDeltas[i] ?? 0) / 1e3;
    total += dt;
    let id = p.samples[i];
    const n0 = byId.get(id);
    self.set(key(n0), (self.get(key(n0)) ?? 0) + dt);
    const seen = new Set();
    while (id !== undefined) {
      const k = key(byId.get(id));
      if (!seen.has(k)) {
        seen.add(k);
        incl.set(k, (incl.get(k) ?? 0) + dt);
      }
      id = parent.get(id);
    }
  }
  const show = (m, title) => {
    console.log(`\n== ${f}: ${title} (ms of ${total.toFixed(0)} ms sampled)`);
    for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top))
      console.log(`${v.toFixed(0).padStart(9)}  ${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
  };
  show(self, 'self time');
  show(incl, 'inclusive time');
}
