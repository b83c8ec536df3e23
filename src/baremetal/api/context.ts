// What the route modules share: the stores, the conductor, the event log and the settings.
import type { Ctx } from '../../platform/context.ts';
import type { Database } from '../../platform/db/types.ts';
import type { EventLog } from '../../platform/events/event-log.ts';
import type { BaremetalSettings } from '../model/settings.ts';
import type { AllocationStore } from '../store/allocations.ts';
import type { ChassisStore } from '../store/chassis.ts';
import type { ConductorStore } from '../store/conductors.ts';
import type { NodeStore } from '../store/nodes.ts';
import type { PortgroupStore } from '../store/portgroups.ts';
import type { PortStore } from '../store/ports.ts';
import type { Allocator } from '../worker/allocator.ts';
import type { Conductor } from '../worker/conductor.ts';

export interface ApiContext {
  ctx: Ctx;
  db: Database;
  nodes: NodeStore;
  ports: PortStore;
  portgroups: PortgroupStore;
  chassis: ChassisStore;
  allocations: AllocationStore;
  conductors: ConductorStore;
  conductor: Conductor;
  allocator: Allocator;
  events: EventLog;
  settings: BaremetalSettings;
}
