// The only code that reads and writes the orchestration tables, one table family per file (stack-table.ts,
// resource-table.ts, event-table.ts, software-config-table.ts, signal-table.ts). HeatStore gathers them
// under the names the engine and the routes call; new code may use the tables directly.
import type { SecretBox } from '../../platform/crypto/secret-box.ts';
import type { Database, Queryable } from '../../platform/db/types.ts';
import type { JsonMap } from '../model/template-format.ts';
import { sealing } from './columns.ts';
import { CredentialStore } from './credentials.ts';
import { DeploymentStore } from './deployments.ts';
import { type EventRow, EventTable } from './event-table.ts';
import { type ResourceRow, ResourceTable } from './resource-table.ts';
import { SignalTable } from './signal-table.ts';
import { type SoftwareConfigRow, SoftwareConfigTable } from './software-config-table.ts';
import { type StackFilter, type StackRow, StackTable } from './stack-table.ts';

export type { EventRow, ResourceRow, SoftwareConfigRow, StackFilter, StackRow };

export class HeatStore {
  readonly db: Database;
  readonly stackTable: StackTable;
  readonly resourceTable: ResourceTable;
  readonly eventTable: EventTable;
  readonly configTable: SoftwareConfigTable;
  readonly signalTable: SignalTable;
  /** Access keys the engine issued (sealed secrets). */
  readonly credentials: CredentialStore;
  /** Software deployments (sealed input and output values). */
  readonly deployments: DeploymentStore;

  /** With a SecretBox, parameters, environments and resource properties and data are sealed at rest. */
  constructor(db: Database, secrets?: SecretBox) {
    this.db = db;
    const s = sealing(secrets);
    this.credentials = new CredentialStore(db, secrets);
    this.deployments = new DeploymentStore(db, secrets);
    this.stackTable = new StackTable(db, s);
    this.resourceTable = new ResourceTable(db, s);
    this.eventTable = new EventTable(db);
    this.configTable = new SoftwareConfigTable(db);
    this.signalTable = new SignalTable(db);
  }

  // Stacks.
  insertStack = (q: Queryable, s: StackRow) => this.stackTable.insert(q, s);
  /** Rewrites every column of a stack row (the engine holds the stack's lease while it does). */
  saveStack = (q: Queryable, s: StackRow) => this.stackTable.save(q, s);
  setStackStatus = (q: Queryable, id: string, action: string, status: string, reason: string, now: number) =>
    this.stackTable.setStatus(q, id, action, status, reason, now);
  getStack = (id: string, q?: Queryable) => this.stackTable.get(id, q);
  /** A live stack of the project by name or id. */
  findLive = (projectId: string, nameOrId: string) => this.stackTable.findLive(projectId, nameOrId);
  listStacks = (f: StackFilter) => this.stackTable.list(f);
  childStacks = (parentId: string, q?: Queryable) => this.stackTable.children(parentId, q);
  /** Live stacks whose status is IN_PROGRESS (for recovery after a crash). */
  inProgress = () => this.stackTable.inProgress();

  // Resources.
  upsertResource = (q: Queryable, r: ResourceRow) => this.resourceTable.upsert(q, r);
  deleteResource = (q: Queryable, stackId: string, name: string) =>
    this.resourceTable.delete(q, stackId, name);
  resources = (stackId: string, q?: Queryable) => this.resourceTable.list(stackId, q);
  resource = (stackId: string, name: string) => this.resourceTable.get(stackId, name);
  failInProgressResources = (q: Queryable, stackId: string, reason: string, now: number) =>
    this.resourceTable.failInProgress(q, stackId, reason, now);

  // Events.
  addEvent = (q: Queryable, e: Omit<EventRow, 'seq'>) => this.eventTable.add(q, e);
  /** Events of some stacks, in time order, after (or before, descending) the marker's event. */
  events = (
    stackIds: string[],
    opts: { markerSeq?: number; limit?: number; desc?: boolean; resourceName?: string },
  ) => this.eventTable.list(stackIds, opts);
  event = (id: string) => this.eventTable.get(id);

  // Software configs.
  insertConfig = (q: Queryable, c: SoftwareConfigRow) => this.configTable.insert(q, c);
  config = (id: string) => this.configTable.get(id);
  configs = (projectId: string | undefined, limit?: number) => this.configTable.list(projectId, limit);
  deleteConfig = (q: Queryable, id: string) => this.configTable.delete(q, id);

  // Signals to resources (wait condition handles), kept apart from the engine's fenced rows.
  addSignal = (stackId: string, resourceName: string, data: JsonMap) =>
    this.signalTable.add(stackId, resourceName, data);
  signals = (stackId: string, resourceName: string) => this.signalTable.list(stackId, resourceName);
  deleteSignals = (stackId: string, resourceName: string) => this.signalTable.delete(stackId, resourceName);
}
