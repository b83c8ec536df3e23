// os-apply-config against the Python original (Debian's python3-os-apply-config) over the corpus in
// oac-cases.ts: same exit code, stdout, log lines and resulting files (content, mode, owner).
import { test } from 'node:test';
import { BYTES_CASES } from './oac-bytes-cases.ts';
import { OAC_CASES as BASE_CASES } from './oac-cases.ts';
import { KEY_CASES } from './oac-key-cases.ts';

const OAC_CASES = [...BASE_CASES, ...KEY_CASES, ...BYTES_CASES];

import assert from 'node:assert/strict';
import { originalMissing, pool } from './support/differential.ts';
import { assertSame, runOacBoth } from './support/oac.ts';

test('os-apply-config matches the Python original', async (t) => {
  const missing = originalMissing('os-apply-config');
  if (missing) return t.skip(missing);
  const results = await pool(OAC_CASES, 4, (c) => runOacBoth(c.tree, c.args, c.env));
  for (const [k, c] of OAC_CASES.entries()) {
    await t.test(c.name, () => assertSame(results[k]!.py, results[k]!.ts));
  }
  // Agreement must not be vacuous: most cases render files, some fail, some print.
  const wrote = results.filter((r) =>
    r.py.files.some((l) => l.startsWith('out/') && !l.endsWith('/')),
  ).length;
  assert.ok(wrote >= 30, `only ${wrote} cases wrote files`);
  assert.ok(results.filter((r) => r.py.code === 1).length >= 20, 'error cases');
  assert.ok(results.filter((r) => r.py.stdout !== '').length >= 20, 'printing cases');
});
