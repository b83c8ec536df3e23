// What every pass with a node's agent shares: the deps it runs with, the node as the agent is shown it, the
// deploy timeline's phase events, the first-heartbeat record, the agent's last command, and failing the node
// (its image credential released, the ramdisk powered off).
import type { Ctx } from '../../platform/context.ts';
import type { AgentCommand } from '../drivers/agent-client.ts';
import type { ImageFacts } from '../model/agent-steps.ts';
import type { Dict, Node } from '../model/node.ts';
import { maskInstanceInfo, maskSecrets } from '../model/secrets.ts';
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

/** The node as the agent is shown it (secrets masked) and its ports. */
export async function agentView(task: NodeTask, d: AgentStepDeps): Promise<{ node: Dict; ports: Dict[] }> {
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
export function phase(task: NodeTask, name: string, ms: number, figures: Dict = {}) {
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
export async function ramdiskUp(task: NodeTask, key: string, now: number): Promise<void> {
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
export function lastOf(cmds: AgentCommand[], name: string, id: unknown): AgentCommand | 'fresh' {
  const last = cmds.at(-1);
  if (!last || last.command_name !== name || (typeof id === 'string' && last.id !== id)) return 'fresh';
  return last;
}

/** Deletes the deploy's image credential (revoking its token), if one was made. */
export async function releaseCredential(task: NodeTask, d: AgentStepDeps): Promise<void> {
  const ref = (task.node.driver_internal_info.agent_deploy as Dict | undefined)?.credential;
  if (typeof ref !== 'string' || !d.image) return;
  await d.image.credentials
    .release(task.ctx, ref)
    .catch((e) =>
      task.ctx.log.warn({ err: e }, 'could not delete the deploy credential; it expires by itself'),
    );
}

export async function failWith(task: NodeTask, message: string, d?: AgentStepDeps): Promise<Again> {
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
