// The network service's layers: the DHCP agent, the client and the stores never reach into api/ (the HTTP
// surface), and model/ does no I/O. A static check over the sources' import lines.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const ROOT = join(import.meta.dirname, '../../src/network');

function importsOf(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/^import[^;]*?from '([^']+)';/gms)].map((m) => m[1] ?? '');
}

function files(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(ROOT, dir, f));
}

test('worker/, store/, model/ and client.ts do not import api/', () => {
  const offenders = [
    ...files('worker'),
    ...files('store'),
    ...files('model'),
    join(ROOT, 'client.ts'),
  ].flatMap((f) =>
    importsOf(f)
      .filter((i) => /(^|\/)api\//.test(i))
      .map((i) => `${f}: ${i}`),
  );
  assert.ok(files('worker').length > 0 && files('model').length > 0);
  assert.deepEqual(offenders, []);
});

// The policy table is data too: it may name the platform's policy types (a pure module).
const MODEL_MAY_IMPORT = ['../../platform/errors/catalogue.ts', '../../platform/policy/policy.ts'];

test('model/ imports only model/, the error catalogue and the policy types (no node: modules, no store, no I/O)', () => {
  const offenders = files('model').flatMap((f) =>
    importsOf(f)
      .filter((i) => !i.startsWith('./') && !MODEL_MAY_IMPORT.includes(i))
      .map((i) => `${f}: ${i}`),
  );
  assert.deepEqual(offenders, []);
});
