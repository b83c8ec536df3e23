// OS::Neutron::Net over the network service's client (never its tables), made for the stack's project.
// Name, admin state, port security and the MTU update in place; shared and provider attributes are
// admin-only in Neutron, which the orchestration service's service role is not: the client refuses them.
// No `subnets` attribute: attributes are kept from when the network settled, before its subnets existed.

import type { NetworkPatch, NetworkRequest } from '../../../network/client.ts';
import { changedProperties } from '../../model/properties.ts';
import { isMap, type JsonMap } from '../../model/template-format.ts';
import { field, isNotFound, networkClient, physicalName } from './neutron-lookup.ts';
import type { ResourcePlugin } from './plugin.ts';

const TYPE = 'OS::Neutron::Net';
// value_specs keys handed to Neutron as they are; anything else is refused by name.
const SPECS = ['mtu', 'provider:network_type', 'provider:physical_network', 'provider:segmentation_id'];

function specs(props: JsonMap): Partial<NetworkRequest> {
  const v = isMap(props.value_specs) ? props.value_specs : {};
  const bad = Object.keys(v).filter((k) => !SPECS.includes(k));
  if (bad.length > 0)
    throw new Error(`value_specs ${bad.join(', ')} not supported here (supported: ${SPECS.join(', ')}).`);
  return v as Partial<NetworkRequest>;
}

const attributesOf = (n: Record<string, unknown>): JsonMap => ({
  name: field(n, 'name'),
  status: field(n, 'status'),
  admin_state_up: field(n, 'admin_state_up'),
  tenant_id: field(n, 'project_id'),
  port_security_enabled: field(n, 'port_security_enabled'),
  mtu: field(n, 'mtu'),
});

export const neutronNetResource: ResourcePlugin = {
  type: TYPE,
  description: 'A resource for managing Neutron networks, through the network service.',
  properties: {
    name: {
      type: 'string',
      updateAllowed: true,
      description: 'A string specifying a symbolic name for the network.',
    },
    value_specs: {
      type: 'map',
      default: {},
      updateAllowed: true,
      description: 'Extra parameters to include in the request (mtu, provider:*).',
    },
    admin_state_up: {
      type: 'boolean',
      default: true,
      updateAllowed: true,
      description: 'A boolean value specifying the administrative status of the network.',
    },
    shared: {
      type: 'boolean',
      default: false,
      updateAllowed: true,
      description: 'Whether this network should be shared across all tenants (admin only).',
    },
    port_security_enabled: {
      type: 'boolean',
      updateAllowed: true,
      description: 'Flag to enable/disable port security on the network.',
    },
    tags: { type: 'list', items: { type: 'string' }, description: 'The tags to be added to the network.' },
  },
  attributes: {
    name: 'The name of the network.',
    status: 'The status of the network.',
    admin_state_up: 'The administrative status of the network.',
    tenant_id: 'The tenant owning this network.',
    port_security_enabled: 'Port security enabled of the network.',
    mtu: 'The maximum transmission unit size (in bytes) for the network.',
  },
  async create(rc, props) {
    const req: NetworkRequest = {
      ...specs(props),
      project_id: rc.stack.projectId,
      name: typeof props.name === 'string' ? props.name : physicalName(rc),
      admin_state_up: props.admin_state_up !== false,
      ...(props.shared === true ? { shared: true } : {}),
      ...(typeof props.port_security_enabled === 'boolean'
        ? { port_security_enabled: props.port_security_enabled }
        : {}),
      ...(Array.isArray(props.tags) ? { tags: props.tags.map(String) } : {}),
    };
    const net = await networkClient(rc, TYPE).createNetwork(rc.ctx, req);
    return { physicalId: String(net.id), attributes: attributesOf(net) };
  },
  needsReplace(props, prev) {
    // Provider attributes cannot change on a network; only the MTU may.
    const next = isMap(props.value_specs) ? props.value_specs : {};
    const was = isMap(prev.properties.value_specs) ? prev.properties.value_specs : {};
    return SPECS.filter((k) => k !== 'mtu').some((k) => JSON.stringify(next[k]) !== JSON.stringify(was[k]));
  },
  async update(rc, props, prev) {
    const patch: NetworkPatch = {};
    for (const k of changedProperties(prev.properties, props)) {
      if (k === 'name') patch.name = typeof props.name === 'string' ? props.name : physicalName(rc);
      if (k === 'admin_state_up') patch.admin_state_up = props.admin_state_up !== false;
      if (k === 'shared') patch.shared = props.shared === true;
      if (k === 'port_security_enabled' && typeof props.port_security_enabled === 'boolean')
        patch.port_security_enabled = props.port_security_enabled;
      if (k === 'value_specs' && specs(props).mtu !== undefined) patch.mtu = Number(specs(props).mtu);
    }
    const c = networkClient(rc, TYPE);
    const id = String(prev.physicalId);
    const net =
      Object.keys(patch).length > 0
        ? await c.updateNetwork(rc.ctx, id, patch)
        : await c.getNetwork(rc.ctx, id);
    return { physicalId: prev.physicalId, attributes: attributesOf(net) };
  },
  async delete(rc, row) {
    if (!row.physicalId) return;
    await networkClient(rc, TYPE)
      .deleteNetwork(rc.ctx, row.physicalId)
      .catch((e) => {
        if (!isNotFound(e)) throw e;
      });
  },
  async check(rc, row) {
    await networkClient(rc, TYPE).getNetwork(rc.ctx, String(row.physicalId));
  },
};
