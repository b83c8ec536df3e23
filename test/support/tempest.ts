// Runs OpenStack's conformance tests (Debian's tempest 33) against a seed: writes a workspace whose
// tempest.conf enables only the services and features the seed serves, runs one service's API suite
// (or a regex) with one worker, and counts the outcomes.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const TEMPEST = '/usr/bin/tempest';

export interface TempestTarget {
  authUrl: string;
  adminPassword: string;
  /** Services the seed runs, e.g. ['identity', 'image', 'network']. */
  services: string[];
}

export interface TempestResult {
  passed: number;
  skipped: number;
  failed: string[];
  output: string;
}

// The extensions the network service lists in GET /v2.0/extensions; tempest decides from this list (not
// from the server) which tests to run.
const NETWORK_EXTENSIONS = [
  'binding',
  'port-security',
  'standard-attr-tag',
  'standard-attr-description',
  'standard-attr-timestamp',
  'standard-attr-revisions',
  'project-id',
  'provider',
  'external-net',
  'extra_dhcp_opt',
  'security-group',
  'quotas',
  'quota_details',
  'net-mtu',
  'dns-integration',
  'allowed-address-pairs',
  'agent',
  'dhcp_agent_scheduler',
  'availability_zone',
  'network_availability_zone',
  'sorting',
  'pagination',
  'filter-validation',
];

export function tempestConf(target: TempestTarget): string {
  const on = (s: string) => target.services.includes(s);
  return [
    '[auth]',
    'use_dynamic_credentials = true',
    'admin_username = admin',
    `admin_password = ${target.adminPassword}`,
    'admin_project_name = admin',
    'admin_domain_name = Default',
    '[identity]',
    'auth_version = v3',
    `uri_v3 = ${target.authUrl}`,
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
    '[image]',
    'endpoint_type = public',
    '[image-feature-enabled]',
    'api_v1 = false',
    'api_v2 = true',
    'import_image = true',
    'os_glance_reserved = true',
    '[network]',
    'endpoint_type = public',
    'project_network_cidr = 10.100.0.0/16',
    'project_network_mask_bits = 28',
    '[network-feature-enabled]',
    'ipv6 = true',
    'ipv6_subnet_attributes = true',
    `api_extensions = ${NETWORK_EXTENSIONS.join(',')}`,
    'port_security = true',
    'floating_ips = false',
    '[service_available]',
    `glance = ${on('image')}`,
    `neutron = ${on('network')}`,
    ...['nova', 'cinder', 'swift', 'heat', 'ironic'].map((n) => `${n} = false`),
    '[oslo_concurrency]',
    'lock_path = tempest_lock',
    '',
  ].join('\n');
}

/** Runs the tests whose ids match `regex` with one worker; `dir` is an empty scratch directory. */
export async function runTempest(target: TempestTarget, regex: string, dir: string): Promise<TempestResult> {
  const run = promisify(execFile);
  mkdirSync(dir, { recursive: true });
  // A private HOME: tempest registers workspaces by name in ~/.tempest.
  const env = { ...process.env, HOME: dir };
  const ws = join(dir, 'ws');
  if (!existsSync(ws)) await run(TEMPEST, ['init', ws], { env });
  writeFileSync(join(ws, 'etc', 'tempest.conf'), tempestConf(target));
  const result = await run(TEMPEST, ['run', '--concurrency', '1', '--regex', regex], {
    cwd: ws,
    maxBuffer: 256 * 1024 * 1024,
    env,
  }).catch((e: { stdout?: string; stderr?: string }) => e);
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  const lines = output.split('\n');
  return {
    passed: lines.filter((l) => / \.\.\. ok$/.test(l)).length,
    skipped: lines.filter((l) => / \.\.\. SKIPPED/.test(l)).length,
    failed: lines.filter((l) => / \.\.\. FAILED/.test(l)),
    output,
  };
}
