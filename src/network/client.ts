// The network service's client for the compute and bare-metal services: ports with binding attributes and
// extra DHCP options (PXE/iPXE), looked up by device. In the network service's own process it calls the
// stores; elsewhere http-client.ts makes the same calls over the REST API. Results have Neutron's JSON shapes
// and errors its types either way. Requests are validated by the same code as the API's
// (model/port-input.ts); lookups filter in the database.

import type { Ctx } from '../platform/context.ts';
import { notFoundError } from './model/errors.ts';
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

export interface NetworkClient {
  getNetwork(ctx: Ctx, id: string): Promise<Item>;
  findNetworks(ctx: Ctx, filter: { name?: string }): Promise<Item[]>;
  getSubnet(ctx: Ctx, id: string): Promise<Item>;
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

export function createNetworkClient(stores: NetworkStores, availabilityZone: string): NetworkClient {
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
    async getSubnet(_ctx, id) {
      const s = await stores.subnets.get(id);
      if (!s) throw notFoundError('Subnet', id);
      return subnetView(s);
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
