// The identity API in-process on both engines: CRUD with Keystone's shapes, lookups by name, 404/409.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachEngine } from '../support/engines.ts';
import { type Harness, startHarness } from './harness.ts';

async function create(h: Harness, path: string, key: string, body: Record<string, unknown>) {
  const res = await h.call('POST', `/v3/${path}`, { body: { [key]: body } });
  assert.equal(res.statusCode, 201, `${path}: ${res.body}`);
  return res.json()[key];
}

forEachEngine('identity resources API', (fresh) => {
  test('projects, users, groups and roles: create, get, find by name, update, delete', async () => {
    const h = await startHarness({ db: await fresh() });
    try {
      const name = `O'Brien "x" 日本 ✓`;
      const project = await create(h, 'projects', 'project', { name, domain_id: 'default', tags: ['a'] });
      assert.equal(project.name, name);
      assert.equal(project.links.self, `http://localhost:80/v3/projects/${project.id}`);
      const byName = await h.call('GET', `/v3/projects?name=${encodeURIComponent(name)}`);
      assert.deepEqual(
        byName.json().projects.map((p: { id: string }) => p.id),
        [project.id],
      );
      assert.deepEqual(byName.json().links.next, null);
      // A name where an id is expected is a 404 (the CLI then searches by name), never a 400.
      const asId = await h.call('GET', `/v3/projects/${encodeURIComponent(name)}`);
      assert.equal(asId.statusCode, 404);
      assert.deepEqual(asId.json().error, {
        code: 404,
        title: 'Not Found',
        message: `Could not find project: ${name}.`,
      });

      const user = await create(h, 'users', 'user', {
        name: 'ünï',
        password: 'pw-1',
        default_project_id: project.id,
      });
      assert.equal(user.password, undefined, 'never a password in a response');
      assert.equal(JSON.stringify(user).includes('scrypt'), false, 'nor its hash');
      const group = await create(h, 'groups', 'group', { name: 'devs' });
      const role = await create(h, 'roles', 'role', { name: 'observer' });

      const patched = await h.call('PATCH', `/v3/projects/${project.id}`, {
        body: { project: { description: 'd', enabled: false } },
      });
      assert.equal(patched.statusCode, 200);
      assert.equal(patched.json().project.enabled, false);
      const renamed = await h.call('PATCH', `/v3/roles/${role.id}`, { body: { role: { name: 'watcher' } } });
      assert.equal(renamed.json().role.name, 'watcher');
      const userPatch = await h.call('PATCH', `/v3/users/${user.id}`, {
        body: { user: { email: 'u@example.com' } },
      });
      assert.equal(userPatch.json().user.email, 'u@example.com');

      for (const [path, key] of [
        [`users/${user.id}`, 'user'],
        [`groups/${group.id}`, 'group'],
        [`roles/${role.id}`, 'role'],
        ['domains/default', 'domain'],
      ] as const) {
        const got = await h.call('GET', `/v3/${path}`);
        assert.equal(got.statusCode, 200, path);
        assert.ok(got.json()[key].id, path);
      }
      for (const path of [
        `users/${user.id}`,
        `groups/${group.id}`,
        `roles/${role.id}`,
        `projects/${project.id}`,
      ]) {
        assert.equal((await h.call('DELETE', `/v3/${path}`)).statusCode, 204, path);
        assert.equal((await h.call('GET', `/v3/${path}`)).statusCode, 404, `${path} is gone`);
        assert.equal((await h.call('DELETE', `/v3/${path}`)).statusCode, 404, `${path} twice`);
      }
    } finally {
      await h.close();
    }
  });

  test('duplicates are 409 and write nothing', async () => {
    const h = await startHarness({ db: await fresh() });
    try {
      await create(h, 'projects', 'project', { name: 'p' });
      await create(h, 'users', 'user', { name: 'u' });
      await create(h, 'groups', 'group', { name: 'g' });
      await create(h, 'roles', 'role', { name: 'r' });
      for (const [path, key, body] of [
        ['projects', 'project', { name: 'p' }],
        ['users', 'user', { name: 'u' }],
        ['groups', 'group', { name: 'g' }],
        ['roles', 'role', { name: 'r' }],
        ['roles', 'role', { name: 'admin' }],
      ] as const) {
        const res = await h.call('POST', `/v3/${path}`, { body: { [key]: body } });
        assert.equal(res.statusCode, 409, `${path} ${res.body}`);
        assert.equal(res.json().error.title, 'Conflict');
        const count = (await h.call('GET', `/v3/${path}?name=${body.name}`)).json()[path].length;
        assert.equal(count, 1, `${path}: still one`);
      }
    } finally {
      await h.close();
    }
  });

  test('grants, effective role assignments with names, and group membership', async () => {
    const h = await startHarness({ db: await fresh() });
    try {
      const p = await create(h, 'projects', 'project', { name: 'p' });
      const u = await create(h, 'users', 'user', { name: 'u', password: 'pw' });
      const g = await create(h, 'groups', 'group', { name: 'g' });
      const roles = (await h.call('GET', '/v3/roles')).json().roles as { id: string; name: string }[];
      const id = (n: string) => roles.find((r) => r.name === n)!.id;
      // Racing identical writes are all accepted and store one row.
      const racing = await Promise.all([
        ...Array.from({ length: 8 }, () => h.call('PUT', `/v3/groups/${g.id}/users/${u.id}`)),
        ...Array.from({ length: 8 }, () =>
          h.call('PUT', `/v3/projects/${p.id}/users/${u.id}/roles/${id('reader')}`),
        ),
      ]);
      assert.deepEqual([...new Set(racing.map((r) => r.statusCode))], [204]);
      const rows = await h.db.all('SELECT * FROM identity_assignments WHERE actor_id = ?', [u.id]);
      assert.equal(rows.length, 1);
      assert.equal(
        (await h.call('DELETE', `/v3/projects/${p.id}/users/${u.id}/roles/${id('reader')}`)).statusCode,
        204,
      );
      assert.equal((await h.call('HEAD', `/v3/groups/${g.id}/users/${u.id}`)).statusCode, 204);
      assert.equal(
        (await h.call('PUT', `/v3/projects/${p.id}/groups/${g.id}/roles/${id('member')}`)).statusCode,
        204,
      );
      assert.equal(
        (await h.call('PUT', `/v3/projects/${p.id}/groups/${g.id}/roles/${id('member')}`)).statusCode,
        204,
        'again',
      );
      assert.equal(
        (await h.call('HEAD', `/v3/projects/${p.id}/groups/${g.id}/roles/${id('member')}`)).statusCode,
        204,
      );
      assert.equal(
        (await h.call('HEAD', `/v3/projects/${p.id}/users/${u.id}/roles/${id('member')}`)).statusCode,
        404,
      );
      assert.equal(
        (await h.call('PUT', `/v3/projects/${p.id}/users/nope/roles/${id('member')}`)).statusCode,
        404,
      );
      assert.equal(
        (await h.call('PUT', `/v3/projects/nope/users/${u.id}/roles/${id('member')}`)).statusCode,
        404,
      );

      const direct = (
        await h.call('GET', `/v3/role_assignments?scope.project.id=${p.id}&include_names=True`)
      ).json();
      assert.deepEqual(direct.role_assignments, [
        {
          role: { id: id('member'), name: 'member' },
          group: { id: g.id, name: 'g', domain: { id: 'default', name: 'Default' } },
          scope: { project: { id: p.id, name: 'p', domain: { id: 'default', name: 'Default' } } },
          links: {
            assignment: `http://localhost:80/v3/projects/${p.id}/groups/${g.id}/roles/${id('member')}`,
          },
        },
      ]);
      const eff = (await h.call('GET', `/v3/role_assignments?user.id=${u.id}&effective`)).json()
        .role_assignments;
      assert.deepEqual(
        eff.map((a: { role: { id: string } }) => a.role.id).sort(),
        [id('member'), id('reader')].sort(),
      );
      assert.ok(
        eff.every((a: { links: { membership?: string } }) => a.links.membership?.endsWith(`/users/${u.id}`)),
      );

      // The user gets a project token through its group, with the implied reader role.
      const login = await h.login('u', 'pw', 'p');
      assert.equal(login.statusCode, 201, login.body);
      assert.deepEqual(
        login
          .json()
          .token.roles.map((r: { name: string }) => r.name)
          .sort(),
        ['member', 'reader'],
      );
      const userProjects = await h.call('GET', `/v3/users/${u.id}/projects`);
      assert.deepEqual(
        userProjects.json().projects.map((x: { name: string }) => x.name),
        ['p'],
      );

      // Leaving the group takes the roles away at once, even from the token already issued.
      const token = login.headers['x-subject-token'] as string;
      assert.equal((await h.call('GET', '/v3/auth/projects', { token })).statusCode, 200);
      assert.equal((await h.call('DELETE', `/v3/groups/${g.id}/users/${u.id}`)).statusCode, 204);
      assert.equal((await h.call('GET', '/v3/auth/projects', { token })).statusCode, 401);
      assert.equal((await h.login('u', 'pw', 'p')).statusCode, 401, 'no role, no project token');
    } finally {
      await h.close();
    }
  });

  test('implied roles, catalog services, endpoints and regions', async () => {
    const h = await startHarness({ db: await fresh() });
    try {
      const a = await create(h, 'roles', 'role', { name: 'a' });
      const b = await create(h, 'roles', 'role', { name: 'b' });
      const put = await h.call('PUT', `/v3/roles/${a.id}/implies/${b.id}`);
      assert.equal(put.statusCode, 201);
      assert.equal(put.json().role_inference.implies.name, 'b');
      assert.equal((await h.call('GET', `/v3/roles/${a.id}/implies/${b.id}`)).statusCode, 200);
      assert.equal((await h.call('HEAD', `/v3/roles/${a.id}/implies/${b.id}`)).statusCode, 204);
      const scoped = await create(h, 'roles', 'role', { name: 'dom-role', domain_id: 'default' });
      assert.equal(
        (await h.call('PUT', `/v3/roles/${a.id}/implies/${scoped.id}`)).statusCode,
        403,
        'global ⇒ domain',
      );
      assert.equal(
        (await h.call('PUT', `/v3/roles/${scoped.id}/implies/${a.id}`)).statusCode,
        201,
        'domain ⇒ global',
      );
      assert.equal((await h.call('GET', `/v3/roles/${b.id}/implies/${a.id}`)).statusCode, 404);
      const inferences = (await h.call('GET', '/v3/role_inferences')).json().role_inferences;
      assert.equal(inferences.length, 4, 'admin→member, member→reader, a→b, dom-role→a');

      const svc = await create(h, 'services', 'service', { type: 'image', name: 'glance' });
      const ep = await create(h, 'endpoints', 'endpoint', {
        service_id: svc.id,
        interface: 'public',
        url: 'http://127.0.0.1:9292',
        region_id: 'RegionTwo',
      });
      assert.equal(ep.region_id, 'RegionTwo');
      const catalog = (await h.call('GET', '/v3/auth/catalog')).json().catalog;
      assert.deepEqual(
        catalog
          .find((c: { type: string }) => c.type === 'image')
          .endpoints.map((e: { url: string }) => e.url),
        ['http://127.0.0.1:9292'],
      );
      const child = await h.call('PUT', '/v3/regions/Child', {
        body: { region: { parent_region_id: 'RegionTwo' } },
      });
      assert.equal(child.statusCode, 201, 'a region created with the id in the URL');
      assert.equal(
        (await h.call('DELETE', '/v3/regions/RegionTwo')).statusCode,
        409,
        'it has a child region',
      );
      assert.equal((await h.call('DELETE', '/v3/regions/Child')).statusCode, 204);
      const byName = await h.call('GET', '/v3/endpoints?name=anything');
      assert.deepEqual(byName.json().endpoints, [], 'endpoints have no name: a name lookup finds none');
      for (const bad of [{ interface: 'private' }, { url: 'not a url' }, { service_id: 'nope' }]) {
        const res = await h.call('POST', '/v3/endpoints', {
          body: { endpoint: { service_id: svc.id, interface: 'public', url: 'http://x', ...bad } },
        });
        assert.equal(res.statusCode, 400, JSON.stringify(bad));
      }
      assert.equal((await h.call('DELETE', `/v3/services/${svc.id}`)).statusCode, 204);
      assert.equal(
        (await h.call('GET', `/v3/endpoints/${ep.id}`)).statusCode,
        404,
        'endpoints go with their service',
      );
      assert.equal((await h.call('DELETE', '/v3/regions/RegionTwo')).statusCode, 204);
    } finally {
      await h.close();
    }
  });
  test('projects acting as domains: create, list with is_domain, show, update and delete as the domain', async () => {
    const h = await startHarness({ db: await fresh() });
    try {
      const made = await create(h, 'projects', 'project', {
        name: 'dom-proj',
        is_domain: true,
        domain_id: null,
      });
      assert.equal(made.is_domain, true);
      assert.equal(made.domain_id, null);
      assert.equal(made.parent_id, null);
      const domain = await h.call('GET', `/v3/domains/${made.id}`);
      assert.equal(domain.statusCode, 200, 'it is a domain');
      assert.equal(domain.json().domain.name, 'dom-proj');
      const ids = async (q: string) =>
        (await h.call('GET', `/v3/projects${q}`)).json().projects.map((p: { id: string }) => p.id);
      assert.ok((await ids('?is_domain=true')).includes(made.id));
      assert.ok((await ids('?is_domain=true')).includes('default'));
      assert.deepEqual(await ids('?is_domain=true&name=dom-proj'), [made.id]);
      assert.ok(!(await ids('')).includes(made.id), 'a plain list shows projects only');
      assert.ok(!(await ids('?is_domain=false')).includes(made.id));
      const inside = await create(h, 'projects', 'project', { name: 'inside', domain_id: made.id });
      assert.equal(inside.parent_id, made.id);
      const shown = await h.call('GET', `/v3/projects/${made.id}`);
      assert.equal(shown.json().project.is_domain, true);
      const enabledDelete = await h.call('DELETE', `/v3/projects/${made.id}`);
      assert.equal(enabledDelete.statusCode, 403, 'an enabled domain stays');
      const off = await h.call('PATCH', `/v3/projects/${made.id}`, { body: { project: { enabled: false } } });
      assert.equal(off.statusCode, 200);
      assert.equal(off.json().project.enabled, false);
      assert.equal(off.json().project.is_domain, true);
      assert.equal((await h.call('GET', `/v3/domains/${made.id}`)).json().domain.enabled, false);
      assert.equal((await h.call('DELETE', `/v3/projects/${made.id}`)).statusCode, 204);
      assert.equal((await h.call('GET', `/v3/domains/${made.id}`)).statusCode, 404);
      assert.equal(
        (await h.call('GET', `/v3/projects/${inside.id}`)).statusCode,
        404,
        'its projects went too',
      );
      for (const extra of [{ domain_id: 'default' }, { parent_id: 'default' }]) {
        const bad = await h.call('POST', '/v3/projects', {
          body: { project: { name: 'x', is_domain: true, ...extra } },
        });
        assert.equal(bad.statusCode, 400, JSON.stringify(extra));
      }
      const other = await create(h, 'projects', 'project', { name: 'plain', domain_id: 'default' });
      const noChange = await h.call('PATCH', `/v3/projects/${other.id}`, {
        body: { project: { is_domain: true } },
      });
      assert.equal(noChange.statusCode, 400, 'a project does not become a domain');
    } finally {
      await h.close();
    }
  });
});

