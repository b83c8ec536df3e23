// Create: every enabled resource not yet COMPLETE starts as soon as what it depends on is complete; a
// failure stops new starts, and a root stack with rollback enabled then deletes what was created.
import type { ResolveEnv } from '../model/functions/call.ts';
import type { ResourceRow, StackRow } from '../store/stacks.ts';
import type { EngineCore } from './engine-core.ts';
import { countSignals, resourceContext } from './nested-ops.ts';
import type { StackDefinition } from './prepare.ts';
import { makeResolveEnv, type StackScope } from './resolve-env.ts';
import { resolveResource } from './resolve-resource.ts';
import type { ResourcePlugin } from './resources/plugin.ts';
import { type Caller, withOutcome } from './rows.ts';
import { walkDelete } from './run-delete.ts';
import { walkResources } from './walk-resources.ts';

export async function runCreate(core: EngineCore, stackId: string, signal: AbortSignal, caller: Caller) {
  const stack = await core.mustGet(stackId);
  const def = core.load(stack);
  const failure = await walkCreate(core, stack, def, await core.rowsOf(stack.id), signal, caller);
  if (!failure) {
    await core.setStack(stack, 'CREATE', 'COMPLETE', 'Stack CREATE completed successfully');
    return;
  }
  await core.setStack(stack, 'CREATE', 'FAILED', failure);
  if (!stack.disableRollback && stack.parentId === null) {
    await core.setStack(stack, 'ROLLBACK', 'IN_PROGRESS', failure);
    const err = await walkDelete(
      core,
      stack,
      def.template,
      await core.rowsOf(stack.id),
      def,
      new AbortController().signal,
      caller,
      false,
    );
    await core.setStack(stack, 'ROLLBACK', err ? 'FAILED' : 'COMPLETE', err ?? 'Rollback completed');
  }
}

/** Creates every enabled resource not yet COMPLETE, in parallel along the graph. Returns a failure reason. */
export async function walkCreate(
  core: EngineCore,
  stack: StackRow,
  def: StackDefinition,
  rows: Map<string, ResourceRow>,
  signal: AbortSignal,
  caller: Caller,
): Promise<string | undefined> {
  const scope = core.scopeOf(stack, def, rows);
  const env = makeResolveEnv(scope);
  const step = async (name: string) => {
    const row = rows.get(name);
    if (!row) return; // condition false: nothing to create
    if (row.action === 'CREATE' && row.status === 'COMPLETE') return;
    await createOne(core, stack, def, scope, env, name, signal, caller);
  };
  return walkResources(core, stack, def, rows, signal, 'CREATE', step, () => 'CREATE');
}

export async function createOne(
  core: EngineCore,
  stack: StackRow,
  def: StackDefinition,
  scope: StackScope,
  env: ResolveEnv,
  name: string,
  signal: AbortSignal,
  caller: Caller,
) {
  const rows = scope.rows as Map<string, ResourceRow>;
  const plugin = def.plugins.get(name) as ResourcePlugin;
  const rdef = def.template.resources.get(name);
  if (!rdef) throw new Error(`unknown resource ${name}`);
  const signalsBefore = await countSignals(core, stack, name, plugin);
  let row = await core.setResource(
    stack,
    rows.get(name) as ResourceRow,
    'CREATE',
    'IN_PROGRESS',
    'state changed',
  );
  rows.set(name, row);
  const { props, metadata } = resolveResource(def, env, name, plugin);
  const rc = { ...resourceContext(core, stack, name, signal, caller, def), metadata, signalsBefore };
  const outcome = await plugin.create(rc, props);
  if (signal.aborted) throw signal.reason;
  row = withOutcome(row, outcome, { props, metadata });
  rows.set(name, await core.setResource(stack, row, 'CREATE', 'COMPLETE', 'state changed'));
}
