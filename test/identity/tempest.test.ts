// OpenStack's own conformance tests (Debian's tempest) for the identity API parts we implement, against a
// test seed. Slow (about a minute) and needs the tempest package: runs when OOO_TEMPEST=1 and
// /usr/bin/tempest exists, and says why otherwise.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { startTestSeed } from '../support/seed.ts';

const TEMPEST = '/usr/bin/tempest';
// Everything under these modules passes; the rest of tempest's identity tests cover what we do not serve
// (EC2 and generic credentials, OAuth1, trusts, policies, endpoint groups, domain configuration,
// inherited assignments, projects acting as domains).
const SUITES = [
  'v3.test_api_discovery',
  'v3.test_catalog',
  'v3.test_tokens',
  'v3.test_application_credentials',
  'v3.test_domains',
  'v3.test_projects',
  'v3.test_users',
  'admin.v3.test_domains',
  'admin.v3.test_domains_negative',
  'admin.v3.test_endpoints',
  'admin.v3.test_endpoints_negative',
  'admin.v3.test_groups',
  'admin.v3.test_list_projects',
  'admin.v3.test_list_users',
  'admin.v3.test_project_tags',
  'admin.v3.test_projects_negative',
  'admin.v3.test_regions',
  'admin.v3.test_roles',
  'admin.v3.test_services',
  'admin.v3.test_tokens',
  'admin.v3.test_users',
  'admin.v3.test_users_negative',
];

function skipReason(): string | undefined {
  if (!existsSync(TEMPEST)) return `no ${TEMPEST} (Debian package tempest)`;
  if (!process.env.OOO_TEMPEST) return 'set OOO_TEMPEST=1 to run tempest (about a minute)';
  return undefined;
}

test('tempest identity API tests pass against the seed', {
  skip: skipReason(),
  timeout: 600_000,
}, async (t) => {
  const s = await startTestSeed({ services: ['identity'] });
  const ws = mkdtempSync(join(tmpdir(), 'ooo-tempest-'));
  try {
    const run = promisify(execFile);
    // A private HOME: tempest registers workspaces by name in ~/.tempest.
    const env = { ...process.env, HOME: ws };
    await run(TEMPEST, ['init', join(ws, 'ws')], { env });
    writeFileSync(
      join(ws, 'ws', 'etc', 'tempest.conf'),
      [
        '[auth]',
        'use_dynamic_credentials = true',
        'admin_username = admin',
        `admin_password = ${s.adminPassword}`,
        'admin_project_name = admin',
        'admin_domain_name = Default',
        '[identity]',
        'auth_version = v3',
        `uri_v3 = ${s.authUrl}`,
        'region = RegionOne',
        'v3_endpoint_type = public',
        '[identity-feature-enabled]',
        'api_v2 = false',
        'api_v3 = true',
        'application_credentials = true',
        'project_tags = true',
        'trust = false',
        'security_compliance = false',
        'access_rules = false',
        '[service_available]',
        ...['nova', 'glance', 'neutron', 'cinder', 'swift', 'heat', 'ironic'].map((n) => `${n} = false`),
        '[oslo_concurrency]',
        'lock_path = tempest_lock',
        '',
      ].join('\n'),
    );
    const regex = `^tempest\\.api\\.identity\\.(${SUITES.map((x) => x.replaceAll('.', '\\.')).join('|')})\\.`;
    const result = await run(TEMPEST, ['run', '--concurrency', '2', '--regex', regex], {
      cwd: join(ws, 'ws'),
      maxBuffer: 64 * 1024 * 1024,
      env,
    }).catch((e: { stdout?: string; stderr?: string; code?: number }) => e);
    const out = `${result.stdout ?? ''}${result.stderr ?? ''}`;
    const failed = out.split('\n').filter((l) => / \.\.\. FAILED/.test(l));
    const passed = out.split('\n').filter((l) => / \.\.\. ok$/.test(l)).length;
    assert.deepEqual(failed, [], out.slice(-4000));
    assert.ok(passed >= 60, `only ${passed} tempest tests passed:\n${out.slice(-2000)}`);
    t.diagnostic(`${passed} tempest tests passed, ${out.match(/ \.\.\. SKIPPED/g)?.length ?? 0} skipped`);
  } finally {
    await s.stop();
    rmSync(ws, { recursive: true, force: true });
  }
});
