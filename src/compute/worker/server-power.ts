// Reboot, start and stop of a deployed server: the power change asked of the bare metal service once, then
// passes until the node reports the wanted state.
import type { Ctx } from '../../platform/context.ts';
import { isAppError } from '../../platform/errors/catalogue.ts';
import { done, type Outcome, requeueAfter } from '../../platform/work/index.ts';
import type { Server } from '../model/server.ts';
import { POWER } from '../model/server-state.ts';
import { EVENTS, event, message, type StepDeps } from './server-pass.ts';

const POWER_TARGET = {
  rebooting: 'soft rebooting',
  rebooting_hard: 'rebooting',
  'powering-on': 'power on',
  'powering-off': 'power off',
} as const;

const ACTION_EVENT = {
  rebooting: EVENTS.reboot,
  rebooting_hard: EVENTS.reboot,
  'powering-on': EVENTS.start,
  'powering-off': EVENTS.stop,
} as const;

export async function power(ctx: Ctx, d: StepDeps, s: Server): Promise<Outcome> {
  const task = s.task_state as keyof typeof POWER_TARGET;
  const bm = d.baremetal();
  const want = task === 'powering-off' ? 'power off' : 'power on';
  if (!s.deploy_sent) {
    await event(d, s, ACTION_EVENT[task]);
    try {
      await bm.setPowerState(ctx, s.node_uuid ?? '', POWER_TARGET[task]);
    } catch (e) {
      if (isAppError(e) && e.status === 409 && /locked/.test(e.message))
        return requeueAfter(d.settings.pollMs);
      await event(d, s, ACTION_EVENT[task], { result: 'Error', message: message(e), traceback: message(e) });
      s.task_state = null;
      s.fault = { code: 500, message: message(e), created: new Date().toISOString() };
      await d.save(s);
      return done();
    }
    s.deploy_sent = true;
    if (!(await d.save(s))) return requeueAfter(0);
    return requeueAfter(d.settings.pollMs);
  }
  const node = await bm.getNode(ctx, s.node_uuid ?? '');
  if (!node || node.target_power_state || node.power_state !== want) return requeueAfter(d.settings.pollMs);
  s.deploy_sent = false;
  s.task_state = null;
  s.vm_state = want === 'power on' ? 'active' : 'stopped';
  s.power_state = want === 'power on' ? POWER.RUNNING : POWER.SHUTDOWN;
  if (!(await d.save(s))) return requeueAfter(0);
  await event(d, s, ACTION_EVENT[task], { result: 'Success' });
  return done();
}
