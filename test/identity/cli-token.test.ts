// The real openstack CLI against a seed: tokens, the catalog, and the errors it must understand.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { cliUnavailable, openstack } from '../support/openstack-cli.ts';
import { startTestSeed, type TestSeed } from '../support/seed.ts';

describe('openstack CLI: tokens and catalog', { skip: cliUnavailable() }, () => {
  let s: TestSeed;
  before(async () => {
    s = await startTestSeed({ services: ['identity'] });
  });
  after(() => s?.stop());

  test('token issue, catalog list and catalog show', async () => {
    const [issue, list, show] = await Promise.all([
      openstack(s.cliEnv, ['token', 'issue', '-f', 'json']),
      openstack(s.cliEnv, ['catalog', 'list', '-f', 'json']),
      openstack(s.cliEnv, ['catalog', 'show', 'identity', '-f', 'json']),
    ]);
    assert.equal(issue.code, 0, issue.stderr);
    const token = issue.json<{ id: string; project_id: string; user_id: string; expires: string }>();
    assert.match(token.id, /^gAAAAA/);
    assert.match(token.project_id, /^[0-9a-f]{32}$/);
    assert.ok(Date.parse(token.expires) > Date.now() + 3500_000, 'about one hour');
    // The token works for the services and validates through the identity API.
    const v = await fetch(`${s.authUrl}/auth/tokens`, {
      headers: { 'x-auth-token': token.id, 'x-subject-token': token.id },
    });
    assert.equal(v.status, 200);
    assert.equal(list.code, 0, list.stderr);
    const identity = list
      .json<{ Name: string; Type: string; Endpoints: { url: string }[] }[]>()
      .find((c) => c.Type === 'identity');
    assert.equal(identity?.Name, 'keystone');
    assert.ok(identity.Endpoints.every((e) => e.url === s.authUrl));
    assert.equal(show.code, 0, show.stderr);
  });

  test('token revoke, then the revoked token is refused with 401', async () => {
    const token = await s.tokenFor('admin', s.adminPassword, 'admin');
    const revoke = await openstack(s.cliEnv, ['token', 'revoke', token]);
    assert.equal(revoke.code, 0, revoke.stderr);
    const res = await fetch(`${s.authUrl}/auth/projects`, { headers: { 'x-auth-token': token } });
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as { error: { code: number } }).error.code, 401);
    // The CLI using a revoked token fails too (OS_TOKEN with the token plugin).
    const reuse = await openstack(
      {
        OS_AUTH_TYPE: 'token',
        OS_AUTH_URL: s.authUrl,
        OS_TOKEN: token,
        OS_PROJECT_NAME: 'admin',
        OS_PROJECT_DOMAIN_NAME: 'Default',
      },
      ['project', 'list'],
    );
    assert.notEqual(reuse.code, 0);
    assert.match(reuse.stderr, /401|authentication/i);
  });

  test("wrong password: the CLI fails, and the wire answer is Keystone's 401 body", async () => {
    const bad = await openstack({ ...s.cliEnv, OS_PASSWORD: 'wrong' }, ['token', 'issue']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /The request you have made requires authentication\. \(HTTP 401\)/);
    const res = await fetch(`${s.authUrl}/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name: 'admin', domain: { id: 'default' }, password: 'wrong' } },
          },
        },
      }),
    });
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), `Keystone uri="${s.urls.identity}"`);
    assert.deepEqual(await res.json(), {
      error: {
        code: 401,
        title: 'Unauthorized',
        message: 'The request you have made requires authentication.',
      },
    });
  });
});
