import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN_PASSWORD, type Harness, startHarness } from './harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

test('discovery: / answers 300 with the v3 document, /v3 answers 200', async () => {
  const root = await h.call('GET', '/', { token: null });
  assert.equal(root.statusCode, 300);
  const v = root.json().versions.values[0];
  assert.equal(v.id, 'v3.14');
  assert.equal(v.links[0].href, 'http://localhost:80/v3/');
  const v3 = await h.call('GET', '/v3/', { token: null });
  assert.equal(v3.statusCode, 200);
  assert.equal(v3.json().version.status, 'stable');
});

test('password login with project scope: 201, token in the header only, catalog and roles in the body', async () => {
  const res = await h.login('admin', ADMIN_PASSWORD, 'admin');
  assert.equal(res.statusCode, 201);
  const token = res.headers['x-subject-token'] as string;
  assert.ok(token.startsWith('gAAAAA'), 'a Fernet token');
  assert.equal(res.body.includes(token), false, 'the token id is not in the body');
  const body = res.json().token;
  assert.deepEqual(body.methods, ['password']);
  assert.equal(body.user.name, 'admin');
  assert.deepEqual(body.user.domain, { id: 'default', name: 'Default' });
  assert.equal(body.project.name, 'admin');
  assert.deepEqual(body.roles.map((r: { name: string }) => r.name).sort(), ['admin', 'member', 'reader']);
  assert.match(body.expires_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  const lifetime = Date.parse(body.expires_at) - Date.parse(body.issued_at);
  assert.equal(lifetime, 3600_000, 'default expiry is one hour');
  const identity = body.catalog.find((c: { type: string }) => c.type === 'identity');
  assert.deepEqual(identity.endpoints.map((e: { interface: string }) => e.interface).sort(), [
    'admin',
    'internal',
    'public',
  ]);
});

test('login variants: user id, domain name, system scope, unscoped, token method; no role, no token', async () => {
  const me = (await h.call('GET', '/v3/auth/tokens', { headers: { 'x-subject-token': h.adminToken } })).json()
    .token;
  const post = (auth: unknown) => h.call('POST', '/v3/auth/tokens', { token: null, body: { auth } });
  const pw = { methods: ['password'], password: { user: { id: me.user.id, password: ADMIN_PASSWORD } } };
  const cases: [string, unknown, (t: Record<string, unknown>) => boolean][] = [
    ['user id, project id', { identity: pw, scope: { project: { id: me.project.id } } }, (t) => !!t.project],
    [
      'user by domain name',
      {
        identity: {
          methods: ['password'],
          password: { user: { name: 'admin', domain: { name: 'Default' }, password: ADMIN_PASSWORD } },
        },
        scope: { project: { name: 'admin', domain: { name: 'Default' } } },
      },
      (t) => !!t.project,
    ],
    ['system scope', { identity: pw, scope: { system: { all: true } } }, (t) => !!t.system],
    ['unscoped picks the default project', { identity: pw }, (t) => !!t.project],
    [
      'token method rescopes',
      { identity: { methods: ['token'], token: { id: h.adminToken } }, scope: { system: { all: true } } },
      (t) => !!t.system && (t.methods as string[]).includes('token'),
    ],
  ];
  for (const [name, auth, check] of cases) {
    const res = await post(auth);
    assert.equal(res.statusCode, 201, `${name}: ${res.body}`);
    assert.ok(check(res.json().token), name);
  }
  // No role on the scope, no token: the admin user holds none on the domain, nor on the service project.
  for (const scope of [
    { domain: { id: 'default' } },
    { project: { name: 'service', domain: { id: 'default' } } },
  ]) {
    assert.equal((await post({ identity: pw, scope })).statusCode, 401, JSON.stringify(scope));
  }
});

test('wrong password and unknown user get the same 401 in Keystone format', async () => {
  const wrong = await h.login('admin', 'nope', 'admin');
  const unknown = await h.login('nobody-here', 'nope', 'admin');
  for (const res of [wrong, unknown]) {
    assert.equal(res.statusCode, 401);
    assert.deepEqual(res.json(), {
      error: {
        code: 401,
        title: 'Unauthorized',
        message: 'The request you have made requires authentication.',
      },
    });
    assert.equal(res.headers['www-authenticate'], 'Keystone uri="http://localhost:80"');
  }
});

test('validate, check and revoke a token; the revoked token is refused at once', async () => {
  const token = (await h.login('admin', ADMIN_PASSWORD, 'admin')).headers['x-subject-token'] as string;
  const v = await h.call('GET', '/v3/auth/tokens', { headers: { 'x-subject-token': token } });
  assert.equal(v.statusCode, 200);
  assert.equal(v.headers['x-subject-token'], token);
  assert.equal(
    (await h.call('HEAD', '/v3/auth/tokens', { headers: { 'x-subject-token': token } })).statusCode,
    200,
  );
  assert.equal((await h.call('GET', '/v3/auth/projects', { token })).statusCode, 200, 'usable');
  const del = await h.call('DELETE', '/v3/auth/tokens', { headers: { 'x-subject-token': token } });
  assert.equal(del.statusCode, 204);
  assert.equal(del.headers['content-type'], undefined, 'no JSON content type on 204');
  assert.equal((await h.call('GET', '/v3/auth/projects', { token })).statusCode, 401);
  const again = await h.call('GET', '/v3/auth/tokens', { headers: { 'x-subject-token': token } });
  assert.equal(again.statusCode, 404);
  assert.equal(again.json().error.message, 'Could not find token.');
  assert.equal((await h.call('GET', '/v3/auth/projects')).statusCode, 200, 'other tokens still work');
});

test('requests without a token or with garbage get 401', async () => {
  for (const token of [null, 'garbage', `${h.adminToken}x`]) {
    const res = await h.call('GET', '/v3/auth/catalog', { token });
    assert.equal(res.statusCode, 401, String(token));
    assert.equal(res.json().error.code, 401);
  }
});

test('auth catalog and auth projects', async () => {
  const cat = await h.call('GET', '/v3/auth/catalog');
  assert.equal(cat.statusCode, 200);
  assert.ok(cat.json().catalog.some((c: { type: string }) => c.type === 'identity'));
  const projects = (await h.call('GET', '/v3/auth/projects')).json().projects;
  assert.deepEqual(
    projects.map((p: { name: string }) => p.name),
    ['admin'],
  );
});
