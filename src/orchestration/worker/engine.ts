// The engine: runs create, update, delete, check and rollback of stacks under the root stack's lease.
// Independent resources run in parallel (each waits only for what it depends on); updates go by diff
// (unchanged / in place / replaced); deletion runs in reverse dependency order honouring deletion_policy.
// Every status change is a row update plus an event, written through the fenced journal.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Ctx } from '../../platform/context.ts';
import type { Database } from '../../platform/db/types.ts';
import { conflict } from '../../platform/errors/catalogue.ts';
import type { EventLog } from '../../platform/events/event-log.ts';
import type { Leases } from '../../platform/work/leases.ts';
import { withTask } from '../../platform/work/task.ts';
import { type Environment, emptyEnvironment } from '../model/environment.ts';
import { TemplateError } from '../model/errors.ts';
import { evaluateCondition, resolveValue } from '../model/functions.ts';
import { changedProperties, checkProperties } from '../model/properties.ts';
import { parseTemplate, type Template } from '../model/template.ts';
import { isMap, type Json, type JsonMap } from '../model/template-format.ts';
import type { HeatStore, ResourceRow, StackRow } from '../store/stacks.ts';
import { walkGraph } from './graph-walk.ts';
import { Journal } from './journal.ts';
import { prepare, resolvePlugins, type StackDefinition, type StackInput } from './prepare.ts';
import { makeResolveEnv, resourceEnabled, type StackScope } from './resolve-env.ts';
import { templateDigest, templateResource } from './resources/nested.ts';
import type {
  HeatClients,
  NestedOps,
  NestedResult,
  ResourceContext,
  ResourcePlugin,
} from './resources/plugin.ts';
import { attributeOf, refOf } from './resources/plugin.ts';
import type { PluginRegistry } from './resources/registry.ts';
import { abortReason, type Caller, Cancelled, errorReason, initRow, newStackRow } from './rows.ts';

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
}

export type { Caller } from './rows.ts';

/** A stack's definition as stored: what update/rollback needs to run it again. */
interface Stored {
  template: JsonMap;
  environment: Environment;
  files: Record<string, string>;
}

export class Engine {
  readonly owner: string;
  readonly #d: EngineDeps;
  readonly #journal: Journal;
  readonly #ttl: number;
  readonly #now: () => number;
  readonly #running = new Map<string, { controller: AbortController; done: Promise<void>; action: string }>();

  constructor(deps: EngineDeps) {
    this.#d = deps;
    this.owner = deps.owner ?? `engine-${randomUUID()}`;
    this.#ttl = deps.leaseTtlMs ?? 30_000;
    this.#now = deps.now ?? Date.now;
    this.#journal = new Journal(this.owner);
  }

  get store(): HeatStore {
    return this.#d.store;
  }

  // ------------------------------------------------------------------ public operations

