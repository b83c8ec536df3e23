// The network service's client for the compute and bare-metal services: ports with binding attributes and
// extra DHCP options (PXE/iPXE), looked up by device. In the all-in-one seed it calls the stores in-process;
// results have Neutron's JSON shapes so an HTTP implementation can replace it unchanged.

import type { Ctx } from '../platform/context.ts';
import type { ApiContext } from './api/context.ts';
import { networkView, portView, subnetView } from './api/views.ts';
import { invalidInput, notFoundError } from './model/errors.ts';
import { normaliseMac } from './model/mac.ts';
import type { ExtraDhcpOpt } from './model/port.ts';
import { mergeExtraDhcpOpts, parseExtraDhcpOpts } from './model/port.ts';
import type { Item } from './model/query.ts';
import type { FixedIpRequest } from './store/ports.ts';

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

function mac(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const m = normaliseMac(text);
  if (!m) throw invalidInput(`'${text}' is not a valid MAC address`);
  return m;
}

export function createNetworkClient(api: ApiContext): NetworkClient {
  const port = async (id: string) => {
    const p = await api.ports.get(id);
    if (!p) throw notFoundError('Port', id);
    return p;
  };
  return {
    async getNetwork(_ctx, id) {
      const n = await api.networks.get(id);
      if (!n) throw notFoundError('Network', id);
      return networkView(n, api.availabilityZone);
    },
    async findNetworks(_ctx, filter) {
      const all = await api.networks.list({ admin: true });
      return all
        .filter((n) => filter.name === undefined || n.name === filter.name)
        .map((n) => networkView(n, api.availabilityZone));
    },
    async getSubnet(_ctx, id) {
      const s = await api.subnets.get(id);
      if (!s) throw notFoundError('Subnet', id);
      return subnetView(s);
    },
    async createPort(_ctx, req) {
      const network = await api.networks.get(req.network_id);
      if (!network) throw notFoundError('Network', req.network_id);
      const p = await api.ports.create({
        project_id: req.project_id,
        network_id: req.network_id,
        name: req.name ?? '',
        description: '',
        admin_state_up: true,
        mac_address: mac(req.mac_address),
        fixed_ips: req.fixed_ips,
        device_id: req.device_id ?? '',
        device_owner: req.device_owner ?? '',
        binding_host_id: req['binding:host_id'] ?? '',
        binding_vnic_type: req['binding:vnic_type'] ?? 'normal',
        binding_profile: req['binding:profile'] ?? {},
        extra_dhcp_opts: parseExtraDhcpOpts(req.extra_dhcp_opts) as ExtraDhcpOpt[],
        allowed_address_pairs: [],
        port_security_enabled: network.port_security_enabled,
        dns_name: '',
      });
      return portView(p);
    },
    async updatePort(_ctx, id, patch) {
      const cur = await port(id);
      const p = await api.ports.update(id, {
        name: patch.name,
        mac_address: mac(patch.mac_address),
        fixed_ips: patch.fixed_ips,
        device_id: patch.device_id,
        device_owner: patch.device_owner,
        binding_host_id: patch['binding:host_id'],
        binding_vnic_type: patch['binding:vnic_type'],
        binding_profile: patch['binding:profile'],
        extra_dhcp_opts:
          patch.extra_dhcp_opts === undefined
            ? undefined
            : mergeExtraDhcpOpts(cur.extra_dhcp_opts, parseExtraDhcpOpts(patch.extra_dhcp_opts, true)),
      });
      return portView(p);
    },
    async deletePort(_ctx, id) {
      await api.ports.delete(id);
    },
    async getPort(_ctx, id) {
      return portView(await port(id));
    },
    async listPorts(_ctx, filter) {
      const all = await api.ports.list({ admin: true });
      return all
        .filter(
          (p) =>
            (filter.device_id === undefined || p.device_id === filter.device_id) &&
            (filter.network_id === undefined || p.network_id === filter.network_id) &&
            (filter.mac_address === undefined || p.mac_address === filter.mac_address),
        )
        .map(portView);
    },
  };
}
