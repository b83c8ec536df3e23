// Deleting a server: wait for a deploy in flight to settle, undeploy its node, give back what it held, and
// remove its row (adopting an allocation a build left behind before it could save it).
import type { Ctx } from '../../platform/context.ts';
import { done, type Outcome, requeueAfter } from '../../platform/work/index.ts';
import type { Server } from '../model/server.ts';
import { EVENTS, event, type StepDeps, UNDEPLOYED } from './server-pass.ts';
import { portStub, release } from './server-release.ts';

export async function deleting(ctx: Ctx, d: StepDeps, s: Server): Promise<Outcome> {
  const bm = d.baremetal();
  // A build that died between claim and save left an allocation under this server's id.
  if (!s.allocation_id && (await bm.getAllocation(ctx, s.id))) s.allocation_id = s.id;
  if (s.allocation_id && !s.node_uuid)
    s.node_uuid = (await bm.getAllocation(ctx, s.allocation_id))?.node_uuid ?? null;
  if (s.node_uuid) {
    const node = await bm.getNode(ctx, s.node_uuid);
    if (node && node.instance_uuid === s.id && !UNDEPLOYED.has(node.provision_state)) {
      if (node.provision_state === 'deploying' || node.target_provision_state !== null)
        return requeueAfter(d.settings.pollMs); // Ironic takes no undeploy mid-deploy: wait for it to settle
      if (!s.undeploy_sent) {
        await bm.setProvisionState(ctx, node.uuid, 'deleted');
        s.undeploy_sent = true;
        if (!(await d.save(s))) return requeueAfter(0);
      }
      return requeueAfter(d.settings.pollMs);
    }
  }
  if (s.ports.length === 0) s.ports = (await d.network().listPorts(ctx, { device_id: s.id })).map(portStub);
  await release(ctx, d, s, false);
  await event(d, s, EVENTS.delete, { result: 'Success' });
  if (!(await d.save(s, (q) => d.servers.remove(s.id, q)))) return requeueAfter(0);
  return done();
}
