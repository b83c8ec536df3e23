// Runs the whole test suite with node:test: a spec listing, then one closing summary line.
// Extra arguments narrow the run to some files: `npm run test:only -- test/identity`.
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

const patterns = process.argv
  .slice(2)
  .map((p) => (p.endsWith('.ts') ? p : `${p.replace(/\/$/, '')}/**/*.test.ts`));
const files = patterns.length > 0 ? patterns : ['test/**/*.test.ts'];
// Most tests wait on subprocesses (the Python CLI, dnsmasq, QEMU), so run a few files at a time.
const concurrency = Math.max(2, availableParallelism() + 1);
const result = spawnSync(
  process.execPath,
  [
    '--disable-warning=ExperimentalWarning',
    '--test',
    `--test-concurrency=${concurrency}`,
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=./scripts/summary-reporter.ts',
    '--test-reporter-destination=stdout',
    ...files,
  ],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
