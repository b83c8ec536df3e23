// What the conductor does for a node whose agent has called back, one pass at a time under the node's
// lease (Ironic's heartbeat handling in agent_base.py): in `clean wait` it runs the clean steps through the
// agent's command API, in `wait call-back` the write_image deploy step then the reboot to disk, in
// `inspect wait` it reads the inventory. A pass posts at most one command or reads its state, and says when
// to look again; a heartbeat or the periodic resync starts the next pass.
import { randomUUID } from 'node:crypto';
import type { Ctx } from '../../platform/context.ts';
import { AgentClient, type AgentCommand, commandErrorText } from '../drivers/agent-client.ts';
import { composeDriver } from '../drivers/compose.ts';
import {
  buildImageInfo,
  type CleanStep,
  type ImageFacts,
  imageRefusal,
  inventoryMacs,
  planCleanSteps,
  propertiesFromInventory,
} from '../model/agent-steps.ts';
import type { Dict, Node } from '../model/node.ts';
import { MASK, maskInstanceInfo, maskSecrets } from '../model/secrets.ts';
import type { BaremetalSettings } from '../model/settings.ts';
import type { PortStore } from '../store/ports.ts';
import type { DeployCredentials } from './deploy-credential.ts';
import type { NodeTask } from './node-task.ts';
import { powerTo } from './provision.ts';

/** The image service as the conductor needs it: the image's metadata, its data URL, a token to fetch it. */
export interface ImageAccess {
  get(ctx: Ctx, id: string): Promise<(ImageFacts & { size: number | null }) | undefined>;
  /** The image's data URL as the node reaches it (network-booted nodes: on the provisioning network). */
  fileUrl(ctx: Ctx, id: string, node: Node): Promise<string>;
  /** The project of this service's own user (its images may go on any node). */
  ownProject(ctx: Ctx): Promise<string | undefined>;
  credentials: DeployCredentials;
}

export interface AgentStepDeps {
  settings: BaremetalSettings;
  ports: PortStore;
  image: ImageAccess | undefined;
  now?: () => number;
}

/** When to look again (ms), or undefined when the node needs nothing until the next heartbeat. */
export type Again = number | undefined;

const seconds = (ms: number) => Math.round(ms) / 1000;

export async function advanceWithAgent(task: NodeTask, d: AgentStepDeps): Promise<Again> {
  const n = task.node;
  const info = n.driver_internal_info;
  if (n.maintenance) return undefined;
  if (typeof info.agent_url !== 'string' || typeof info.agent_secret_token !== 'string') return undefined;
  // Agents of network-booted nodes live on the provisioning network, reached through its proxy if any.
  const via = ['ipxe', 'pxe'].includes(n.interfaces.boot) ? (d.settings.agentSocket ?? undefined) : undefined;
  const agent = new AgentClient(info.agent_url, info.agent_secret_token, via);
  switch (n.provision_state) {
    case 'clean wait':
      return cleanPass(task, agent, d);
    case 'wait call-back':
      return deployPass(task, agent, d);
    case 'inspect wait':
      return inspectPass(task, agent, d);
    default:
      return undefined;
  }
}

/** The agent command a node in a wait state is waiting for, when one was started. */
function awaitedCommand(n: Node): { name: string; id: string } | undefined {
  const info = n.driver_internal_info;
  if (n.provision_state === 'clean wait' && Array.isArray(info.agent_clean_steps)) {
    const id = info.agent_command_id;
    return typeof id === 'string' ? { name: 'execute_clean_step', id } : undefined;
  }
  const id = (info.agent_deploy as Dict | undefined)?.command_id;
  if (n.provision_state === 'wait call-back' && typeof id === 'string')
    return { name: 'execute_deploy_step', id };
  return undefined;
}

/**
 * Whether the command the node waits for still runs on its agent, so a pass would only look and go: asked
 * without the node's lease (nothing is written), as Ironic looks under a shared lock before it upgrades.
 * Any doubt (no command yet, the agent unreachable) answers false and the pass runs as usual.
 */