test('keystone behaviours tempest checks: extra user attributes, domain roles, domain delete cascade', async () => {
  const h = await startHarness();
  try {
    const created = await h.call('POST', '/v3/users', {
      body: { user: { name: 'x', password: 'pw-x', project_id: 'legacy', nickname: 'ex' } },
    });
    const user = created.json().user;
    assert.equal(user.project_id, 'legacy', 'unknown attributes are kept');
    const patched = await h.call('PATCH', `/v3/users/${user.id}`, {
      body: { user: { project_id: 'other' } },
    });
    assert.equal(patched.json().user.project_id, 'other');
    assert.equal(patched.json().user.nickname, 'ex');

    // A domain-specific role grants nothing by itself: not in effective assignments, not in tokens.
    const project = (await h.call('POST', '/v3/projects', { body: { project: { name: 'p' } } })).json()
      .project;
    const dr = (
      await h.call('POST', '/v3/roles', { body: { role: { name: 'dr', domain_id: 'default' } } })
    ).json().role;
    assert.equal(
      (await h.call('PUT', `/v3/projects/${project.id}/users/${user.id}/roles/${dr.id}`)).statusCode,
      204,
    );
    const eff = await h.call(
      'GET',
      `/v3/role_assignments?effective&user.id=${user.id}&scope.project.id=${project.id}`,
    );
    assert.deepEqual(eff.json().role_assignments, []);
    assert.equal((await h.login('x', 'pw-x', 'p')).statusCode, 401, 'no global role, no token');
    const reader = (await h.call('GET', '/v3/roles?name=reader')).json().roles[0];
    await h.call('PUT', `/v3/roles/${dr.id}/implies/${reader.id}`);
    const login = await h.login('x', 'pw-x', 'p');
    assert.equal(login.statusCode, 201, 'the global role it implies counts');
    assert.deepEqual(
      login.json().token.roles.map((r: { name: string }) => r.name),
      ['reader'],
    );

    // A password change needs the original password, not a token.
    const change = await h.call('POST', `/v3/users/${user.id}/password`, {
      token: null,
      body: { user: { original_password: 'pw-x', password: 'pw-y' } },
    });
    assert.equal(change.statusCode, 204);

    // Deleting a disabled domain deletes what it holds.
    const d = (await h.call('POST', '/v3/domains', { body: { domain: { name: 'd2' } } })).json().domain;
    const inside = async (path: string, key: string, body: Record<string, unknown>) =>
      (await h.call('POST', `/v3/${path}`, { body: { [key]: { ...body, domain_id: d.id } } })).json()[key];
    const dp = await inside('projects', 'project', { name: 'dp' });
    const du = await inside('users', 'user', { name: 'du' });
    const dg = await inside('groups', 'group', { name: 'dg' });
    assert.equal((await h.call('DELETE', `/v3/domains/${d.id}`)).statusCode, 403, 'still enabled');
    await h.call('PATCH', `/v3/domains/${d.id}`, { body: { domain: { enabled: false } } });
    assert.equal((await h.call('DELETE', `/v3/domains/${d.id}`)).statusCode, 204);
    for (const path of [`projects/${dp.id}`, `users/${du.id}`, `groups/${dg.id}`, `domains/${d.id}`]) {
      assert.equal((await h.call('GET', `/v3/${path}`)).statusCode, 404, path);
    }
    assert.equal((await h.call('DELETE', '/v3/domains/default')).statusCode, 403);
  } finally {
    await h.close();
  }
});

