// The network service's stores, built once over one database: the API routes, the client and the DHCP
// agent all work through these (never through each other).
import type { Database } from '../../platform/db/types.ts';
import type { SegmentConfig } from '../model/segments.ts';
import { DhcpStatusStore } from './dhcp-status.ts';
import { NetworkStore } from './networks.ts';
import { PortStore } from './ports.ts';
import { QuotaStore } from './quotas.ts';
import { SecurityGroupStore } from './security-groups.ts';
import { SubnetStore } from './subnets.ts';
import { TagStore } from './tags.ts';

export interface NetworkStores {
  networks: NetworkStore;
  subnets: SubnetStore;
  ports: PortStore;
  groups: SecurityGroupStore;
  quotas: QuotaStore;
  dhcp: DhcpStatusStore;
  tags: TagStore;
}

export function createStores(
  db: Database,
  o: { segments: SegmentConfig; quotaDefaults: Record<string, number>; baseMac: readonly number[] },
): NetworkStores {
  const quotas = new QuotaStore(db, o.quotaDefaults);
  const subnets = new SubnetStore(db, quotas);
  const groups = new SecurityGroupStore(db, quotas);
  return {
    networks: new NetworkStore(db, o.segments, quotas),
    subnets,
    groups,
    quotas,
    ports: new PortStore(db, { subnets, groups, quotas, baseMac: o.baseMac }),
    dhcp: new DhcpStatusStore(db),
    tags: new TagStore(db),
  };
}