export async function agentStillBusy(ctx: Ctx, n: Node): Promise<boolean> {
  const info = n.driver_internal_info;
  if (n.maintenance || typeof info.agent_url !== 'string' || typeof info.agent_secret_token !== 'string')
    return false;
  if (info.agent_seen !== info.agent_url) return false; // its first pass records the ramdisk's arrival
  const awaited = awaitedCommand(n);
  if (!awaited) return false;
  try {
    const cmds = await new AgentClient(info.agent_url, info.agent_secret_token).list(ctx);
    const last = lastOf(cmds, awaited.name, awaited.id);
    return last !== 'fresh' && last.command_status === 'RUNNING';
  } catch {
    return false;
  }
}

/** The node as the agent is shown it (secrets masked) and its ports. */
async function agentView(task: NodeTask, d: AgentStepDeps): Promise<{ node: Dict; ports: Dict[] }> {
  const n = task.node;
  const ports = await d.ports.list({ node_uuid: n.uuid });
  return {
    node: {
      uuid: n.uuid,
      properties: n.properties,
      instance_info: maskInstanceInfo(n.instance_info),
      driver_info: maskSecrets(n.driver_info),
      driver_internal_info: maskSecrets(n.driver_internal_info),
    },
    ports: ports.map((p) => ({ uuid: p.uuid, address: p.address, pxe_enabled: p.pxe_enabled })),
  };
}

/** Records one phase of the work as an event with its duration and figures (the deploy timeline). */
function phase(task: NodeTask, name: string, ms: number, figures: Dict = {}) {
  const said = Object.entries(figures)
    .filter(([, v]) => v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0))
    .map(([k, v]) => `${k.replaceAll('_', ' ')} ${Array.isArray(v) ? v.join(',') : String(v)}`);
  return task.update(() => ({
    kind: 'phase',
    to: name,
    reason: [`${seconds(ms)} s`, ...said].join(', '),
    seconds: seconds(ms),
    ...figures,
  }));
}

/** The first pass after a boot: the ramdisk came up (time from the start of the wait to this heartbeat). */
async function ramdiskUp(task: NodeTask, key: string, now: number): Promise<void> {
  const info = task.node.driver_internal_info;
  if (info.agent_seen === info.agent_url) return;
  const since = task.node.provision_updated_at ? Date.parse(task.node.provision_updated_at) : now;
  await phase(task, 'ramdisk up', now - since, { state: task.node.provision_state, step: key });
  const url = String(info.agent_url);
  await task.update((n) => {
    n.driver_internal_info.agent_seen = url;
  });
}

/** The last command the agent ran, if it is the one we wait for; 'fresh' when the agent has none of it. */
function lastOf(cmds: AgentCommand[], name: string, id: unknown): AgentCommand | 'fresh' {
  const last = cmds.at(-1);
  if (!last || last.command_name !== name || (typeof id === 'string' && last.id !== id)) return 'fresh';
  return last;
}

/** Deletes the deploy's image credential (revoking its token), if one was made. */
async function releaseCredential(task: NodeTask, d: AgentStepDeps): Promise<void> {
  const ref = (task.node.driver_internal_info.agent_deploy as Dict | undefined)?.credential;
  if (typeof ref !== 'string' || !d.image) return;
  await d.image.credentials
    .release(task.ctx, ref)
    .catch((e) =>
      task.ctx.log.warn({ err: e }, 'could not delete the deploy credential; it expires by itself'),
    );
}

async function failWith(task: NodeTask, message: string, d?: AgentStepDeps): Promise<Again> {
  if (d) await releaseCredential(task, d);
  task.ctx.log.warn({ node: task.uuid }, message);
  await task.transition('fail', {
    lastError: message,
    change: (n) => {
      delete n.driver_internal_info.agent_clean_steps;
      delete n.driver_internal_info.agent_deploy;
    },
  });
  // The ramdisk is of no use now: power it off (this also wipes its token).
  await powerTo(task, 'power off').catch((e) =>
    task.ctx.log.warn({ err: e }, 'could not power off after a failure'),
  );
  return undefined;
}

