// The Heat v1 wire details the clients rely on: redirects keeping the query, repeated parameters, Heat's
// error body, paging of stacks and events, the project in the URL, and policy (a reader cannot create).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestSeed, type TestSeed } from '../support/seed.ts';

// Response bodies are read loosely: each test asserts the shape it needs.
// biome-ignore lint/suspicious/noExplicitAny: see above
type Json = Record<string, any>;

describe('orchestration API', () => {
  let seed: TestSeed;
  let token: string;
  let project: string;
  let base: string;
  const call = async (method: string, path: string, body?: unknown, tok = token) => {
    const r = await fetch(`${base}${path}`, {
      method,
      redirect: 'manual',
      headers: { 'x-auth-token': tok, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await r.text();
    return {
      status: r.status,
      location: r.headers.get('location'),
      json: (text ? JSON.parse(text) : {}) as Json,
    };
  };
  const tmpl = {
    heat_template_version: '2018-08-31',
    resources: { a: { type: 'OS::Heat::None' }, b: { type: 'OS::Heat::None', depends_on: 'a' } },
  };
  const settle = async (name: string) => {
    for (let i = 0; i < 200; i++) {
      const r = await call('GET', `/stacks/${name}?resolve_outputs=False`);
      if (r.status === 302) {
        const s = await fetch(r.location as string, { headers: { 'x-auth-token': token } }).then(
          (x) => x.json() as Promise<{ stack: { stack_status: string; id: string } }>,
        );
        if (!s.stack.stack_status.endsWith('IN_PROGRESS')) return s.stack;
      }
      await new Promise((res) => setTimeout(res, 20));
    }
    throw new Error(`${name} did not settle`);
  };

  before(async () => {
    seed = await startTestSeed({ services: ['identity', 'orchestration'] });
    token = await seed.tokenFor('admin', seed.adminPassword, 'admin');
    const info = (await (
      await fetch(`${seed.authUrl}/auth/tokens`, {
        headers: { 'x-auth-token': token, 'x-subject-token': token },
      })
    ).json()) as {
      token: {
        project: { id: string };
        catalog: { type: string; endpoints: { url: string; interface: string }[] }[];
      };
    };
    project = info.token.project.id;
    base = `${seed.urls.orchestration}/v1/${project}`;
    // The catalog carries the project-scoped URL, %(tenant_id)s filled in.
    const heat = info.token.catalog.find((c) => c.type === 'orchestration');
    assert.equal(heat?.endpoints.find((e) => e.interface === 'public')?.url, base);
  });
  after(async () => seed?.stop());

  test('create, 409 on a taken name, redirects keep the query, outputs resolve', async () => {
    const created = await call('POST', '/stacks', { stack_name: 's1', template: tmpl });
    assert.equal(created.status, 201);
    const id = created.json.stack.id as string;
    assert.equal(created.location, `${base}/stacks/s1/${id}`);
    const dup = await call('POST', '/stacks', { stack_name: 's1', template: tmpl });
    assert.equal(dup.status, 409);
    assert.equal(dup.json.error.type, 'StackExists');
    const r = await call('GET', '/stacks/s1/events?sort_dir=asc&sort_dir=asc');
    assert.equal(r.status, 302);
    assert.equal(r.location, `${base}/stacks/s1/${id}/events?sort_dir=asc&sort_dir=asc`);
    const byId = await call('DELETE', `/stacks/${id}`);
    assert.equal(byId.status, 302);
    assert.equal(byId.location, `${base}/stacks/s1/${id}`);
    await settle('s1');
  });

  test('events page with marker, limit and sort_dir', async () => {
    const s = await settle('s1');
    const all = (await call('GET', `/stacks/s1/${s.id}/events?sort_dir=asc`)).json.events as {
      id: string;
      resource_name: string;
      resource_status: string;
      links: { rel: string; href: string }[];
    }[];
    assert.deepEqual(
      all.map((e) => `${e.resource_name} ${e.resource_status}`),
      [
        's1 CREATE_IN_PROGRESS',
        'a CREATE_IN_PROGRESS',
        'a CREATE_COMPLETE',
        'b CREATE_IN_PROGRESS',
        'b CREATE_COMPLETE',
        's1 CREATE_COMPLETE',
      ],
    );
    const stackLink = all[0]?.links.find((l) => l.rel === 'stack')?.href ?? '';
    assert.ok(stackLink.endsWith(s.id), 'stack events link the stack by id');
    const id = s.id;
    const page = (await call('GET', `/stacks/s1/${id}/events?sort_dir=asc&marker=${all[1]?.id}&limit=2`)).json
      .events as { id: string }[];
    assert.deepEqual(
      page.map((e) => e.id),
      [all[2]?.id, all[3]?.id],
    );
    const last = (await call('GET', `/stacks/s1/${id}/events?sort_dir=desc&limit=1`)).json.events as {
      id: string;
    }[];
    assert.deepEqual(
      last.map((e) => e.id),
      [all[5]?.id],
    );
    const missing = await call('GET', `/stacks/s1/${id}/events?marker=nope`);
    assert.equal(missing.status, 404);
  });

  test("stack list pages with limit and marker; Heat error bodies; the project in the URL must be the token's", async () => {
    for (const n of ['s2', 's3'])
      assert.equal((await call('POST', '/stacks', { stack_name: n, template: tmpl })).status, 201);
    await settle('s2');
    await settle('s3');
    const first = (await call('GET', '/stacks?limit=2&sort_keys=stack_name&sort_dir=asc')).json.stacks as {
      id: string;
      stack_name: string;
    }[];
    assert.deepEqual(
      first.map((s) => s.stack_name),
      ['s1', 's2'],
    );
    const next = (
      await call('GET', `/stacks?limit=2&sort_keys=stack_name&sort_dir=asc&marker=${first[1]?.id}`)
    ).json.stacks as { stack_name: string }[];
    assert.deepEqual(
      next.map((s) => s.stack_name),
      ['s3'],
    );
    for (const [limit, message] of [
      ['two', "Only integer is acceptable by 'limit'."],
      ['1.5', "Only integer is acceptable by 'limit'."],
      ['-1', "Only non-negative integer is acceptable by 'limit'."],
    ]) {
      const r = await call('GET', `/stacks?limit=${limit}`);
      assert.equal(r.status, 400, limit);
      assert.equal(r.json.error.message, message);
    }
    const nf = await call('GET', '/stacks/nosuch');
    assert.deepEqual(nf.json, {
      code: 404,
      title: 'Not Found',
      explanation: 'The resource could not be found.',
      error: { type: 'EntityNotFound', message: 'The Stack (nosuch) could not be found.', traceback: null },
    });
    const other = await fetch(`${seed.urls.orchestration}/v1/someone-else/stacks`, {
      headers: { 'x-auth-token': token },
    });
    assert.equal(other.status, 403);
    const bad = await call('POST', '/stacks', { stack_name: '1bad', template: tmpl });
    assert.equal(bad.status, 400);
    assert.match(bad.json.error.message, /Invalid stack name 1bad/);
  });

  test('a reader may look but not create', async () => {
    const reader = await seed.addUser('viewer', { project: 'admin', role: 'reader' });
    const list = await call('GET', '/stacks', undefined, reader.token);
    assert.equal(list.status, 200);
    const denied = await call('POST', '/stacks', { stack_name: 'nope', template: tmpl }, reader.token);
    assert.equal(denied.status, 403);
    assert.equal(denied.json.title, 'Forbidden');
  });
});
