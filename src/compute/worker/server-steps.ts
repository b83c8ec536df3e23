// One pass of the server worker: what to do next for a server, read from its vm_state × task_state, done
// through the bare metal and network services' clients, each step saved before the next starts so a
// restarted worker resumes where the last one stopped (and adopts what it had made: the allocation is
// named after the server, ports carry the server as device_id).
// The steps are in server-build.ts, server-delete.ts, server-power.ts and server-rebuild.ts.
import type { Ctx } from '../../platform/context.ts';
import { done, type Outcome } from '../../platform/work/index.ts';
import type { Server } from '../model/server.ts';
import { networking, schedule, spawning } from './server-build.ts';
import { deleting } from './server-delete.ts';
import type { StepDeps } from './server-pass.ts';
import { power } from './server-power.ts';
import { rebuilding } from './server-rebuild.ts';

export async function step(ctx: Ctx, d: StepDeps, s: Server): Promise<Outcome> {
  if (s.task_state === 'deleting') return deleting(ctx, d, s);
  switch (s.task_state) {
    case 'scheduling':
      return schedule(ctx, d, s);
    case 'networking':
      return networking(ctx, d, s);
    case 'spawning':
      return spawning(ctx, d, s);
    case 'rebooting':
    case 'rebooting_hard':
    case 'powering-on':
    case 'powering-off':
      return power(ctx, d, s);
    case 'rebuilding':
    case 'rebuild_spawning':
      return rebuilding(ctx, d, s);
    default:
      return done();
  }
}
