// The identity service inside the seed: bootstrap, catalog registration, and a restart on the same state.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { renderKeystoneError } from '../../src/identity/api/render.ts';
import { identityService } from '../../src/identity/index.ts';
import { defaultConfig } from '../../src/platform/config/config.ts';
import { silentLogger } from '../../src/platform/log/logger.ts';
import type { ServiceDefinition } from '../../src/platform/service.ts';
import { startSeed } from '../../src/seed/start.ts';
import { startTestSeed } from '../support/seed.ts';

async function catalogOf(authUrl: string, token: string) {
  const res = await fetch(`${authUrl}/auth/catalog`, { headers: { 'x-auth-token': token } });
  assert.equal(res.status, 200);
  return (
    (await res.json()) as {
      catalog: { type: string; name: string; endpoints: { interface: string; url: string }[] }[];
    }
  ).catalog;
}

test('bootstrap is idempotent and resets a changed admin password; registration follows URLs', async () => {
  const s = await startTestSeed({ services: ['identity'] });
  try {
    const token = await s.tokenFor('admin', s.adminPassword, 'admin');
    await s.seed.identity!.bootstrap(s.seed.ctx, { adminPassword: s.adminPassword, region: 'RegionOne' });
    assert.ok(await s.tokenFor('admin', s.adminPassword, 'admin'));
    const valid = await fetch(`${s.authUrl}/auth/projects`, { headers: { 'x-auth-token': token } });
    assert.equal(valid.status, 200, 'same password: tokens survive a second bootstrap');

    const register = (url: string) =>
      s.seed.identity!.registerEndpoints(s.seed.ctx, [
        { type: 'image', name: 'glance', url, region: 'RegionOne' },
      ]);
    await register('http://127.0.0.1:9292');
    await register('http://127.0.0.1:9292');
    await register('http://127.0.0.1:19292');
    const image = (await catalogOf(s.authUrl, token)).filter((c) => c.type === 'image');
    assert.equal(image.length, 1, 'one image service');
    assert.deepEqual(image[0]!.endpoints.map((e) => `${e.interface} ${e.url}`).sort(), [
      'admin http://127.0.0.1:19292',
      'internal http://127.0.0.1:19292',
      'public http://127.0.0.1:19292',
    ]);

    await s.seed.identity!.bootstrap(s.seed.ctx, { adminPassword: 'another-one', region: 'RegionOne' });
    const old = await fetch(`${s.authUrl}/auth/projects`, { headers: { 'x-auth-token': token } });
    assert.equal(old.status, 401, 'a password reset revokes the admin tokens');
    await assert.rejects(s.tokenFor('admin', s.adminPassword, 'admin'), /401/);
    assert.ok(await s.tokenFor('admin', 'another-one', 'admin'));
  } finally {
    await s.stop();
  }
});

test('a restart on the same state keeps users and keys, and moves the identity endpoint to the new port', async () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'ooo-restart-'));
  const config = { ...defaultConfig(stateDir), ports: { identity: 0 }, services: ['identity'] };
  try {
    const first = await startSeed(config, silentLogger());
    await first.identity!.bootstrap(first.ctx, { adminPassword: 'pw', region: 'RegionOne' });
    const url1 = first.services[0]!.url;
    const res = await fetch(`${url1}/v3/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name: 'admin', domain: { id: 'default' }, password: 'pw' } },
          },
          scope: { project: { name: 'admin', domain: { id: 'default' } } },
        },
      }),
    });
    assert.equal(res.status, 201);
    const token = res.headers.get('x-subject-token')!;
    await first.stop();

    const second = await startSeed(config, silentLogger());
    try {
      const url2 = second.services[0]!.url;
      const identity = (await catalogOf(`${url2}/v3`, token)).find((c) => c.type === 'identity')!;
      assert.ok(
        identity.endpoints.every((e) => e.url === `${url2}/v3`),
        'endpoints follow the new port',
      );
      assert.equal(identity.endpoints.length, 3);
    } finally {
      await second.stop();
    }
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
});

test('a test seed always runs identity; addUser gives a member (or any role) of a project', async () => {
  // A stand-in service that needs nothing: asking for it alone still brings identity along.
  const probe: ServiceDefinition = {
    name: 'probe',
    defaultPort: 0,
    catalog: [{ type: 'probe', name: 'probe', path: '' }],
    migrations: [],
    create: () => ({ register: () => undefined, render: renderKeystoneError }),
  };
  const s = await startTestSeed({ services: ['probe'], definitions: [identityService, probe] });
  try {
    assert.deepEqual(Object.keys(s.urls).sort(), ['identity', 'probe']);
    const alice = await s.addUser('alice');
    const bob = await s.addUser('bob', { project: 'alice', role: 'reader' });
    assert.equal(bob.projectId, alice.projectId, 'the existing project is reused');
    const roles = async (token: string) => {
      const res = await fetch(`${s.authUrl}/auth/tokens?nocatalog`, {
        headers: { 'x-auth-token': token, 'x-subject-token': token },
      });
      assert.equal(res.status, 200);
      return ((await res.json()) as { token: { roles: { name: string }[] } }).token.roles
        .map((r) => r.name)
        .sort();
    };
    assert.deepEqual(await roles(alice.token), ['member', 'reader']);
    assert.deepEqual(await roles(bob.token), ['reader']);
    assert.equal(alice.cliEnv.OS_USERNAME, 'alice');
    assert.equal(alice.cliEnv.OS_PROJECT_NAME, 'alice');
  } finally {
    await s.stop();
  }
});
