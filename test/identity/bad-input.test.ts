// Bad input gets a clear 4xx in Keystone's format and leaves nothing half-written.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachEngine } from '../support/engines.ts';
import { type Harness, startHarness } from './harness.ts';

forEachEngine('bad input', (fresh) => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ db: await fresh() });
  });
  after(() => h.close());

  /** Row counts of every identity table: compared before and after each bad request. */
  async function snapshot(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const t of [
      'identity_domains',
      'identity_projects',
      'identity_users',
      'identity_groups',
      'identity_group_members',
      'identity_roles',
      'identity_assignments',
      'identity_services',
      'identity_endpoints',
      'identity_regions',
      'identity_app_credentials',
    ]) {
      out[t] = Number((await h.db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${t}`))?.n);
    }
    return out;
  }

  test("bad bodies: each a 400/404/409/413/415 with Keystone's error body, and no write", async () => {
    const project = (await h.call('POST', '/v3/projects', { body: { project: { name: 'base' } } })).json()
      .project;
    const long = 'x'.repeat(256);
    const cases: [
      string,
      string,
      string,
      { body?: unknown; raw?: string; headers?: Record<string, string> },
      number,
    ][] = [
      ['malformed JSON', 'POST', '/v3/projects', { raw: '{"project": {"name": ' }, 400],
      ['empty JSON body', 'POST', '/v3/projects', { raw: '' }, 400],
      [
        'a __proto__ key',
        'POST',
        '/v3/projects',
        { raw: '{"project":{"name":"x","__proto__":{"admin":true}}}' },
        400,
      ],
      ['body not an object', 'POST', '/v3/projects', { body: ['project'] }, 400],
      ['entity not an object', 'POST', '/v3/projects', { body: { project: 'p' } }, 400],
      ['missing name', 'POST', '/v3/projects', { body: { project: {} } }, 400],
      ['name a number', 'POST', '/v3/projects', { body: { project: { name: 42 } } }, 400],
      ['name too long', 'POST', '/v3/projects', { body: { project: { name: long } } }, 400],
      ['name blank', 'POST', '/v3/projects', { body: { project: { name: '   ' } } }, 400],
      ['name with a newline', 'POST', '/v3/projects', { body: { project: { name: 'a\nb' } } }, 400],
      ['enabled a string', 'POST', '/v3/projects', { body: { project: { name: 'e', enabled: 'yes' } } }, 400],
      ['tags not strings', 'POST', '/v3/projects', { body: { project: { name: 't', tags: [1] } } }, 400],
      [
        'id chosen by the client',
        'POST',
        '/v3/projects',
        { body: { project: { name: 'i', id: 'mine' } } },
        400,
      ],
      [
        'unknown domain',
        'POST',
        '/v3/projects',
        { body: { project: { name: 'd', domain_id: 'nope' } } },
        404,
      ],
      [
        'name over 64 for a project',
        'POST',
        '/v3/projects',
        { body: { project: { name: 'x'.repeat(65) } } },
        400,
      ],
      [
        'unknown parent',
        'POST',
        '/v3/projects',
        { body: { project: { name: 'c', parent_id: 'nope' } } },
        400,
      ],
      ['duplicate name', 'POST', '/v3/projects', { body: { project: { name: 'base' } } }, 409],
      ['rename onto a duplicate', 'PATCH', '/v3/projects/x', { body: { project: { name: 'admin' } } }, 404],
      [
        'patch a fixed field',
        'PATCH',
        `/v3/projects/${project.id}`,
        { body: { project: { domain_id: 'x' } } },
        400,
      ],
      ['patch unknown id', 'PATCH', '/v3/projects/nope', { body: { project: { description: 'x' } } }, 404],
      ['user password a number', 'POST', '/v3/users', { body: { user: { name: 'u', password: 5 } } }, 400],
      [
        'user unknown default project',
        'POST',
        '/v3/users',
        { body: { user: { name: 'u', default_project_id: 'nope' } } },
        400,
      ],
      ['user unknown domain', 'POST', '/v3/users', { body: { user: { name: 'u', domain_id: 'nope' } } }, 404],
      [
        'huge body',
        'POST',
        '/v3/projects',
        { body: { project: { name: 'h', description: 'x'.repeat(2 * 1024 * 1024) } } },
        413,
      ],
      [
        'form-encoded body',
        'POST',
        '/v3/projects',
        { raw: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
        415,
      ],
      [
        'plain-text body',
        'POST',
        '/v3/projects',
        { raw: 'name=x', headers: { 'content-type': 'text/plain' } },
        400,
      ],
      ['grant an unknown role', 'PUT', `/v3/projects/${project.id}/users/nope/roles/nope`, {}, 404],
      ['role on an unknown kind of target', 'PUT', '/v3/widgets/x/users/y/roles/z', {}, 404],
      [
        'endpoint without a service',
        'POST',
        '/v3/endpoints',
        { body: { endpoint: { interface: 'public', url: 'http://x' } } },
        400,
      ],
      [
        'two scopes in assignments',
        'GET',
        '/v3/role_assignments?scope.project.id=a&scope.domain.id=b',
        {},
        400,
      ],
      ['bad boolean filter', 'GET', '/v3/projects?enabled=perhaps', {}, 400],
    ];
    for (const [name, method, url, opts, status] of cases) {
      const before = await snapshot();
      const res = await h.call(method, url, opts);
      assert.equal(res.statusCode, status, `${name}: ${res.body}`);
      const err = res.json().error;
      assert.equal(err.code, status, name);
      assert.equal(typeof err.title, 'string', name);
      assert.equal(typeof err.message, 'string', name);
      assert.deepEqual(await snapshot(), before, `${name}: nothing written`);
    }
    // An empty body with a JSON content type is no body (tempest grants roles that way).
    const roles = (await h.call('GET', '/v3/roles?name=reader')).json().roles;
    const admin = (await h.call('GET', '/v3/users?name=admin')).json().users[0];
    const put = await h.call('PUT', `/v3/projects/${project.id}/users/${admin.id}/roles/${roles[0].id}`, {
      raw: '',
    });
    assert.equal(put.statusCode, 204, put.body);
    // A rename onto an existing name is a 409 too.
    const rename = await h.call('PATCH', `/v3/projects/${project.id}`, {
      body: { project: { name: 'admin' } },
    });
    assert.equal(rename.statusCode, 409);
    assert.equal((await h.call('GET', `/v3/projects/${project.id}`)).json().project.name, 'base');
  });

  test('bad token requests: 400 for bad shapes, 401 for unknown scope or credentials', async () => {
    const pw = {
      methods: ['password'],
      password: { user: { name: 'admin', domain: { id: 'default' }, password: 'admin-secret' } },
    };
    const cases: [string, unknown, number][] = [
      ['no auth', {}, 400],
      ['identity not an object', { auth: { identity: 'x' } }, 400],
      ['methods missing', { auth: { identity: { password: pw.password } } }, 400],
      ['methods not a list', { auth: { identity: { methods: 'password', password: pw.password } } }, 400],
      ['unknown method', { auth: { identity: { methods: ['totp'] } } }, 400],
      ['password method without its section', { auth: { identity: { methods: ['password'] } } }, 400],
      [
        'password not a string',
        {
          auth: {
            identity: {
              methods: ['password'],
              password: { user: { name: 'admin', domain: { id: 'default' }, password: 1 } },
            },
          },
        },
        400,
      ],
      [
        'user name without domain',
        {
          auth: { identity: { methods: ['password'], password: { user: { name: 'admin', password: 'x' } } } },
        },
        400,
      ],
      ['unknown scope type', { auth: { identity: pw, scope: { galaxy: { id: 'x' } } } }, 400],
      [
        'two scopes',
        { auth: { identity: pw, scope: { project: { id: 'x' }, domain: { id: 'default' } } } },
        400,
      ],
      ['system scope without all', { auth: { identity: pw, scope: { system: {} } } }, 400],
      ['project scope without id or name', { auth: { identity: pw, scope: { project: {} } } }, 400],
      ['unknown project', { auth: { identity: pw, scope: { project: { id: 'nope' } } } }, 401],
      [
        'unknown project by name',
        { auth: { identity: pw, scope: { project: { name: 'nope', domain: { id: 'default' } } } } },
        401,
      ],
      ['unknown domain', { auth: { identity: pw, scope: { domain: { name: 'nope' } } } }, 401],
      ['unknown token', { auth: { identity: { methods: ['token'], token: { id: 'gAAAAAnope' } } } }, 401],
      [
        'unknown application credential',
        {
          auth: {
            identity: {
              methods: ['application_credential'],
              application_credential: { id: 'x', secret: 'y' },
            },
          },
        },
        401,
      ],
    ];
    for (const [name, body, status] of cases) {
      const res = await h.call('POST', '/v3/auth/tokens', { token: null, body });
      assert.equal(res.statusCode, status, `${name}: ${res.body}`);
      assert.equal(res.json().error.code, status, name);
      assert.equal(res.headers['x-subject-token'], undefined, name);
    }
    const missing = await h.call('GET', '/v3/auth/tokens');
    assert.equal(missing.statusCode, 400, 'validation without X-Subject-Token');
  });
});
