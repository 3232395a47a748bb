// Build step: make the package's bin targets executable. tsc writes them 0644, and npm's own chmod
// of a project's bins races with the `prepare` build that creates them, so `npx dnarchive` after a
// fresh `npm ci` would otherwise fail at random with "Permission denied".
import { chmodSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { bin } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
for (const target of Object.values(bin ?? {})) chmodSync(join(root, target), 0o755);
