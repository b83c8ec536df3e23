// Networks and their provider segments. A tenant network without provider attributes takes the configured
// tenant type; VLAN/GRE/VXLAN ids are allocated as the lowest free id of the configured ranges, and the
// segments table's primary key keeps two networks off the same segment even across processes.
import { randomUUID } from 'node:crypto';
import { isUniqueViolation } from '../../platform/db/errors.ts';
import type { Database, Queryable } from '../../platform/db/types.ts';
import { conflictError, networkInUse, notFoundError } from '../model/errors.ts';
import type { NetworkCreate, NetworkPatch } from '../model/network-input.ts';
import type { NetworkRecord, Scope } from '../model/records.ts';
import {
  type NetworkType,
  type ProviderRequest,
  rangesFor,
  type SegmentConfig,
  validateProvider,
} from '../model/segments.ts';
import { announce, bool, int, lockNetwork, standardFrom } from './common.ts';
import type { QuotaStore } from './quotas.ts';

export type { NetworkCreate, NetworkPatch };

const PATCH_COLUMNS: Record<keyof NetworkPatch, string> = {
  name: 'name',
  description: 'description',
  admin_state_up: 'admin_state_up',
  shared: 'shared',
  external: 'external',
  mtu: 'mtu',
  port_security_enabled: 'port_security_enabled',
};

export class NetworkStore {
  readonly #db: Database;
  readonly #segments: SegmentConfig;
  readonly #quotas: QuotaStore;

  constructor(db: Database, segments: SegmentConfig, quotas: QuotaStore) {
    this.#db = db;
    this.#segments = segments;
    this.#quotas = quotas;
  }

