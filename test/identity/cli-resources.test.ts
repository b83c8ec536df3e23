// The real openstack CLI managing identity resources: create/list/show/set/delete, role assignments with
// names, a member denied admin work, application credentials. Independent commands run in parallel.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type CliResult, cliUnavailable, openstack } from '../support/openstack-cli.ts';
import { startTestSeed, type TestSeed } from '../support/seed.ts';

const PROJECT = `dév "quoted" 'single' ✓`;

function ok(r: CliResult, what: string): CliResult {
  assert.equal(r.code, 0, `${what}: ${r.stderr}`);
  return r;
}

describe('openstack CLI: identity resources', { skip: cliUnavailable() }, () => {
  let s: TestSeed;
  let os: (...args: string[]) => Promise<CliResult>;
  before(async () => {
    s = await startTestSeed({ services: ['identity'] });
    os = (...args) => openstack(s.cliEnv, args);
  });
  after(() => s?.stop());

  test('create, list, show, set, assign, then delete projects, users, groups and roles', async () => {
    const [project, group, role] = await Promise.all([
      os('project', 'create', '--domain', 'default', '--description', 'demo project', PROJECT, '-f', 'json'),
      os('group', 'create', '--domain', 'default', 'devs', '-f', 'json'),
      os('role', 'create', 'observer', '-f', 'json'),
    ]);
    const projectId = ok(project, 'project create').json<{ id: string; name: string }>().id;
    assert.equal(project.json<{ name: string }>().name, PROJECT);
    ok(group, 'group create');
    ok(role, 'role create');

    const user = ok(
      await os(
        'user',
        'create',
        '--domain',
        'default',
        '--password',
        'demo-pw',
        '--project',
        PROJECT,
        'demo',
        '-f',
        'json',
      ),
      'user create',
    ).json<{ id: string; default_project_id: string }>();
    assert.equal(user.default_project_id, projectId);
    const dup = await os('user', 'create', '--domain', 'default', 'demo');
    assert.notEqual(dup.code, 0);
    assert.match(dup.stderr, /HTTP 409/);

    const changes = await Promise.all([
      os('role', 'add', '--user', 'demo', '--project', PROJECT, 'member'),
      os('role', 'add', '--group', 'devs', '--project', PROJECT, 'observer'),
      os('group', 'add', 'user', 'devs', 'demo'),
      os('project', 'set', '--description', 'changed ✓', PROJECT),
      os('user', 'set', '--email', 'demo@example.com', 'demo'),
      os('group', 'set', '--description', 'developers', 'devs'),
    ]);
    for (const [i, r] of changes.entries()) ok(r, `change ${i}`);

    const [assignments, effective, projectShow, userShow, contains, lists] = await Promise.all([
      os('role', 'assignment', 'list', '--names', '-f', 'json'),
      os('role', 'assignment', 'list', '--names', '--effective', '--user', 'demo', '-f', 'json'),
      os('project', 'show', PROJECT, '-f', 'json'),
      os('user', 'show', 'demo', '-f', 'json'),
      os('group', 'contains', 'user', 'devs', 'demo'),
      Promise.all([
        os('project', 'list', '-f', 'json'),
        os('user', 'list', '-f', 'json'),
        os('group', 'list', '-f', 'json'),
        os('role', 'list', '-f', 'json'),
      ]),
    ]);
    type Row = { Role: string; User: string; Group: string; Project: string };
    const rows = ok(assignments, 'assignment list').json<Row[]>();
    const proj = `${PROJECT}@Default`;
    assert.ok(rows.some((r) => r.Role === 'member' && r.User === 'demo@Default' && r.Project === proj));
    assert.ok(rows.some((r) => r.Role === 'observer' && r.Group === 'devs@Default' && r.Project === proj));
    assert.ok(
      rows.some((r) => r.Role === 'admin' && r.User === 'admin@Default' && r.Project === 'admin@Default'),
    );
    const eff = ok(effective, 'effective').json<Row[]>();
    assert.deepEqual(
      eff.map((r) => r.Role).sort(),
      ['member', 'observer', 'reader'],
      'group role and implied reader',
    );
    assert.ok(eff.every((r) => r.User === 'demo@Default'));
    assert.equal(ok(projectShow, 'project show').json<{ description: string }>().description, 'changed ✓');
    assert.equal(ok(userShow, 'user show').json<{ email: string }>().email, 'demo@example.com');
    assert.match(ok(contains, 'group contains').stdout, /demo in group devs/);
    const [projects, users, groups, roles] = lists.map((r) =>
      ok(r, 'list')
        .json<{ Name: string }[]>()
        .map((x) => x.Name),
    );
    assert.deepEqual(projects, ['admin', PROJECT, 'service'].sort());
    assert.deepEqual(users, ['admin', 'demo']);
    assert.deepEqual(groups, ['devs']);
    assert.deepEqual(roles, ['admin', 'member', 'observer', 'reader', 'service']);

    ok(await os('role', 'set', '--name', 'watcher', 'observer'), 'role set');
    ok(await os('role', 'remove', '--group', 'devs', '--project', PROJECT, 'watcher'), 'role remove');

    // The member works in its project, and is refused admin work with 403.
    const demo = s.cliEnvFor('demo', 'demo-pw', PROJECT);
    const [issue, denied] = await Promise.all([
      openstack(demo, ['token', 'issue', '-f', 'json']),
      openstack(demo, ['user', 'create', '--password', 'x', 'intruder']),
    ]);
    assert.equal(ok(issue, 'member token').json<{ project_id: string }>().project_id, projectId);
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /HTTP 403/);

    const deletes = await Promise.all([
      os('role', 'delete', 'watcher'),
      os('group', 'delete', 'devs'),
      os('user', 'delete', 'demo'),
    ]);
    for (const [i, r] of deletes.entries()) ok(r, `delete ${i}`);
    ok(await os('project', 'delete', PROJECT), 'project delete');
    const [gone, left] = await Promise.all([
      os('project', 'show', PROJECT),
      os('role', 'assignment', 'list', '--names', '-f', 'json'),
    ]);
    assert.notEqual(gone.code, 0);
    assert.match(gone.stderr, /No project with a name or ID/);
    assert.deepEqual(
      ok(left, 'assignments after delete')
        .json<Row[]>()
        .map((r) => r.User),
      ['admin@Default', 'admin@Default'],
      'assignments went with their user, group, role and project',
    );
  });

  test('application credential: create, authenticate with it, delete, and it stops working', async () => {
    const [project, user] = await Promise.all([
      os('project', 'create', 'apps', '-f', 'json'),
      os('user', 'create', '--password', 'app-pw', 'appuser', '-f', 'json'),
    ]);
    ok(project, 'project');
    ok(user, 'user');
    ok(await os('role', 'add', '--user', 'appuser', '--project', 'apps', 'member'), 'role add');
    const owner = s.cliEnvFor('appuser', 'app-pw', 'apps');
    const cred = ok(
      await openstack(owner, ['application', 'credential', 'create', 'ci', '-f', 'json']),
      'create',
    ).json<{
      id: string;
      secret: string;
      roles: string;
    }>();
    assert.match(cred.roles, /member/);
    const credEnv = {
      OS_AUTH_TYPE: 'v3applicationcredential',
      OS_AUTH_URL: s.authUrl,
      OS_APPLICATION_CREDENTIAL_ID: cred.id,
      OS_APPLICATION_CREDENTIAL_SECRET: cred.secret,
      OS_IDENTITY_API_VERSION: '3',
      OS_REGION_NAME: 'RegionOne',
    };
    const [issued, listed, wrong] = await Promise.all([
      openstack(credEnv, ['token', 'issue', '-f', 'json']),
      openstack(owner, ['application', 'credential', 'list', '-f', 'json']),
      openstack({ ...credEnv, OS_APPLICATION_CREDENTIAL_SECRET: 'nope' }, ['token', 'issue']),
    ]);
    const token = ok(issued, 'auth with the credential').json<{ project_id: string; user_id: string }>();
    assert.equal(token.project_id, project.json<{ id: string }>().id);
    assert.equal(token.user_id, user.json<{ id: string }>().id);
    assert.deepEqual(
      ok(listed, 'list')
        .json<{ Name: string }[]>()
        .map((c) => c.Name),
      ['ci'],
    );
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /HTTP 401/);
    ok(await openstack(owner, ['application', 'credential', 'delete', 'ci']), 'delete');
    const after = await openstack(credEnv, ['token', 'issue']);
    assert.notEqual(after.code, 0);
    assert.match(after.stderr, /HTTP 401/);
  });
});
