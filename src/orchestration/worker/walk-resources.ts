// The walk create and update share: each resource's step starts as soon as what it waits for is done, and
// the first failure (written on its row) stops new starts; a cancelled walk reports why.
import type { ResourceRow, StackRow } from '../store/stacks.ts';
import type { EngineCore } from './engine-core.ts';
import { walkGraph } from './graph-walk.ts';
import type { StackDefinition } from './prepare.ts';
import { abortReason, errorReason } from './rows.ts';

/** Runs `step` for every resource along the graph; returns the first failure's reason, if any. */
export async function walkResources(
  core: EngineCore,
  stack: StackRow,
  def: StackDefinition,
  rows: Map<string, ResourceRow>,
  signal: AbortSignal,
  op: 'CREATE' | 'UPDATE',
  step: (name: string) => Promise<void>,
  /** The action a failed resource's row records (an update that was creating it records CREATE). */
  failedAction: (row: ResourceRow) => string,
): Promise<string | undefined> {
  let failure: string | undefined;
  const waitsFor = (name: string) => def.template.deps.get(name) ?? [];
  await walkGraph(def.template.resources.keys(), waitsFor, async (name) => {
    if (failure || signal.aborted) return false;
    try {
      await step(name);
      return true;
    } catch (e) {
      const reason = signal.aborted ? abortReason(signal, op) : errorReason(e, name, op);
      const cur = rows.get(name);
      if (cur) rows.set(name, await core.setResource(stack, cur, failedAction(cur), 'FAILED', reason));
      failure ??= signal.aborted ? reason : `Resource ${op} failed: ${reason}`;
      return false;
    }
  });
  if (failure) return failure;
  return signal.aborted ? abortReason(signal, op) : undefined;
}
