// os-apply-config against the Python original (Debian's python3-os-apply-config) over the corpus in
// oac-cases.ts: same exit code, stdout, log lines and resulting files (content, mode, owner).
import { test } from 'node:test';
import { OAC_CASES } from './oac-cases.ts';
import { originalMissing, pool } from './support/differential.ts';
import { assertSame, runOacBoth } from './support/oac.ts';

test('os-apply-config matches the Python original', async (t) => {
  const missing = originalMissing('os-apply-config');
  if (missing) return t.skip(missing);
  const results = await pool(OAC_CASES, 4, (c) => runOacBoth(c.tree, c.args, c.env));
  for (const [k, c] of OAC_CASES.entries()) {
    await t.test(c.name, () => assertSame(results[k]!.py, results[k]!.ts));
  }
});
