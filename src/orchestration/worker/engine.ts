// The engine: starts create, update, delete, check and rollback of stacks, each as a fenced task under
// the root stack's lease, and answers the views the API needs. The work itself lives in run-create,
// run-update, run-delete, run-check, nested-ops and recovery, over the shared EngineCore.
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../platform/db/types.ts';
import { conflict } from '../../platform/errors/catalogue.ts';
import { withTask } from '../../platform/work/task.ts';
import type { Environment } from '../model/environment.ts';
import { TemplateError } from '../model/errors.ts';
import type { Json, JsonMap } from '../model/template-format.ts';
import type { HeatStore, ResourceRow, StackRow } from '../store/stacks.ts';
import { EngineCore, type EngineDeps, type Stored } from './engine-core.ts';
import { Journal } from './journal.ts';
import type { StackDefinition, StackInput } from './prepare.ts';
import { recoverAbandoned } from './recovery.ts';
import { type Caller, Cancelled, newStackRow } from './rows.ts';
import { runCheck } from './run-check.ts';
import { runCreate } from './run-create.ts';
import { runDelete } from './run-delete.ts';
import { diffDefinition, runUpdate } from './run-update.ts';
import { type OutputView, resourceAttributes, stackOutputs } from './stack-views.ts';

export type { EngineDeps } from './engine-core.ts';
export type { Caller } from './rows.ts';

export class Engine {
  readonly #c: EngineCore;
  readonly #running = new Map<string, { controller: AbortController; done: Promise<void>; action: string }>();

  constructor(deps: EngineDeps) {
    this.#c = new EngineCore(deps);
  }

  get owner(): string {
    return this.#c.owner;
  }

  get store(): HeatStore {
    return this.#c.d.store;
  }

  prepare(input: StackInput, opts: { strictUnknownParams?: boolean } = {}): StackDefinition {
    return this.#c.prepare(input, opts);
  }

  /** Creates the stack's rows (stack, resources at INIT_COMPLETE, the first event) and starts the work. */
  async create(
    caller: Caller,
    name: string,
    input: StackInput,
    opts: { disableRollback: boolean; timeoutMins: number | null; tags: string[] },
  ): Promise<StackRow> {
    const c = this.#c;
    const def = this.prepare(input);
    const id = randomUUID();
    const stack = newStackRow(c.now(), caller, id, name, null, null, id, input, def, opts);
    await c.d.db.tx(async (q) => {
      if (await this.#nameTaken(q, caller.projectId, name))
        throw conflict(`The Stack (${name}) already exists.`, { type: 'StackExists' });
      await c.d.store.insertStack(q, stack);
      await c.insertInitRows(q, stack, def);
      await c.stackEvent(q, stack, 'CREATE', 'IN_PROGRESS', 'Stack CREATE started');
    });
    this.#spawn(stack, 'CREATE', (signal) => runCreate(c, stack.id, signal, caller));
    return stack;
  }

  /** Starts an update to a new definition (checked first); the old one is kept for rollback. */
  async update(
    caller: Caller,
    stack: StackRow,
    input: StackInput,
    opts: { disableRollback?: boolean; timeoutMins?: number | null; tags?: string[] },
  ) {
    const c = this.#c;
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
      updatedAt: c.now(),
    };
    await c.d.db.tx(async (q) => {
      await c.d.store.saveStack(q, updated);
      await c.stackEvent(q, updated, 'UPDATE', 'IN_PROGRESS', 'Stack UPDATE started');
    });
    this.#spawn(updated, 'UPDATE', (signal) => runUpdate(c, updated.id, signal, caller, false));
    return updated;
  }

