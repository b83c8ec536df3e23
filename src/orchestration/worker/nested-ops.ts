// What a resource plugin gets to work with (its ResourceContext), including the child-stack operations
// (Stack, ResourceGroup, ResourceChain, template resources) that run inside the root stack's task.
import { randomBytes, randomUUID } from 'node:crypto';
import { type Environment, emptyEnvironment } from '../model/environment.ts';
import type { JsonMap } from '../model/template-format.ts';
import type { StackRow } from '../store/stacks.ts';
import type { EngineCore } from './engine-core.ts';
import type { StackDefinition, StackInput } from './prepare.ts';
import type { NestedOps, NestedResult, ResourceContext, ResourcePlugin } from './resources/plugin.ts';
import { type Caller, newStackRow } from './rows.ts';
import { walkCreate } from './run-create.ts';
import { deleteStackResources } from './run-delete.ts';
import { applyDefinition } from './run-update.ts';
import { resourceAttributes, stackOutputs } from './stack-views.ts';

export function resourceContext(
  core: EngineCore,
  stack: StackRow,
  name: string,
  signal: AbortSignal,
  caller: Caller,
  def: StackDefinition,
): ResourceContext {
  return {
    ctx: core.d.ctx,
    signal,
    stack,
    name,
    store: core.d.store,
    nested: nestedOps(core, stack, name, signal, caller, def),
    clients: core.d.clients,
    files: def.files,
    templateVersion: def.template.version.kind === 'hot' ? def.template.version.date : '2015-10-15',
    ...(caller.token ? { token: caller.token } : {}),
    region: core.d.region,
    cfnUrl: () => {
      const url = core.d.cfnUrl?.();
      if (!url)
        throw new Error(
          'The CFN API (heat-cfn, port 8000) is not served: CFN signals and POLL_SERVER_CFN need it.',
        );
      return url.replace(/\/+$/, '').replace(/\/v1$/, '');
    },
    authUrl: () => {
      const url = core.d.authUrl?.();
      if (!url) throw new Error('Keystone’s URL is unknown here: set orchestration.authUrl.');
      return url;
    },
  };
}

function nestedOps(
  core: EngineCore,
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
    const child = await core.mustGet(stackId);
    const outputs: JsonMap = {};
    for (const o of await stackOutputs(core, child)) outputs[o.output_key] = o.output_value;
    const resources: NestedResult['resources'] = {};
    for (const r of await core.d.store.resources(child.id)) resources[r.name] = resourceAttributes(core, r);
    return { stackId, outputs, resources };
  };
  return {
    create: async (template, params, files) => {
      const input = childInput(template, params, files);
      const def = core.prepare(input);
      const name = `${parent.name}-${resourceName}-${randomBytes(6).toString('hex')}`;
      const child = newStackRow(
        core.now(),
        caller,
        randomUUID(),
        name,
        parent,
        resourceName,
        parent.rootId,
        input,
        def,
        { disableRollback: true, timeoutMins: null, tags: [] },
      );
      await core.journal.write(parent.rootId, async (q) => {
        await core.d.store.insertStack(q, child);
        await core.insertInitRows(q, child, def);
        await core.stackEvent(q, child, 'CREATE', 'IN_PROGRESS', 'Stack CREATE started');
      });
      const failure = await walkCreate(core, child, def, await core.rowsOf(child.id), signal, caller);
      await core.setStack(
        child,
        'CREATE',
        failure ? 'FAILED' : 'COMPLETE',
        failure ?? 'Stack CREATE completed successfully',
      );
      if (failure) throw new Error(failure);
      return result(child.id);
    },
    update: async (stackId, template, params, files) => {
      const child = await core.mustGet(stackId);
      const input = childInput(template, params, files);
      const def = core.prepare(input);
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
      await core.journal.write(parent.rootId, async (q) => {
        await core.d.store.saveStack(q, {
          ...updated,
          action: 'UPDATE',
          status: 'IN_PROGRESS',
          statusReason: 'Stack UPDATE started',
        });
        await core.stackEvent(q, updated, 'UPDATE', 'IN_PROGRESS', 'Stack UPDATE started');
      });
      const failure = await applyDefinition(core, updated, def, signal, caller);
      await core.setStack(
        updated,
        'UPDATE',
        failure ? 'FAILED' : 'COMPLETE',
        failure ?? 'Stack UPDATE completed successfully',
      );
      if (failure) throw new Error(failure);
      return result(child.id);
    },
    delete: async (stackId) => {
      const child = await core.d.store.getStack(stackId);
      if (!child || child.deletedAt !== null) return;
      await core.setStack(child, 'DELETE', 'IN_PROGRESS', 'Stack DELETE started');
      const err = await deleteStackResources(core, child, signal, caller);
      if (err) {
        await core.setStack(child, 'DELETE', 'FAILED', err);
        throw new Error(err);
      }
      await core.setDeleted(child);
    },
  };
}

/** The signals a resource had before an action marks it IN_PROGRESS (undefined for types taking none). */
export async function countSignals(
  core: EngineCore,
  stack: StackRow,
  name: string,
  plugin: ResourcePlugin | undefined,
): Promise<number | undefined> {
  if (!plugin?.acceptsSignals) return undefined;
  return (await core.d.store.signals(stack.id, name)).length;
}