// ---- cleaning -------------------------------------------------------------------------------------------

async function cleanPass(task: NodeTask, agent: AgentClient, d: AgentStepDeps): Promise<Again> {
  const now = (d.now ?? Date.now)();
  const poll = d.settings.agentPollIntervalMs;
  await ramdiskUp(task, 'clean', now);
  const info = task.node.driver_internal_info;
  if (!Array.isArray(info.agent_clean_steps)) {
    const view = await agentView(task, d);
    const offered = await agent.run(task.ctx, 'clean.get_clean_steps', view, true);
    if (offered.command_status !== 'SUCCEEDED')
      return failWith(task, `The agent could not list its clean steps: ${commandErrorText(offered)}`);
    const requested = (info.clean_steps_requested ?? null) as Dict[] | null;
    const plan = planCleanSteps(offered.command_result as Dict, requested, d.settings.eraseDevices);
    if (!plan.ok) return failWith(task, plan.reason);
    const version = (offered.command_result as Dict).hardware_manager_version ?? {};
    await task.update((n) => {
      n.driver_internal_info.agent_clean_steps = plan.steps as unknown as Dict[];
      n.driver_internal_info.agent_clean_version = version;
    });
    if (plan.steps.length === 0) return finishCleaning(task);
    return startCleanStep(task, agent, d, 0, now);
  }
  const steps = info.agent_clean_steps as unknown as CleanStep[];
  const index = Number(info.agent_clean_index ?? 0);
  const last = lastOf(await agent.list(task.ctx), 'execute_clean_step', info.agent_command_id);
  if (last === 'fresh') return startCleanStep(task, agent, d, index, now);
  if (last.command_status === 'RUNNING') return poll;
  const step = steps[index];
  const name = `${step?.interface}.${step?.step}`;
  if (last.command_status !== 'SUCCEEDED')
    return failWith(task, `Agent returned error for clean step ${name}: ${commandErrorText(last)}`);
  const started = Number(info.agent_command_started ?? now);
  await phase(task, `clean step ${step?.step}`, now - started);
  if (index + 1 < steps.length) return startCleanStep(task, agent, d, index + 1, now);
  return finishCleaning(task);
}

async function startCleanStep(
  task: NodeTask,
  agent: AgentClient,
  d: AgentStepDeps,
  index: number,
  now: number,
): Promise<Again> {
  const info = task.node.driver_internal_info;
  const step = (info.agent_clean_steps as unknown as CleanStep[])[index];
  if (!step) return finishCleaning(task);
  const view = await agentView(task, d);
  const cmd = await agent.run(task.ctx, 'clean.execute_clean_step', {
    step: { ...step } as Dict,
    ...view,
    clean_version: info.agent_clean_version ?? {},
  });
  await task.update((n) => {
    n.clean_step = { ...step };
    n.driver_internal_info.agent_clean_index = index;
    n.driver_internal_info.agent_command_id = cmd.id;
    n.driver_internal_info.agent_command_started = now;
  });
  if (cmd.command_status === 'FAILED')
    return failWith(
      task,
      `Agent returned error for clean step ${step.interface}.${step.step}: ${commandErrorText(cmd)}`,
    );
  return cmd.command_status === 'SUCCEEDED' ? 0 : d.settings.agentPollIntervalMs;
}

async function finishCleaning(task: NodeTask): Promise<Again> {
  const manual = task.node.driver_internal_info.clean_steps_requested != null;
  await task.transition('resume');
  await powerTo(task, 'power off');
  await composeDriver(task.node).boot.cleanUp(task.ctx, task.node);
  await task.transition(manual ? 'done-manual' : 'done', {
    change: (n) => {
      n.clean_step = {};
      for (const k of CLEAN_KEYS) delete n.driver_internal_info[k];
    },
  });
  return undefined;
}

