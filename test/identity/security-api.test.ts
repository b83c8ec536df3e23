// Policy, revocation, throttling, expiry and key rotation through the identity API.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IdentityCore } from '../../src/identity/core.ts';
import { parseSettings } from '../../src/identity/model/settings.ts';
import { rotateKeys } from '../../src/identity/store/key-repository.ts';
import { isAppError } from '../../src/platform/errors/catalogue.ts';
import { forEachEngine } from '../support/engines.ts';
import { type Harness, startHarness } from './harness.ts';

/** A member user `m` (password pw-m) of project `p`, and another user `o`. */
async function withMember(h: Harness) {
  const post = async (path: string, body: unknown) => (await h.call('POST', `/v3/${path}`, { body })).json();
  const p = (await post('projects', { project: { name: 'p' } })).project;
  const m = (await post('users', { user: { name: 'm', password: 'pw-m' } })).user;
  const o = (await post('users', { user: { name: 'o', password: 'pw-o' } })).user;
  const member = (await h.call('GET', '/v3/roles?name=member')).json().roles[0];
  await h.call('PUT', `/v3/projects/${p.id}/users/${m.id}/roles/${member.id}`);
  const login = await h.login('m', 'pw-m', 'p');
  assert.equal(login.statusCode, 201, login.body);
  return { p, m, o, token: login.headers['x-subject-token'] as string };
}

test('policy: a member reads itself and manages its own credentials, nothing of others', async () => {
  const h = await startHarness();
  try {
    const { p, m, o, token } = await withMember(h);
    const as = (method: string, url: string, body?: unknown) => h.call(method, url, { token, body });
    const cases: [string, string, unknown, number][] = [
      ['POST', '/v3/users', { user: { name: 'x' } }, 403],
      ['GET', '/v3/users', undefined, 403],
      ['GET', `/v3/users/${m.id}`, undefined, 200],
      ['GET', `/v3/users/${o.id}`, undefined, 403],
      ['PATCH', `/v3/users/${m.id}`, { user: { enabled: true } }, 403],
      ['POST', '/v3/projects', { project: { name: 'x' } }, 403],
      ['GET', `/v3/projects/${p.id}`, undefined, 200],
      ['GET', '/v3/projects', undefined, 403],
      ['GET', '/v3/roles', undefined, 200],
      ['POST', '/v3/roles', { role: { name: 'x' } }, 403],
      ['GET', '/v3/role_assignments', undefined, 403],
      ['GET', `/v3/role_assignments?user.id=${m.id}`, undefined, 200],
      ['GET', `/v3/users/${m.id}/projects`, undefined, 200],
      ['GET', `/v3/users/${o.id}/projects`, undefined, 403],
      ['POST', `/v3/users/${o.id}/application_credentials`, { application_credential: { name: 'x' } }, 403],
      ['GET', `/v3/users/${o.id}/application_credentials`, undefined, 403],
      ['POST', '/v3/services', { service: { type: 'x' } }, 403],
      ['GET', '/v3/auth/tokens', undefined, 400],
    ];
    for (const [method, url, body, status] of cases) {
      const res = await as(method, url, body);
      assert.equal(res.statusCode, status, `${method} ${url}: ${res.body}`);
      if (status === 403) assert.equal(res.json().error.title, 'Forbidden');
    }
    // Its own application credentials: create (only roles it holds), list, delete.
    const tooMuch = await as('POST', `/v3/users/${m.id}/application_credentials`, {
      application_credential: { name: 'c', roles: [{ name: 'admin' }] },
    });
    assert.equal(tooMuch.statusCode, 403);
    const created = await as('POST', `/v3/users/${m.id}/application_credentials`, {
      application_credential: { name: 'c' },
    });
    assert.equal(created.statusCode, 201, created.body);
    const cred = created.json().application_credential;
    assert.ok(cred.secret.length >= 32);
    const listed = (await as('GET', `/v3/users/${m.id}/application_credentials`)).json()
      .application_credentials;
    assert.equal(listed[0].secret, undefined, 'the secret is shown once');
    const auth = await h.call('POST', '/v3/auth/tokens', {
      token: null,
      body: {
        auth: {
          identity: {
            methods: ['application_credential'],
            application_credential: { id: cred.id, secret: cred.secret },
          },
        },
      },
    });
    assert.equal(auth.statusCode, 201, auth.body);
    const credToken = auth.headers['x-subject-token'] as string;
    assert.deepEqual(auth.json().token.application_credential, { id: cred.id, name: 'c', restricted: true });
    // A restricted credential cannot mint another one, nor rescope its token.
    const chained = await h.call('POST', `/v3/users/${m.id}/application_credentials`, {
      token: credToken,
      body: { application_credential: { name: 'c2' } },
    });
    assert.equal(chained.statusCode, 403);
    const rescope = await h.call('POST', '/v3/auth/tokens', {
      token: null,
      body: { auth: { identity: { methods: ['token'], token: { id: credToken } } } },
    });
    assert.equal(rescope.statusCode, 401);
    assert.equal(
      (await as('DELETE', `/v3/users/${m.id}/application_credentials/${cred.id}`)).statusCode,
      204,
    );
    assert.equal(
      (await h.call('GET', '/v3/auth/projects', { token: credToken })).statusCode,
      401,
      'revoked with it',
    );
  } finally {
    await h.close();
  }
});

