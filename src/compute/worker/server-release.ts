// Giving a server's node back: the node undeployed, ports deleted (or handed back to the bare metal service
// when the server had adopted them), the allocation deleted; used by a failed build and by delete.
import type { Ctx } from '../../platform/context.ts';
import { isAppError } from '../../platform/errors/catalogue.ts';
import type { Server, ServerPort } from '../model/server.ts';
import { message, type StepDeps, UNDEPLOYED } from './server-pass.ts';

/** A port as the server records it from the network's document alone (ports a dead pass made, by device_id). */
export const portStub = (p: Record<string, unknown>): ServerPort => ({
  id: String(p.id),
  network_id: String(p.network_id),
  network_name: '',
  mac: String(p.mac_address),
  ips: [],
});

/** Gives the node back (undeploy, allocation deleted, ports deleted). Errors are logged, not fatal. */
export async function release(ctx: Ctx, d: StepDeps, s: Server, undeploy: boolean): Promise<void> {
  const bm = d.baremetal();
  if (s.node_uuid && undeploy) {
    const node = await bm.getNode(ctx, s.node_uuid).catch(() => undefined);
    if (node && node.instance_uuid === s.id && !UNDEPLOYED.has(node.provision_state))
      await bm
        .setProvisionState(ctx, node.uuid, 'deleted')
        .catch((e) => ctx.log.warn({ server: s.id, node: node.uuid, err: message(e) }, 'undeploy failed'));
  }
  for (const p of s.ports)
    await (p.adopted_from
      ? d.network().updatePort(ctx, p.id, {
          ...p.adopted_from,
          'binding:host_id': '',
          'binding:vnic_type': 'normal',
        })
      : d.network().deletePort(ctx, p.id)
    ).catch((e) => {
      if (!(isAppError(e) && e.status === 404)) throw e;
    });
  if (s.allocation_id) await bm.deleteAllocation(ctx, s.allocation_id);
  s.ports = [];
  s.allocation_id = null;
  s.node_uuid = null;
  s.deploy_sent = false;
}
