// /v1/nodes/{node}/states[/provision|/power], maintenance, management/boot_device, validate: the actions.
// Each runs under the node's lease: a second action on a busy node gets 409 NodeLocked, an action the state
// machine does not allow from the node's state gets 400, and nothing changes in either case.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { composeDriver } from '../drivers/compose.ts';
import type { BootDevice, PowerTarget } from '../drivers/interfaces.ts';
import { wipeAgent } from '../model/agent.ts';
import { parseConfigDrive } from '../model/config-drive.ts';
import { badTransition, inMaintenance, invalid, nodeProtected, notAcceptable } from '../model/errors.ts';
import { VALIDATED_INTERFACES } from '../model/hardware-types.ts';
import type { Dict } from '../model/node.ts';
import { applyProvision } from '../model/provision.ts';
import { API_TARGETS } from '../model/verbs.ts';
import { backgroundOf } from '../worker/provision.ts';
import { authOf, can, enforce, findNode, input, minorOf, objectBody } from './common.ts';
import type { ApiContext } from './context.ts';
import { LESSEE_VERBS } from './policy.ts';
import { nodeView } from './views.ts';

const POWER_TARGETS: Record<string, number> = {
  'power on': 1,
  'power off': 1,
  rebooting: 1,
  'soft power off': 27,
  'soft rebooting': 27,
};

const ABORT_MESSAGES: Record<string, string> = {
  'clean wait': 'Clean operation aborted by the user',
  'clean hold': 'Clean operation aborted by the user',
  'inspect wait': 'Inspection was aborted by the user',
  'wait call-back': 'Deploy operation aborted by the user',
  'deploy hold': 'Deploy operation aborted by the user',
  'rescue wait': 'Rescue operation aborted by the user',
  'service wait': 'Service operation aborted by the user',
  'service hold': 'Service operation aborted by the user',
};

function cleanSteps(raw: unknown): Dict[] {
  if (!Array.isArray(raw) || raw.length === 0)
    throw invalid('"clean_steps" is required when setting the target provision state to clean.');
  for (const s of raw) {
    if (
      typeof s !== 'object' ||
      s === null ||
      typeof (s as Dict).interface !== 'string' ||
      typeof (s as Dict).step !== 'string'
    )
      throw invalid(`Invalid clean step ${JSON.stringify(s)}: each step needs "interface" and "step".`);
  }
  return raw as Dict[];
}

const STATE_FIELDS = [
  'power_state',
  'target_power_state',
  'provision_state',
  'target_provision_state',
  'provision_updated_at',
  'last_error',
  'console_enabled',
  'raid_config',
  'target_raid_config',
];

