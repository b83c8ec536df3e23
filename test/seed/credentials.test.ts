// The operator's clouds.yaml and seedrc follow the seed's identity URL when an existing state is started
// again elsewhere, keeping the credentials they already held.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseCloudsYaml } from '../../src/platform/clouds-yaml.ts';
import { recordedAdminPassword, refreshAuthUrl, writeCredentials } from '../../src/seed/credentials.ts';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const stateDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'seed-creds-'));
  dirs.push(d);
  return d;
};
const creds = {
  authUrl: 'http://127.0.0.1:5000/v3',
  username: 'admin',
  password: 'it-s a "secret"',
  projectName: 'admin',
  region: 'RegionOne',
};

test('a moved identity URL rewrites both files with the recorded credentials', () => {
  const d = stateDir();
  writeCredentials(d, creds);
  assert.equal(refreshAuthUrl(d, 'http://127.0.0.1:45123/v3', 'RegionOne'), true);
  const seed = (parseCloudsYaml(readFileSync(join(d, 'clouds.yaml'), 'utf8'), 'clouds.yaml').clouds as never)[
    'seed'
  ] as { auth: Record<string, string> };
  assert.equal(seed.auth.auth_url, 'http://127.0.0.1:45123/v3');
  assert.equal(seed.auth.password, creds.password);
  assert.equal(recordedAdminPassword(d), creds.password);
  assert.match(
    readFileSync(join(d, 'seedrc'), 'utf8'),
    /^export OS_AUTH_URL='http:\/\/127\.0\.0\.1:45123\/v3'$/m,
  );
});

test('the same URL, or no earlier bootstrap: nothing is written', () => {
  const d = stateDir();
  writeCredentials(d, creds);
  const before = readFileSync(join(d, 'clouds.yaml'), 'utf8');
  assert.equal(refreshAuthUrl(d, creds.authUrl, 'RegionOne'), false);
  assert.equal(readFileSync(join(d, 'clouds.yaml'), 'utf8'), before);
  assert.equal(refreshAuthUrl(stateDir(), creds.authUrl, 'RegionOne'), false);
});