  async delete(caller: Caller, stack: StackRow): Promise<void> {
    const c = this.#c;
    const running = this.#running.get(stack.rootId);
    if (running && stack.parentId === null) {
      // Deleting a stack whose create/update is running cancels that first, as Heat does.
      running.controller.abort(new Cancelled(`Stack ${running.action} cancelled`));
      await running.done;
    }
    const fresh = (await c.d.store.getStack(stack.id)) ?? stack;
    await this.#checkFree(fresh);
    await c.d.db.tx(async (q) => {
      await c.d.store.setStackStatus(q, fresh.id, 'DELETE', 'IN_PROGRESS', 'Stack DELETE started', c.now());
      await c.stackEvent(q, fresh, 'DELETE', 'IN_PROGRESS', 'Stack DELETE started');
    });
    this.#spawn(fresh, 'DELETE', (signal) => runDelete(c, fresh.id, signal, caller));
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
    const c = this.#c;
    await this.#checkFree(stack);
    if (action === 'RESUME' && !(stack.action === 'SUSPEND' && stack.status === 'COMPLETE')) {
      throw new TemplateError(
        `Resuming a stack that is ${stack.action}_${stack.status} is not supported; suspend it first.`,
        { type: 'NotSupported' },
      );
    }
    const started = `Stack ${action} started`;
    await c.d.db.tx(async (q) => {
      await c.d.store.setStackStatus(q, stack.id, action, 'IN_PROGRESS', started, c.now());
      await c.stackEvent(q, stack, action, 'IN_PROGRESS', started);
    });
    this.#spawn(stack, action, (signal) => runCheck(c, stack.id, signal, caller, action));
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
    const c = this.#c;
    await this.#checkFree(stack);
    const next = { ...row, action: 'CHECK', status, statusReason: reason, updatedAt: c.now() };
    await c.d.db.tx(async (q) => {
      await c.d.store.upsertResource(q, next);
      await c.resourceEvent(q, stack, next, 'CHECK', status, reason);
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

  /** After a crash: abandoned IN_PROGRESS stacks become FAILED (see recovery.ts). */
  recover(): Promise<number> {
    return recoverAbandoned(this.#c, (root) => this.#running.has(root));
  }

  /** The stack's outputs resolved now; one that fails carries output_error instead of failing the show. */
  outputs(stack: StackRow): Promise<OutputView[]> {
    return stackOutputs(this.#c, stack);
  }

  /** A resource's reference id and attributes, for views (get_resource / attributes of resource show). */
  attributesOf(_stack: StackRow, row: ResourceRow): { ref: Json; attributes: JsonMap } {
    return resourceAttributes(this.#c, row);
  }

  /** The diff of a definition against the current rows, as update preview reports it. */
  diff(
    stack: StackRow,
    def: StackDefinition,
  ): Promise<Record<'added' | 'deleted' | 'replaced' | 'updated' | 'unchanged', string[]>> {
    return diffDefinition(this.#c, stack, def);
  }

  #spawn(stack: StackRow, action: string, fn: (signal: AbortSignal) => Promise<void>): void {
    const c = this.#c;
    const controller = new AbortController();
    const timeout = stack.timeoutMins ? AbortSignal.timeout(stack.timeoutMins * 60_000) : undefined;
    const root = stack.rootId;
    const done = withTask(
      c.d.ctx,
      c.d.leases,
      { resource: Journal.leaseName(root), owner: c.owner, purpose: action, ttlMs: c.ttl },
      async (task) => {
        c.journal.attach(root, task);
        try {
          await fn(AbortSignal.any([task.signal, controller.signal, ...(timeout ? [timeout] : [])]));
        } finally {
          c.journal.detach(root);
        }
      },
    )
      .catch((e) => c.d.ctx.log.error({ err: e, stack: stack.id, action }, 'stack operation failed'))
      .finally(() => this.#running.delete(root));
    this.#running.set(root, { controller, done, action });
  }

  /** Refuses to start work on a stack another live engine (or this one) is working on. */
  async #checkFree(stack: StackRow) {
    this.#checkIdle(stack);
    const lease = await this.#c.d.leases.get(Journal.leaseName(stack.rootId));
    if (lease && lease.owner !== '' && lease.expiresAt > this.#c.now()) {
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

  async #nameTaken(q: Queryable, projectId: string, name: string) {
    return (
      (await q.get(
        'SELECT 1 AS x FROM heat_stacks WHERE project_id = ? AND name = ? AND deleted_at IS NULL',
        [projectId, name],
      )) !== undefined
    );
  }
}
