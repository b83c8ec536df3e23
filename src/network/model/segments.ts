// Provider segments: which network types exist, which ranges the operator configured, and which
// segmentation id a new network takes (the lowest free one, as Neutron's type drivers hand them out).
import { invalidInput } from './errors.ts';

export const NETWORK_TYPES = ['flat', 'vlan', 'gre', 'vxlan', 'local'] as const;
export type NetworkType = (typeof NETWORK_TYPES)[number];

export interface Range {
  min: number;
  max: number;
}

export interface SegmentConfig {
  /** physical_network → VLAN ranges (an empty list: the physical network is usable, no tenant VLANs). */
  vlanRanges: Map<string, Range[]>;
  /** Physical networks flat networks may use ("*" for any). */
  flatNetworks: string[];
  greRanges: Range[];
  vxlanRanges: Range[];
  /** Type of a network created without provider attributes. */
  tenantNetworkType: NetworkType;
}

export const ID_LIMITS: Record<'vlan' | 'gre' | 'vxlan', Range> = {
  vlan: { min: 1, max: 4094 },
  gre: { min: 1, max: 2 ** 32 - 1 },
  vxlan: { min: 1, max: 2 ** 24 - 1 },
};

/** "physnet1:100:200,physnet2" as ML2's network_vlan_ranges. */
export function parseVlanRanges(entries: readonly string[]): Map<string, Range[]> {
  const out = new Map<string, Range[]>();
  for (const e of entries) {
    const [physnet, lo, hi] = e.split(':');
    if (!physnet) throw new Error(`bad network_vlan_ranges entry: ${e}`);
    const list = out.get(physnet) ?? [];
    if (lo !== undefined) list.push(checkRange(Number(lo), Number(hi), ID_LIMITS.vlan, e));
    out.set(physnet, list);
  }
  return out;
}

/** "1:1000" entries, as tunnel_id_ranges / vni_ranges. */
export function parseRanges(entries: readonly string[], limits: Range): Range[] {
  return entries.map((e) => {
    const [lo, hi] = e.split(':');
    return checkRange(Number(lo), Number(hi), limits, e);
  });
}

function checkRange(min: number, max: number, limits: Range, text: string): Range {
  if (!Number.isInteger(min) || !Number.isInteger(max) || min > max || min < limits.min || max > limits.max)
    throw new Error(`bad segmentation range: ${text}`);
  return { min, max };
}

export interface ProviderRequest {
  networkType: NetworkType;
  physicalNetwork: string | null;
  segmentationId: number | null;
}

/** Checks provider attributes against the configuration; the segmentation id may still be null (allocate). */
export function validateProvider(req: ProviderRequest, cfg: SegmentConfig): ProviderRequest {
  const { networkType: type, physicalNetwork: physnet, segmentationId: segId } = req;
  switch (type) {
    case 'flat':
      if (!physnet) throw invalidInput('physical_network required for flat provider network');
      if (segId !== null) throw invalidInput('segmentation_id specified for flat provider network');
      if (!cfg.flatNetworks.includes('*') && !cfg.flatNetworks.includes(physnet))
        throw invalidInput(`physical_network '${physnet}' unknown for flat provider network`);
      return req;
    case 'vlan':
      if (!physnet) {
        if (segId !== null) throw invalidInput('physical_network required for VLAN provider network');
        return req;
      }
      if (!cfg.vlanRanges.has(physnet))
        throw invalidInput(`physical_network '${physnet}' unknown for VLAN provider network`);
      if (segId !== null && !inLimits(segId, ID_LIMITS.vlan))
        throw invalidInput(`segmentation_id out of range (1 through 4094)`);
      return req;
    case 'gre':
    case 'vxlan':
      if (physnet) throw invalidInput(`provider:physical_network specified for ${type} network`);
      if (segId !== null && !inLimits(segId, ID_LIMITS[type]))
        throw invalidInput(`segmentation_id ${segId} out of range for ${type}`);
      return req;
    case 'local':
      if (physnet || segId !== null) throw invalidInput('local networks take no provider attributes');
      return req;
  }
}

function inLimits(n: number, r: Range): boolean {
  return Number.isInteger(n) && n >= r.min && n <= r.max;
}

/** The lowest id in the ranges not in `used` (sorted ascending), or undefined when all are taken. */
export function lowestFree(ranges: readonly Range[], used: readonly number[]): number | undefined {
  const taken = new Set(used);
  for (const r of [...ranges].sort((a, b) => a.min - b.min)) {
    // Walk only as far as the used ids force us: at most used.length + 1 candidates per range.
    for (let id = r.min; id <= r.max; id++) if (!taken.has(id)) return id;
  }
  return undefined;
}

/** The ranges a tenant allocation draws from for a type (and physical network for VLAN). */
export function rangesFor(cfg: SegmentConfig, type: NetworkType, physnet: string | null): Range[] {
  if (type === 'vlan') {
    if (physnet) return cfg.vlanRanges.get(physnet) ?? [];
    return [...cfg.vlanRanges.values()].flat();
  }
  if (type === 'gre') return cfg.greRanges;
  if (type === 'vxlan') return cfg.vxlanRanges;
  return [];
}
