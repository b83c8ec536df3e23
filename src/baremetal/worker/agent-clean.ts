// Cleaning in `clean wait`: the agent's clean steps are asked for once and planned (model/agent-steps.ts),
// then run one command at a time; when the last one succeeded the node is powered off and its boot cleaned up.
import type { AgentClient } from '../drivers/agent-client.ts';
import { commandErrorText } from '../drivers/agent-client.ts';
import { composeDriver } from '../drivers/compose.ts';
import { type CleanStep, planCleanSteps } from '../model/agent-steps.ts';
import type { Dict } from '../model/node.ts';
import {
  type Again,
  type AgentStepDeps,
  agentView,
  failWith,
  lastOf,
  phase,
  ramdiskUp,
} from './agent-pass.ts';
import type { NodeTask } from './node-task.ts';
import { powerTo } from './provision.ts';

export async function cleanPass(task: NodeTask, agent: AgentClient, d: AgentStepDeps): Promise<Again> {
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
