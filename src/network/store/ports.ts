// Ports: MAC choice and fixed IP allocation under the network's lock, so two concurrent creates never get
// the same MAC or address (the primary keys back this up), on one process or several sharing PostgreSQL.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Database, Queryable } from '../../platform/db/types.ts';
import { conflictError, macInUse, notFoundError } from '../model/errors.ts';
import { generateMac } from '../model/mac.ts';
import type { AddressPair, ExtraDhcpOpt } from '../model/port.ts';
import type { PortCreate, PortFilter, PortPatch, PortRecord, Scope } from '../model/records.ts';
import { announce, bool, int, json, lockNetwork, standardFrom } from './common.ts';
import { allocateIps, releaseIps, replaceIps } from './port-ips.ts';
import type { QuotaStore } from './quotas.ts';
import type { SecurityGroupStore } from './security-groups.ts';
import type { SubnetStore } from './subnets.ts';

const MAC_ATTEMPTS = 16;

export class PortStore {
  readonly #db: Database;
  readonly #subnets: SubnetStore;
  readonly #groups: SecurityGroupStore;
  readonly #quotas: QuotaStore;
  readonly #baseMac: readonly number[];

  constructor(
    db: Database,
    deps: {
      subnets: SubnetStore;
      groups: SecurityGroupStore;
      quotas: QuotaStore;
      baseMac: readonly number[];
    },
  ) {
    this.#db = db;
    this.#subnets = deps.subnets;
    this.#groups = deps.groups;
    this.#quotas = deps.quotas;
    this.#baseMac = deps.baseMac;
  }

