// The resource types this engine has. Anything else is refused at validate time with this list.

import {
  awsUpdateWaitConditionHandleResource,
  awsWaitConditionHandleResource,
  awsWaitConditionResource,
  iamAccessKeyResource,
  iamUserResource,
} from './aws-wait-condition.ts';
import { noneResource, randomStringResource, testResource, valueResource } from './heat-basic.ts';
import { keystoneProjectResource } from './keystone-project.ts';
import { keystoneRoleResource } from './keystone-role.ts';
import { keystoneUserRoleAssignmentResource } from './keystone-role-assignment.ts';
import { keystoneUserResource } from './keystone-user.ts';
import { resourceChainResource, resourceGroupResource, stackResource } from './nested.ts';
import { neutronPortResource } from './neutron.ts';
import { neutronNetResource } from './neutron-net.ts';
import { neutronSubnetResource } from './neutron-subnet.ts';
import { novaFlavorResource } from './nova-flavor.ts';
import { novaKeypairResource } from './nova-keypair.ts';
import { novaServerResource } from './nova-server.ts';
import type { HeatClients, ResourcePlugin } from './plugin.ts';
import {
  cloudConfigResource,
  multipartMimeResource,
  softwareConfigResource,
  structuredConfigResource,
} from './software-config.ts';
import { softwareDeploymentResource, structuredDeploymentResource } from './software-deployment.ts';
import { softwareDeploymentsResource, structuredDeploymentsResource } from './software-deployment-group.ts';
import { waitConditionHandleResource, waitConditionResource } from './wait-condition.ts';

export const BUILTIN_PLUGINS: readonly ResourcePlugin[] = [
  noneResource,
  valueResource,
  randomStringResource,
  testResource,
  stackResource,
  resourceGroupResource,
  resourceChainResource,
  softwareConfigResource,
  structuredConfigResource,
  cloudConfigResource,
  multipartMimeResource,
  waitConditionHandleResource,
  waitConditionResource,
  softwareDeploymentResource,
  structuredDeploymentResource,
  softwareDeploymentsResource,
  structuredDeploymentsResource,
  awsWaitConditionHandleResource,
  awsUpdateWaitConditionHandleResource,
  awsWaitConditionResource,
  iamUserResource,
  iamAccessKeyResource,
];

/** Types over other services, offered only when that service's client is there. */
export const CLIENT_PLUGINS: readonly { service: keyof HeatClients; plugin: ResourcePlugin }[] = [
  { service: 'network', plugin: neutronPortResource },
  { service: 'network', plugin: neutronNetResource },
  { service: 'network', plugin: neutronSubnetResource },
  { service: 'identity', plugin: keystoneProjectResource },
  { service: 'identity', plugin: keystoneUserResource },
  { service: 'identity', plugin: keystoneRoleResource },
  { service: 'identity', plugin: keystoneUserRoleAssignmentResource },
  { service: 'compute', plugin: novaServerResource },
  { service: 'compute', plugin: novaKeypairResource },
  { service: 'compute', plugin: novaFlavorResource },
];

export function pluginsFor(clients: HeatClients): ResourcePlugin[] {
  return [
    ...BUILTIN_PLUGINS,
    ...CLIENT_PLUGINS.filter((c) => clients[c.service] !== undefined).map((c) => c.plugin),
  ];
}

export class PluginRegistry {
  readonly #byType = new Map<string, ResourcePlugin>();
  constructor(plugins: readonly ResourcePlugin[] = BUILTIN_PLUGINS) {
    for (const p of plugins) this.#byType.set(p.type, p);
  }
  get(type: string): ResourcePlugin | undefined {
    return this.#byType.get(type);
  }
  types(): string[] {
    return [...this.#byType.keys()].sort();
  }
}
