// What every part of the engine shares: its dependencies, the fenced journal, and the writes that change
// a stack's or resource's state together with its event. The operations (run-create, run-update,
// run-delete, run-check, nested-ops, recovery) are functions over this core.
import { randomUUID } from 'node:crypto';
import type { Ctx } from '../../platform/context.ts';
import type { Database, Queryable } from '../../platform/db/types.ts';
import type { EventLog } from '../../platform/events/event-log.ts';
import type { Leases } from '../../platform/work/leases.ts';
import { type Environment, emptyEnvironment } from '../model/environment.ts';
import { parseTemplate, type Template } from '../model/template.ts';
import { isMap, type JsonMap } from '../model/template-format.ts';
import type { HeatStore, ResourceRow, StackRow } from '../store/stacks.ts';
import { Journal } from './journal.ts';
import { prepare, resolvePlugins, type StackDefinition, type StackInput } from './prepare.ts';
import { makeResolveEnv, resourceEnabled, type StackScope } from './resolve-env.ts';
import type { HeatClients, ResourcePlugin } from './resources/plugin.ts';
import type { PluginRegistry } from './resources/registry.ts';
import { initRow } from './rows.ts';

export interface EngineDeps {
  ctx: Ctx;
  db: Database;
  store: HeatStore;
  leases: Leases;
  /** The platform's event log: stack status changes also land there, in the same transaction. */
  events?: EventLog;
  registry: PluginRegistry;
  clients: HeatClients;
  region: string;
  owner?: string;
  leaseTtlMs?: number;
  now?: () => number;
  /** The CFN API's base URL when it is served (for pre-signed URLs and server metadata). */
  cfnUrl?: () => string | undefined;
  /** Keystone's v3 URL as machines reach it (POLL_SERVER_HEAT). */
  authUrl?: () => string | undefined;
}

/** A stack's definition as stored: what update/rollback needs to run it again. */
export interface Stored {
  template: JsonMap;
  environment: Environment;
  files: Record<string, string>;
}

export class EngineCore {
  readonly owner: string;
  readonly d: EngineDeps;
  readonly journal: Journal;
  readonly ttl: number;
  readonly now: () => number;

  constructor(deps: EngineDeps) {
    this.d = deps;
    this.owner = deps.owner ?? `engine-${randomUUID()}`;
    this.ttl = deps.leaseTtlMs ?? 30_000;
    this.now = deps.now ?? Date.now;
    this.journal = new Journal(this.owner);
  }

  prepare(input: StackInput, opts: { strictUnknownParams?: boolean } = {}): StackDefinition {
    return prepare(input, this.d.registry, opts);
  }

  /** The definition a stored stack (or its previous definition) runs with. */
  load(
    stack: StackRow,
    stored: Stored = {
      template: stack.template,
      environment: stack.environment as unknown as Environment,
      files: stack.files,
    },
  ): StackDefinition {
    return this.prepare(
      { template: stored.template, environment: stored.environment, files: stored.files },
      { strictUnknownParams: stack.parentId === null },
    );
  }

  async mustGet(id: string): Promise<StackRow> {
    const s = await this.d.store.getStack(id);
    if (!s) throw new Error(`stack ${id} vanished`);
    return s;
  }

  async rowsOf(stackId: string): Promise<Map<string, ResourceRow>> {
    return new Map((await this.d.store.resources(stackId)).map((r) => [r.name, r]));
  }

  facadeOf(stack: StackRow): { facade?: StackScope['facade'] } {
    const f = stack.environment.__facade;
    return isMap(f)
      ? {
          facade: {
            metadata: f.metadata ?? {},
            deletion_policy: f.deletion_policy ?? 'Delete',
            update_policy: f.update_policy ?? {},
          },
        }
      : {};
  }

  /** What the intrinsic functions of a stack's definition resolve against. */
  scopeOf(stack: StackRow, def: StackDefinition, rows: Map<string, ResourceRow>): StackScope {
    return {
      stack,
      template: def.template,
      params: def.params,
      files: def.files,
      plugins: def.plugins,
      rows,
      region: this.d.region,
      ...this.facadeOf(stack),
    };
  }

  /** The scope of a stored stack as it is now, or undefined when its template no longer parses. */
  async storedScope(stack: StackRow): Promise<StackScope | undefined> {
    let template: Template;
    try {
      template = parseTemplate(stack.template);
    } catch {
      return undefined;
    }
    const env = (stack.environment as unknown as Environment) ?? emptyEnvironment();
    let plugins: Map<string, ResourcePlugin>;
    try {
      plugins = resolvePlugins(template, env, stack.files, this.d.registry);
    } catch {
      plugins = new Map();
    }
    return {
      stack,
      template,
      params: stack.params,
      files: stack.files,
      plugins,
      rows: await this.rowsOf(stack.id),
      region: this.d.region,
      ...this.facadeOf(stack),
    };
  }

  async insertInitRows(q: Queryable, stack: StackRow, def: StackDefinition) {
    const env = makeResolveEnv({
      stack,
      template: def.template,
      params: def.params,
      files: def.files,
      plugins: def.plugins,
      rows: new Map(),
      region: this.d.region,
    });
    for (const r of def.template.resources.values()) {
      if (!resourceEnabled(env, def.template, r.name)) continue;
      await this.d.store.upsertResource(q, initRow(stack, r.name, r.type, this.now()));
    }
  }

  async stackEvent(q: Queryable, s: StackRow, action: string, status: string, reason: string) {
    await this.d.store.addEvent(q, {
      id: randomUUID(),
      stackId: s.id,
      rootStackId: s.rootId,
      resourceName: s.name,
      physicalId: s.id,
      resourceType: 'OS::Heat::Stack',
      action,
      status,
      reason,
      createdAt: this.now(),
    });
  }

  async resourceEvent(
    q: Queryable,
    s: StackRow,
    r: ResourceRow,
    action: string,
    status: string,
    reason: string,
  ) {
    await this.d.store.addEvent(q, {
      id: randomUUID(),
      stackId: s.id,
      rootStackId: s.rootId,
      resourceName: r.name,
      physicalId: r.physicalId ?? '',
      resourceType: r.type,
      action,
      status,
      reason,
      createdAt: this.now(),
    });
  }

  /** Writes a resource's new state and its event together (batched, fenced). */
  async setResource(
    s: StackRow,
    row: ResourceRow,
    action: string,
    status: string,
    reason: string,
  ): Promise<ResourceRow> {
    const next = { ...row, action, status, statusReason: reason, updatedAt: this.now() };
    await this.journal.write(s.rootId, async (q) => {
      await this.d.store.upsertResource(q, next);
      await this.resourceEvent(q, s, next, action, status, reason);
    });
    return next;
  }

  async setStack(
    s: StackRow,
    action: string,
    status: string,
    reason: string,
    extra: (q: Queryable) => Promise<void> = async () => {},
  ) {
    await this.journal.write(s.rootId, async (q) => {
      await this.d.store.setStackStatus(q, s.id, action, status, reason, this.now());
      await this.stackEvent(q, s, action, status, reason);
      await this.d.events?.append(
        { resourceType: 'stack', resourceId: s.id, from: null, to: `${action}_${status}`, reason },
        q,
      );
      await extra(q);
    });
  }

  /** Marks a stack deleted with its DELETE_COMPLETE event. */
  async setDeleted(s: StackRow) {
    await this.setStack(s, 'DELETE', 'COMPLETE', 'Stack DELETE completed successfully', async (q) => {
      await q.run('UPDATE heat_stacks SET deleted_at = ? WHERE id = ?', [this.now(), s.id]);
    });
  }
}
