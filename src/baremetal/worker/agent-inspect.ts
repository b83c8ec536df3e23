// Inspecting in `inspect wait`: the agent's inventory read once, the properties it tells set and ports made
// for NICs the node did not know; then the node is powered off and goes back to `manageable`.
import { randomUUID } from 'node:crypto';
import type { AgentClient } from '../drivers/agent-client.ts';
import { commandErrorText } from '../drivers/agent-client.ts';
import { composeDriver } from '../drivers/compose.ts';
import { inventoryMacs, propertiesFromInventory } from '../model/agent-steps.ts';
import type { Dict, Node } from '../model/node.ts';
import { type Again, type AgentStepDeps, failWith, phase, ramdiskUp } from './agent-pass.ts';
import type { NodeTask } from './node-task.ts';
import { powerTo } from './provision.ts';

export async function inspectPass(task: NodeTask, agent: AgentClient, d: AgentStepDeps): Promise<Again> {
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
