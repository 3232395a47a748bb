import { cp, mkdtemp, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultVectorsDir, generateVectors, verifyVectors, type VerifyReport } from '../src/vectors/index.js';

const temps: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'dnarchive-vectors-'));
  temps.push(d);
  return d;
}
afterAll(async () => {
  for (const d of temps) await rm(d, { recursive: true, force: true });
});

/** A copy of the committed vectors to tamper with. */
async function copyOfVectors(): Promise<string> {
  const d = await tempDir();
  await cp(defaultVectorsDir(), d, { recursive: true });
  return d;
}

/** Files under dir, relative with forward slashes, sorted (.gitattributes is not generated). */
async function listFiles(dir: string, sub = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(dir, sub), { withFileTypes: true })) {
    const rel = sub ? `${sub}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(dir, rel)));
    else if (e.isFile() && rel !== '.gitattributes') out.push(rel);
  }
  return out.sort();
}

function failing(report: VerifyReport): string[] {
  return report.files.filter((f) => f.failures > 0).map((f) => f.file);
}

describe('committed vectors', () => {
  it('verify against the implementation', async () => {
    const report = await verifyVectors(defaultVectorsDir());
    expect(failing(report)).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.totalFailures).toBe(0);
    expect(report.totalChecks).toBeGreaterThan(0);
    const kinds = new Set(report.files.map((f) => f.kind).filter(Boolean));
    expect([...kinds].sort()).toEqual(['cardinality', 'codebook', 'codec', 'ecc-outcomes', 'sampled']);
    for (const f of report.files) expect(f.checks, f.file).toBeGreaterThan(0);
  });

  it('are what the generator writes, byte for byte, every time', async () => {
    const a = await tempDir();
    const b = await tempDir();
    const ra = await generateVectors(a);
    await generateVectors(b);
    const committed = defaultVectorsDir();
    const names = await listFiles(a);
    expect(names).toEqual(await listFiles(b));
    expect(names).toEqual(await listFiles(committed));
    expect(names).toEqual([...ra.files.map((f) => f.file), 'manifest.json'].sort());
    for (const name of names) {
      const bytes = await readFile(join(a, name));
      expect(bytes.equals(await readFile(join(b, name))), `${name}: two runs differ`).toBe(true);
      expect(bytes.equals(await readFile(join(committed, name))), `${name}: differs from the committed vectors; run npm run vectors`).toBe(true);
    }
  });

  it('stay under 2 MB', async () => {
    const dir = defaultVectorsDir();
    let total = 0;
    for (const name of await listFiles(dir)) total += (await readFile(join(dir, name))).length;
    expect(total).toBeLessThan(2_000_000);
  });
});

describe('tampered vectors', () => {
  it('a changed codeword fails that codebook only, naming file and line', async () => {
    const d = await copyOfVectors();
    const file = 'loco/codebook-l2-m4.txt';
    const lines = (await readFile(join(d, file), 'utf8')).split('\n');
    // Line 11 (index 9) takes the codeword of index 10: a valid word, in the wrong place.
    lines[10] = lines[11];
    await writeFile(join(d, file), lines.join('\n'));
    const report = await verifyVectors(d);
    expect(report.ok).toBe(false);
    expect(failing(report)).toEqual([file]);
    const f = report.files.find((x) => x.file === file)!;
    expect(f.failures).toBe(3); // unrank, rank, SHA-256
    expect(f.firstFailure).toMatch(/^loco\/codebook-l2-m4\.txt: line 11: unrank\(9\)/);
  });

  it('a sampled word that breaks the run limit is reported, not thrown', async () => {
    const d = await copyOfVectors();
    const file = 'loco/sampled-l1-m64.txt';
    const text = await readFile(join(d, file), 'utf8');
    await writeFile(
      join(d, file),
      text.replace(/\t([ATGC])([ATGC])/, (_, a: string) => `\t${a}${a}`),
    );
    const report = await verifyVectors(d);
    expect(failing(report)).toEqual([file]);
    expect(report.files.find((x) => x.file === file)!.firstFailure).toMatch(/sampled-l1-m64\.txt: line 2: unrank/);
  });

  it('a changed strand fails the codec file', async () => {
    const d = await copyOfVectors();
    const file = 'loco/codec-l3-m48-check2.txt';
    const lines = (await readFile(join(d, file), 'utf8')).split('\n');
    const k = lines.findIndex((l) => l.startsWith('input\tascii-dnarchive')) + 1;
    lines[k] = lines[k].slice(0, 10) + (lines[k][10] === 'A' ? 'T' : 'A') + lines[k].slice(11);
    await writeFile(join(d, file), lines.join('\n'));
    const report = await verifyVectors(d);
    expect(failing(report)).toEqual([file]);
    expect(report.files.find((x) => x.file === file)!.firstFailure).toContain(`${file}: line ${k + 1}: strand 0 of input ascii-dnarchive`);
  });

  it('a changed ecc outcome count fails that file, naming the count and both values', async () => {
    const d = await copyOfVectors();
    const file = 'ecc/outcomes-l2-m8.txt';
    const lines = (await readFile(join(d, file), 'utf8')).split('\n');
    const k = lines.findIndex((l) => l.startsWith('double.checksum.unique='));
    const value = Number(lines[k].split('=')[1]);
    lines[k] = `double.checksum.unique=${value - 1}`;
    await writeFile(join(d, file), lines.join('\n'));
    const report = await verifyVectors(d);
    expect(failing(report)).toEqual([file]);
    expect(report.files.find((x) => x.file === file)!.firstFailure).toContain(`double.checksum.unique: recomputed ${value}, file has ${value - 1}`);
  });

  it('a missing file is a failure naming it', async () => {
    const d = await copyOfVectors();
    await unlink(join(d, 'loco/cardinality.txt'));
    const report = await verifyVectors(d);
    expect(report.ok).toBe(false);
    expect(failing(report)).toEqual(['loco/cardinality.txt']);
    expect(report.files.find((x) => x.file === 'loco/cardinality.txt')!.firstFailure).toMatch(/cardinality\.txt: listed in manifest\.json but cannot be read/);
  });

  it('a missing or corrupt manifest is a failure naming manifest.json', async () => {
    const d = await copyOfVectors();
    await writeFile(join(d, 'manifest.json'), '{"format": "dnarchive-vectors", "version": 1, "files": [{"path": "../x"}]}');
    let report = await verifyVectors(d);
    expect(report.ok).toBe(false);
    expect(report.files).toHaveLength(1);
    expect(report.files[0].file).toBe('manifest.json');
    expect(report.files[0].firstFailure).toMatch(/^manifest\.json: not a valid vectors manifest/);

    await writeFile(join(d, 'manifest.json'), '{ not json');
    report = await verifyVectors(d);
    expect(report.files[0].firstFailure).toMatch(/^manifest\.json: not a valid vectors manifest/);

    await unlink(join(d, 'manifest.json'));
    report = await verifyVectors(d);
    expect(report.ok).toBe(false);
    expect(report.files[0].firstFailure).toMatch(/^manifest\.json: cannot read the vectors manifest/);

    report = await verifyVectors(join(d, 'no-such-dir'));
    expect(report.ok).toBe(false);
    expect(report.totalFailures).toBe(1);
  });
});