const CLEAN_KEYS = [
  'agent_clean_steps',
  'agent_clean_index',
  'agent_clean_version',
  'agent_command_id',
  'agent_command_started',
  'clean_steps_requested',
];

// ---- deploy ---------------------------------------------------------------------------------------------

const WRITE_IMAGE = { interface: 'deploy', step: 'write_image', priority: 80 };

async function deployPass(task: NodeTask, agent: AgentClient, d: AgentStepDeps): Promise<Again> {
  const now = (d.now ?? Date.now)();
  await ramdiskUp(task, 'deploy', now);
  const info = task.node.driver_internal_info;
  const state = info.agent_deploy as Dict | undefined;
  if (!state) return startWriteImage(task, agent, d, now);
  const last = lastOf(await agent.list(task.ctx), 'execute_deploy_step', state.command_id);
  if (last === 'fresh') return startWriteImage(task, agent, d, now);
  if (last.command_status === 'RUNNING') return d.settings.agentPollIntervalMs;
  if (last.command_status !== 'SUCCEEDED')
    return failWith(task, `Deploy step deploy.write_image failed: ${commandErrorText(last)}`, d);
  await releaseCredential(task, d);
  const ms = now - Number(state.started);
  const bytes = typeof state.image_size === 'number' ? state.image_size : null;
  // the agent's reasons for starting the download over, if it had to (deploy_result.download_failures)
  const failures = ((last.command_result as Dict | null)?.deploy_result as Dict | undefined)
    ?.download_failures;
  await phase(task, 'image written', ms, {
    image: String(state.image ?? ''),
    // Which (now deleted) application credential fetched it: for the audit trail.
    credential: String(state.credential ?? '').split('/')[1] ?? null,
    bytes,
    mb_per_s: bytes !== null && ms > 0 ? Math.round((bytes / 1024 / 1024 / (ms / 1000)) * 100) / 100 : null,
    download_failures: Array.isArray(failures) ? failures.map(String) : null,
  });
  return bootInstance(task, now, d);
}

async function startWriteImage(
  task: NodeTask,
  agent: AgentClient,
  d: AgentStepDeps,
  now: number,
): Promise<Again> {
  if (!d.image) return failWith(task, 'The image service is not reachable from this conductor.');
  const n = task.node;
  const id = String(n.instance_info.image_source ?? '');
  const image = await d.image.get(task.ctx, id);
  if (!image) return failWith(task, `Image ${id} could not be found in the image service.`);
  const refusal = imageRefusal(image, n, await d.image.ownProject(task.ctx));
  if (refusal) return failWith(task, refusal);
  let url: string;
  try {
    url = await d.image.fileUrl(task.ctx, id, n);
  } catch (e) {
    return failWith(task, `No URL for the data of image ${id}: ${(e as Error).message}`);
  }
  await releaseCredential(task, d); // a fresh agent: the earlier attempt's credential goes
  const ttl = d.settings.waitTimeouts['wait call-back'] ?? 1800;
  const credential = await d.image.credentials.issue(task.ctx, n.uuid, ttl);
  const headers = { 'X-Auth-Token': credential.token };
  const built = buildImageInfo(n.uuid, n.instance_info, image, url, headers);
  if (!built.ok) return failWith(task, built.reason);
  const drive = n.instance_info.configdrive;
  const configdrive = typeof drive === 'string' && drive !== MASK ? drive : null;
  const view = await agentView(task, d);
  const attempt = { started: now, image: id, image_size: image.size, credential: credential.ref };
  // Saved before the command goes out, so a failed post still lets the next pass delete the credential.
  await task.update((node) => {
    node.driver_internal_info.agent_deploy = { ...attempt, command_id: null };
  });
  const cmd = await agent.run(task.ctx, 'deploy.execute_deploy_step', {
    step: { ...WRITE_IMAGE, args: { image_info: built.info, configdrive } },
    ...view,
    deploy_version: {},
  });
  // The step as shown carries no credentials.
  await task.update((node) => {
    node.deploy_step = { ...WRITE_IMAGE, args: {} };
    node.driver_internal_info.agent_deploy = { ...attempt, command_id: cmd.id };
  });
  if (cmd.command_status === 'FAILED')
    return failWith(task, `Deploy step deploy.write_image failed: ${commandErrorText(cmd)}`, d);
  return d.settings.agentPollIntervalMs;
}