  async create(input: PortCreate): Promise<PortRecord> {
    const id = randomUUID();
    const now = Date.now();
    await this.#db.tx(async (q) => {
      if (!(await lockNetwork(this.#db, q, input.network_id)))
        throw notFoundError('Network', input.network_id);
      await this.#quotas.check(q, input.project_id, 'port');
      const mac = await this.#chooseMac(q, input.network_id, input.mac_address);
      const groups = await this.#resolveGroups(q, input);
      await q.run(
        'INSERT INTO net_ports (id, project_id, name, description, network_id, mac_address, admin_state_up, status, ' +
          'device_id, device_owner, binding_host_id, binding_vnic_type, binding_profile, extra_dhcp_opts, ' +
          'allowed_address_pairs, port_security_enabled, dns_name, tags, revision_number, created_at, updated_at) ' +
          'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)',
        [
          id,
          input.project_id,
          input.name,
          input.description,
          input.network_id,
          mac,
          int(input.admin_state_up),
          statusOf(input.binding_host_id),
          input.device_id,
          input.device_owner,
          input.binding_host_id,
          input.binding_vnic_type,
          JSON.stringify(input.binding_profile),
          JSON.stringify(input.extra_dhcp_opts),
          JSON.stringify(
            input.allowed_address_pairs.map((p) => ({ ...p, mac_address: p.mac_address || mac })),
          ),
          int(input.port_security_enabled),
          input.dns_name,
          JSON.stringify([...new Set(input.tags ?? [])].sort()),
          now,
          now,
        ],
      );
      const subnets = await this.#subnets.forNetwork(input.network_id, q);
      await allocateIps(
        q,
        id,
        input.network_id,
        mac,
        subnets,
        input.fixed_ips ?? [],
        input.fixed_ips === undefined,
      );
      for (const g of groups)
        await q.run('INSERT INTO net_port_security_groups (port_id, security_group_id) VALUES (?, ?)', [
          id,
          g,
        ]);
    });
    await announce(this.#db, input.network_id);
    return (await this.get(id))!;
  }

  async #chooseMac(q: Queryable, networkId: string, requested: string | undefined): Promise<string> {
    const taken = async (mac: string) =>
      (await q.get('SELECT 1 AS x FROM net_ports WHERE network_id = ? AND mac_address = ?', [
        networkId,
        mac,
      ])) !== undefined;
    if (requested !== undefined) {
      if (await taken(requested)) throw macInUse(requested, networkId);
      return requested;
    }
    for (let i = 0; i < MAC_ATTEMPTS; i++) {
      const mac = generateMac(this.#baseMac, (n) => randomBytes(n));
      if (!(await taken(mac))) return mac;
    }
    throw macGenerationFailure(networkId);
  }

  async #resolveGroups(q: Queryable, input: PortCreate): Promise<string[]> {
    if (input.security_groups !== undefined) {
      for (const g of input.security_groups)
        if (!(await q.get('SELECT 1 AS x FROM net_security_groups WHERE id = ?', [g])))
          throw notFoundError('SecurityGroup', g);
      return [...new Set(input.security_groups)];
    }
    // Neutron gives ports the default group, except network-owned ports and ports without port security.
    if (!input.port_security_enabled || input.device_owner.startsWith('network:')) return [];
    return [await this.#groups.ensureDefault(input.project_id, q)];
  }

  async update(id: string, patch: PortPatch): Promise<PortRecord> {
    const before = await this.get(id);
    if (!before) throw notFoundError('Port', id);
    await this.#db.tx(async (q) => {
      await lockNetwork(this.#db, q, before.network_id);
      const cur = await this.get(id, q);
      if (!cur) throw notFoundError('Port', id);
      let mac = cur.mac_address;
      if (patch.mac_address !== undefined && patch.mac_address !== cur.mac_address)
        mac = await this.#chooseMac(q, cur.network_id, patch.mac_address);
      const f = {
        ...cur,
        ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)),
      } as PortRecord;
      await q.run(
        'UPDATE net_ports SET name = ?, description = ?, mac_address = ?, admin_state_up = ?, status = ?, device_id = ?, ' +
          'device_owner = ?, binding_host_id = ?, binding_vnic_type = ?, binding_profile = ?, extra_dhcp_opts = ?, ' +
          'allowed_address_pairs = ?, port_security_enabled = ?, dns_name = ?, revision_number = revision_number + 1, ' +
          'updated_at = ? WHERE id = ?',
        [
          f.name,
          f.description,
          mac,
          int(f.admin_state_up),
          statusOf(f.binding_host_id),
          f.device_id,
          f.device_owner,
          f.binding_host_id,
          f.binding_vnic_type,
          JSON.stringify(f.binding_profile),
          JSON.stringify(f.extra_dhcp_opts),
          JSON.stringify(f.allowed_address_pairs.map((p) => ({ ...p, mac_address: p.mac_address || mac }))),
          int(f.port_security_enabled),
          f.dns_name,
          Date.now(),
          id,
        ],
      );
      if (patch.fixed_ips !== undefined) await replaceIps(q, this.#subnets, cur, mac, patch.fixed_ips);
      if (patch.security_groups !== undefined) {
        await q.run('DELETE FROM net_port_security_groups WHERE port_id = ?', [id]);
        for (const g of new Set(patch.security_groups)) {
          if (!(await q.get('SELECT 1 AS x FROM net_security_groups WHERE id = ?', [g])))
            throw notFoundError('SecurityGroup', g);
          await q.run('INSERT INTO net_port_security_groups (port_id, security_group_id) VALUES (?, ?)', [
            id,
            g,
          ]);
        }
      }
    });
    await announce(this.#db, before.network_id);
    return (await this.get(id))!;
  }

  async delete(id: string): Promise<void> {
    const before = await this.get(id);
    if (!before) throw notFoundError('Port', id);
    await this.#db.tx(async (q) => {
      await lockNetwork(this.#db, q, before.network_id);
      await releaseIps(q, this.#subnets, id);
      await q.run('DELETE FROM net_ports WHERE id = ?', [id]);
    });
    await announce(this.#db, before.network_id);
  }

  async get(id: string, q: Queryable = this.#db): Promise<PortRecord | undefined> {
    return (await this.#select(q, 'WHERE p.id = ?', [id]))[0];
  }

  async forNetwork(networkId: string): Promise<PortRecord[]> {
    return this.#select(this.#db, 'WHERE p.network_id = ?', [networkId]);
  }

  /** The ports `scope` sees, narrowed by exact matches on the filter's columns. */
  async list(scope: Scope, filter: PortFilter = {}): Promise<PortRecord[]> {
    const where: string[] = [];
    const params: string[] = [];
    if (!scope.admin) {
      where.push('p.project_id = ?');
      params.push(scope.projectId ?? '');
    }
    for (const column of ['device_id', 'network_id', 'mac_address'] as const) {
      const v = filter[column];
      if (v === undefined) continue;
      where.push(`p.${column} = ?`);
      params.push(v);
    }
    return this.#select(this.#db, where.length ? `WHERE ${where.join(' AND ')}` : '', params);
  }

  async #select(q: Queryable, where: string, params: string[]): Promise<PortRecord[]> {
    const rows = await q.all<Record<string, unknown>>(
      `SELECT p.* FROM net_ports p ${where} ORDER BY p.created_at, p.id`,
      params,
    );
    if (rows.length === 0) return [];
    const ips = await q.all<{ port_id: string; subnet_id: string; ip_address: string; ip_key: string }>(
      `SELECT a.port_id, a.subnet_id, a.ip_address, a.ip_key FROM net_ip_allocations a JOIN net_ports p ON p.id = a.port_id ${where} ORDER BY a.ip_key`,
      params,
    );
    const groups = await q.all<{ port_id: string; security_group_id: string }>(
      `SELECT g.port_id, g.security_group_id FROM net_port_security_groups g JOIN net_ports p ON p.id = g.port_id ${where}`,
      params,
    );
    const ipsBy = groupBy(ips, (r) => r.port_id);
    const groupsBy = groupBy(groups, (r) => r.port_id);
    return rows.map((row) => ({
      ...standardFrom(row),
      network_id: String(row.network_id),
      mac_address: String(row.mac_address),
      admin_state_up: bool(row.admin_state_up),
      status: String(row.status),
      device_id: String(row.device_id),
      device_owner: String(row.device_owner),
      binding_host_id: String(row.binding_host_id),
      binding_vnic_type: String(row.binding_vnic_type),
      binding_profile: json<Record<string, unknown>>(row.binding_profile, {}),
      extra_dhcp_opts: json<ExtraDhcpOpt[]>(row.extra_dhcp_opts, []),
      allowed_address_pairs: json<AddressPair[]>(row.allowed_address_pairs, []),
      security_groups: (groupsBy.get(String(row.id)) ?? []).map((g) => g.security_group_id).sort(),
      port_security_enabled: bool(row.port_security_enabled),
      dns_name: String(row.dns_name),
      fixed_ips: (ipsBy.get(String(row.id)) ?? []).map((a) => ({
        subnet_id: a.subnet_id,
        ip_address: a.ip_address,
      })),
    }));
  }
}

function groupBy<T>(rows: T[], key: (r: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}

function statusOf(hostId: string): string {
  return hostId ? 'ACTIVE' : 'DOWN';
}

function macGenerationFailure(networkId: string) {
  return conflictError(
    'MacAddressGenerationFailure',
    `Unable to generate unique mac on network ${networkId}.`,
  );
}
