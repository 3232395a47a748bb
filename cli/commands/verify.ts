/** `dnarchive verify`: checks this build against the committed test vectors. */
import type { Command } from 'commander';
import { defaultVectorsDir, verifyVectors } from '../../src/vectors/index.js';
import { printJson, type CliIo } from '../io.js';

export function registerVerify(program: Command, io: CliIo): void {
  program
    .command('verify')
    .description('check the implementation against the test vectors; exits non-zero on any mismatch')
    .option('--vectors <dir>', 'vectors directory (default: the package’s own)')
    .option('--json', 'print JSON')
    .action(async (o: { vectors?: string; json?: boolean }) => {
      const dir = o.vectors ?? defaultVectorsDir();
      const report = await verifyVectors(dir);
      if (o.json) printJson(io, report);
      else {
        for (const f of report.files) {
          const status = f.failures === 0 ? 'pass' : 'FAIL';
          io.stdout.write(`${status}  ${f.file}  ${f.checks} checks${f.failures ? `, ${f.failures} failed: ${f.firstFailure ?? ''}` : ''}\n`);
        }
        io.stdout.write(
          `\n${report.ok ? 'PASS' : 'FAIL'}: ${report.totalChecks - report.totalFailures} of ${report.totalChecks} checks passed in ${report.files.length} files (${dir})\n`,
        );
      }
      if (!report.ok) io.exitCode = 1;
    });
}
