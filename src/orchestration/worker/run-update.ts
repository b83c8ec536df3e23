// Update by diff: each resource is unchanged, updated in place (only properties its type allows) or
// replaced (new one first, then the old one deleted or retained); removed resources go last, dependents
// first. A failed or cancelled update of a root stack rolls back by applying the previous definition.
import type { ResolveEnv } from '../model/functions/call.ts';
import { changedProperties } from '../model/properties.ts';
import type { JsonMap } from '../model/template-format.ts';
import type { ResourceRow, StackRow } from '../store/stacks.ts';
import type { EngineCore, Stored } from './engine-core.ts';
import { countSignals, resourceContext } from './nested-ops.ts';
import type { StackDefinition } from './prepare.ts';
import { makeResolveEnv, resourceEnabled, type StackScope } from './resolve-env.ts';
import { resolveResource } from './resolve-resource.ts';
import { templateDigest } from './resources/nested.ts';
import type { ResourcePlugin } from './resources/plugin.ts';
import { type Caller, Cancelled, initRow, withOutcome } from './rows.ts';
import { createOne } from './run-create.ts';
import { walkDelete } from './run-delete.ts';
import { walkResources } from './walk-resources.ts';

export async function runUpdate(
  core: EngineCore,
  stackId: string,
  signal: AbortSignal,
  caller: Caller,
  rollingBack: boolean,
): Promise<void> {
  const stack = await core.mustGet(stackId);
  const action = rollingBack ? 'ROLLBACK' : 'UPDATE';
  let failure: string | undefined;
  try {
    failure = await applyDefinition(core, stack, core.load(stack), signal, caller);
  } catch (e) {
    failure = e instanceof Error ? e.message : String(e);
  }
  if (!failure) {
    await core.setStack(
      stack,
      action,
      'COMPLETE',
      rollingBack ? 'Rollback completed' : 'Stack UPDATE completed successfully',
    );
    return;
  }
  await core.setStack(stack, action, 'FAILED', failure);
  const cancelled = signal.reason instanceof Cancelled;
  if (!rollingBack && stack.prev && (cancelled || !stack.disableRollback) && stack.parentId === null) {
    // Roll back: the previous definition becomes the stack's again and is applied the same way.
    const prev = stack.prev as unknown as Stored;
    const prevDef = core.load(stack, prev);
    const back: StackRow = {
      ...stack,
      template: prev.template,
      environment: prev.environment as unknown as JsonMap,
      files: prev.files,
      params: prevDef.params as JsonMap,
      prev: null,
    };
    await core.journal.write(stack.rootId, (q) =>
      core.d.store.saveStack(q, {
        ...back,
        action: 'ROLLBACK',
        status: 'IN_PROGRESS',
        statusReason: failure ?? '',
      }),
    );
    await core.setStack(back, 'ROLLBACK', 'IN_PROGRESS', failure);
    const err = await applyDefinition(core, back, prevDef, new AbortController().signal, caller).catch(
      (e: Error) => e.message,
    );
    await core.setStack(back, 'ROLLBACK', err ? 'FAILED' : 'COMPLETE', err ?? 'Rollback completed');
  }
}

