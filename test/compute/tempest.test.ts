// OpenStack's own conformance tests (Debian's tempest) for the compute API parts we serve (no servers yet),
// against a test seed. Slow and needs the tempest package: runs when OOO_TEMPEST=1 and /usr/bin/tempest
// exists, and says why otherwise.
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
  'keypairs.test_keypairs',
  'keypairs.test_keypairs_negative',
  'keypairs.test_keypairs_v22',
  'flavors.test_flavors',
  'flavors.test_flavors_negative',
  'limits.test_absolute_limits',
  'test_quotas',
  'servers.test_availability_zone',
  'servers.test_server_group',
  'admin.test_flavors',
  'admin.test_flavors_access',
  'admin.test_flavors_access_negative',
  'admin.test_flavors_extra_specs',
  'admin.test_flavors_extra_specs_negative',
  'admin.test_flavors_microversions',
  'admin.test_keypairs_v210',
  'admin.test_quotas',
  'admin.test_quotas_negative',
  'admin.test_availability_zone',
  'admin.test_availability_zone_negative',
];

// Tests in those modules that need what is not served: servers (create_server, boot), per-user quotas
// (test_get_updated_quotas sets one). Hypervisor tests need bare metal
// nodes, which this seed has not (test/compute/api.test.ts covers hypervisors against a node listing).
const NOT_SERVED = ['test_create_server', 'test_boot_with_low_ram', 'test_get_updated_quotas'].join('|');

function skipReason(): string | undefined {
  if (!existsSync(TEMPEST)) return `no ${TEMPEST} (Debian package tempest)`;
  if (!process.env.OOO_TEMPEST) return 'set OOO_TEMPEST=1 to run tempest (about a minute)';
  return undefined;
}

test('tempest compute API tests (no servers) pass against the seed', {
  skip: skipReason(),
  timeout: 600_000,
}, async (t) => {
  const s = await startTestSeed({ services: ['image', 'network', 'compute'] });
  const ws = mkdtempSync(join(tmpdir(), 'ooo-tempest-'));
  try {
    // The flavors tempest's configuration names (flavor_ref, flavor_ref_alt).
    const token = await s.tokenFor('admin', s.adminPassword, 'admin');
    for (const [id, ram] of [
      ['1', 512],
      ['2', 1024],
    ] as const) {
      const res = await fetch(`${s.urls.compute}/v2.1/flavors`, {
        method: 'POST',
        headers: { 'x-auth-token': token, 'content-type': 'application/json' },
        body: JSON.stringify({ flavor: { id, name: `m${id}`, ram, vcpus: 1, disk: 1 } }),
      });
      assert.equal(res.status, 200, await res.text());
    }
    const run = promisify(execFile);
    // A private HOME: tempest registers workspaces by name in ~/.tempest.
    const env = { ...process.env, HOME: ws };
    await run(TEMPEST, ['init', join(ws, 'ws')], { env });
    writeFileSync(
      join(ws, 'ws', 'etc', 'tempest.conf'),
      [
        '[auth]',
        'use_dynamic_credentials = true',
        // Tempest's per-test networks need routers, which the network service does not serve.
        'create_isolated_networks = false',
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
        '[compute]',
        'min_microversion = 2.1',
        'max_microversion = 2.79',
        'flavor_ref = 1',
        'flavor_ref_alt = 2',
        'region = RegionOne',
        '[compute-feature-enabled]',
        'personality = false',
        'console_output = false',
        '[service_available]',
        'nova = true',
        'neutron = true',
        'glance = true',
        ...['cinder', 'swift', 'heat', 'ironic'].map((n) => `${n} = false`),
        '[oslo_concurrency]',
        'lock_path = tempest_lock',
        '',
      ].join('\n'),
    );
    const regex = `^tempest\\.api\\.compute\\.(${SUITES.map((x) => x.replaceAll('.', '\\.')).join('|')})\\.`;
    const result = await run(
      TEMPEST,
      ['run', '--concurrency', '2', '--regex', regex, '--exclude-regex', NOT_SERVED],
      {
        cwd: join(ws, 'ws'),
        maxBuffer: 64 * 1024 * 1024,
        env,
      },
    ).catch((e: { stdout?: string; stderr?: string; code?: number }) => e);
    const out = `${result.stdout ?? ''}${result.stderr ?? ''}`;
    // OOO_TEMPEST_OUT=FILE keeps tempest's whole output for reading failures.
    if (process.env.OOO_TEMPEST_OUT) writeFileSync(process.env.OOO_TEMPEST_OUT, out);
    const failed = out.split('\n').filter((l) => / \.\.\. FAILED/.test(l));
    const passed = out.split('\n').filter((l) => / \.\.\. ok$/.test(l)).length;
    assert.deepEqual(failed, [], out.slice(-4000));
    assert.ok(passed >= 70, `only ${passed} tempest tests passed:\n${out.slice(-2000)}`);
    t.diagnostic(`${passed} tempest tests passed, ${out.match(/ \.\.\. SKIPPED/g)?.length ?? 0} skipped`);
  } finally {
    await s.stop();
    rmSync(ws, { recursive: true, force: true });
  }
});
