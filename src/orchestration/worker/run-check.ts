// check, suspend and resume: every resource moves through the action; only check asks the plugins.
import type { EngineCore } from './engine-core.ts';
import { resourceContext } from './nested-ops.ts';
import { type Caller, errorReason } from './rows.ts';

export async function runCheck(
  core: EngineCore,
  stackId: string,
  signal: AbortSignal,
  caller: Caller,
  action: string,
): Promise<void> {
  const stack = await core.mustGet(stackId);
  const def = core.load(stack);
  const rows = await core.d.store.resources(stack.id);
  let failure: string | undefined;
  await Promise.all(
    rows.map(async (row) => {
      let cur = await core.setResource(stack, row, action, 'IN_PROGRESS', 'state changed');
      try {
        const plugin = def.plugins.get(row.name);
        if (row.physicalId === null && row.nestedId === null)
          throw new Error('the resource was never created');
        if (action === 'CHECK')
          await plugin?.check?.(resourceContext(core, stack, row.name, signal, caller, def), cur);
        cur = await core.setResource(stack, cur, action, 'COMPLETE', 'state changed');
      } catch (e) {
        const reason = errorReason(e, row.name, action);
        failure ??= `Resource ${action} failed: ${reason}`;
        await core.setResource(stack, cur, action, 'FAILED', reason);
      }
    }),
  );
  for (const child of await core.d.store.childStacks(stack.id)) {
    await core.setStack(child, action, 'COMPLETE', `Stack ${action} completed successfully`);
  }
  await core.setStack(
    stack,
    action,
    failure ? 'FAILED' : 'COMPLETE',
    failure ?? `Stack ${action} completed successfully`,
  );
}
