// OS::Neutron::Port over the network service's client (never its tables). The network may be named by
// id or name; addresses, MAC and binding come back as attributes. Name, fixed IPs, device and binding
// update in place, and so does the MAC (Neutron lets the service role change it); a different network
// replaces the port. `network_id` is the era's spelling of `network`.
import type { PortRequest } from '../../../network/client.ts';
import { isMap, type Json, type JsonMap } from '../../model/template-format.ts';
import { networkClient, networkId } from './neutron-lookup.ts';
import type { ResourceContext, ResourcePlugin } from './plugin.ts';

const client = (rc: ResourceContext) => networkClient(rc, 'OS::Neutron::Port');

function networkOf(props: JsonMap): string {
  const n = props.network ?? props.network_id;
  if (typeof n !== 'string') throw new Error('Property network not assigned');
  return n;
}

function fixedIps(props: JsonMap): PortRequest['fixed_ips'] {
  if (!Array.isArray(props.fixed_ips)) return undefined;
  return props.fixed_ips.filter(isMap).map((f) => ({
    ...((f.subnet ?? f.subnet_id) ? { subnet_id: String(f.subnet ?? f.subnet_id) } : {}),
    ...(f.ip_address ? { ip_address: String(f.ip_address) } : {}),
  }));
}

function common(props: JsonMap) {
  const out: Partial<PortRequest> = {};
  if (typeof props.name === 'string') out.name = props.name;
  const ips = fixedIps(props);
  if (ips) out.fixed_ips = ips;
  if (typeof props.device_id === 'string') out.device_id = props.device_id;
  if (typeof props.device_owner === 'string') out.device_owner = props.device_owner;
  if (typeof props['binding:vnic_type'] === 'string') out['binding:vnic_type'] = props['binding:vnic_type'];
  if (typeof props.mac_address === 'string') out.mac_address = props.mac_address;
  return out;
}

const attributesOf = (port: Record<string, unknown>): JsonMap => ({
  name: (port.name as Json) ?? null,
  network_id: (port.network_id as Json) ?? null,
  mac_address: (port.mac_address as Json) ?? null,
  fixed_ips: (port.fixed_ips as Json) ?? [],
  device_id: (port.device_id as Json) ?? '',
  device_owner: (port.device_owner as Json) ?? '',
  status: (port.status as Json) ?? null,
});

export const neutronPortResource: ResourcePlugin = {
  type: 'OS::Neutron::Port',
  description: 'A resource for managing Neutron ports, through the network service.',
  properties: {
    network: { type: 'string', description: 'Network this port belongs to (name or ID).' },
    network_id: { type: 'string', description: 'Deprecated: use network.' },
    name: { type: 'string', updateAllowed: true, description: 'A symbolic name for this port.' },
    mac_address: { type: 'string', updateAllowed: true, description: 'MAC address to give to this port.' },
    fixed_ips: {
      type: 'list',
      updateAllowed: true,
      items: {
        type: 'map',
        schema: { subnet: { type: 'string' }, subnet_id: { type: 'string' }, ip_address: { type: 'string' } },
      },
      description: 'Desired IPs for this port.',
    },
    device_id: { type: 'string', updateAllowed: true, description: 'Device ID of this port.' },
    device_owner: {
      type: 'string',
      updateAllowed: true,
      description: 'Name of the network owning the port.',
    },
    'binding:vnic_type': {
      type: 'string',
      updateAllowed: true,
      allowedValues: ['normal', 'direct', 'macvtap', 'baremetal', 'direct-physical'],
      description: 'The vnic type to be bound on the port.',
    },
  },
  attributes: {
    name: 'Friendly name of the port.',
    network_id: 'Unique identifier for the network owning the port.',
    mac_address: 'MAC address of the port.',
    fixed_ips: 'Fixed IP addresses.',
    device_id: 'Unique identifier for the device.',
    device_owner: 'Name of the network owning the port.',
    status: 'The status of the port.',
  },
  async create(rc, props) {
    const req: PortRequest = {
      network_id: await networkId(client(rc), rc, networkOf(props)),
      project_id: rc.stack.projectId,
      ...common(props),
    };
    const port = await client(rc).createPort(rc.ctx, req);
    return { physicalId: String(port.id), attributes: attributesOf(port) };
  },
  async update(rc, props, prev) {
    const port = await client(rc).updatePort(rc.ctx, String(prev.physicalId), common(props));
    return { physicalId: prev.physicalId, attributes: attributesOf(port) };
  },
  async delete(rc, row) {
    if (!row.physicalId) return;
    const c = client(rc);
    const exists = await c.getPort(rc.ctx, row.physicalId).catch(() => undefined);
    if (exists) await c.deletePort(rc.ctx, row.physicalId);
  },
  async check(rc, row) {
    await client(rc).getPort(rc.ctx, String(row.physicalId));
  },
};
