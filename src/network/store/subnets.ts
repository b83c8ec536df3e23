// Subnets: validated by model/subnet.ts, stored with their pools' free ranges (store/ipam.ts), guarded by
// the network's lock so that a subnet change and a port allocation never interleave.
import { randomUUID } from 'node:crypto';
import type { Database, Queryable } from '../../platform/db/types.ts';
import { invalidInput, notFoundError, subnetInUse } from '../model/errors.ts';
import { cidrsOverlap, parseCidr } from '../model/ip.ts';
import { poolRanges } from '../model/ipam.ts';
import type { SubnetCreate, SubnetPatch } from '../model/network-input.ts';
import type { Scope, SubnetRecord } from '../model/records.ts';
import {
  type HostRoute,
  type Ipv6Mode,
  isAutoAddress,
  type Pool,
  validatePools,
  validateSubnet,
} from '../model/subnet.ts';
import { announce, bool, int, json, lockNetwork, standardFrom } from './common.ts';
import { addRange, rebuildRanges } from './ipam.ts';
import type { QuotaStore } from './quotas.ts';

export type { SubnetCreate, SubnetPatch };

export class SubnetStore {
  readonly #db: Database;
  readonly #quotas: QuotaStore;

  constructor(db: Database, quotas: QuotaStore) {
    this.#db = db;
    this.#quotas = quotas;
  }

