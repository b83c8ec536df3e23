// What the route modules share: the stores and a few settings.
import type { Database } from '../../platform/db/types.ts';
import type { DhcpStatusStore } from '../store/dhcp-status.ts';
import type { NetworkStore } from '../store/networks.ts';
import type { PortStore } from '../store/ports.ts';
import type { QuotaStore } from '../store/quotas.ts';
import type { SecurityGroupStore } from '../store/security-groups.ts';
import type { SubnetStore } from '../store/subnets.ts';

export interface ApiContext {
  db: Database;
  networks: NetworkStore;
  subnets: SubnetStore;
  ports: PortStore;
  groups: SecurityGroupStore;
  quotas: QuotaStore;
  dhcp: DhcpStatusStore;
  /** MTU of a network created without one. */
  defaultMtu: number;
  availabilityZone: string;
}