/** prepare_instance_boot, tear_down_agent (out of band) and boot_instance: → active. */
async function bootInstance(task: NodeTask, started: number, d: AgentStepDeps): Promise<Again> {
  const driver = composeDriver(task.node);
  await task.transition('resume');
  await driver.boot.prepareInstance(task.ctx, task.node);
  const mgmt = await driver.management.setBootDevice(task.ctx, task.node, 'disk', true);
  await task.update((n) => {
    Object.assign(n.driver_internal_info, mgmt?.driverInternalInfo ?? {});
  });
  await powerTo(task, 'power off');
  await powerTo(task, 'power on');
  await phase(task, 'reboot to instance', (d.now ?? Date.now)() - started);
  await task.transition('done', {
    change: (n) => {
      n.deploy_step = {};
      if (n.instance_info.configdrive !== undefined) n.instance_info.configdrive = MASK;
      delete n.driver_internal_info.agent_deploy;
      delete n.driver_internal_info.agent_seen;
    },
  });
  return undefined;
}

// ---- inspection -----------------------------------------------------------------------------------------

async function inspectPass(task: NodeTask, agent: AgentClient, d: AgentStepDeps): Promise<Again> {
  const now = (d.now ?? Date.now)();
  await ramdiskUp(task, 'inspect', now);
  const cmd = await agent.run(task.ctx, 'system.get_inventory', {}, true);
  if (cmd.command_status !== 'SUCCEEDED')
    return failWith(task, `The agent could not report its hardware: ${commandErrorText(cmd)}`);
  const inventory = ((cmd.command_result ?? {}) as Dict).inventory as Dict | undefined;
  if (!inventory) return failWith(task, 'The agent reported no inventory.');
  return applyInventory(task, d, inventory, now);
}

/** Sets the properties the inventory tells and creates ports for NICs the node did not know; → manageable. */
export async function applyInventory(
  task: NodeTask,
  d: AgentStepDeps,
  inventory: Dict,
  now: number,
): Promise<Again> {
  const root = (task.node.properties.root_device as Dict | undefined)?.name;
  const props = propertiesFromInventory(inventory, typeof root === 'string' ? root : undefined);
  const created: string[] = [];
  await task.update(async (_n, q) => {
    for (const mac of inventoryMacs(inventory)) {
      if ((await d.ports.list({ address: mac }, q)).length > 0) continue;
      const at = new Date(now).toISOString();
      await d.ports.insert(
        {
          uuid: randomUUID(),
          address: mac,
          node_uuid: task.uuid,
          portgroup_uuid: null,
          pxe_enabled: true,
          local_link_connection: {},
          physical_network: null,
          internal_info: {},
          extra: {},
          is_smartnic: false,
          created_at: at,
          updated_at: null,
        },
        q,
      );
      created.push(mac);
    }
  });
  const since = task.node.inspection_started_at ? Date.parse(task.node.inspection_started_at) : now;
  await phase(task, 'inventory', now - since, { ...props, ports_created: created });
  await powerTo(task, 'power off');
  await composeDriver(task.node).boot.cleanUp(task.ctx, task.node);
  await task.transition('done', {
    change: (n: Node) => {
      Object.assign(n.properties, props);
      n.inspection_finished_at = new Date(now).toISOString();
      delete n.driver_internal_info.agent_seen;
    },
  });
  return undefined;
}
