// Building a server, one pass per step: schedule (claim a node through an allocation), networking (bind or
// make its ports), spawning (ask the bare metal service to deploy and wait for `active`); a deploy that fails
// reschedules on another node up to the attempt limit, and a build that cannot go on ends in ERROR.
import { BAREMETAL_PORT_OWNER } from '../../baremetal/client.ts';
import type { Ctx } from '../../platform/context.ts';
import { isAppError } from '../../platform/errors/catalogue.ts';
import { done, type Outcome, requeueAfter } from '../../platform/work/index.ts';
import { nodeFrom } from '../model/baremetal-node.ts';
import { candidates, flavorNeeds, NO_VALID_HOST, noValidHostReason } from '../model/placement.ts';
import type { Server, ServerPort } from '../model/server.ts';
import { POWER } from '../model/server-state.ts';
import { configDrive, instanceInfo } from './deploy-request.ts';
import { DEPLOY_FAILED, EVENTS, event, message, type StepDeps } from './server-pass.ts';
import { portStub, release } from './server-release.ts';

export async function schedule(ctx: Ctx, d: StepDeps, s: Server): Promise<Outcome> {
  const bm = d.baremetal();
  // A claim made by a pass that died before saving it is this server's (allocations carry its id).
  const held = await bm.getAllocation(ctx, s.id);
  if (held?.state === 'active' && held.node_uuid && !s.excluded_nodes.includes(held.node_uuid))
    return claimed(d, s, held.node_uuid);
  // The bare metal service makes an allocation in the background (Ironic's conductor does): wait for it.
  if (held?.state === 'allocating') return requeueAfter(d.settings.pollMs);
  if (held) await bm.deleteAllocation(ctx, held.uuid);
  if (s.attempts === 0 && !held) await event(d, s, EVENTS.schedule);
  const needs = flavorNeeds(s.flavor.extra_specs);
  const nodes = (
    await bm.listNodes(ctx, { provision_state: 'available', maintenance: false, associated: false })
  ).map(nodeFrom);
  let pool = candidates(nodes, needs, new Set(s.excluded_nodes));
  const refusal = await groupRefusal(d, s);
  if (refusal) pool = [];
  for (const node of pool) {
    // One candidate per claim: the bare metal service reserves it atomically or says it is taken.
    const a = await bm.createAllocation(ctx, {
      uuid: s.id,
      resource_class: node.resourceClass ?? '',
      traits: needs.requiredTraits,
      candidate_nodes: [node.uuid],
      extra: { instance_uuid: s.id },
    });
    if (a.state === 'active' && a.node_uuid) return claimed(d, s, a.node_uuid);
    // Made later: the next pass finds it (held above), claimed or failed (then the node is taken).
    if (a.state === 'allocating') return requeueAfter(d.settings.pollMs);
    await bm.deleteAllocation(ctx, a.uuid);
  }
  const reason = refusal ?? noValidHostReason(needs, s.attempts, d.settings.maxAttempts);
  if (s.attempts === 0) await event(d, s, EVENTS.schedule, { result: 'Error', message: reason });
  return fail(ctx, d, s, reason, s.fault?.details);
}

/** Nova's anti-affinity filter on one compute host: every node is behind this host, so a second member fails. */
async function groupRefusal(d: StepDeps, s: Server): Promise<string | undefined> {
  if (!s.group_id || (await d.groups.policyOf(s.group_id)) !== 'anti-affinity') return undefined;
  const others = (await d.servers.groupMembers(s.group_id)).filter((id) => id !== s.id);
  for (const id of others)
    if ((await d.servers.get(id))?.node_uuid)
      return `${NO_VALID_HOST}There are not enough hosts available (anti-affinity: every node is behind compute host ${d.settings.host}).`;
  return undefined;
}

async function claimed(d: StepDeps, s: Server, nodeUuid: string): Promise<Outcome> {
  s.node_uuid = nodeUuid;
  s.allocation_id = s.id;
  s.attempts += 1;
  s.task_state = 'networking';
  if (!(await d.save(s))) return requeueAfter(0);
  if (s.attempts === 1) await event(d, s, EVENTS.schedule, { result: 'Success' });
  await event(d, s, EVENTS.build);
  return requeueAfter(0);
}