  prepare(input: StackInput, opts: { strictUnknownParams?: boolean } = {}): StackDefinition {
    return prepare(input, this.#d.registry, opts);
  }

  /** Creates the stack's rows (stack, resources at INIT_COMPLETE, the first event) and starts the work. */
  async create(
    caller: Caller,
    name: string,
    input: StackInput,
    opts: { disableRollback: boolean; timeoutMins: number | null; tags: string[] },
  ): Promise<StackRow> {
    const def = this.prepare(input);
    const id = randomUUID();
    const stack = newStackRow(this.#now(), caller, id, name, null, null, id, input, def, opts);
    await this.#d.db.tx(async (q) => {
      if (await this.#nameTaken(q, caller.projectId, name))
        throw conflict(`The Stack (${name}) already exists.`, { type: 'StackExists' });
      await this.#d.store.insertStack(q, stack);
      await this.#insertInitRows(q, stack, def);
      await this.#stackEvent(q, stack, 'CREATE', 'IN_PROGRESS', 'Stack CREATE started');
    });
    this.#spawn(stack, 'CREATE', (signal) => this.#runCreate(stack.id, signal, caller));
    return stack;
  }

  /** Starts an update to a new definition (checked first); the old one is kept for rollback. */
  async update(
    caller: Caller,
    stack: StackRow,
    input: StackInput,
    opts: { disableRollback?: boolean; timeoutMins?: number | null; tags?: string[] },
  ) {
    await this.#checkFree(stack);
    const def = this.prepare(input);
    this.#checkImmutable(stack, def);
    const prev: Stored = {
      template: stack.template,
      environment: stack.environment as unknown as Environment,
      files: stack.files,
    };
    const updated: StackRow = {
      ...stack,
      template: input.template,
      environment: input.environment as unknown as JsonMap,
      files: input.files,
      params: def.params as JsonMap,
      prev: prev as unknown as JsonMap,
      disableRollback: opts.disableRollback ?? stack.disableRollback,
      timeoutMins: opts.timeoutMins === undefined ? stack.timeoutMins : opts.timeoutMins,
      tags: opts.tags ?? stack.tags,
      action: 'UPDATE',
      status: 'IN_PROGRESS',
      statusReason: 'Stack UPDATE started',
      updatedAt: this.#now(),
    };
    await this.#d.db.tx(async (q) => {
      await this.#d.store.saveStack(q, updated);
      await this.#stackEvent(q, updated, 'UPDATE', 'IN_PROGRESS', 'Stack UPDATE started');
    });
    this.#spawn(updated, 'UPDATE', (signal) => this.#runUpdate(updated.id, signal, caller, false));
    return updated;
  }

  async delete(caller: Caller, stack: StackRow): Promise<void> {
    const running = this.#running.get(stack.rootId);
    if (running && stack.parentId === null) {
      // Deleting a stack whose create/update is running cancels that first, as Heat does.
      running.controller.abort(new Cancelled(`Stack ${running.action} cancelled`));
      await running.done;
    }
    const fresh = (await this.#d.store.getStack(stack.id)) ?? stack;
    await this.#checkFree(fresh);
    await this.#d.db.tx(async (q) => {
      await this.#d.store.setStackStatus(
        q,
        fresh.id,
        'DELETE',
        'IN_PROGRESS',
        'Stack DELETE started',
        this.#now(),
      );
      await this.#stackEvent(q, fresh, 'DELETE', 'IN_PROGRESS', 'Stack DELETE started');
    });
    this.#spawn(fresh, 'DELETE', (signal) => this.#runDelete(fresh.id, signal, caller));
  }

  /**
   * check, suspend or resume: every resource goes through the action. Only check asks the plugins (none
   * of this engine's types has anything to suspend); resume needs a suspended stack.
   */
  async check(
    caller: Caller,
    stack: StackRow,
    action: 'CHECK' | 'SUSPEND' | 'RESUME' = 'CHECK',
  ): Promise<void> {
    await this.#checkFree(stack);
    if (action === 'RESUME' && !(stack.action === 'SUSPEND' && stack.status === 'COMPLETE')) {
      throw new TemplateError(
        `Resuming a stack that is ${stack.action}_${stack.status} is not supported; suspend it first.`,
        { type: 'NotSupported' },
      );
    }
    const started = `Stack ${action} started`;
    await this.#d.db.tx(async (q) => {
      await this.#d.store.setStackStatus(q, stack.id, action, 'IN_PROGRESS', started, this.#now());
      await this.#stackEvent(q, stack, action, 'IN_PROGRESS', started);
    });
    this.#spawn(stack, action, (signal) => this.#runCheck(stack.id, signal, caller, action));
  }

  /** Cancels a running update (which then rolls back) or create. */
  async cancel(stack: StackRow): Promise<void> {
    const running = this.#running.get(stack.rootId);
    if (!running || stack.status !== 'IN_PROGRESS' || !['UPDATE', 'CREATE'].includes(stack.action)) {
      throw new TemplateError(
        `Cancelling update when stack is ${stack.action}_${stack.status} is not supported.`,
        { type: 'NotSupported' },
      );
    }
    running.controller.abort(new Cancelled(`Stack ${running.action} cancelled`));
  }

  /** `resource mark unhealthy`: CHECK_FAILED now, replaced by the next update. */
  async markUnhealthy(stack: StackRow, row: ResourceRow, reason: string): Promise<void> {
    await this.#mark(stack, row, 'FAILED', reason || 'Marked unhealthy');
  }

  async markHealthy(stack: StackRow, row: ResourceRow, reason: string): Promise<void> {
    await this.#mark(stack, row, 'COMPLETE', reason || 'Marked healthy');
  }

  async #mark(stack: StackRow, row: ResourceRow, status: string, reason: string) {
    await this.#checkFree(stack);
    const next = { ...row, action: 'CHECK', status, statusReason: reason, updatedAt: this.#now() };
    await this.#d.db.tx(async (q) => {
      await this.#d.store.upsertResource(q, next);
      await this.#resourceEvent(q, stack, next, 'CHECK', status, reason);
    });
  }

  /** Waits for every running operation (tests and shutdown). */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running.values()].map((r) => r.done));
  }

  async stop(): Promise<void> {
    for (const r of this.#running.values()) r.controller.abort(new Cancelled('Engine stopping'));
    await this.idle();
  }

  /**
   * After a crash: stacks left IN_PROGRESS whose lease nobody holds any more become FAILED, with their
   * in-progress resources, so that update and delete work again.
   */
  async recover(): Promise<number> {
    let n = 0;
    for (const s of await this.#d.store.inProgress()) {
      if (this.#running.has(s.rootId)) continue;
      const found = await this.#d.leases.get(Journal.leaseName(s.rootId));
      const lease = found && found.owner !== '' ? found : undefined;
      if (lease && lease.expiresAt > this.#now()) continue;
      const who = lease ? `Engine ${lease.owner}` : 'The engine running it';
      const reason = `${who} stopped while the stack was ${s.action}_IN_PROGRESS`;
      // The recovery itself is a fenced task: two engines starting together cannot both fail the stack.
      const spec = {
        resource: Journal.leaseName(s.rootId),
        owner: this.owner,
        purpose: 'RECOVER',
        ttlMs: this.#ttl,
      };
      const done = await withTask(this.#d.ctx, this.#d.leases, spec, (task) =>
        task.tx(async (q) => {
          const failed = await this.#d.store.failInProgressResources(q, s.id, reason, this.#now());
          for (const r of failed) await this.#resourceEvent(q, s, r, r.action, 'FAILED', reason);
          await this.#d.store.setStackStatus(q, s.id, s.action, 'FAILED', reason, this.#now());
          await this.#stackEvent(q, s, s.action, 'FAILED', reason);
          await this.#d.events?.append(
            {
              resourceType: 'stack',
              resourceId: s.id,
              from: `${s.action}_IN_PROGRESS`,
              to: `${s.action}_FAILED`,
              reason,
            },
            q,
          );
          return true;
        }),
      ).catch(() => false);
      if (done) n++;
    }
    return n;
  }

  // ------------------------------------------------------------------ outputs and views

  /** The stack's outputs resolved now; one that fails carries output_error instead of failing the show. */
  async outputs(
    stack: StackRow,
  ): Promise<{ output_key: string; output_value: Json; description: string; output_error?: string }[]> {
    const scope = await this.#scope(stack);
    if (!scope) return [];
    const env = makeResolveEnv(scope);
    const out: { output_key: string; output_value: Json; description: string; output_error?: string }[] = [];
    for (const o of scope.template.outputs.values()) {
      try {
        const on =
          o.condition === undefined
            ? true
            : evaluateCondition(o.condition, env, ['outputs', o.name, 'condition']);
        out.push({
          output_key: o.name,
          output_value: on ? resolveValue(o.value, env, ['outputs', o.name]) : null,
          description: o.description,
        });
      } catch (e) {
        out.push({
          output_key: o.name,
          output_value: null,
          description: o.description,
          output_error: (e as Error).message,
        });
      }
    }
    return out;
  }

  /** The scope of a stored stack: its template, plugins, parameters and current rows. */
  async #scope(stack: StackRow): Promise<StackScope | undefined> {
    let template: Template;
    try {
      template = parseTemplate(stack.template);
    } catch {
      return undefined;
    }
    const env = (stack.environment as unknown as Environment) ?? emptyEnvironment();
    const plugins = this.#pluginsFor(template, env, stack.files);
    const rows = new Map((await this.#d.store.resources(stack.id)).map((r) => [r.name, r]));
    return {
      stack,
      template,
      params: stack.params,
      files: stack.files,
      plugins,
      rows,
      region: this.#d.region,
      ...this.#facadeOf(stack),
    };
  }

  #pluginsFor(
    template: Template,
    env: Environment,
    files: Record<string, string>,
  ): Map<string, ResourcePlugin> {
    try {
      return resolvePlugins(template, env, files, this.#d.registry);
    } catch {
      return new Map();
    }
  }

  #facadeOf(stack: StackRow): { facade?: StackScope['facade'] } {
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

  /** A resource's reference id and attributes, for views (get_resource / attributes of resource show). */
  attributesOf(_stack: StackRow, row: ResourceRow): { ref: Json; attributes: JsonMap } {
    // Template resources are not in the registry: their row's type is the alias or the template URL.
    const plugin =
      this.#d.registry.get(row.type) ?? (row.nestedId ? templateResource('', row.type) : undefined);
    const outputs = isMap(row.attributes.outputs) ? Object.keys(row.attributes.outputs) : [];
    const own = plugin?.attributes ?? {};
    const names = new Set(
      Object.keys(own).length > 0 || plugin === undefined
        ? [
            ...Object.keys(own),
            ...Object.keys(row.attributes).filter((k) => !['resources', 'members'].includes(k)),
          ]
        : outputs,
    );
    return {
      ref: refOf(plugin, row),
      attributes: Object.fromEntries([...names].map((k) => [k, attributeOf(plugin, row, k)])),
    };
  }

  // ------------------------------------------------------------------ running work

  #spawn(stack: StackRow, action: string, fn: (signal: AbortSignal) => Promise<void>): void {
    const controller = new AbortController();
    const timeout = stack.timeoutMins ? AbortSignal.timeout(stack.timeoutMins * 60_000) : undefined;
    const root = stack.rootId;
    const done = withTask(
      this.#d.ctx,
      this.#d.leases,
      { resource: Journal.leaseName(root), owner: this.owner, purpose: action, ttlMs: this.#ttl },
      async (task) => {
        this.#journal.attach(root, task);
        try {
          await fn(AbortSignal.any([task.signal, controller.signal, ...(timeout ? [timeout] : [])]));
        } finally {
          this.#journal.detach(root);
        }
      },
    )
      .catch((e) => this.#d.ctx.log.error({ err: e, stack: stack.id, action }, 'stack operation failed'))
      .finally(() => this.#running.delete(root));
    this.#running.set(root, { controller, done, action });
  }

  /** Refuses to start work on a stack another live engine (or this one) is working on. */
  async #checkFree(stack: StackRow) {
    this.#checkIdle(stack);
    const lease = await this.#d.leases.get(Journal.leaseName(stack.rootId));
    if (lease && lease.owner !== '' && lease.expiresAt > this.#now()) {
      throw conflict(
        `Action is not allowed: engine ${lease.owner} is working on the stack (${lease.purpose}).`,
        {
          type: 'ActionInProgress',
        },
      );
    }
  }

  #checkIdle(stack: StackRow) {
    if (stack.status === 'IN_PROGRESS' || this.#running.has(stack.rootId)) {
      throw conflict(`Action is not allowed while the stack is ${stack.action}_IN_PROGRESS.`, {
        type: 'ActionInProgress',
      });
    }
  }

  #checkImmutable(stack: StackRow, def: StackDefinition) {
    for (const p of def.template.params) {
      if (
        p.immutable &&
        p.name in stack.params &&
        JSON.stringify(stack.params[p.name]) !== JSON.stringify(def.params[p.name])
      ) {
        throw new TemplateError(`The following parameters are immutable and may not be updated: ${p.name}`, {
          type: 'ImmutableParameterModified',
        });
      }
    }
  }

  async #nameTaken(q: import('../../platform/db/types.ts').Queryable, projectId: string, name: string) {
    return (
      (await q.get(
        'SELECT 1 AS x FROM heat_stacks WHERE project_id = ? AND name = ? AND deleted_at IS NULL',
        [projectId, name],
      )) !== undefined
    );
  }

  async #insertInitRows(
    q: import('../../platform/db/types.ts').Queryable,
    stack: StackRow,
    def: StackDefinition,
  ) {
    const env = makeResolveEnv({
      stack,
      template: def.template,
      params: def.params,
      files: def.files,
      plugins: def.plugins,
      rows: new Map(),
      region: this.#d.region,
    });
    for (const r of def.template.resources.values()) {
      if (!resourceEnabled(env, def.template, r.name)) continue;
      await this.#d.store.upsertResource(q, initRow(stack, r.name, r.type, this.#now()));
    }
  }

  async #stackEvent(
    q: import('../../platform/db/types.ts').Queryable,
    s: StackRow,
    action: string,
    status: string,
    reason: string,
  ) {
    await this.#d.store.addEvent(q, {
      id: randomUUID(),
      stackId: s.id,
      rootStackId: s.rootId,
      resourceName: s.name,
      physicalId: s.id,
      resourceType: 'OS::Heat::Stack',
      action,
      status,
      reason,
      createdAt: this.#now(),
    });
  }

  async #resourceEvent(
    q: import('../../platform/db/types.ts').Queryable,
    s: StackRow,
    r: ResourceRow,
    action: string,
    status: string,
    reason: string,
  ) {
    await this.#d.store.addEvent(q, {
      id: randomUUID(),
      stackId: s.id,
      rootStackId: s.rootId,
      resourceName: r.name,
      physicalId: r.physicalId ?? '',
      resourceType: r.type,
      action,
      status,
      reason,
      createdAt: this.#now(),
    });
  }

  /** Writes a resource's new state and its event together (batched, fenced). */
  async #setResource(
    s: StackRow,
    row: ResourceRow,
    action: string,
    status: string,
    reason: string,
  ): Promise<ResourceRow> {
    const next = { ...row, action, status, statusReason: reason, updatedAt: this.#now() };
    await this.#journal.write(s.rootId, async (q) => {
      await this.#d.store.upsertResource(q, next);
      await this.#resourceEvent(q, s, next, action, status, reason);
    });
    return next;
  }

  async #setStack(
    s: StackRow,
    action: string,
    status: string,
    reason: string,
    extra: (q: import('../../platform/db/types.ts').Queryable) => Promise<void> = async () => {},
  ) {
    await this.#journal.write(s.rootId, async (q) => {
      await this.#d.store.setStackStatus(q, s.id, action, status, reason, this.#now());
      await this.#stackEvent(q, s, action, status, reason);
      await this.#d.events?.append(
        { resourceType: 'stack', resourceId: s.id, from: null, to: `${action}_${status}`, reason },
        q,
      );
      await extra(q);
    });
  }

  #load(
    stack: StackRow,
    stored: Stored = {
      template: stack.template,
      environment: stack.environment as unknown as Environment,
      files: stack.files,
    },
  ) {
    const def = this.prepare(
      { template: stored.template, environment: stored.environment, files: stored.files },
      { strictUnknownParams: stack.parentId === null },
    );
    return def;
  }

  #context(
    stack: StackRow,
    name: string,
    signal: AbortSignal,
    caller: Caller,
    def: StackDefinition,
  ): ResourceContext {
    return {
      ctx: this.#d.ctx,
      signal,
      stack,
      name,
      store: this.#d.store,
      nested: this.#nestedOps(stack, name, signal, caller, def),
      clients: this.#d.clients,
      files: def.files,
      templateVersion: def.template.version.kind === 'hot' ? def.template.version.date : '2015-10-15',
      ...(caller.token ? { token: caller.token } : {}),
      region: this.#d.region,
    };
  }

  // ------------------------------------------------------------------ create

  async #runCreate(stackId: string, signal: AbortSignal, caller: Caller): Promise<void> {
    const stack = await this.#mustGet(stackId);
    const def = this.#load(stack);
    const rows = new Map((await this.#d.store.resources(stack.id)).map((r) => [r.name, r]));
    const failure = await this.#walkCreate(stack, def, rows, signal, caller);
    if (!failure) {
      await this.#setStack(stack, 'CREATE', 'COMPLETE', 'Stack CREATE completed successfully');
      return;
    }
    await this.#setStack(stack, 'CREATE', 'FAILED', failure);
    if (!stack.disableRollback && stack.parentId === null) {
      await this.#setStack(stack, 'ROLLBACK', 'IN_PROGRESS', failure);
      const err = await this.#walkDelete(
        stack,
        def.template,
        new Map((await this.#d.store.resources(stack.id)).map((r) => [r.name, r])),
        def,
        new AbortController().signal,
        caller,
        false,
      );
      await this.#setStack(stack, 'ROLLBACK', err ? 'FAILED' : 'COMPLETE', err ?? 'Rollback completed');
    }
  }

  /** What the intrinsic functions of a stack's definition resolve against. */
  #scopeOf(stack: StackRow, def: StackDefinition, rows: Map<string, ResourceRow>): StackScope {
    return {
      stack,
      template: def.template,
      params: def.params,
      files: def.files,
      plugins: def.plugins,
      rows,
      region: this.#d.region,
      ...this.#facadeOf(stack),
    };
  }

  /** Creates every enabled resource not yet COMPLETE, in parallel along the graph. Returns a failure reason. */
  async #walkCreate(
    stack: StackRow,
    def: StackDefinition,
    rows: Map<string, ResourceRow>,
    signal: AbortSignal,
    caller: Caller,
  ): Promise<string | undefined> {
    const scope = this.#scopeOf(stack, def, rows);
    const env = makeResolveEnv(scope);
    let failure: string | undefined;
    const waitsFor = (name: string) => def.template.deps.get(name) ?? [];
    await walkGraph(def.template.resources.keys(), waitsFor, async (name) => {
      if (failure || signal.aborted) return false;
      const row = rows.get(name);
      if (!row) return true; // condition false: nothing to create
      if (row.action === 'CREATE' && row.status === 'COMPLETE') return true;
      try {
        await this.#createOne(stack, def, scope, env, name, signal, caller);
        return true;
      } catch (e) {
        const reason = signal.aborted ? abortReason(signal, 'CREATE') : errorReason(e, name, 'CREATE');
        const cur = rows.get(name) as ResourceRow;
        rows.set(name, await this.#setResource(stack, cur, 'CREATE', 'FAILED', reason));
        failure ??= signal.aborted ? reason : `Resource CREATE failed: ${reason}`;
        return false;
      }
    });
    if (!failure && signal.aborted) failure = abortReason(signal, 'CREATE');
    return failure;
  }

  async #createOne(
    stack: StackRow,
    def: StackDefinition,
    scope: StackScope,
    env: ReturnType<typeof makeResolveEnv>,
    name: string,
    signal: AbortSignal,
    caller: Caller,
  ) {
    const rows = scope.rows as Map<string, ResourceRow>;
    const plugin = def.plugins.get(name) as ResourcePlugin;
    const rdef = def.template.resources.get(name);
    if (!rdef) throw new Error(`unknown resource ${name}`);
    let row = await this.#setResource(
      stack,
      rows.get(name) as ResourceRow,
      'CREATE',
      'IN_PROGRESS',
      'state changed',
    );
    rows.set(name, row);
    const { props, metadata } = this.#resolveResource(def, env, name, plugin);
    const outcome = await plugin.create(this.#context(stack, name, signal, caller, def), props);
    if (signal.aborted) throw signal.reason;
    row = {
      ...row,
      physicalId: outcome.physicalId,
      attributes: outcome.attributes,
      data: outcome.data ?? {},
      nestedId: outcome.nestedId ?? null,
      properties: props,
      metadata,
    };
    rows.set(name, await this.#setResource(stack, row, 'CREATE', 'COMPLETE', 'state changed'));
  }

  #resolveResource(
    def: StackDefinition,
    env: ReturnType<typeof makeResolveEnv>,
    name: string,
    plugin: ResourcePlugin,
  ) {
    const rdef = def.template.resources.get(name);
    if (!rdef) throw new Error(`unknown resource ${name}`);
    const section =
      def.template.version.kind === 'hot'
        ? ['resources', name, 'properties']
        : ['Resources', name, 'Properties'];
    const resolved = resolveValue(rdef.properties, env, section);
    const raw = isMap(resolved) ? resolved : {};
    const props = plugin.properties ? checkProperties(plugin.properties, raw, section) : raw;
    const meta = resolveValue(rdef.metadata, env, [section[0] as string, name, 'metadata']);
    return { props, metadata: isMap(meta) ? meta : {} };
  }

  // ------------------------------------------------------------------ update

  async #runUpdate(
    stackId: string,
    signal: AbortSignal,
    caller: Caller,
    rollingBack: boolean,
  ): Promise<void> {
    const stack = await this.#mustGet(stackId);
    const action = rollingBack ? 'ROLLBACK' : 'UPDATE';
    let failure: string | undefined;
    try {
      failure = await this.#applyDefinition(stack, this.#load(stack), signal, caller);
    } catch (e) {
      failure = e instanceof Error ? e.message : String(e);
    }
    if (!failure) {
      await this.#setStack(
        stack,
        action,
        'COMPLETE',
        rollingBack ? 'Rollback completed' : 'Stack UPDATE completed successfully',
      );
      return;
    }
    await this.#setStack(stack, action, 'FAILED', failure);
    const cancelled = signal.reason instanceof Cancelled;
    if (!rollingBack && stack.prev && (cancelled || !stack.disableRollback) && stack.parentId === null) {
      // Roll back: the previous definition becomes the stack's again and is applied the same way.
      const prev = stack.prev as unknown as Stored;
      const prevDef = this.#load(stack, prev);
      const back: StackRow = {
        ...stack,
        template: prev.template,
        environment: prev.environment as unknown as JsonMap,
        files: prev.files,
        params: prevDef.params as JsonMap,
        prev: null,
      };
      await this.#journal.write(stack.rootId, (q) =>
        this.#d.store.saveStack(q, {
          ...back,
          action: 'ROLLBACK',
          status: 'IN_PROGRESS',
          statusReason: failure ?? '',
        }),
      );
      await this.#setStack(back, 'ROLLBACK', 'IN_PROGRESS', failure);
      const err = await this.#applyDefinition(back, prevDef, new AbortController().signal, caller).catch(
        (e: Error) => e.message,
      );
      await this.#setStack(back, 'ROLLBACK', err ? 'FAILED' : 'COMPLETE', err ?? 'Rollback completed');
    }
  }

  /** The diff of a definition against the current rows, as update preview reports it. */
  async diff(
    stack: StackRow,
    def: StackDefinition,
  ): Promise<Record<'added' | 'deleted' | 'replaced' | 'updated' | 'unchanged', string[]>> {
    const rows = new Map((await this.#d.store.resources(stack.id)).map((r) => [r.name, r]));
    const scope = this.#scopeOf(stack, def, rows);
    const env = makeResolveEnv(scope);
    const out = {
      added: [] as string[],
      deleted: [] as string[],
      replaced: [] as string[],
      updated: [] as string[],
      unchanged: [] as string[],
    };
    for (const name of def.template.resources.keys()) {
      if (!resourceEnabled(env, def.template, name)) continue;
      const row = rows.get(name);
      if (!row || row.physicalId === null) {
        out.added.push(name);
        continue;
      }
      const plugin = def.plugins.get(name) as ResourcePlugin;
      let kind: 'unchanged' | 'updated' | 'replaced';
      try {
        kind = this.#changeKind(def, env, name, plugin, row).kind;
      } catch {
        kind = 'replaced';
      }
      out[kind].push(name);
    }
    for (const name of rows.keys())
      if (!def.template.resources.has(name) || !resourceEnabled(env, def.template, name))
        out.deleted.push(name);
    for (const k of Object.keys(out) as (keyof typeof out)[]) out[k].sort();
    return out;
  }

  #changeKind(
    def: StackDefinition,
    env: ReturnType<typeof makeResolveEnv>,
    name: string,
    plugin: ResourcePlugin,
    row: ResourceRow,
  ) {
    const rdef = def.template.resources.get(name);
    const { props, metadata } = this.#resolveResource(def, env, name, plugin);
    if (
      rdef?.type !== row.type ||
      (row.status === 'FAILED' && (row.action === 'CREATE' || row.action === 'CHECK'))
    )
      return { kind: 'replaced' as const, props, metadata };
    const changed = changedProperties(row.properties, props);
    const metaChanged = JSON.stringify(metadata) !== JSON.stringify(row.metadata);
    // A template resource whose template text changed is updated even with the same properties.
    const text = plugin.templateUrl ? def.files[plugin.templateUrl] : undefined;
    const nestedTemplate = text !== undefined && templateDigest(text) !== row.data.template;
    if (changed.length === 0 && !metaChanged && !nestedTemplate && row.status === 'COMPLETE')
      return { kind: 'unchanged' as const, props, metadata };
    const inPlace =
      plugin.update !== undefined &&
      !plugin.needsReplace?.(props, row) &&
      (plugin.properties === null || changed.every((k) => plugin.properties?.[k]?.updateAllowed === true));
    return { kind: inPlace ? ('updated' as const) : ('replaced' as const), props, metadata };
  }

  /** Brings the stack's resources to a definition: create new, update/replace changed, delete removed. */
  async #applyDefinition(
    stack: StackRow,
    def: StackDefinition,
    signal: AbortSignal,
    caller: Caller,
  ): Promise<string | undefined> {
    const rows = new Map((await this.#d.store.resources(stack.id)).map((r) => [r.name, r]));
    const oldNames = new Set(rows.keys());
    const scope = this.#scopeOf(stack, def, rows);
    const env = makeResolveEnv(scope);
    let failure: string | undefined;
    const waitsFor = (name: string) => def.template.deps.get(name) ?? [];
    await walkGraph(def.template.resources.keys(), waitsFor, async (name) => {
      if (failure || signal.aborted) return false;
      if (!resourceEnabled(env, def.template, name)) return true;
      try {
        await this.#updateOne(stack, def, scope, env, name, signal, caller);
        return true;
      } catch (e) {
        const reason = signal.aborted ? abortReason(signal, 'UPDATE') : errorReason(e, name, 'UPDATE');
        const cur = rows.get(name);
        if (cur)
          rows.set(
            name,
            await this.#setResource(
              stack,
              cur,
              cur.action === 'INIT' ? 'CREATE' : 'UPDATE',
              'FAILED',
              reason,
            ),
          );
        failure ??= signal.aborted ? reason : `Resource UPDATE failed: ${reason}`;
        return false;
      }
    });
    if (failure) return failure;
    if (signal.aborted) return abortReason(signal, 'UPDATE');
    // Resources the new definition no longer has (or whose condition turned false) go, dependents first.
    const gone = new Map(
      [...rows].filter(
        ([n]) =>
          oldNames.has(n) && (!def.template.resources.has(n) || !resourceEnabled(env, def.template, n)),
      ),
    );
    if (gone.size === 0) return undefined;
    const prevTemplate = stack.prev
      ? this.#load(stack, stack.prev as unknown as Stored).template
      : def.template;
    return this.#walkDelete(stack, prevTemplate, gone, def, signal, caller, true);
  }

  async #updateOne(
    stack: StackRow,
    def: StackDefinition,
    scope: StackScope,
    env: ReturnType<typeof makeResolveEnv>,
    name: string,
    signal: AbortSignal,
    caller: Caller,
  ) {
    const rows = scope.rows as Map<string, ResourceRow>;
    const plugin = def.plugins.get(name) as ResourcePlugin;
    const rdef = def.template.resources.get(name);
    if (!rdef) return;
    const row = rows.get(name);
    if (!row || (row.physicalId === null && row.nestedId === null)) {
      // New (or never created): create it.
      rows.set(name, { ...(row ?? initRow(stack, name, rdef.type, this.#now())), type: rdef.type });
      await this.#createOne(stack, def, scope, env, name, signal, caller);
      return;
    }
    const change = this.#changeKind(def, env, name, plugin, row);
    if (change.kind === 'unchanged') return;
    const rc = this.#context(stack, name, signal, caller, def);
    let cur = await this.#setResource(
      stack,
      row,
      'UPDATE',
      'IN_PROGRESS',
      change.kind === 'replaced' ? 'replacing' : 'state changed',
    );
    rows.set(name, cur);
    if (change.kind === 'updated' && plugin.update) {
      const o = await plugin.update(rc, change.props, cur);
      cur = {
        ...cur,
        physicalId: o.physicalId,
        attributes: o.attributes,
        data: o.data ?? cur.data,
        nestedId: o.nestedId ?? cur.nestedId,
        properties: change.props,
        metadata: change.metadata,
      };
      rows.set(name, await this.#setResource(stack, cur, 'UPDATE', 'COMPLETE', 'state changed'));
      return;
    }
    // Replacement: the new one is created first, then the old one is removed.
    const o = await plugin.create(rc, change.props);
    const old = cur;
    cur = {
      ...cur,
      type: rdef.type,
      physicalId: o.physicalId,
      attributes: o.attributes,
      data: o.data ?? {},
      nestedId: o.nestedId ?? null,
      properties: change.props,
      metadata: change.metadata,
    };
    rows.set(name, cur);
    const oldPlugin = this.#d.registry.get(old.type) ?? plugin;
    if (rdef.deletionPolicy !== 'Retain') await oldPlugin.delete(rc, old);
    rows.set(
      name,
      await this.#setResource(
        stack,
        cur,
        'UPDATE',
        'COMPLETE',
        `replaced (previous ${old.physicalId ?? 'none'} ${rdef.deletionPolicy === 'Retain' ? 'retained' : 'deleted'})`,
      ),
    );
  }

  // ------------------------------------------------------------------ delete

  async #runDelete(stackId: string, signal: AbortSignal, caller: Caller): Promise<void> {
    const stack = await this.#mustGet(stackId);
    const err = await this.#deleteStackResources(stack, signal, caller);
    if (err) {
      await this.#setStack(stack, 'DELETE', 'FAILED', err);
      return;
    }
    await this.#setStack(stack, 'DELETE', 'COMPLETE', 'Stack DELETE completed successfully', async (q) => {
      await q.run('UPDATE heat_stacks SET deleted_at = ? WHERE id = ?', [this.#now(), stack.id]);
    });
  }

  async #deleteStackResources(
    stack: StackRow,
    signal: AbortSignal,
    caller: Caller,
  ): Promise<string | undefined> {
    let def: StackDefinition;
    try {
      def = this.#load(stack);
    } catch {
      // A stack whose stored definition no longer loads (a plugin removed): delete with what the rows say.
      const template = parseTemplate({ heat_template_version: '2013-05-23' });
      def = {
        template,
        environment: emptyEnvironment(),
        files: stack.files,
        plugins: new Map(),
        params: {},
        customChecks: [],
      };
    }
    const rows = new Map((await this.#d.store.resources(stack.id)).map((r) => [r.name, r]));
    return this.#walkDelete(stack, def.template, rows, def, signal, caller, true);
  }

  /** Deletes the given rows, each after the resources that depend on it. Returns a failure reason. */
  async #walkDelete(
    stack: StackRow,
    template: Template,
    rows: Map<string, ResourceRow>,
    def: StackDefinition,
    signal: AbortSignal,
    caller: Caller,
    removeRows: boolean,
  ): Promise<string | undefined> {
    const dependents = new Map<string, string[]>();
    for (const [n, ds] of template.deps)
      for (const d of ds) dependents.set(d, [...(dependents.get(d) ?? []), n]);
    let failure: string | undefined;
    // Dependents still to delete go first (one already deleted has left the rows).
    const waitsFor = (name: string) => (dependents.get(name) ?? []).filter((n) => rows.has(n));
    await walkGraph([...rows.keys()], waitsFor, async (name) => {
      if (failure) return false;
      let row = rows.get(name) as ResourceRow;
      if (row.action === 'INIT' || (row.action === 'DELETE' && row.status === 'COMPLETE')) {
        // Never created: nothing to delete (a rollback keeps the row at INIT).
        if (removeRows)
          await this.#journal.write(stack.rootId, (q) => this.#d.store.deleteResource(q, stack.id, name));
        return true;
      }
      const policy = template.resources.get(name)?.deletionPolicy ?? 'Delete';
      try {
        row = await this.#setResource(stack, row, 'DELETE', 'IN_PROGRESS', 'state changed');
        const plugin = def.plugins.get(name) ?? this.#d.registry.get(row.type) ?? this.#nestedFallback(row);
        if (policy !== 'Retain' && plugin)
          await plugin.delete(this.#context(stack, name, signal, caller, def), row);
        row = await this.#setResource(
          stack,
          row,
          'DELETE',
          'COMPLETE',
          policy === 'Retain' ? 'Retained' : 'state changed',
        );
        if (removeRows)
          await this.#journal.write(stack.rootId, (q) => this.#d.store.deleteResource(q, stack.id, name));
        else
          await this.#journal.write(stack.rootId, (q) =>
            this.#d.store.upsertResource(q, { ...initRow(stack, name, row.type, this.#now()), id: row.id }),
          );
        rows.delete(name);
        return true;
      } catch (e) {
        const reason = errorReason(e, name, 'DELETE');
        await this.#setResource(stack, row, 'DELETE', 'FAILED', reason).catch(() => undefined);
        failure ??= `Resource DELETE failed: ${reason}`;
        return false;
      }
    });
    return failure;
  }

  /** Rows whose template resource type is gone still own a child stack to delete. */
  #nestedFallback(row: ResourceRow): ResourcePlugin | undefined {
    if (!row.nestedId) return undefined;
    const nestedId = row.nestedId;
    return {
      type: row.type,
      description: '',
      properties: null,
      attributes: {},
      create: async () => {
        throw new Error('not creatable');
      },
      delete: async (rc) => rc.nested.delete(nestedId),
    };
  }

  // ------------------------------------------------------------------ check

  async #runCheck(stackId: string, signal: AbortSignal, caller: Caller, action: string): Promise<void> {
    const stack = await this.#mustGet(stackId);
    const def = this.#load(stack);
    const rows = await this.#d.store.resources(stack.id);
    let failure: string | undefined;
    await Promise.all(
      rows.map(async (row) => {
        let cur = await this.#setResource(stack, row, action, 'IN_PROGRESS', 'state changed');
        try {
          const plugin = def.plugins.get(row.name);
          if (row.physicalId === null && row.nestedId === null)
            throw new Error('the resource was never created');
          if (action === 'CHECK')
            await plugin?.check?.(this.#context(stack, row.name, signal, caller, def), cur);
          cur = await this.#setResource(stack, cur, action, 'COMPLETE', 'state changed');
        } catch (e) {
          const reason = errorReason(e, row.name, action);
          failure ??= `Resource ${action} failed: ${reason}`;
          await this.#setResource(stack, cur, action, 'FAILED', reason);
        }
      }),
    );
    for (const child of await this.#d.store.childStacks(stack.id)) {
      await this.#setStack(child, action, 'COMPLETE', `Stack ${action} completed successfully`);
    }
    await this.#setStack(
      stack,
      action,
      failure ? 'FAILED' : 'COMPLETE',
      failure ?? `Stack ${action} completed successfully`,
    );
  }

  // ------------------------------------------------------------------ nested stacks

  #nestedOps(
    parent: StackRow,
    resourceName: string,
    signal: AbortSignal,
    caller: Caller,
    parentDef: StackDefinition,
  ): NestedOps {
    const rdef = parentDef.template.resources.get(resourceName);
    const facade = {
      metadata: rdef?.metadata ?? {},
      deletion_policy: rdef?.deletionPolicy ?? 'Delete',
      update_policy: rdef?.updatePolicy ?? {},
    };
    const childInput = (template: JsonMap, params: JsonMap, files?: Record<string, string>): StackInput => {
      const penv = parentDef.environment;
      const environment: Environment = {
        ...emptyEnvironment(),
        parameters: params,
        parameter_defaults: penv.parameter_defaults,
        resource_registry: penv.resource_registry,
      };
      (environment as unknown as JsonMap).__facade = facade as unknown as JsonMap;
      return { template, environment, files: files ?? parentDef.files };
    };
    const result = async (stackId: string): Promise<NestedResult> => {
      const child = await this.#mustGet(stackId);
      const outputs: JsonMap = {};
      for (const o of await this.outputs(child)) outputs[o.output_key] = o.output_value;
      const resources: NestedResult['resources'] = {};
      for (const r of await this.#d.store.resources(child.id))
        resources[r.name] = this.attributesOf(child, r);
      return { stackId, outputs, resources };
    };
    return {
      create: async (template, params, files) => {
        const input = childInput(template, params, files);
        const def = this.prepare(input);
        const name = `${parent.name}-${resourceName}-${randomBytes(6).toString('hex')}`;
        const child = newStackRow(
          this.#now(),
          caller,
          randomUUID(),
          name,
          parent,
          resourceName,
          parent.rootId,
          input,
          def,
          {
            disableRollback: true,
            timeoutMins: null,
            tags: [],
          },
        );
        await this.#journal.write(parent.rootId, async (q) => {
          await this.#d.store.insertStack(q, child);
          await this.#insertInitRows(q, child, def);
          await this.#stackEvent(q, child, 'CREATE', 'IN_PROGRESS', 'Stack CREATE started');
        });
        const rows = new Map((await this.#d.store.resources(child.id)).map((r) => [r.name, r]));
        const failure = await this.#walkCreate(child, def, rows, signal, caller);
        await this.#setStack(
          child,
          'CREATE',
          failure ? 'FAILED' : 'COMPLETE',
          failure ?? 'Stack CREATE completed successfully',
        );
        if (failure) throw new Error(failure);
        return result(child.id);
      },
      update: async (stackId, template, params, files) => {
        const child = await this.#mustGet(stackId);
        const input = childInput(template, params, files);
        const def = this.prepare(input);
        const updated: StackRow = {
          ...child,
          template,
          environment: input.environment as unknown as JsonMap,
          files: input.files,
          params: def.params as JsonMap,
          prev: {
            template: child.template,
            environment: child.environment,
            files: child.files,
          } as unknown as JsonMap,
        };
        await this.#journal.write(parent.rootId, async (q) => {
          await this.#d.store.saveStack(q, {
            ...updated,
            action: 'UPDATE',
            status: 'IN_PROGRESS',
            statusReason: 'Stack UPDATE started',
          });
          await this.#stackEvent(q, updated, 'UPDATE', 'IN_PROGRESS', 'Stack UPDATE started');
        });
        const failure = await this.#applyDefinition(updated, def, signal, caller);
        await this.#setStack(
          updated,
          'UPDATE',
          failure ? 'FAILED' : 'COMPLETE',
          failure ?? 'Stack UPDATE completed successfully',
        );
        if (failure) throw new Error(failure);
        return result(child.id);
      },
      delete: async (stackId) => {
        const child = await this.#d.store.getStack(stackId);
        if (!child || child.deletedAt !== null) return;
        await this.#setStack(child, 'DELETE', 'IN_PROGRESS', 'Stack DELETE started');
        const err = await this.#deleteStackResources(child, signal, caller);
        if (err) {
          await this.#setStack(child, 'DELETE', 'FAILED', err);
          throw new Error(err);
        }
        await this.#setStack(
          child,
          'DELETE',
          'COMPLETE',
          'Stack DELETE completed successfully',
          async (q) => {
            await q.run('UPDATE heat_stacks SET deleted_at = ? WHERE id = ?', [this.#now(), child.id]);
          },
        );
      },
    };
  }

  async #mustGet(id: string): Promise<StackRow> {
    const s = await this.#d.store.getStack(id);
    if (!s) throw new Error(`stack ${id} vanished`);
    return s;
  }
}