  async create(input: SubnetCreate): Promise<SubnetRecord> {
    const spec = validateSubnet(input);
    const id = randomUUID();
    const now = Date.now();
    await this.#db.tx(async (q) => {
      if (!(await lockNetwork(this.#db, q, input.network_id)))
        throw notFoundError('Network', input.network_id);
      await this.#quotas.check(q, input.project_id, 'subnet');
      const mine = parseCidr(spec.cidr)!;
      for (const other of await q.all<{ cidr: string }>('SELECT cidr FROM net_subnets WHERE network_id = ?', [
        input.network_id,
      ])) {
        const c = parseCidr(other.cidr);
        if (c && cidrsOverlap(mine, c))
          throw invalidInput(
            `Requested subnet with cidr: ${spec.cidr} for network: ${input.network_id} overlaps with another subnet`,
          );
      }
      await q.run(
        'INSERT INTO net_subnets (id, project_id, name, description, network_id, ip_version, cidr, gateway_ip, ' +
          'enable_dhcp, ipv6_ra_mode, ipv6_address_mode, allocation_pools, dns_nameservers, host_routes, tags, ' +
          'revision_number, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)',
        [
          id,
          input.project_id,
          input.name,
          input.description,
          input.network_id,
          spec.ipVersion,
          spec.cidr,
          spec.gatewayIp,
          int(input.enable_dhcp),
          spec.ipv6RaMode,
          spec.ipv6AddressMode,
          JSON.stringify(spec.pools),
          JSON.stringify(spec.dnsNameservers),
          JSON.stringify(spec.hostRoutes),
          JSON.stringify([...new Set(input.tags ?? [])].sort()),
          now,
          now,
        ],
      );
      // Auto-address IPv6 subnets derive addresses from MACs: their pools are never drawn from.
      if (!isAutoAddress(spec.ipv6AddressMode))
        for (const r of poolRanges(spec.pools)) await addRange(q, id, r);
    });
    await announce(this.#db, input.network_id);
    return (await this.get(id))!;
  }

  async get(id: string, q: Queryable = this.#db): Promise<SubnetRecord | undefined> {
    const row = await q.get<Record<string, unknown>>('SELECT * FROM net_subnets WHERE id = ?', [id]);
    return row && fromRow(row);
  }

  async forNetwork(networkId: string, q: Queryable = this.#db): Promise<SubnetRecord[]> {
    const rows = await q.all<Record<string, unknown>>(
      'SELECT * FROM net_subnets WHERE network_id = ? ORDER BY created_at, id',
      [networkId],
    );
    return rows.map(fromRow);
  }

  async list(scope: Scope, filter: { name?: string; network_id?: string } = {}): Promise<SubnetRecord[]> {
    const where: string[] = [];
    const params: string[] = [];
    if (!scope.admin) {
      where.push('(s.project_id = ? OR n.shared = 1 OR n.external = 1)');
      params.push(scope.projectId ?? '');
    }
    for (const k of ['name', 'network_id'] as const) {
      const v = filter[k];
      if (v === undefined) continue;
      where.push(`s.${k} = ?`);
      params.push(v);
    }
    const rows = await this.#db.all<Record<string, unknown>>(
      'SELECT s.* FROM net_subnets s JOIN net_networks n ON n.id = s.network_id' +
        `${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY s.created_at, s.id`,
      params,
    );
    return rows.map(fromRow);
  }

  async update(id: string, patch: SubnetPatch): Promise<SubnetRecord> {
    const current = await this.get(id);
    if (!current) throw notFoundError('Subnet', id);
    await this.#db.tx(async (q) => {
      await lockNetwork(this.#db, q, current.network_id);
      const cur = await this.get(id, q);
      if (!cur) throw notFoundError('Subnet', id);
      const gateway = patch.gateway_ip === undefined ? cur.gateway_ip : patch.gateway_ip;
      // Re-validate everything that changed against the rest of the subnet.
      const spec = validateSubnet({
        cidr: cur.cidr,
        ip_version: cur.ip_version,
        gateway_ip: gateway,
        allocation_pools: patch.allocation_pools ?? cur.allocation_pools,
        dns_nameservers: patch.dns_nameservers ?? cur.dns_nameservers,
        host_routes: patch.host_routes ?? cur.host_routes,
        ipv6_ra_mode: cur.ipv6_ra_mode,
        ipv6_address_mode: cur.ipv6_address_mode,
      });
      if (patch.allocation_pools === undefined)
        validatePools(cur.allocation_pools, parseCidr(cur.cidr)!, gateway);
      await q.run(
        'UPDATE net_subnets SET name = ?, description = ?, gateway_ip = ?, enable_dhcp = ?, allocation_pools = ?, ' +
          'dns_nameservers = ?, host_routes = ?, revision_number = revision_number + 1, updated_at = ? WHERE id = ?',
        [
          patch.name ?? cur.name,
          patch.description ?? cur.description,
          spec.gatewayIp,
          int(patch.enable_dhcp ?? cur.enable_dhcp),
          JSON.stringify(spec.pools),
          JSON.stringify(spec.dnsNameservers),
          JSON.stringify(spec.hostRoutes),
          Date.now(),
          id,
        ],
      );
      if (patch.allocation_pools !== undefined && !isAutoAddress(cur.ipv6_address_mode))
        await rebuildRanges(q, id, poolRanges(spec.pools));
    });
    await announce(this.#db, current.network_id);
    return (await this.get(id))!;
  }

  /** Deletes a subnet no port but a DHCP port holds an address in. */
  async delete(id: string): Promise<void> {
    const current = await this.get(id);
    if (!current) throw notFoundError('Subnet', id);
    await this.#db.tx(async (q) => {
      await lockNetwork(this.#db, q, current.network_id);
      if (isAutoAddress(current.ipv6_address_mode)) {
        // Addresses of a SLAAC or DHCPv6-stateless subnet are derived, not handed out: as in Neutron the
        // subnet goes and its ports simply lose those addresses (a port change, so their revision moves).
        await q.run(
          'UPDATE net_ports SET revision_number = revision_number + 1, updated_at = ? ' +
            'WHERE id IN (SELECT port_id FROM net_ip_allocations WHERE subnet_id = ?)',
          [Date.now(), id],
        );
      } else {
        const used = await q.get(
          'SELECT 1 AS x FROM net_ip_allocations a JOIN net_ports p ON p.id = a.port_id ' +
            "WHERE a.subnet_id = ? AND p.device_owner <> 'network:dhcp' LIMIT 1",
          [id],
        );
        if (used) throw subnetInUse(id);
      }
      await q.run('DELETE FROM net_ip_allocations WHERE subnet_id = ?', [id]);
      await q.run('DELETE FROM net_subnets WHERE id = ?', [id]);
    });
    await announce(this.#db, current.network_id);
  }
}

function fromRow(row: Record<string, unknown>): SubnetRecord {
  return {
    ...standardFrom(row),
    network_id: String(row.network_id),
    ip_version: Number(row.ip_version) === 6 ? 6 : 4,
    cidr: String(row.cidr),
    gateway_ip: row.gateway_ip === null ? null : String(row.gateway_ip),
    enable_dhcp: bool(row.enable_dhcp),
    ipv6_ra_mode: (row.ipv6_ra_mode ?? null) as Ipv6Mode | null,
    ipv6_address_mode: (row.ipv6_address_mode ?? null) as Ipv6Mode | null,
    allocation_pools: json<Pool[]>(row.allocation_pools, []),
    dns_nameservers: json<string[]>(row.dns_nameservers, []),
    host_routes: json<HostRoute[]>(row.host_routes, []),
  };
}