export async function networking(ctx: Ctx, d: StepDeps, s: Server): Promise<Outcome> {
  const net = d.network();
  const nodeUuid = s.node_uuid ?? '';
  const macs = (await d.baremetal().nodePorts(ctx, nodeUuid)).map((p) => p.address.toLowerCase());
  // Ports a dead pass made for this server are adopted, not made twice.
  const mine = await net.listPorts(ctx, { device_id: s.id });
  const ports: ServerPort[] = [];
  try {
    for (const [i, want] of s.requested_networks.entries()) {
      let port = want.port
        ? await net.getPort(ctx, want.port)
        : mine.find((p) => p.network_id === want.uuid && !ports.some((x) => x.id === p.id));
      const binding = {
        device_id: s.id,
        device_owner: `compute:${s.availability_zone}`,
        'binding:host_id': nodeUuid,
        'binding:vnic_type': 'baremetal',
      };
      let adopted: ServerPort['adopted_from'];
      if (want.port) port = await net.updatePort(ctx, want.port, binding);
      else if (!port && macs[i]) {
        // A network-booted node already has its port for this MAC on the network (the bare metal service's,
        // kept so the node keeps its address): the server takes it over, one DHCP host per MAC.
        const [held] = await net.listPorts(ctx, { network_id: want.uuid ?? '', mac_address: macs[i] });
        if (held && held.device_owner === BAREMETAL_PORT_OWNER && held.device_id === nodeUuid) {
          adopted = { device_id: nodeUuid, device_owner: BAREMETAL_PORT_OWNER };
          port = await net.updatePort(ctx, String(held.id), {
            ...binding,
            ...(want.fixedIp ? { fixed_ips: [{ ip_address: want.fixedIp }] } : {}),
          });
        }
      }
      if (!port)
        port = await net.createPort(ctx, {
          network_id: want.uuid ?? '',
          project_id: s.project_id,
          ...binding,
          ...(macs[i] ? { mac_address: macs[i] } : {}),
          ...(want.fixedIp ? { fixed_ips: [{ ip_address: want.fixedIp }] } : {}),
        });
      const network = await net.getNetwork(ctx, String(port.network_id));
      ports.push({
        id: String(port.id),
        network_id: String(port.network_id),
        network_name: String(network.name ?? port.network_id),
        mac: String(port.mac_address),
        ips: ((port.fixed_ips ?? []) as { ip_address: string }[]).map((ip) => ({
          addr: ip.ip_address,
          version: ip.ip_address.includes(':') ? 6 : 4,
        })),
        ...(adopted ? { adopted_from: adopted } : {}),
      });
    }
  } catch (e) {
    s.ports = [...ports, ...mine.filter((p) => !ports.some((x) => x.id === p.id)).map(portStub)];
    return fail(
      ctx,
      d,
      s,
      `Build of instance ${s.id} aborted: Failed to allocate the network(s): ${message(e)}`,
    );
  }
  s.ports = ports;
  s.task_state = 'spawning';
  s.deploy_sent = false;
  if (!(await d.save(s))) return requeueAfter(0);
  return requeueAfter(0);
}

export async function spawning(ctx: Ctx, d: StepDeps, s: Server): Promise<Outcome> {
  const bm = d.baremetal();
  const node = await bm.getNode(ctx, s.node_uuid ?? '');
  if (!node || node.instance_uuid !== s.id)
    return reschedule(ctx, d, s, `Node ${s.node_uuid} is no longer associated with instance ${s.id}.`);
  if (!s.deploy_sent) {
    try {
      await bm.patchNode(ctx, node.uuid, instanceInfo(s, node));
      await bm.setProvisionState(ctx, node.uuid, 'active', { configdrive: await configDrive(ctx, s) });
    } catch (e) {
      if (isAppError(e) && e.status === 409 && /locked/.test(e.message))
        return requeueAfter(d.settings.pollMs);
      return reschedule(ctx, d, s, message(e));
    }
    s.deploy_sent = true;
    if (!(await d.save(s))) return requeueAfter(0);
    return requeueAfter(d.settings.pollMs);
  }
  if (node.provision_state === 'active') {
    s.vm_state = 'active';
    s.task_state = null;
    s.power_state = POWER.RUNNING;
    s.launched_at = Date.now();
    s.fault = null;
    if (!(await d.save(s))) return requeueAfter(0);
    await event(d, s, EVENTS.build, { result: 'Success' });
    return done();
  }
  if (DEPLOY_FAILED.has(node.provision_state) || node.provision_state === 'available')
    return reschedule(ctx, d, s, node.last_error ?? `node ${node.uuid} ended in ${node.provision_state}`);
  return requeueAfter(d.settings.pollMs);
}

async function reschedule(ctx: Ctx, d: StepDeps, s: Server, why: string): Promise<Outcome> {
  // A pass whose lease is gone (its worker stopping) undoes nothing: the successor carries on from the rows.
  if (ctx.signal.aborted) return requeueAfter(0);
  ctx.log.warn({ server: s.id, node: s.node_uuid, why }, 'deploy failed; rescheduling');
  await event(d, s, EVENTS.build, { result: 'Error', message: why, traceback: why });
  if (s.node_uuid) s.excluded_nodes = [...s.excluded_nodes, s.node_uuid];
  await release(ctx, d, s, true);
  if (s.attempts >= d.settings.maxAttempts) {
    return fail(
      ctx,
      d,
      s,
      `${NO_VALID_HOST}Exceeded max scheduling attempts ${d.settings.maxAttempts} for instance ${s.id}. Last exception: ${why}`,
    );
  }
  s.task_state = 'scheduling';
  s.fault = { code: 500, message: why, created: new Date().toISOString() };
  if (!(await d.save(s))) return requeueAfter(0);
  return requeueAfter(0);
}

/** The build failed for good: ERROR with the reason in fault, and nothing left allocated. */
async function fail(ctx: Ctx, d: StepDeps, s: Server, why: string, details?: string): Promise<Outcome> {
  // An aborted pass's error is the abort, not the build's: releasing here would take the ports and the
  // claim from under the worker that takes the server over.
  if (ctx.signal.aborted) return requeueAfter(0);
  await release(ctx, d, s, true);
  s.vm_state = 'error';
  s.task_state = null;
  s.power_state = POWER.NOSTATE;
  s.fault = { code: 500, message: why, created: new Date().toISOString(), ...(details ? { details } : {}) };
  if (!(await d.save(s))) return requeueAfter(0);
  ctx.log.info({ server: s.id, why }, 'server build failed');
  return done();
}