  async create(input: NetworkCreate): Promise<NetworkRecord> {
    const provider = validateProvider(
      input.provider ?? {
        networkType: this.#segments.tenantNetworkType,
        physicalNetwork: null,
        segmentationId: null,
      },
      this.#segments,
    );
    const id = randomUUID();
    const now = Date.now();
    // Two processes may pick the same free id; the loser of the primary key race simply picks again.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#db.tx(async (q) => {
          await this.#quotas.check(q, input.project_id, 'network');
          const seg = await this.#segment(q, provider);
          await q.run(
            'INSERT INTO net_networks (id, project_id, name, description, admin_state_up, shared, external, mtu, ' +
              'network_type, physical_network, segmentation_id, port_security_enabled, tags, revision_number, ' +
              'created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)',
            [
              id,
              input.project_id,
              input.name,
              input.description,
              int(input.admin_state_up),
              int(input.shared),
              int(input.external),
              input.mtu,
              seg.networkType,
              seg.physicalNetwork,
              seg.segmentationId,
              int(input.port_security_enabled),
              JSON.stringify([...new Set(input.tags ?? [])].sort()),
              now,
              now,
            ],
          );
          if (seg.segmentationId !== null)
            await q.run(
              'INSERT INTO net_segments (network_type, physical_network, segmentation_id, network_id) VALUES (?, ?, ?, ?)',
              [seg.networkType, seg.physicalNetwork ?? '', seg.segmentationId, id],
            );
        });
        break;
      } catch (e) {
        if (!isUniqueViolation(e)) throw e;
        if (provider.segmentationId !== null || attempt >= 5) throw segmentTaken(provider);
      }
    }
    return (await this.get(id))!;
  }

  // Fills in the segmentation id (and the physical network of a tenant VLAN) from the configured ranges.
  async #segment(q: Queryable, p: ProviderRequest): Promise<ProviderRequest> {
    if (p.networkType === 'flat' || p.networkType === 'local') return p;
    if (p.segmentationId !== null) {
      const taken = await q.get(
        'SELECT 1 AS x FROM net_segments WHERE network_type = ? AND physical_network = ? AND segmentation_id = ?',
        [p.networkType, p.physicalNetwork ?? '', p.segmentationId],
      );
      if (taken) throw segmentTaken(p);
      return p;
    }
    const physnets =
      p.networkType === 'vlan'
        ? p.physicalNetwork
          ? [p.physicalNetwork]
          : [...this.#segments.vlanRanges.keys()]
        : [null];
    for (const physnet of physnets) {
      const ranges = rangesFor(this.#segments, p.networkType, physnet);
      for (const r of [...ranges].sort((a, b) => a.min - b.min)) {
        // The first gap at or after r.min: the lowest id in the range that no segment holds.
        const used = await q.all<{ segmentation_id: number }>(
          'SELECT segmentation_id FROM net_segments WHERE network_type = ? AND physical_network = ? ' +
            'AND segmentation_id >= ? AND segmentation_id <= ? ORDER BY segmentation_id',
          [p.networkType, physnet ?? '', r.min, r.max],
        );
        let candidate = r.min;
        for (const u of used) {
          if (Number(u.segmentation_id) !== candidate) break;
          candidate++;
        }
        if (candidate <= r.max) return { ...p, physicalNetwork: physnet, segmentationId: candidate };
      }
    }
    throw conflictError(
      'NoNetworkAvailable',
      'Unable to create the network. No tenant network is available for allocation.',
    );
  }

  async get(id: string, q: Queryable = this.#db): Promise<NetworkRecord | undefined> {
    const row = await q.get<Record<string, unknown>>('SELECT * FROM net_networks WHERE id = ?', [id]);
    if (!row) return undefined;
    const subnets = await q.all<{ id: string }>(
      'SELECT id FROM net_subnets WHERE network_id = ? ORDER BY created_at, id',
      [id],
    );
    return fromRow(
      row,
      subnets.map((s) => s.id),
    );
  }

  /** Networks the scope may see: its own and shared ones (external ones too, as Neutron shows them). */
  /** The networks `scope` sees, narrowed to one name when `filter.name` is given. */
  async list(scope: Scope, filter: { name?: string } = {}): Promise<NetworkRecord[]> {
    const where: string[] = [];
    const params: string[] = [];
    if (!scope.admin) {
      where.push('(project_id = ? OR shared = 1 OR external = 1)');
      params.push(scope.projectId ?? '');
    }
    if (filter.name !== undefined) {
      where.push('name = ?');
      params.push(filter.name);
    }
    const rows = await this.#db.all<Record<string, unknown>>(
      `SELECT * FROM net_networks${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at, id`,
      params,
    );
    const subnets = await this.#db.all<{ id: string; network_id: string }>(
      'SELECT id, network_id FROM net_subnets ORDER BY created_at, id',
    );
    const byNetwork = new Map<string, string[]>();
    for (const s of subnets) byNetwork.set(s.network_id, [...(byNetwork.get(s.network_id) ?? []), s.id]);
    return rows.map((r) => fromRow(r, byNetwork.get(String(r.id)) ?? []));
  }

  async update(id: string, patch: NetworkPatch): Promise<NetworkRecord> {
    const sets: string[] = [];
    const params: (string | number)[] = [];
    for (const [k, v] of Object.entries(patch) as [keyof NetworkPatch, unknown][]) {
      if (v === undefined) continue;
      sets.push(`${PATCH_COLUMNS[k]} = ?`);
      params.push(typeof v === 'boolean' ? int(v) : (v as string | number));
    }
    const done = await this.#db.tx(async (q) => {
      if (!(await lockNetwork(this.#db, q, id))) return false;
      await q.run(
        `UPDATE net_networks SET ${[...sets, 'revision_number = revision_number + 1', 'updated_at = ?'].join(', ')} WHERE id = ?`,
        [...params, Date.now(), id],
      );
      return true;
    });
    if (!done) throw notFoundError('Network', id);
    return (await this.get(id))!;
  }

  /** Deletes a network with no ports but DHCP ones; its subnets and their bookkeeping go with it. */
  async delete(id: string): Promise<void> {
    await this.#db.tx(async (q) => {
      if (!(await lockNetwork(this.#db, q, id))) throw notFoundError('Network', id);
      const inUse = await q.get(
        "SELECT 1 AS x FROM net_ports WHERE network_id = ? AND device_owner <> 'network:dhcp' LIMIT 1",
        [id],
      );
      if (inUse) throw networkInUse(id);
      await q.run('DELETE FROM net_networks WHERE id = ?', [id]);
    });
    // Its dnsmasq stops now, not at the agent's next resync: the interface may be gone (a lab's namespace).
    await announce(this.#db, id);
  }
}

function segmentTaken(p: ProviderRequest) {
  return conflictError(
    p.networkType === 'vlan' ? 'VlanIdInUse' : 'TunnelIdInUse',
    p.networkType === 'vlan'
      ? `Unable to create the network. The VLAN ${p.segmentationId} on physical network ${p.physicalNetwork} is in use.`
      : `Unable to create the network. The tunnel ID ${p.segmentationId} is in use.`,
  );
}

function fromRow(row: Record<string, unknown>, subnets: string[]): NetworkRecord {
  return {
    ...standardFrom(row),
    admin_state_up: bool(row.admin_state_up),
    shared: bool(row.shared),
    external: bool(row.external),
    mtu: Number(row.mtu),
    network_type: String(row.network_type) as NetworkType,
    physical_network: row.physical_network === null ? null : String(row.physical_network),
    segmentation_id: row.segmentation_id === null ? null : Number(row.segmentation_id),
    port_security_enabled: bool(row.port_security_enabled),
    subnets,
  };
}