/** The diff of a definition against the current rows, as update preview reports it. */
export async function diffDefinition(
  core: EngineCore,
  stack: StackRow,
  def: StackDefinition,
): Promise<Record<'added' | 'deleted' | 'replaced' | 'updated' | 'unchanged', string[]>> {
  const rows = await core.rowsOf(stack.id);
  const env = makeResolveEnv(core.scopeOf(stack, def, rows));
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
      kind = changeKind(def, env, name, plugin, row).kind;
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

function changeKind(
  def: StackDefinition,
  env: ResolveEnv,
  name: string,
  plugin: ResourcePlugin,
  row: ResourceRow,
) {
  const rdef = def.template.resources.get(name);
  const { props, metadata } = resolveResource(def, env, name, plugin);
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
  if (plugin.replacedOnEveryUpdate) return { kind: 'replaced' as const, props, metadata };
  if (changed.length === 0 && !metaChanged && !nestedTemplate && row.status === 'COMPLETE')
    return { kind: 'unchanged' as const, props, metadata };
  const inPlace =
    plugin.update !== undefined &&
    !plugin.needsReplace?.(props, row) &&
    (plugin.properties === null || changed.every((k) => plugin.properties?.[k]?.updateAllowed === true));
  return { kind: inPlace ? ('updated' as const) : ('replaced' as const), props, metadata };
}

/** Brings the stack's resources to a definition: create new, update/replace changed, delete removed. */
export async function applyDefinition(
  core: EngineCore,
  stack: StackRow,
  def: StackDefinition,
  signal: AbortSignal,
  caller: Caller,
): Promise<string | undefined> {
  const rows = await core.rowsOf(stack.id);
  const oldNames = new Set(rows.keys());
  const scope = core.scopeOf(stack, def, rows);
  const env = makeResolveEnv(scope);
  const step = async (name: string) => {
    if (!resourceEnabled(env, def.template, name)) return;
    await updateOne(core, stack, def, scope, env, name, signal, caller);
  };
  const failedAction = (row: ResourceRow) => (row.action === 'INIT' ? 'CREATE' : 'UPDATE');
  const failure = await walkResources(core, stack, def, rows, signal, 'UPDATE', step, failedAction);
  if (failure) return failure;
  // Resources the new definition no longer has (or whose condition turned false) go, dependents first.
  const gone = new Map(
    [...rows].filter(
      ([n]) => oldNames.has(n) && (!def.template.resources.has(n) || !resourceEnabled(env, def.template, n)),
    ),
  );
  if (gone.size === 0) return undefined;
  const prevTemplate = stack.prev ? core.load(stack, stack.prev as unknown as Stored).template : def.template;
  return walkDelete(core, stack, prevTemplate, gone, def, signal, caller, true);
}

async function updateOne(
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
  if (!rdef) return;
  const row = rows.get(name);
  if (!row || (row.physicalId === null && row.nestedId === null)) {
    // New (or never created): create it.
    rows.set(name, { ...(row ?? initRow(stack, name, rdef.type, core.now())), type: rdef.type });
    await createOne(core, stack, def, scope, env, name, signal, caller);
    return;
  }
  const change = changeKind(def, env, name, plugin, row);
  if (change.kind === 'unchanged') return;
  const rc = {
    ...resourceContext(core, stack, name, signal, caller, def),
    signalsBefore: await countSignals(core, stack, name, plugin),
  };
  let cur = await core.setResource(
    stack,
    row,
    'UPDATE',
    'IN_PROGRESS',
    change.kind === 'replaced' ? 'replacing' : 'state changed',
  );
  rows.set(name, cur);
  if (change.kind === 'updated' && plugin.update) {
    const o = await plugin.update(rc, change.props, cur);
    cur = withOutcome(cur, o, change, cur);
    rows.set(name, await core.setResource(stack, cur, 'UPDATE', 'COMPLETE', 'state changed'));
    return;
  }
  // Replacement: the new one is created first, then the old one is removed.
  const o = await plugin.create({ ...rc, metadata: change.metadata }, change.props);
  const old = cur;
  cur = withOutcome({ ...cur, type: rdef.type }, o, change);
  rows.set(name, cur);
  const oldPlugin = core.d.registry.get(old.type) ?? plugin;
  if (rdef.deletionPolicy !== 'Retain') await oldPlugin.delete(rc, old);
  rows.set(
    name,
    await core.setResource(
      stack,
      cur,
      'UPDATE',
      'COMPLETE',
      `replaced (previous ${old.physicalId ?? 'none'} ${rdef.deletionPolicy === 'Retain' ? 'retained' : 'deleted'})`,
    ),
  );
}
