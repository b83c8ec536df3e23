// After a crash: stacks left IN_PROGRESS whose lease nobody holds any more become FAILED, with their
// in-progress resources, so that update and delete work again.
import { withTask } from '../../platform/work/task.ts';
import type { EngineCore } from './engine-core.ts';
import { Journal } from './journal.ts';

/** Fails the abandoned stacks; `running` says which root stacks this engine is working on. */
export async function recoverAbandoned(
  core: EngineCore,
  running: (rootId: string) => boolean,
): Promise<number> {
  let n = 0;
  for (const s of await core.d.store.inProgress()) {
    if (running(s.rootId)) continue;
    const found = await core.d.leases.get(Journal.leaseName(s.rootId));
    const lease = found && found.owner !== '' ? found : undefined;
    if (lease && lease.expiresAt > core.now()) continue;
    const who = lease ? `Engine ${lease.owner}` : 'The engine running it';
    const reason = `${who} stopped while the stack was ${s.action}_IN_PROGRESS`;
    // The recovery itself is a fenced task: two engines starting together cannot both fail the stack.
    const spec = {
      resource: Journal.leaseName(s.rootId),
      owner: core.owner,
      purpose: 'RECOVER',
      ttlMs: core.ttl,
    };
    const done = await withTask(core.d.ctx, core.d.leases, spec, (task) =>
      task.tx(async (q) => {
        const failed = await core.d.store.failInProgressResources(q, s.id, reason, core.now());
        for (const r of failed) await core.resourceEvent(q, s, r, r.action, 'FAILED', reason);
        await core.d.store.setStackStatus(q, s.id, s.action, 'FAILED', reason, core.now());
        await core.stackEvent(q, s, s.action, 'FAILED', reason);
        await core.d.events?.append(
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
