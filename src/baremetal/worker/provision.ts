// What each provision verb does once its first transition is committed: the driver calls, and the
// transitions that follow (done, wait, fail) with last_error on failure. Every function here runs inside
// an exclusive NodeTask, in the background of the API's 202.

import { composeDriver } from '../drivers/compose.ts';
import type { StepOutcome } from '../drivers/interfaces.ts';
import { wipeAgent } from '../model/agent.ts';
import type { ConfigDriveContent } from '../model/config-drive.ts';
import type { Dict } from '../model/node.ts';
import type { ApiVerb } from '../model/provision.ts';
import { configDriveForAgent } from './config-drive.ts';
import type { NodeTask } from './node-task.ts';

export interface VerbOptions {
  cleanSteps?: Dict[];
  automatedClean: boolean;
  configdrive?: string | ConfigDriveContent;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Runs `work`; any error moves the node to its failure state with the error as last_error. */
async function orFail(task: NodeTask, what: string, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (e) {
    task.ctx.log.warn({ err: e }, `${what} failed`);
    await task.transition('fail', { lastError: `${what} failed: ${message(e)}` });
  }
}

export async function powerTo(task: NodeTask, target: 'power on' | 'power off') {
  const driver = composeDriver(task.node);
  const update = await driver.power.setPowerState(task.ctx, task.node, target);
  await task.update((n) => {
    Object.assign(n.driver_internal_info, update?.driverInternalInfo ?? {});
    // A power cycle ends the agent's boot: its token and URL go, the next boot looks up afresh.
    wipeAgent(n.driver_internal_info);
    const from = n.power_state;
    n.power_state = target;
    return { kind: 'power', to: target, reason: target, fromState: from }; // a timeline phase
  });
}

/** Waits for a call-back; with bootRamdisk, first power-cycles the node into the deploy ramdisk. */
async function waitForAgent(task: NodeTask, bootRamdisk: boolean | undefined) {
  if (!bootRamdisk) return void (await task.transition('wait'));
  // Off first (wiping any old agent's token), then wait, then on: the agent's lookup and heartbeats need
  // this task's lease, which it holds until it ends, so no token is handed out before the wipe.
  await powerTo(task, 'power off');
  await task.transition('wait');
  await powerTo(task, 'power on');
}

async function afterStep(task: NodeTask, outcome: StepOutcome, done: () => Promise<unknown>) {
  if (outcome.kind === 'wait') {
    await waitForAgent(task, outcome.bootRamdisk);
    return;
  }
  if (outcome.update?.driverInternalInfo) {
    const info = outcome.update.driverInternalInfo;
    await task.update((n) => void Object.assign(n.driver_internal_info, info));
  }
  await done();
}

/** Cleaning from the `cleaning` state: automated (steps undefined) or manual; ends powered off. */
async function clean(task: NodeTask, steps: Dict[] | undefined, opts: VerbOptions) {
  await orFail(task, 'Cleaning', async () => {
    const manual = steps !== undefined;
    const driver = composeDriver(task.node);
    const cleans = manual || (task.node.automated_clean ?? opts.automatedClean);
    if (cleans) {
      // What the agent-driven cleaning reads on the first heartbeat (worker/agent-steps.ts).
      await task.update((n) => {
        n.driver_internal_info.clean_steps_requested = steps ?? null;
        delete n.driver_internal_info.agent_clean_steps;
      });
      await driver.boot.prepareRamdisk(task.ctx, task.node);
    }
    const outcome = cleans
      ? await driver.deploy.clean(task.ctx, task.node, steps)
      : ({ kind: 'done' } as const);
    await afterStep(task, outcome, async () => {
      await powerTo(task, 'power off');
      await task.transition(manual ? 'done-manual' : 'done', {
        change: (n) => {
          n.clean_step = {};
        },
      });
    });
  });
}

async function deploy(task: NodeTask, opts: VerbOptions) {
  await orFail(task, 'Deploy', async () => {
    const driver = composeDriver(task.node);
    const drive =
      opts.configdrive === undefined
        ? undefined
        : await configDriveForAgent(task.ctx, opts.configdrive, task.node);
    await task.update((n) => {
      // Kept for write_image (responses mask it); replaced by ****** once the node is active.
      if (typeof drive === 'string') n.instance_info.configdrive = drive;
      delete n.driver_internal_info.agent_deploy;
    });
    await driver.boot.prepareRamdisk(task.ctx, task.node);
    const outcome = await driver.deploy.deploy(task.ctx, task.node);
    await afterStep(task, outcome, async () => {
      await driver.boot.prepareInstance(task.ctx, task.node);
      const mgmt = await driver.management.setBootDevice(task.ctx, task.node, 'disk', true);
      if (mgmt?.driverInternalInfo) {
        const info = mgmt.driverInternalInfo;
        await task.update((n) => void Object.assign(n.driver_internal_info, info));
      }
      await powerTo(task, 'power on');
      await task.transition('done', {
        change: (n) => {
          n.deploy_step = {};
          if (opts.configdrive !== undefined) n.instance_info.configdrive = '******';
        },
      });
    });
  });
}

/** The background part of each verb; verbs that only move the state (abort, manage from available) have none. */
export function backgroundOf(
  verb: ApiVerb,
  fromState: string,
  opts: VerbOptions,
): ((task: NodeTask) => Promise<void>) | undefined {
  switch (verb) {
    case 'manage':
      if (fromState !== 'enroll') return undefined;
      return (task) =>
        orFail(task, 'Failed to get power state', async () => {
          const driver = composeDriver(task.node);
          const problem = driver.power.validate(task.node) ?? driver.management.validate(task.node);
          if (problem) throw new Error(problem);
          const power = await driver.power.getPowerState(task.ctx, task.node);
          await task.transition('done', { change: (n) => (n.power_state = power) });
        });
    case 'provide':
      return (task) => clean(task, undefined, opts);
    case 'clean':
      return (task) => clean(task, opts.cleanSteps ?? [], opts);
    case 'inspect':
      return (task) =>
        orFail(task, 'Inspection', async () => {
          const driver = composeDriver(task.node);
          if (driver.inspect.name === 'agent') await driver.boot.prepareRamdisk(task.ctx, task.node);
          const result = await driver.inspect.inspect(task.ctx, task.node);
          if (result.kind === 'wait') return void (await waitForAgent(task, result.bootRamdisk));
          await task.transition('done', {
            change: (n) => {
              Object.assign(n.properties, result.properties);
              n.inspection_finished_at = new Date().toISOString();
            },
          });
        });
    case 'deploy':
    case 'rebuild':
      return (task) => deploy(task, opts);
    case 'delete':
      return async (task) => {
        await orFail(task, 'Tear down', async () => {
          const driver = composeDriver(task.node);
          await driver.deploy.tearDown(task.ctx, task.node);
          await powerTo(task, 'power off');
          await driver.boot.cleanUp(task.ctx, task.node);
          await task.transition('done', {
            change: (n) => {
              n.instance_info = {};
              n.instance_uuid = null;
              n.allocation_uuid = null;
            },
          });
        });
        if (task.node.provision_state === 'cleaning') await clean(task, undefined, opts);
      };
    case 'adopt':
      return (task) =>
        orFail(task, 'Adoption', async () => {
          const driver = composeDriver(task.node);
          const problem = driver.power.validate(task.node) ?? driver.deploy.validate(task.node);
          if (problem) throw new Error(problem);
          await driver.deploy.takeOver(task.ctx, task.node);
          const power = await driver.power.getPowerState(task.ctx, task.node);
          await task.transition('done', { change: (n) => (n.power_state = power) });
        });
    case 'rescue':
      return (task) =>
        orFail(task, 'Rescue', async () => {
          const outcome = await composeDriver(task.node).rescue.rescue(task.ctx, task.node);
          await afterStep(task, outcome, () => task.transition('done'));
        });
    case 'unrescue':
      return (task) =>
        orFail(task, 'Unrescue', async () => {
          await composeDriver(task.node).rescue.unrescue(task.ctx, task.node);
          await task.transition('done');
        });
    case 'service':
      return (task) => orFail(task, 'Servicing', () => task.transition('done').then(() => undefined));
    case 'abort':
      // An aborted wait for an agent: the ramdisk is of no use any more; power it off (wiping its token),
      // as Ironic's tear-down of cleaning and deploy does. Other aborts only move the state.
      return async (task) => {
        const driver = composeDriver(task.node);
        const agentDriven = driver.deploy.name === 'direct' || driver.inspect.name === 'agent';
        const ended = ['clean failed', 'deploy failed', 'inspect failed'].includes(task.node.provision_state);
        if (!agentDriven || !ended || task.node.power_state !== 'power on') return;
        await powerTo(task, 'power off').catch((e) =>
          task.ctx.log.warn({ err: e }, 'could not power off after an abort'),
        );
      };
    case 'unhold':
      return undefined;
  }
}
