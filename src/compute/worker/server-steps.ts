// One pass of the server worker: what to do next for a server, read from its vm_state × task_state, done
// through the bare metal and network services' clients, each step saved before the next starts so a
// restarted worker resumes where the last one stopped (and adopts what it had made: the allocation is
// named after the server, ports carry the server as device_id).
import { randomBytes } from 'node:crypto';
import {
  BAREMETAL_PORT_OWNER,
  type BaremetalClient,
  type NodeDoc,
  type PatchOp,
} from '../../baremetal/client.ts';
import type { NetworkClient } from '../../network/client.ts';
import { buildConfigDrive, packForBaremetal } from '../../platform/config-drive.ts';
import type { Ctx } from '../../platform/context.ts';
import type { Queryable } from '../../platform/db/types.ts';
import { isAppError } from '../../platform/errors/catalogue.ts';
import { done, type Outcome, requeueAfter } from '../../platform/work/index.ts';
import { nodeFrom } from '../model/baremetal-node.ts';
import { instanceFacts } from '../model/instance-facts.ts';
import { configDriveFiles } from '../model/metadata.ts';
import { candidates, flavorNeeds, NO_VALID_HOST, noValidHostReason } from '../model/placement.ts';
import type { Server, ServerPort } from '../model/server.ts';
import { POWER } from '../model/server-state.ts';
import type { ComputeSettings } from '../model/settings.ts';
import type { ServerStore } from '../store/servers.ts';

export interface StepDeps {
  servers: ServerStore;
  settings: ComputeSettings;
  baremetal: () => BaremetalClient;
  network: () => NetworkClient;
  /** Saves inside the fenced transaction of the pass's lease; false when the row changed meanwhile. */
  save: (s: Server, also?: (q: Queryable) => Promise<void>) => Promise<boolean>;
}

const UNDEPLOYED = new Set(['cleaning', 'clean wait', 'available', 'clean failed', 'manageable', 'enroll']);
const DEPLOY_FAILED = new Set(['deploy failed', 'error']);

/** Nova's event names, as `openstack server event list` shows them. */
export const EVENTS = {
  schedule: 'conductor_schedule_and_build_instances',
  build: 'compute__do_build_and_run_instance',
  delete: 'compute_terminate_instance',
  reboot: 'compute_reboot_instance',
  stop: 'compute_stop_instance',
  start: 'compute_start_instance',
  rebuild: 'compute_rebuild_instance',
} as const;

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

async function event(d: StepDeps, s: Server, name: string, finish?: Parameters<ServerStore['event']>[4]) {
  if (s.request_id) await d.servers.event(s.id, s.request_id, name, d.settings.host, finish);
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

// --- build ---------------------------------------------------------------------------------------------

async function schedule(ctx: Ctx, d: StepDeps, s: Server): Promise<Outcome> {
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
  if (pool.length > 0 && s.group_id) {
    const refusal = await groupRefusal(d, s);
    if (refusal) pool = [];
  }
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
  let reason = noValidHostReason(needs, s.attempts, d.settings.maxAttempts);
  if (pool.length === 0 && s.group_id && (await groupRefusal(d, s)))
    reason = (await groupRefusal(d, s)) ?? reason;
  if (s.attempts === 0) await event(d, s, EVENTS.schedule, { result: 'Error', message: reason });
  return fail(ctx, d, s, reason, s.fault?.details);
}

/** Nova's anti-affinity filter on one compute host: every node is behind this host, so a second member fails. */
async function groupRefusal(d: StepDeps, s: Server): Promise<string | undefined> {
  const doc = await d.servers.db.get<{ policy: string }>(
    'SELECT policy FROM cmp_server_groups WHERE id = ?',
    [s.group_id],
  );
  if (doc?.policy !== 'anti-affinity') return undefined;
  const others = (await d.servers.groupMembers(s.group_id ?? '')).filter((id) => id !== s.id);
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

async function networking(ctx: Ctx, d: StepDeps, s: Server): Promise<Outcome> {
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

const portStub = (p: Record<string, unknown>): ServerPort => ({
  id: String(p.id),
  network_id: String(p.network_id),
  network_name: '',
  mac: String(p.mac_address),
  ips: [],
});

/** Nova's ironic driver's instance_info: the image, the flavor's sizes, what the node is told about itself. */
function instanceInfo(s: Server, node: NodeDoc): PatchOp[] {
  const caps = Object.fromEntries(
    Object.entries(s.flavor.extra_specs)
      .filter(([k]) => k.startsWith('capabilities:'))
      .map(([k, v]) => [k.slice('capabilities:'.length), v]),
  );
  const info: Record<string, unknown> = {
    image_source: s.image_ref,
    root_gb: String(s.flavor.disk),
    swap_mb: String(s.flavor.swap),
    ephemeral_gb: String(s.flavor.ephemeral),
    display_name: s.name,
    vcpus: String(s.flavor.vcpus),
    memory_mb: String(s.flavor.ram),
    local_gb: String(node.properties.local_gb ?? s.flavor.disk),
    preserve_ephemeral: s.preserve_ephemeral,
  };
  if (s.flavor.ephemeral > 0) info.ephemeral_format = 'ext4';
  if (Object.keys(caps).length > 0) info.capabilities = JSON.stringify(caps);
  return Object.entries(info).map(([k, v]) => ({ op: 'add', path: `/instance_info/${k}`, value: v }));
}

async function configDrive(ctx: Ctx, s: Server): Promise<string | undefined> {
  if (!s.config_drive) return undefined;
  const files = configDriveFiles(instanceFacts(s, randomBytes(512).toString('base64')));
  return packForBaremetal(await buildConfigDrive(ctx, files));
}

async function spawning(ctx: Ctx, d: StepDeps, s: Server): Promise<Outcome> {
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

/** Gives the node back (undeploy, allocation deleted, ports deleted). Errors are logged, not fatal. */
async function release(ctx: Ctx, d: StepDeps, s: Server, undeploy: boolean): Promise<void> {
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

async function reschedule(ctx: Ctx, d: StepDeps, s: Server, why: string): Promise<Outcome> {
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
  await release(ctx, d, s, true);
  s.vm_state = 'error';
  s.task_state = null;
  s.power_state = POWER.NOSTATE;
  s.fault = { code: 500, message: why, created: new Date().toISOString(), ...(details ? { details } : {}) };
  if (!(await d.save(s))) return requeueAfter(0);
  ctx.log.info({ server: s.id, why }, 'server build failed');
  return done();
}

// --- delete --------------------------------------------------------------------------------------------

async function deleting(ctx: Ctx, d: StepDeps, s: Server): Promise<Outcome> {
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

// --- actions on a deployed server ----------------------------------------------------------------------

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

async function power(ctx: Ctx, d: StepDeps, s: Server): Promise<Outcome> {
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

async function rebuilding(ctx: Ctx, d: StepDeps, s: Server): Promise<Outcome> {
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
    s.task_state = null;
    s.vm_state = 'active';
    s.power_state = POWER.RUNNING;
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