export function nodeStateRoutes(app: FastifyInstance, api: ApiContext) {
  app.get('/v1/nodes/:ident/states', async (req) => {
    const n = await findNode(api, req, (req.params as { ident: string }).ident);
    // The node view's rules: fields from the version that added them, 1.1's null for `available`.
    const { links: _links, ...states } = nodeView(req, n, STATE_FIELDS);
    return states;
  });

  app.put('/v1/nodes/:ident/states/provision', async (req, reply) => {
    const found = await findNode(api, req, (req.params as { ident: string }).ident);
    const body = objectBody(req);
    const target = body.target;
    const spec = typeof target === 'string' ? API_TARGETS[target] : undefined;
    if (!spec) throw invalid(`Invalid provision state target ${JSON.stringify(target)}.`);
    if (spec.minVersion > minorOf(req))
      throw notAcceptable(`The target "${target}" needs API version 1.${spec.minVersion}.`);
    const verb = spec.verb;
    if (!can(req, 'node:set_provision_state', { owner: found.owner, lessee: null })) {
      if (!LESSEE_VERBS.has(verb))
        enforce(req, 'node:set_provision_state', { owner: found.owner, lessee: null });
      enforce(req, 'node:set_provision_state', found);
    }
    const steps = verb === 'clean' ? cleanSteps(body.clean_steps) : undefined;
    const configdrive = input(() => parseConfigDrive(body.configdrive, minorOf(req)));
    if (configdrive !== undefined && verb !== 'deploy' && verb !== 'rebuild')
      throw invalid('A configdrive can only be given when deploying (target active) or rebuilding.');
    if (body.clean_steps !== undefined && verb !== 'clean')
      throw invalid('"clean_steps" is only valid when setting the target provision state to clean.');
    await api.conductor.exclusive(
      api.ctx,
      found.uuid,
      `provision ${verb}`,
      authOf(req).userId,
      async (task) => {
        const n = task.node;
        if (n.protected && (verb === 'delete' || verb === 'rebuild')) throw nodeProtected(n.uuid);
        if (n.maintenance && verb !== 'abort' && verb !== 'delete') throw inMaintenance(n.uuid);
        const r = applyProvision(n.provision_state, n.target_provision_state, verb);
        if (!r.ok) throw badTransition(String(target), n.uuid, n.provision_state);
        if (verb === 'deploy' || verb === 'rebuild') {
          const driver = composeDriver(n);
          const problem = driver.power.validate(n) ?? driver.deploy.validate(n) ?? driver.boot.validate(n);
          if (problem)
            throw invalid(`Failed to validate deploy or power info for node ${n.uuid}: ${problem}`);
        }
        const fromState = n.provision_state;
        await task.transition(verb, {
          lastError: verb === 'abort' ? (ABORT_MESSAGES[fromState] ?? null) : null,
          change: (node) => {
            if (steps) node.clean_step = {};
            if (verb === 'inspect') {
              node.inspection_started_at = new Date().toISOString();
              node.inspection_finished_at = null;
            }
          },
        });
        return fromState;
      },
      async (task) => {
        const background = backgroundOf(verb, task.node.provision_state === 'verifying' ? 'enroll' : '', {
          cleanSteps: steps,
          automatedClean: api.settings.automatedClean,
          configdrive,
        });
        await background?.(task);
      },
    );
    return reply.code(202).send();
  });

  app.put('/v1/nodes/:ident/states/power', async (req, reply) => {
    const found = await findNode(api, req, (req.params as { ident: string }).ident);
    enforce(req, 'node:set_power_state', found);
    const body = objectBody(req);
    const target = body.target;
    const min = typeof target === 'string' ? POWER_TARGETS[target] : undefined;
    if (min === undefined) throw invalid(`Invalid power state target ${JSON.stringify(target)}.`);
    if (min > minorOf(req)) throw notAcceptable(`The power target "${target}" needs API version 1.${min}.`);
    let timeout: number | undefined;
    if (body.timeout !== undefined && body.timeout !== null) {
      if (minorOf(req) < 27) throw notAcceptable('The power timeout needs API version 1.27.');
      if (typeof body.timeout !== 'number' || !Number.isInteger(body.timeout) || body.timeout < 1)
        throw invalid(`Invalid timeout ${JSON.stringify(body.timeout)}: a whole number of seconds ≥ 1.`);
      timeout = body.timeout;
    }
    const powerTarget = target as PowerTarget;
    await api.conductor.exclusive(
      api.ctx,
      found.uuid,
      `power ${powerTarget}`,
      authOf(req).userId,
      async (task) => {
        const driver = composeDriver(task.node);
        const problem = driver.power.validate(task.node);
        if (problem) throw invalid(`Failed to validate power info for node ${task.uuid}: ${problem}`);
        const settled =
          powerTarget === 'power off' || powerTarget === 'soft power off' ? 'power off' : 'power on';
        await task.update((n) => {
          n.target_power_state = settled;
          n.last_error = null;
        });
        return settled;
      },
      async (task) => {
        const settled = task.node.target_power_state as 'power on' | 'power off';
        const driver = composeDriver(task.node);
        try {
          const update = await driver.power.setPowerState(task.ctx, task.node, powerTarget, timeout);
          await task.update((n) => {
            Object.assign(n.driver_internal_info, update?.driverInternalInfo ?? {});
            wipeAgent(n.driver_internal_info);
            const from = n.power_state;
            n.power_state = settled;
            n.target_power_state = null;
            return { kind: 'power', to: settled, reason: powerTarget, fromState: from };
          });
        } catch (e) {
          const msg = `Failed to change power state to "${powerTarget}": ${e instanceof Error ? e.message : String(e)}`;
          await task.update((n) => {
            n.target_power_state = null;
            n.last_error = msg;
            return { kind: 'power', to: String(n.power_state), reason: msg, severity: 'ERROR' };
          });
        }
      },
    );
    return reply.code(202).send();
  });

  const maintenance = (on: boolean) => async (req: FastifyRequest, reply: FastifyReply) => {
    const found = await findNode(api, req, (req.params as { ident: string }).ident);
    enforce(req, 'node:set_maintenance', found);
    const reason = on ? ((req.body as { reason?: unknown } | undefined)?.reason ?? null) : null;
    if (reason !== null && typeof reason !== 'string')
      throw invalid('The maintenance reason must be a string.');
    await api.conductor.exclusive(api.ctx, found.uuid, 'maintenance', authOf(req).userId, (task) =>
      task.update((n) => {
        n.maintenance = on;
        n.maintenance_reason = on ? reason : null;
        if (!on) n.fault = null;
        return { kind: 'maintenance', to: on ? 'maintenance' : 'in service', reason: reason ?? '' };
      }),
    );
    return reply.code(202).send();
  };
  app.put('/v1/nodes/:ident/maintenance', maintenance(true));
  app.delete('/v1/nodes/:ident/maintenance', maintenance(false));

  app.get('/v1/nodes/:ident/management/boot_device', async (req) => {
    const found = await findNode(api, req, (req.params as { ident: string }).ident);
    return composeDriver(found).management.getBootDevice(api.ctx, found);
  });

  app.get('/v1/nodes/:ident/management/boot_device/supported', async (req) => {
    const found = await findNode(api, req, (req.params as { ident: string }).ident);
    return { supported_boot_devices: composeDriver(found).management.supportedBootDevices(found) };
  });

  app.put('/v1/nodes/:ident/management/boot_device', async (req, reply) => {
    const found = await findNode(api, req, (req.params as { ident: string }).ident);
    enforce(req, 'node:set_boot_device', found);
    const body = objectBody(req);
    const mgmt = composeDriver(found).management;
    const device = body.boot_device;
    if (typeof device !== 'string' || !mgmt.supportedBootDevices(found).includes(device as BootDevice))
      throw invalid(
        `Invalid boot device ${JSON.stringify(device)}: supported are ${mgmt.supportedBootDevices(found).join(', ')}.`,
      );
    const persistent = body.persistent === true || body.persistent === 'true' || body.persistent === 'True';
    await api.conductor.exclusive(
      api.ctx,
      found.uuid,
      'set boot device',
      authOf(req).userId,
      async (task) => {
        const update = await mgmt.setBootDevice(task.ctx, task.node, device as BootDevice, persistent);
        await task.update((n) => {
          Object.assign(n.driver_internal_info, update?.driverInternalInfo ?? {});
          return { kind: 'management', to: device, reason: persistent ? 'persistent' : 'once' };
        });
      },
    );
    return reply.code(204).send();
  });

  app.get('/v1/nodes/:ident/validate', async (req) => {
    const found = await findNode(api, req, (req.params as { ident: string }).ident);
    enforce(req, 'node:validate', found);
    const driver = composeDriver(found);
    const out: Record<string, { result: boolean; reason: string | null }> = {};
    for (const iface of VALIDATED_INTERFACES) {
      const impl = driver[iface];
      const problem = impl.validate(found);
      out[iface] =
        problem === undefined ? { result: true, reason: null } : { result: false, reason: problem };
    }
    return out;
  });
}
