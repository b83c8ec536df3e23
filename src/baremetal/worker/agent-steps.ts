// What the conductor does for a node whose agent has called back, one pass at a time under the node's
// lease (Ironic's heartbeat handling in agent_base.py): in `clean wait` it runs the clean steps through the
// agent's command API, in `wait call-back` the write_image deploy step then the reboot to disk, in
// `inspect wait` it reads the inventory. A pass posts at most one command or reads its state, and says when
// to look again; a heartbeat or the periodic resync starts the next pass.
// The passes are in agent-clean.ts, agent-deploy.ts and agent-inspect.ts; what they share in agent-pass.ts.
import type { Ctx } from '../../platform/context.ts';
import { AgentClient } from '../drivers/agent-client.ts';
import type { Dict, Node } from '../model/node.ts';
import { cleanPass } from './agent-clean.ts';
import { deployPass } from './agent-deploy.ts';
import { inspectPass } from './agent-inspect.ts';
import { type Again, type AgentStepDeps, lastOf } from './agent-pass.ts';
import type { NodeTask } from './node-task.ts';

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
