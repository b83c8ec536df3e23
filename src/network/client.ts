// The network service's client for the compute and bare-metal services: ports with binding attributes and
// extra DHCP options (PXE/iPXE), looked up by device. In the network service's own process it calls the
// stores; elsewhere http-client.ts makes the same calls over the REST API. Results have Neutron's JSON shapes
// and errors its types either way. Requests are validated by the same code as the API's
// (model/port-input.ts); lookups filter in the database.

import type { Ctx } from '../platform/context.ts';
import type { AuthContext } from '../platform/policy/auth-context.ts';
import { allowed } from '../platform/policy/policy.ts';
import { notFoundError, policyNotAuthorized } from './model/errors.ts';
import { networkCreate, networkPatch, subnetCreate, subnetPatch } from './model/network-input.ts';
import { NETWORK_POLICY } from './model/policy.ts';
import { parseMac, parsePortCreate, parsePortUpdate } from './model/port-input.ts';
import type { Item } from './model/query.ts';
import type { FixedIpRequest } from './model/records.ts';
import { networkView, portView, subnetView } from './model/views.ts';
import type { NetworkStores } from './store/stores.ts';

export interface PortRequest {
  network_id: string;
  project_id: string;
  name?: string;
  mac_address?: string;
  fixed_ips?: FixedIpRequest[];
  device_id?: string;
  device_owner?: string;
  'binding:host_id'?: string;
  'binding:vnic_type'?: string;
  'binding:profile'?: Record<string, unknown>;
  extra_dhcp_opts?: { opt_name: string; opt_value: string | null; ip_version?: 4 | 6 }[];
}

/** A network as Neutron's POST /v2.0/networks takes it (the orchestration service's OS::Neutron::Net). */
export interface NetworkRequest {
  project_id: string;
  name?: string;
  admin_state_up?: boolean;
  shared?: boolean;
  port_security_enabled?: boolean;
  mtu?: number;
  'provider:network_type'?: string;
  'provider:physical_network'?: string;
  'provider:segmentation_id'?: number;
  tags?: string[];
}

export type NetworkPatch = Partial<
  Pick<NetworkRequest, 'name' | 'admin_state_up' | 'shared' | 'port_security_enabled' | 'mtu'>
>;

/** A subnet as Neutron's POST /v2.0/subnets takes it (OS::Neutron::Subnet). */
export interface SubnetRequest {
  network_id: string;
  project_id: string;
  cidr: string;
  ip_version?: 4 | 6;
  name?: string;
  /** null: no gateway; absent: the first address. */
  gateway_ip?: string | null;
  enable_dhcp?: boolean;
  allocation_pools?: { start: string; end: string }[];
  dns_nameservers?: string[];
  host_routes?: { destination: string; nexthop: string }[];
  ipv6_ra_mode?: string;
  ipv6_address_mode?: string;
  tags?: string[];
}

export type SubnetPatch = Partial<
  Pick<
    SubnetRequest,
    'name' | 'gateway_ip' | 'enable_dhcp' | 'allocation_pools' | 'dns_nameservers' | 'host_routes'
  >
>;

export interface NetworkClient {
  getNetwork(ctx: Ctx, id: string): Promise<Item>;
  findNetworks(ctx: Ctx, filter: { name?: string }): Promise<Item[]>;
  createNetwork(ctx: Ctx, req: NetworkRequest): Promise<Item>;
  updateNetwork(ctx: Ctx, id: string, patch: NetworkPatch): Promise<Item>;
  /** Deletes a network no port but DHCP ones uses, with its subnets (NetworkInUse otherwise). */
  deleteNetwork(ctx: Ctx, id: string): Promise<void>;
  getSubnet(ctx: Ctx, id: string): Promise<Item>;
  findSubnets(ctx: Ctx, filter: { name?: string; network_id?: string }): Promise<Item[]>;
  createSubnet(ctx: Ctx, req: SubnetRequest): Promise<Item>;
  updateSubnet(ctx: Ctx, id: string, patch: SubnetPatch): Promise<Item>;
  deleteSubnet(ctx: Ctx, id: string): Promise<void>;
  createPort(ctx: Ctx, req: PortRequest): Promise<Item>;
  updatePort(
    ctx: Ctx,
    id: string,
    patch: Partial<Omit<PortRequest, 'network_id' | 'project_id'>>,
  ): Promise<Item>;
  deletePort(ctx: Ctx, id: string): Promise<void>;
  getPort(ctx: Ctx, id: string): Promise<Item>;
  listPorts(
    ctx: Ctx,
    filter: { device_id?: string; network_id?: string; mac_address?: string },
  ): Promise<Item[]>;
}

