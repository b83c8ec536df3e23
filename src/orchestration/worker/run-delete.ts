// Delete: resources go in reverse dependency order (each after its dependents), in parallel where
// independent, honouring deletion_policy (Retain keeps the thing); child stacks go with their resource.
import { emptyEnvironment } from '../model/environment.ts';
import { parseTemplate, type Template } from '../model/template.ts';
import type { ResourceRow, StackRow } from '../store/stacks.ts';
import type { EngineCore } from './engine-core.ts';
import { walkGraph } from './graph-walk.ts';
import { resourceContext } from './nested-ops.ts';
import type { StackDefinition } from './prepare.ts';
import type { ResourcePlugin } from './resources/plugin.ts';
import { type Caller, errorReason, initRow } from './rows.ts';

export async function runDelete(core: EngineCore, stackId: string, signal: AbortSignal, caller: Caller) {
  const stack = await core.mustGet(stackId);
  const err = await deleteStackResources(core, stack, signal, caller);
  if (err) {
    await core.setStack(stack, 'DELETE', 'FAILED', err);
    return;
  }
  await core.setDeleted(stack);
}

export async function deleteStackResources(
  core: EngineCore,
  stack: StackRow,
  signal: AbortSignal,
  caller: Caller,
): Promise<string | undefined> {
  let def: StackDefinition;
  try {
    def = core.load(stack);
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
  return walkDelete(core, stack, def.template, await core.rowsOf(stack.id), def, signal, caller, true);
}

/** Deletes the given rows, each after the resources that depend on it. Returns a failure reason. */
export async function walkDelete(
  core: EngineCore,
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
        await core.journal.write(stack.rootId, (q) => core.d.store.deleteResource(q, stack.id, name));
      return true;
    }
    const policy = template.resources.get(name)?.deletionPolicy ?? 'Delete';
    try {
      row = await core.setResource(stack, row, 'DELETE', 'IN_PROGRESS', 'state changed');
      const plugin = def.plugins.get(name) ?? core.d.registry.get(row.type) ?? nestedFallback(row);
      if (policy !== 'Retain' && plugin)
        await plugin.delete(resourceContext(core, stack, name, signal, caller, def), row);
      row = await core.setResource(
        stack,
        row,
        'DELETE',
        'COMPLETE',
        policy === 'Retain' ? 'Retained' : 'state changed',
      );
      if (removeRows)
        await core.journal.write(stack.rootId, (q) => core.d.store.deleteResource(q, stack.id, name));
      else
        await core.journal.write(stack.rootId, (q) =>
          core.d.store.upsertResource(q, { ...initRow(stack, name, row.type, core.now()), id: row.id }),
        );
      rows.delete(name);
      return true;
    } catch (e) {
      const reason = errorReason(e, name, 'DELETE');
      await core.setResource(stack, row, 'DELETE', 'FAILED', reason).catch(() => undefined);
      failure ??= `Resource DELETE failed: ${reason}`;
      return false;
    }
  });
  return failure;
}

/** Rows whose template resource type is gone still own a child stack to delete. */
function nestedFallback(row: ResourceRow): ResourcePlugin | undefined {
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
