// One service's tempest suite as a node:test test: a test seed running `services`, the suite with one
// worker, no failures allowed and at least the suite's floor of passes; the counts go to the test's
// diagnostics (and, by hand, to the service's doc).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startTestSeed } from './seed.ts';
import { runTempest, SUITES, type TempestService, tempestSkip } from './tempest.ts';

export function runServiceSuite(service: TempestService, services: string[]): void {
  test(`tempest ${service} API tests pass against the seed`, {
    skip: tempestSkip(service),
    timeout: 3 * 3600_000,
  }, async (t) => {
    const s = await startTestSeed({ services });
    const dir = mkdtempSync(join(tmpdir(), `ooo-tempest-${service}-`));
    try {
      const suite = SUITES[service];
      const r = await runTempest(
        { authUrl: s.authUrl, adminPassword: s.adminPassword, services },
        suite.regex,
        dir,
        suite.exclude,
      );
      // OOO_TEMPEST_OUT=FILE keeps tempest's whole output for reading failures.
      if (process.env.OOO_TEMPEST_OUT) writeFileSync(process.env.OOO_TEMPEST_OUT, r.output);
      t.diagnostic(`${r.passed} passed, ${r.skipped} skipped, ${r.failed.length} failed`);
      assert.deepEqual(r.failed, [], r.output.slice(-6000));
      assert.ok(r.passed >= suite.minPassed, `only ${r.passed} passed:\n${r.output.slice(-3000)}`);
    } finally {
      await s.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