test('revocation: password change, disable, delete of users and projects', async () => {
  const h = await startHarness();
  try {
    const { p, m, token } = await withMember(h);
    const works = async (t: string) =>
      (await h.call('GET', '/v3/auth/projects', { token: t })).statusCode === 200;
    assert.equal(await works(token), true);

    // The user changes its own password: wrong original 401, right one revokes its tokens.
    const change = (original: string, password: string) =>
      h.call('POST', `/v3/users/${m.id}/password`, {
        token,
        body: { user: { original_password: original, password } },
      });
    assert.equal((await change('wrong', 'pw-2')).statusCode, 401);
    assert.equal((await change('pw-m', 'pw-2')).statusCode, 204);
    assert.equal(await works(token), false, 'token revoked by the password change');
    assert.equal((await h.login('m', 'pw-m', 'p')).statusCode, 401, 'old password refused');
    const t2 = (await h.login('m', 'pw-2', 'p')).headers['x-subject-token'] as string;
    assert.equal(await works(t2), true);

    // The admin resets the password: revoked again.
    await h.call('PATCH', `/v3/users/${m.id}`, { body: { user: { password: 'pw-3' } } });
    assert.equal(await works(t2), false);
    const t3 = (await h.login('m', 'pw-3', 'p')).headers['x-subject-token'] as string;

    // Disable the project: its tokens die; enabling it again does not revive them.
    const disable = await h.call('PATCH', `/v3/projects/${p.id}`, { body: { project: { enabled: false } } });
    assert.equal(disable.statusCode, 200, disable.body);
    assert.equal(await works(t3), false, 'token revoked by disabling its project');
    assert.equal((await h.login('m', 'pw-3', 'p')).statusCode, 401);
    await h.call('PATCH', `/v3/projects/${p.id}`, { body: { project: { enabled: true } } });
    assert.equal(await works(t3), false, 'revocation outlives re-enabling');
    const t4 = (await h.login('m', 'pw-3', 'p')).headers['x-subject-token'] as string;
    assert.equal(await works(t4), true);

    // Disable the user, then delete it.
    await h.call('PATCH', `/v3/users/${m.id}`, { body: { user: { enabled: false } } });
    assert.equal(await works(t4), false);
    const disabled = await h.login('m', 'pw-3', 'p');
    assert.equal(disabled.statusCode, 401);
    assert.equal(disabled.json().error.message, 'The request you have made requires authentication.');
    await h.call('PATCH', `/v3/users/${m.id}`, { body: { user: { enabled: true } } });
    const t5 = (await h.login('m', 'pw-3', 'p')).headers['x-subject-token'] as string;
    assert.equal((await h.call('DELETE', `/v3/users/${m.id}`)).statusCode, 204);
    assert.equal(await works(t5), false);
    assert.equal(await works(h.adminToken), true, 'the admin is untouched');
  } finally {
    await h.close();
  }
});

test('throttling: repeated failures lock the user name and id alike, unknown users too', async () => {
  let now = Date.UTC(2026, 0, 1);
  const h = await startHarness({
    now: () => now,
    settings: { throttle: { maxFailures: 3, windowMs: 60_000, lockoutMs: 30_000 } },
  });
  try {
    for (let i = 0; i < 3; i++) assert.equal((await h.login('admin', 'wrong', 'admin')).statusCode, 401);
    const locked = await h.login('admin', 'admin-secret', 'admin');
    assert.equal(locked.statusCode, 401, 'locked: even the right password is refused');
    const me = (
      await h.call('GET', '/v3/auth/tokens', { headers: { 'x-subject-token': h.adminToken } })
    ).json();
    const byId = await h.call('POST', '/v3/auth/tokens', {
      token: null,
      body: {
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { id: me.token.user.id, password: 'admin-secret' } },
          },
        },
      },
    });
    assert.equal(byId.statusCode, 401, 'locked by id as well');
    const unknown = [];
    for (let i = 0; i < 4; i++) unknown.push(await h.login('ghost', 'wrong', 'admin'));
    assert.ok(
      unknown.every((r) => r.body === locked.body),
      'same answer for an unknown user, locked or not',
    );
    now += 30_000;
    assert.equal(
      (await h.login('admin', 'admin-secret', 'admin')).statusCode,
      201,
      'unlocked after the lockout',
    );
  } finally {
    await h.close();
  }
});

