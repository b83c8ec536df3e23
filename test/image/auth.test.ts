// The Keystone credentials `ooo image load` reads: OS_* over clouds.yaml, as the openstack CLI merges them.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { credentialsFromEnv, identityV3 } from '../../src/platform/openstack-auth.ts';

test('credentials: clouds.yaml entry, OS_* variables override it, defaults', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ooo-auth-'));
  try {
    const file = join(dir, 'clouds.yaml');
    writeFileSync(
      file,
      [
        'clouds:',
        '  a:',
        '    auth:',
        '      auth_url: http://h:5000',
        '      username: u',
        "      password: 'p w'",
        '      project_id: pid',
        '    region_name: R2',
        '  b: {auth: {auth_url: "http://x/v3", user_id: uid, password: s}}',
      ].join('\n'),
    );
    const base = { OS_CLIENT_CONFIG_FILE: file, HOME: dir };
    assert.deepEqual(credentialsFromEnv({ ...base, OS_CLOUD: 'a' }, dir), {
      authUrl: 'http://h:5000',
      password: 'p w',
      interface: 'public',
      username: 'u',
      projectId: 'pid',
      regionName: 'R2',
    });
    const over = credentialsFromEnv(
      { ...base, OS_CLOUD: 'a', OS_PASSWORD: 'env', OS_INTERFACE: 'internal' },
      dir,
    );
    assert.equal(over.password, 'env');
    assert.equal(over.interface, 'internal');
    assert.equal(credentialsFromEnv({ ...base, OS_CLOUD: 'b' }, dir).userId, 'uid');
    assert.throws(() => credentialsFromEnv({ ...base, OS_CLOUD: 'c' }, dir), /cloud c not found/);
    assert.throws(() => credentialsFromEnv({ HOME: dir }, dir), /no OS_AUTH_URL/);
    assert.throws(
      () => credentialsFromEnv({ HOME: dir, OS_AUTH_URL: 'http://h', OS_PASSWORD: 'x' }, dir),
      /no OS_USERNAME/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the identity URL gains /v3 only when it lacks it', () => {
  assert.equal(identityV3('http://h:5000'), 'http://h:5000/v3');
  assert.equal(identityV3('http://h:5000/'), 'http://h:5000/v3');
  assert.equal(identityV3('http://h:5000/v3/'), 'http://h:5000/v3');
});
