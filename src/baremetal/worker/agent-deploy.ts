// Deploying in `wait call-back`: the write_image deploy step (the image checked, a short-lived credential
// issued for its download), then, once the agent wrote it, the boot to disk and `active`.
import type { AgentClient } from '../drivers/agent-client.ts';
import { commandErrorText } from '../drivers/agent-client.ts';
import { composeDriver } from '../drivers/compose.ts';
import { buildImageInfo, imageRefusal } from '../model/agent-steps.ts';
import type { Dict } from '../model/node.ts';
import { MASK } from '../model/secrets.ts';
import {
  type Again,
  type AgentStepDeps,
  agentView,
  failWith,
  lastOf,
  phase,
  ramdiskUp,
  releaseCredential,
} from './agent-pass.ts';
import type { NodeTask } from './node-task.ts';
import { powerTo } from './provision.ts';

const WRITE_IMAGE = { interface: 'deploy', step: 'write_image', priority: 80 };

export async function deployPass(task: NodeTask, agent: AgentClient, d: AgentStepDeps): Promise<Again> {
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
