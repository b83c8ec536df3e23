// OS::Keystone::Project, User, Role and UserRoleAssignment through the identity client, with the stack
// owner's token: an admin's stack makes them (the user logs in with its password, its grants hold), an
// update renames and regrants in place, a delete removes them; a member's stack is refused by Keystone.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { jsonCall } from '../support/heat-api.ts';
import { startTestSeed, type TestSeed } from '../support/seed.ts';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read loosely
type Json = any;

describe('OS::Keystone::*', () => {
  let seed: TestSeed;
  let admin: string;

  const heatOf = async (token: string) => {
    const r = await fetch(`${seed.authUrl}/auth/tokens`, {
      headers: { 'x-auth-token': token, 'x-subject-token': token },
    });
    const body = (await r.json()) as { token: { project: { id: string } } };
    return `${seed.urls.orchestration}/v1/${body.token.project.id}`;
  };
  const settle = async (token: string, heat: string, name: string) => {
    for (let i = 0; i < 500; i++) {
      const r = await jsonCall(token, `${heat}/stacks/${name}`);
      if (r.status === 404) return undefined;
      if (!String(r.json.stack.stack_status).endsWith('IN_PROGRESS')) return r.json.stack;
      await new Promise((res) => setTimeout(res, 20));
    }
    throw new Error('stack did not settle');
  };
  const outputsOf = (st: Json) =>
    Object.fromEntries((st?.outputs ?? []).map((o: Json) => [o.output_key, o.output_value]));
  const v3 = (path: string) => `${seed.authUrl}${path}`;

  before(async () => {
    seed = await startTestSeed({ services: ['identity', 'orchestration'] });
    admin = await seed.tokenFor('admin', seed.adminPassword, 'admin');
  });
  after(async () => seed?.stop());

  test('an admin stack makes a project, a role, a user with grants; update and delete', async () => {
    const heat = await heatOf(admin);
    const template = (project: string, userRoles: Json[], extraRole: boolean) => ({
      heat_template_version: '2018-08-31',
      parameters: { pw: { type: 'string', hidden: true } },
      resources: {
        project: {
          type: 'OS::Keystone::Project',
          properties: { name: project, description: 'made by heat' },
        },
        role: { type: 'OS::Keystone::Role', properties: { name: 'heat-made-role' } },
        user: {
          type: 'OS::Keystone::User',
          properties: {
            name: 'heat-user',
            password: { get_param: 'pw' },
            email: 'u@example.com',
            default_project: { get_resource: 'project' },
            roles: userRoles,
          },
        },
        ...(extraRole
          ? {
              grant: {
                type: 'OS::Keystone::UserRoleAssignment',
                properties: {
                  user: { get_resource: 'user' },
                  roles: [{ role: { get_resource: 'role' }, project: { get_resource: 'project' } }],
                },
              },
            }
          : {}),
      },
      outputs: {
        project: { value: { get_resource: 'project' } },
        user: { value: { get_resource: 'user' } },
        role: { value: { get_resource: 'role' } },
        domain: { value: { get_attr: ['project', 'domain_id'] } },
        default_project: { value: { get_attr: ['user', 'default_project_id'] } },
      },
    });
    const member = [{ role: 'member', project: { get_resource: 'project' } }];
    const created = await jsonCall(admin, `${heat}/stacks`, 'POST', {
      stack_name: 'ks',
      template: template('heat-proj', member, true),
      parameters: { pw: 'a-Long-pass-123' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const s = await settle(admin, heat, 'ks');
    assert.equal(s?.stack_status, 'CREATE_COMPLETE', s?.stack_status_reason);
    const out = outputsOf(s);
    assert.equal(out.domain, 'default');
    assert.equal(out.default_project, out.project);
    const project = await jsonCall(admin, v3(`/projects/${out.project}`));
    assert.equal(project.json.project.name, 'heat-proj');
    assert.equal(project.json.project.description, 'made by heat');
    // The user logs in with the password from the hidden parameter, on its project, holding both roles.
    const userToken = await seed.tokenFor('heat-user', 'a-Long-pass-123', 'heat-proj');
    assert.ok(userToken);
    const roles = await jsonCall(admin, v3(`/projects/${out.project}/users/${out.user}/roles`));
    assert.deepEqual(roles.json.roles.map((r: Json) => r.name).sort(), ['heat-made-role', 'member']);

    // Rename the project in place; the user's member grant becomes reader; the extra assignment goes.
    const updated = await jsonCall(admin, `${heat}/stacks/ks/${s.id}`, 'PATCH', {
      template: template('heat-proj2', [{ role: 'reader', project: { get_resource: 'project' } }], false),
    });
    assert.equal(updated.status, 202, JSON.stringify(updated.json));
    const u = await settle(admin, heat, 'ks');
    assert.equal(u?.stack_status, 'UPDATE_COMPLETE', u?.stack_status_reason);
    assert.equal(outputsOf(u).project, out.project, 'the same project, renamed');
    assert.equal((await jsonCall(admin, v3(`/projects/${out.project}`))).json.project.name, 'heat-proj2');
    const after = await jsonCall(admin, v3(`/projects/${out.project}/users/${out.user}/roles`));
    assert.deepEqual(
      after.json.roles.map((r: Json) => r.name),
      ['reader'],
    );

    assert.equal((await jsonCall(admin, `${heat}/stacks/ks/${s.id}`, 'DELETE')).status, 204);
    const gone = await settle(admin, heat, 'ks');
    assert.ok(gone === undefined || gone.stack_status === 'DELETE_COMPLETE', gone?.stack_status_reason);
    for (const [kind, id] of [
      ['projects', out.project],
      ['users', out.user],
      ['roles', out.role],
    ])
      assert.equal((await jsonCall(admin, v3(`/${kind}/${id}`))).status, 404, kind);
  });

  test('custom constraints keystone.project, user, role and domain', async () => {
    const heat = await heatOf(admin);
    const template = {
      heat_template_version: '2018-08-31',
      parameters: Object.fromEntries(
        ['project', 'user', 'role', 'domain'].map((k) => [
          k,
          { type: 'string', constraints: [{ custom_constraint: `keystone.${k}` }] },
        ]),
      ),
    };
    const good = { project: 'admin', user: 'admin', role: 'member', domain: 'default' };
    const post = (name: string, parameters: Record<string, string>) =>
      jsonCall(admin, `${heat}/stacks`, 'POST', { stack_name: name, template, parameters });
    assert.equal((await post('kc1', good)).status, 201);
    for (const k of ['project', 'user', 'role', 'domain'] as const) {
      const r = await post(`kc-${k}`, { ...good, [k]: 'nowhere' });
      assert.equal(r.status, 400, k);
      assert.match(
        r.json.error.message,
        new RegExp(`Parameter '${k}' is invalid: The \\w+ \\(nowhere\\) could not be found`),
      );
    }
  });

  test("a member's stack is refused by Keystone's policy, and nothing is made", async () => {
    const m = await seed.addUser('ks-member');
    const heat = await heatOf(m.token);
    const t = {
      heat_template_version: '2018-08-31',
      resources: { p: { type: 'OS::Keystone::Project', properties: { name: 'not-allowed' } } },
    };
    assert.equal(
      (await jsonCall(m.token, `${heat}/stacks`, 'POST', { stack_name: 'no', template: t })).status,
      201,
    );
    const s = await settle(m.token, heat, 'no');
    assert.equal(s?.stack_status, 'CREATE_FAILED');
    assert.match(s?.stack_status_reason ?? '', /^Resource CREATE failed: .*resources\.p: /);
    assert.match(
      s?.stack_status_reason ?? '',
      /You are not authorized to perform the requested action: identity:manage_project/,
    );
    assert.deepEqual((await jsonCall(admin, v3('/projects?name=not-allowed'))).json.projects, []);
  });
});
