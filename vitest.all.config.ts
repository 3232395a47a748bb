/** Both tiers, `npm run test:all` (what CI runs): the fast tier and every *.slow.test.ts. */
import { defineConfig } from 'vitest/config';
import { base } from './vitest.config.js';

export default defineConfig({ test: base });