test('project tags: one by one, as a whole, and as list filters', async () => {
  const h = await startHarness();
  try {
    const p = (
      await h.call('POST', '/v3/projects', { body: { project: { name: 'tagged', tags: ['a'] } } })
    ).json().project;
    assert.equal((await h.call('PUT', `/v3/projects/${p.id}/tags/b`, { raw: '{}' })).statusCode, 201);
    assert.equal((await h.call('HEAD', `/v3/projects/${p.id}/tags/b`)).statusCode, 204);
    assert.deepEqual((await h.call('GET', `/v3/projects/${p.id}/tags`)).json().tags, ['a', 'b']);
    assert.deepEqual(
      (await h.call('GET', '/v3/projects?tags=a,b')).json().projects.map((x: { id: string }) => x.id),
      [p.id],
    );
    assert.deepEqual((await h.call('GET', '/v3/projects?tags=a,zz')).json().projects, []);
    assert.equal((await h.call('GET', '/v3/projects?tags-any=zz,b')).json().projects.length, 1);
    const put = await h.call('PUT', `/v3/projects/${p.id}/tags`, { body: { tags: ['x', 'y', 'x'] } });
    assert.deepEqual(put.json().tags, ['x', 'y']);
    assert.equal((await h.call('DELETE', `/v3/projects/${p.id}/tags/x`)).statusCode, 204);
    assert.equal((await h.call('HEAD', `/v3/projects/${p.id}/tags/x`)).statusCode, 404);
    assert.equal((await h.call('DELETE', `/v3/projects/${p.id}/tags/x`)).statusCode, 404);
    assert.equal(
      (await h.call('PUT', `/v3/projects/${p.id}/tags`, { body: { tags: ['a/b'] } })).statusCode,
      400,
    );
    const tooMany = Array.from({ length: 81 }, (_, i) => `t${i}`);
    assert.equal(
      (await h.call('PUT', `/v3/projects/${p.id}/tags`, { body: { tags: tooMany } })).statusCode,
      400,
    );
    assert.deepEqual(
      (await h.call('GET', `/v3/projects/${p.id}/tags`)).json().tags,
      ['y'],
      'refusals changed nothing',
    );
    assert.equal((await h.call('DELETE', `/v3/projects/${p.id}/tags`)).statusCode, 204);
    assert.deepEqual((await h.call('GET', `/v3/projects/${p.id}`)).json().project.tags, []);
  } finally {
    await h.close();
  }
});