// Services act for the whole cloud, like Neutron's service role: every row is visible.
const SERVICE = { admin: true };

// The service role as the API's policy table sees it: the in-process client refuses what the API would
// refuse the service user (shared, external and provider networks), from the same table.
const SERVICE_ROLE: AuthContext = {
  tokenId: '',
  userId: '',
  userName: '',
  userDomainId: '',
  roles: ['service'],
  expiresAt: 0,
  auditIds: [],
};

function serviceMust(action: string): void {
  if (!allowed(NETWORK_POLICY, action, SERVICE_ROLE)) throw policyNotAuthorized(action);
}

export function createNetworkClient(
  stores: NetworkStores,
  availabilityZone: string,
  defaultMtu: number,
): NetworkClient {
  const port = async (id: string) => {
    const p = await stores.ports.get(id);
    if (!p) throw notFoundError('Port', id);
    return p;
  };
  return {
    async getNetwork(_ctx, id) {
      const n = await stores.networks.get(id);
      if (!n) throw notFoundError('Network', id);
      return networkView(n, availabilityZone);
    },
    async findNetworks(_ctx, filter) {
      const found = await stores.networks.list(SERVICE, { name: filter.name });
      return found.map((n) => networkView(n, availabilityZone));
    },
    async createNetwork(_ctx, req) {
      const body = req as unknown as Record<string, unknown>;
      const input = networkCreate(body, req.project_id, defaultMtu);
      if (input.provider) serviceMust('create_network:provider');
      if (input.shared) serviceMust('create_network:shared');
      if (input.external) serviceMust('create_network:router:external');
      return networkView(await stores.networks.create(input), availabilityZone);
    },
    async updateNetwork(_ctx, id, patch) {
      const cur = await stores.networks.get(id);
      if (!cur) throw notFoundError('Network', id);
      const change = networkPatch(patch as Record<string, unknown>);
      if (change.shared !== undefined && change.shared !== cur.shared) serviceMust('update_network:shared');
      if (change.external !== undefined && change.external !== cur.external)
        serviceMust('update_network:router:external');
      return networkView(await stores.networks.update(id, change), availabilityZone);
    },
    async deleteNetwork(_ctx, id) {
      await stores.networks.delete(id);
      await stores.dhcp.remove(id);
    },
    async getSubnet(_ctx, id) {
      const s = await stores.subnets.get(id);
      if (!s) throw notFoundError('Subnet', id);
      return subnetView(s);
    },
    async findSubnets(_ctx, filter) {
      const found = await stores.subnets.list(SERVICE, filter);
      return found.map(subnetView);
    },
    async createSubnet(_ctx, req) {
      const network = await stores.networks.get(req.network_id);
      if (!network) throw notFoundError('Network', req.network_id);
      const body = req as unknown as Record<string, unknown>;
      return subnetView(await stores.subnets.create(subnetCreate(body, network.id, req.project_id)));
    },
    async updateSubnet(_ctx, id, patch) {
      return subnetView(await stores.subnets.update(id, subnetPatch(patch as Record<string, unknown>)));
    },
    async deleteSubnet(_ctx, id) {
      await stores.subnets.delete(id);
    },
    async createPort(_ctx, req) {
      const network = await stores.networks.get(req.network_id);
      if (!network) throw notFoundError('Network', req.network_id);
      const body = req as unknown as Record<string, unknown>;
      return portView(await stores.ports.create(parsePortCreate(body, network, req.project_id)));
    },
    async updatePort(_ctx, id, patch) {
      const cur = await port(id);
      const body = patch as Record<string, unknown>;
      return portView(await stores.ports.update(id, parsePortUpdate(body, cur)));
    },
    async deletePort(_ctx, id) {
      await stores.ports.delete(id);
    },
    async getPort(_ctx, id) {
      return portView(await port(id));
    },
    async listPorts(_ctx, filter) {
      const mac = parseMac(filter.mac_address);
      const found = await stores.ports.list(SERVICE, { ...filter, mac_address: mac });
      return found.map(portView);
    },
  };
}

declare module '../platform/service.ts' {
  interface ServiceClients {
    network: NetworkClient;
  }
}
