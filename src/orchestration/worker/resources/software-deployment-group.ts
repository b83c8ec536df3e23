// OS::Heat::SoftwareDeployments and OS::Heat::StructuredDeployments: one deployment of the same config
// per server of the `servers` map, as a child stack of the singular type keyed like the map (as Heat's
// group does). Attributes deploy_stdouts, deploy_stderrs and deploy_status_codes map each key to its
// deployment's output; adding or removing servers updates the child stack.
import type { PropsSchema } from '../../model/properties.ts';
import { isMap, type Json, type JsonMap } from '../../model/template-format.ts';
import type { NestedResult, Outcome, ResourceContext, ResourcePlugin } from './plugin.ts';
import { softwareDeploymentResource, structuredDeploymentResource } from './software-deployment.ts';

function groupPlugin(type: string, member: ResourcePlugin): ResourcePlugin {
  const { server: _server, ...rest } = member.properties as PropsSchema;
  const template = (rc: ResourceContext, props: JsonMap): JsonMap => {
    const { servers, ...common } = props;
    const resources: JsonMap = {};
    for (const [key, server] of Object.entries(isMap(servers) ? servers : {}))
      resources[key] = { type: member.type, properties: { ...common, server: server as Json } };
    return {
      heat_template_version: rc.templateVersion < '2015-10-15' ? '2015-10-15' : rc.templateVersion,
      resources,
    };
  };
  const outcome = (r: NestedResult): Outcome => {
    const by = (attr: string) =>
      Object.fromEntries(
        Object.entries(r.resources).map(([k, v]) => [k, (v.attributes[attr] as Json) ?? null]),
      );
    return {
      physicalId: r.stackId,
      nestedId: r.stackId,
      attributes: {
        deploy_stdouts: by('deploy_stdout'),
        deploy_stderrs: by('deploy_stderr'),
        deploy_status_codes: by('deploy_status_code'),
      },
    };
  };
  return {
    type,
    description: `A deployment of one config to each server of a map (a ${member.type} per server).`,
    properties: {
      ...rest,
      servers: {
        type: 'map',
        required: true,
        updateAllowed: true,
        description: 'A map of names and server IDs to apply configuration to.',
      },
    },
    attributes: {
      deploy_stdouts:
        'A map of Nova names and captured stdouts from the configuration execution to each server.',
      deploy_stderrs:
        'A map of Nova names and captured stderrs from the configuration execution to each server.',
      deploy_status_codes: 'A map of Nova names and returned status code from the configuration execution.',
    },
    async create(rc, props) {
      return outcome(await rc.nested.create(template(rc, props), {}, rc.files));
    },
    async update(rc, props, prev) {
      if (!prev.nestedId) return this.create(rc, props);
      return outcome(await rc.nested.update(prev.nestedId, template(rc, props), {}, rc.files));
    },
    async delete(rc, row) {
      if (row.nestedId) await rc.nested.delete(row.nestedId);
    },
    refId: (row) => row.nestedId,
  };
}

export const softwareDeploymentsResource = groupPlugin(
  'OS::Heat::SoftwareDeployments',
  softwareDeploymentResource,
);
export const structuredDeploymentsResource = groupPlugin(
  'OS::Heat::StructuredDeployments',
  structuredDeploymentResource,
);
