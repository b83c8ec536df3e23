// OS::Neutron::Subnet over the network service's client (never its tables), on a network named by id or
// name, for the stack's project. Name, gateway, DHCP, name servers, pools and routes update in place (a
// gateway removed from the template, or set to null or '', leaves the subnet without one, as in Heat);
// anything else replaces the subnet.

import type { SubnetPatch, SubnetRequest } from '../../../network/client.ts';
import { changedProperties } from '../../model/properties.ts';
import type { Json, JsonMap } from '../../model/template-format.ts';
import { field, isNotFound, networkClient, networkId, physicalName } from './neutron-lookup.ts';
import type { ResourcePlugin } from './plugin.ts';

const TYPE = 'OS::Neutron::Subnet';

type Pools = SubnetRequest['allocation_pools'];
type Routes = SubnetRequest['host_routes'];

/** '' and null both mean "no gateway" once given; absent at create means Neutron's default. */
const gatewayOf = (v: Json | undefined): string | null => (typeof v === 'string' && v !== '' ? v : null);

const attributesOf = (s: Record<string, unknown>): JsonMap => ({
  name: field(s, 'name'),
  network_id: field(s, 'network_id'),
  tenant_id: field(s, 'project_id'),
  allocation_pools: field(s, 'allocation_pools') ?? [],
  gateway_ip: field(s, 'gateway_ip'),
  host_routes: field(s, 'host_routes') ?? [],
  ip_version: field(s, 'ip_version'),
  cidr: field(s, 'cidr'),
  dns_nameservers: field(s, 'dns_nameservers') ?? [],
  enable_dhcp: field(s, 'enable_dhcp'),
});

const UPDATABLE = ['name', 'gateway_ip', 'enable_dhcp', 'dns_nameservers', 'allocation_pools', 'host_routes'];

export const neutronSubnetResource: ResourcePlugin = {
  type: TYPE,
  description: 'A resource for managing Neutron subnets, through the network service.',
  properties: {
    network: { type: 'string', required: true, description: 'The ID or name of the network of this subnet.' },
    cidr: { type: 'string', required: true, description: 'The CIDR.' },
    ip_version: { type: 'integer', default: 4, allowedValues: [4, 6], description: 'The IP version.' },
    name: { type: 'string', updateAllowed: true, description: 'The name of the subnet.' },
    gateway_ip: {
      type: 'string',
      updateAllowed: true,
      description: 'The gateway IP address; null, ~ or "" for a subnet without a gateway.',
    },
    enable_dhcp: {
      type: 'boolean',
      default: true,
      updateAllowed: true,
      description: 'Set to true if DHCP is enabled and false if DHCP is disabled.',
    },
    dns_nameservers: {
      type: 'list',
      default: [],
      updateAllowed: true,
      items: { type: 'string' },
      description: 'A specified set of DNS name servers to be used.',
    },
    allocation_pools: {
      type: 'list',
      updateAllowed: true,
      items: {
        type: 'map',
        schema: { start: { type: 'string', required: true }, end: { type: 'string', required: true } },
      },
      description: 'The start and end addresses for the allocation pools.',
    },
    host_routes: {
      type: 'list',
      updateAllowed: true,
      items: {
        type: 'map',
        schema: {
          destination: { type: 'string', required: true },
          nexthop: { type: 'string', required: true },
        },
      },
      description: 'A list of host route dictionaries for the subnet.',
    },
    ipv6_ra_mode: {
      type: 'string',
      allowedValues: ['dhcpv6-stateful', 'dhcpv6-stateless', 'slaac'],
      description: 'IPv6 RA (Router Advertisement) mode.',
    },
    ipv6_address_mode: {
      type: 'string',
      allowedValues: ['dhcpv6-stateful', 'dhcpv6-stateless', 'slaac'],
      description: 'IPv6 address mode.',
    },
    tags: { type: 'list', items: { type: 'string' }, description: 'The tags to be added to the subnet.' },
  },
  attributes: {
    name: 'Friendly name of the subnet.',
    network_id: 'Parent network of the subnet.',
    tenant_id: 'Tenant owning the subnet.',
    allocation_pools: 'Ip allocation pools and their ranges.',
    gateway_ip: "Ip of the subnet's gateway.",
    host_routes: 'Additional routes for this subnet.',
    ip_version: 'Ip version for the subnet.',
    cidr: 'CIDR block notation for this subnet.',
    dns_nameservers: 'List of dns nameservers.',
    enable_dhcp: "'true' if DHCP is enabled for this subnet; 'false' otherwise.",
  },
  async create(rc, props) {
    const c = networkClient(rc, TYPE);
    const req: SubnetRequest = {
      network_id: await networkId(c, rc, String(props.network)),
      project_id: rc.stack.projectId,
      cidr: String(props.cidr),
      ip_version: props.ip_version === 6 ? 6 : 4,
      name: typeof props.name === 'string' ? props.name : physicalName(rc),
      enable_dhcp: props.enable_dhcp !== false,
      dns_nameservers: (props.dns_nameservers as string[] | undefined) ?? [],
      ...(props.gateway_ip !== undefined ? { gateway_ip: gatewayOf(props.gateway_ip) } : {}),
      ...(props.allocation_pools !== undefined ? { allocation_pools: props.allocation_pools as Pools } : {}),
      ...(props.host_routes !== undefined ? { host_routes: props.host_routes as Routes } : {}),
      ...(typeof props.ipv6_ra_mode === 'string' ? { ipv6_ra_mode: props.ipv6_ra_mode } : {}),
      ...(typeof props.ipv6_address_mode === 'string' ? { ipv6_address_mode: props.ipv6_address_mode } : {}),
      ...(Array.isArray(props.tags) ? { tags: props.tags.map(String) } : {}),
    };
    const subnet = await c.createSubnet(rc.ctx, req);
    return { physicalId: String(subnet.id), attributes: attributesOf(subnet) };
  },
  async update(rc, props, prev) {
    const patch: SubnetPatch = {};
    for (const k of changedProperties(prev.properties, props).filter((x) => UPDATABLE.includes(x))) {
      if (k === 'name') patch.name = typeof props.name === 'string' ? props.name : physicalName(rc);
      if (k === 'gateway_ip') patch.gateway_ip = gatewayOf(props.gateway_ip);
      if (k === 'enable_dhcp') patch.enable_dhcp = props.enable_dhcp !== false;
      if (k === 'dns_nameservers')
        patch.dns_nameservers = (props.dns_nameservers as string[] | undefined) ?? [];
      // Pools or routes removed from the template leave none, as in Heat.
      if (k === 'allocation_pools') patch.allocation_pools = (props.allocation_pools as Pools) ?? [];
      if (k === 'host_routes') patch.host_routes = (props.host_routes as Routes) ?? [];
    }
    const c = networkClient(rc, TYPE);
    const id = String(prev.physicalId);
    const subnet =
      Object.keys(patch).length > 0 ? await c.updateSubnet(rc.ctx, id, patch) : await c.getSubnet(rc.ctx, id);
    return { physicalId: prev.physicalId, attributes: attributesOf(subnet) };
  },
  async delete(rc, row) {
    if (!row.physicalId) return;
    await networkClient(rc, TYPE)
      .deleteSubnet(rc.ctx, row.physicalId)
      .catch((e) => {
        if (!isNotFound(e)) throw e;
      });
  },
  async check(rc, row) {
    await networkClient(rc, TYPE).getSubnet(rc.ctx, String(row.physicalId));
  },
};
