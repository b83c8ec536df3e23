// Rebuilding a deployed server: its node redeployed with the (new) image through the bare metal service's
// rebuild, then back to active, or to stopped for a server that was stopped.
import type { Ctx } from '../../platform/context.ts';
import { isAppError } from '../../platform/errors/catalogue.ts';
import { done, type Outcome, requeueAfter } from '../../platform/work/index.ts';
import type { Server } from '../model/server.ts';
import { POWER } from '../model/server-state.ts';
import { configDrive, instanceInfo } from './deploy-request.ts';
import { DEPLOY_FAILED, EVENTS, event, message, type StepDeps } from './server-pass.ts';

export async function rebuilding(ctx: Ctx, d: StepDeps, s: Server): Promise<Outcome> {
  const bm = d.baremetal();
  const node = await bm.getNode(ctx, s.node_uuid ?? '');
  if (!node) return rebuildFailed(d, s, `Node ${s.node_uuid} is gone.`);
  if (s.task_state === 'rebuilding') {
    await event(d, s, EVENTS.rebuild);
    try {
      await bm.patchNode(ctx, node.uuid, instanceInfo(s, node));
      await bm.setProvisionState(ctx, node.uuid, 'rebuild', { configdrive: await configDrive(ctx, s) });
    } catch (e) {
      if (isAppError(e) && e.status === 409 && /locked/.test(e.message))
        return requeueAfter(d.settings.pollMs);
      return rebuildFailed(d, s, message(e));
    }
    s.task_state = 'rebuild_spawning';
    if (!(await d.save(s))) return requeueAfter(0);
    return requeueAfter(d.settings.pollMs);
  }
  if (node.provision_state === 'active' && node.target_provision_state === null) {
    // A stopped server is rebuilt stopped, as Nova's compute manager powers it off again.
    const stopped = s.vm_state === 'stopped';
    if (stopped && node.power_state !== 'power off') {
      if (!node.target_power_state)
        await bm.setPowerState(ctx, node.uuid, 'power off').catch((e) => {
          if (!(isAppError(e) && e.status === 409)) throw e;
        });
      return requeueAfter(d.settings.pollMs);
    }
    s.task_state = null;
    s.vm_state = stopped ? 'stopped' : 'active';
    s.power_state = stopped ? POWER.SHUTDOWN : POWER.RUNNING;
    s.preserve_ephemeral = false;
    if (!(await d.save(s))) return requeueAfter(0);
    await event(d, s, EVENTS.rebuild, { result: 'Success' });
    return done();
  }
  if (DEPLOY_FAILED.has(node.provision_state))
    return rebuildFailed(d, s, node.last_error ?? 'rebuild failed');
  return requeueAfter(d.settings.pollMs);
}

async function rebuildFailed(d: StepDeps, s: Server, why: string): Promise<Outcome> {
  await event(d, s, EVENTS.rebuild, { result: 'Error', message: why, traceback: why });
  s.task_state = null;
  s.vm_state = 'error';
  s.fault = { code: 500, message: why, created: new Date().toISOString() };
  if (!(await d.save(s))) return requeueAfter(0);
  return done();
}
