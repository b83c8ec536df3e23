// heat-tempest-plugin (Debian's heat-tempest-plugin 1.6) against a seed running orchestration: its API tests
// (gabbi files replaying HTTP calls) and the functional tests that need only the orchestration API (and the
// network API for the Neutron types). Every test left out names its reason; docs/orchestration.md lists them.
import type { TempestSuite } from './tempest.ts';

const any = (parts: string[]) => `(${parts.join('|')})`;
const functional = (modules: string[]) => `^heat_tempest_plugin\\.tests\\.functional\\.${any(modules)}\\.`;

export const HEAT_SUITE: TempestSuite = {
  regex: '^heat_tempest_plugin\\.tests\\.(api|functional)\\.',
  exclude: [
    // Nova servers (OS::Nova::Server), Cinder volume types, Neutron trunks, routers and load balancers: no
    // such resource types here.
    functional([
      'test_encrypted_parameter',
      'test_encryption_vol_type',
      'test_nova_server_networks',
      'test_os_wait_condition',
      'test_software_config',
      'test_create_update_neutron_trunk',
      'test_extra_route_set',
      'test_lbaasv2',
    ]),
    // Zaqar (messaging): event sinks and wait conditions signalled through queues.
    functional(['test_event_sinks', 'test_waitcondition']),
    // Hooks (pre-create/pre-update breakpoints) are stored with the registry but not enforced.
    functional(['test_hooks']),
    // external_id (adopting an existing thing) is refused at validate time.
    functional(['test_external_ref']),
    // Remote stacks: OS::Heat::Stack naming another region fails when created (not at validate time, where
    // Heat asks the remote endpoint), and its inline template is checked then too.
    '\\.RemoteStackTest\\.(test_stack_create_bad_region|test_stack_resource_validation_fail)\\b',
    // A nested stack's output error reaches the parent's output as null, without Heat's output_error text.
    '\\.StackOutputsTest\\.test_output_error_nested\\b',
  ],
  minPassed: 70,
};

/** The [heat_plugin] section: the plugin logs in as a fixed member user, not tempest's dynamic ones. */
export function heatPluginConf(
  authUrl: string,
  user: { username: string; password: string; project: string },
  adminPassword: string,
): string[] {
  return [
    '[heat_plugin]',
    `auth_url = ${authUrl}`,
    'auth_version = 3',
    `username = ${user.username}`,
    `password = ${user.password}`,
    `project_name = ${user.project}`,
    'admin_username = admin',
    `admin_password = ${adminPassword}`,
    'admin_project_name = admin',
    'user_domain_name = Default',
    'project_domain_name = Default',
    'region = RegionOne',
    'endpoint_type = public',
    'build_interval = 1',
    'build_timeout = 120',
    '[heat_features_enabled]',
    'stack_cancel = true',
  ];
}