test('tokens expire after the configured lifetime', async () => {
  let now = Date.UTC(2026, 0, 1);
  const h = await startHarness({ now: () => now, settings: { tokenExpirationSeconds: 60 } });
  try {
    const res = await h.login('admin', 'admin-secret', 'admin');
    const token = res.headers['x-subject-token'] as string;
    assert.equal(Date.parse(res.json().token.expires_at) - now, 60_000);
    now += 59_999;
    assert.equal((await h.call('GET', '/v3/auth/projects', { token })).statusCode, 200);
    now += 1;
    assert.equal((await h.call('GET', '/v3/auth/projects', { token })).statusCode, 401);
  } finally {
    await h.close();
  }
});

test('key rotation: old tokens validate while their key is active, new tokens use the new primary', async () => {
  const h = await startHarness({ settings: { maxActiveKeys: 3 } });
  try {
    const works = async (t: string) =>
      (await h.call('GET', '/v3/auth/projects', { token: t })).statusCode === 200;
    const before = h.adminToken;
    rotateKeys(h.keyDir, 3);
    assert.equal(h.core.reloadKeys(), true);
    const after1 = (await h.login('admin', 'admin-secret', 'admin')).headers['x-subject-token'] as string;
    assert.equal(await works(before), true, 'secondary key still opens it');
    assert.equal(await works(after1), true);
    rotateKeys(h.keyDir, 3);
    h.core.reloadKeys();
    assert.equal(await works(before), false, 'its key was dropped');
    assert.equal(await works(after1), true, 'issued with the promoted key, still active');
    rotateKeys(h.keyDir, 3);
    h.core.reloadKeys();
    assert.equal(await works(after1), false, 'its key was dropped too');
  } finally {
    await h.close();
  }
});

// Two identity processes on one database: each has its own keys in memory, caches and revocation index;
// only the database (and the key directory) is shared.
forEachEngine('two identity processes', (fresh) => {
  test('revocations and role changes reach the other process within the refresh interval', async () => {
    const db = await fresh();
    let now = Date.now();
    const settings = { revocationRefreshMs: 2000 };
    const a = await startHarness({ db, settings, now: () => now });
    const b = await startHarness({ db, settings, now: () => now, keyDir: a.keyDir });
    try {
      const token = (await a.login('admin', 'admin-secret', 'admin')).headers['x-subject-token'] as string;
      const works = async (h: Harness, t = token) =>
        (await h.call('GET', '/v3/auth/projects', { token: t })).statusCode;
      assert.equal(await works(b), 200, "B validates A's token");
      await a.call('DELETE', '/v3/auth/tokens', { headers: { 'x-subject-token': token } });
      assert.equal(await works(a), 401, 'A: at once');
      assert.equal(await works(b), 200, 'B: still cached, within its refresh interval');
      now += 2000;
      assert.equal(await works(b), 401, 'B: after its refresh');

      // A user disabled through A loses its tokens on B too.
      const user = (
        await a.call('POST', '/v3/users', { body: { user: { name: 'u', password: 'pw' } } })
      ).json().user;
      const member = (await a.call('GET', '/v3/roles?name=member')).json().roles[0];
      const project = (await a.call('GET', '/v3/projects?name=admin')).json().projects[0];
      await a.call('PUT', `/v3/projects/${project.id}/users/${user.id}/roles/${member.id}`);
      const t = (await b.login('u', 'pw', 'admin')).headers['x-subject-token'] as string;
      assert.equal(await works(b, t), 200);
      await a.call('PATCH', `/v3/users/${user.id}`, { body: { user: { enabled: false } } });
      now += 2000;
      assert.equal(await works(b, t), 401);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

test('validation never writes: a process whose database refuses every write still validates', async () => {
  const h = await startHarness();
  try {
    const refuse = () => Promise.reject(new Error('validation tried to write'));
    const readOnly = { ...h.db, run: refuse, exec: refuse, tx: refuse };
    const validator = await IdentityCore.open(readOnly, h.keyDir, parseSettings({}));
    const ctx = await validator.validate(h.adminToken);
    assert.equal(ctx.userName, 'admin');
    assert.deepEqual([...ctx.roles].sort(), ['admin', 'member', 'reader']);
    await h.call('DELETE', '/v3/auth/tokens', { headers: { 'x-subject-token': h.adminToken } });
    await validator.refreshRevocations();
    await assert.rejects(validator.validate(h.adminToken), (e: unknown) => isAppError(e) && e.status === 401);
    await assert.rejects(
      validator.validate('gAAAAAgarbage'),
      (e: unknown) => isAppError(e) && e.status === 401,
    );
  } finally {
    await h.close();
  }
});
