// Runs OpenStack's conformance tests (Debian's tempest 33) against a seed: writes a workspace whose
// tempest.conf enables only the services and features the seed serves, runs one service's API suite with
// one worker (tempest is CPU heavy), leaving out the tests of features documented as absent, and counts the
// outcomes. Opt-in (slow): OOO_TEMPEST=1 runs every service's suite, OOO_TEMPEST=network,image some.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { COMPUTE_SUITE, computeConf } from './tempest-compute.ts';
import { HEAT_SUITE, heatPluginConf } from './tempest-heat.ts';

export const TEMPEST = '/usr/bin/tempest';

export interface TempestTarget {
  authUrl: string;
  adminPassword: string;
  /** Services the seed runs, e.g. ['identity', 'image', 'network']. */
  services: string[];
  /** heat-tempest-plugin logs in with fixed credentials (not tempest's dynamic ones): a member user. */
  heatUser?: { username: string; password: string; project: string };
  /** What tempest's compute tests boot servers from (compute's suite: sim nodes behind the flavors). */
  compute?: {
    imageRef: string;
    imageRefAlt: string;
    flavorRef: string;
    flavorRefAlt: string;
    network: string;
  };
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

export type TempestService = 'identity' | 'image' | 'network' | 'orchestration' | 'baremetal' | 'compute';

export interface TempestSuite {
  /** Which tests: a regex over test ids. */
  regex: string;
  /** Tests of features the service does not have (each named with its reason in docs/<service>.md). */
  exclude: string[];
  /** The fewest passes a healthy run reaches (a floor below the counts recorded in the docs). */
  minPassed: number;
}

const any = (parts: string[]) => `(${parts.join('|')})`;

export const SUITES: Record<TempestService, TempestSuite> = {
  identity: {
    regex: '^tempest\\.api\\.identity\\.',
    exclude: [
      // Identity v2, EC2 and generic credentials, OAuth1, trusts, policies, endpoint groups, domain
      // configuration, inherited assignments, access rules: not served.
      '^tempest\\.api\\.identity\\.v2\\.',
      '^tempest\\.api\\.identity\\.admin\\.v2\\.',
      `\\.${any([
        'test_ec2_credentials',
        'test_credentials',
        'test_oauth_consumers',
        'test_trusts',
        'test_policies',
        'test_endpoint_groups',
        'test_domain_configuration',
        'test_inherits',
        'test_access_rules',
      ])}\\.`,
    ],
    minPassed: 60,
  },
  image: {
    regex: '^tempest\\.api\\.image\\.v2\\.',
    exclude: [
      // Metadata definitions (/v2/metadefs) are not served.
      'test_images_metadefs',
      // Image tasks (GET /v2/images/{id}/tasks) are not served: import finishes before its 202, no task runs.
      'test_image_glance_direct_import',
    ],
    minPassed: 40,
  },
  network: {
    regex: '^tempest\\.api\\.network\\.',
    exclude: [
      // Routers (L3) are not served: these tests create or list routers around what they check.
      '^tempest\\.api\\.network\\.test_dhcp_ipv6\\.',
      'test_port_list_filter_by_router_id',
      '^tempest\\.api\\.network\\.test_tags\\.TagsExtTest\\.',
      // Networks are not scheduled to DHCP agents by hand, and a test seed runs no DHCP agent.
      '^tempest\\.api\\.network\\.admin\\.test_dhcp_agent_scheduler\\.',
    ],
    minPassed: 140,
  },
  orchestration: HEAT_SUITE,
  compute: COMPUTE_SUITE,
  // ironic-tempest-plugin's API tests with the fake-hardware driver.
  baremetal: {
    regex: '^ironic_tempest_plugin\\.tests\\.api\\.',
    exclude: [
      // Deploy templates, volume connectors and targets (boot from volume): not served (404).
      '\\.test_deploy_templates\\.',
      '\\.test_volume_connector\\.',
      '\\.test_volume_target\\.',
      // Serial consoles (states/console) and RAID configuration (states/raid, logical disk properties).
      'TestNodes\\.test_get_console\\b',
      'TestNodes\\.test_set_console_mode\\b',
      'test_set_node_raid_config\\b',
      'test_driver_logical_disk_properties\\b',
      // Patches /properties at 1.23: Ironic lets it through because its version check looks only at the
      // first operation of a patch; this service refuses mode/properties in any operation before 1.26.
      'TestPortGroups\\.test_update_portgroup_add\\b',
    ],
    minPassed: 170,
  },
};

/** The services OOO_TEMPEST asks for ('1' for all), or why a tempest test skips. */
export function tempestSkip(service: TempestService): string | undefined {
  if (!existsSync(TEMPEST)) return `no ${TEMPEST} (Debian package tempest)`;
  const asked = process.env.OOO_TEMPEST;
  if (!asked) return 'set OOO_TEMPEST=1 (or a list such as network,image) to run tempest: slow';
  if (asked !== '1' && !asked.split(',').includes(service))
    return `OOO_TEMPEST=${asked} leaves out ${service}`;
  return undefined;
}

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
    // ironic-tempest-plugin: fake-hardware nodes, tests up to the microversion the service advertises.
    '[baremetal]',
    'driver = fake-hardware',
    'endpoint_type = public',
    'min_microversion = 1.1',
    'max_microversion = 1.78',
    'enabled_hardware_types = fake-hardware',
    '[service_available]',
    `glance = ${on('image')}`,
    `neutron = ${on('network')}`,
    `heat = ${on('orchestration')}`,
    `ironic = ${on('baremetal')}`,
    `nova = ${on('compute')}`,
    ...['cinder', 'swift'].map((n) => `${n} = false`),
    ...(target.compute ? computeConf(target.compute) : []),
    ...(target.heatUser ? heatPluginConf(target.authUrl, target.heatUser, target.adminPassword) : []),
    '[oslo_concurrency]',
    'lock_path = tempest_lock',
    '',
  ].join('\n');
}

/** Runs the tests whose ids match `regex` (but none matching `exclude`) with one worker; `dir` is a scratch
 * directory. */
export async function runTempest(
  target: TempestTarget,
  regex: string,
  dir: string,
  exclude: string[] = [],
): Promise<TempestResult> {
  const run = promisify(execFile);
  mkdirSync(dir, { recursive: true });
  // A private HOME: tempest registers workspaces by name in ~/.tempest.
  const env = { ...process.env, HOME: dir };
  const ws = join(dir, 'ws');
  if (!existsSync(ws)) await run(TEMPEST, ['init', ws], { env });
  writeFileSync(join(ws, 'etc', 'tempest.conf'), tempestConf(target));
  const args = ['run', '--concurrency', '1', '--regex', regex];
  if (exclude.length > 0) args.push('--exclude-regex', exclude.join('|'));
  const result = await run(TEMPEST, args, {
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
