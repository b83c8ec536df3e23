// POST /servers/{id}/action: reboot (soft/hard), os-stop, os-start, rebuild (new image, preserve_ephemeral),
// os-getConsoleOutput. An action is accepted (202) when the server's vm_state × task_state allows it; the
// task it sets is carried out by the server worker, which records its events under the action.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, badRequest } from '../../platform/errors/catalogue.ts';
import type { Server } from '../model/server.ts';
import { accessIp, diskConfig, parseMetadata, refId } from '../model/server-input.ts';
import { type ServerAction, startAction } from '../model/server-state.ts';
import { auth, enforce, since } from './common.ts';
import { serverView } from './server-views.ts';
import { type ServerApiDeps, visibleServer } from './servers.ts';

/** Starts an action: the task set and the action row written in one transaction, compare-and-set. */
async function begin(
  d: ServerApiDeps,
  req: FastifyRequest,
  id: string,
  action: ServerAction,
  change: (s: Server) => void = () => undefined,
): Promise<Server> {
  const requestId = req.id;
  const s = await d.servers.db.tx(async (q) => {
    for (;;) {
      const cur = await d.servers.get(id, q);
      if (!cur) throw new AppError('NOT_FOUND', `Instance ${id} could not be found.`);
      cur.task_state = startAction(action, id, cur.vm_state, cur.task_state);
      cur.request_id = requestId;
      cur.deploy_sent = false;
      change(cur);
      if (await d.servers.save(cur, q)) {
        await d.servers.addAction(
          q,
          cur,
          action === 'reboot_hard' ? 'reboot' : action,
          requestId,
          auth(req).userId,
        );
        return cur;
      }
    }
  });
  d.enqueue(id);
  return s;
}

export function serverActionRoutes(app: FastifyInstance, d: ServerApiDeps): void {
  app.post<{ Params: { id: string } }>('/servers/:id/action', async (req, reply) => {
    const found = await visibleServer(req, d.servers, req.params.id);
    enforce(req, 'servers:action', { projectId: found.project_id });
    const body = req.body as Record<string, unknown> | undefined;
    const keys = Object.keys(body ?? {});
    const name = keys[0];
    if (!body || keys.length !== 1 || name === undefined) throw badRequest('Malformed request body');
    const arg = body[name];
    switch (name) {
      case 'reboot': {
        const type = (arg as { type?: unknown } | null)?.type;
        if (typeof type !== 'string' || !/^(soft|hard)$/i.test(type))
          throw badRequest(
            'Invalid input for field/attribute type. Value: ' +
              JSON.stringify(type) +
              ". 'type' must be SOFT or HARD",
          );
        await begin(d, req, found.id, type.toUpperCase() === 'HARD' ? 'reboot_hard' : 'reboot');
        return reply.code(202).send();
      }
      case 'os-stop':
        await begin(d, req, found.id, 'stop');
        return reply.code(202).send();
      case 'os-start':
        await begin(d, req, found.id, 'start');
        return reply.code(202).send();
      case 'rebuild':
        return reply.code(202).send(await rebuild(d, req, found, arg));
      case 'os-resetState': {
        // An admin's repair: the state is set, whatever task was running, as Nova does (no action row).
        enforce(req, 'admin_actions:reset_state', { projectId: found.project_id });
        const state = (arg as { state?: unknown } | null)?.state;
        if (state !== 'active' && state !== 'error')
          throw badRequest(
            `Invalid input for field/attribute state. Value: ${JSON.stringify(state)}. ` +
              `${JSON.stringify(state)} is not one of ['active', 'error']`,
          );
        await d.servers.mutate(found.id, (x) => {
          // A delete in progress goes on: it owns the node, ports and claim until they are released.
          if (x.task_state === 'deleting')
            throw new AppError(
              'CONFLICT',
              `Cannot 'os-resetState' instance ${x.id} while it is in task_state deleting`,
            );
          x.vm_state = state;
          x.task_state = null;
          return true;
        });
        return reply.code(202).send();
      }
      case 'os-getConsoleOutput':
        enforce(req, 'console_output', { projectId: found.project_id });
        // Ironic keeps no serial log of a node (its console is a live session), so Nova's ironic driver
        // cannot answer this, and neither can we.
        throw new AppError('NOT_IMPLEMENTED', 'Unable to get console log, functionality not implemented');
      default:
        throw badRequest(`There is no such action: ${name}`);
    }
  });
}

async function rebuild(d: ServerApiDeps, req: FastifyRequest, found: Server, arg: unknown) {
  if (typeof arg !== 'object' || arg === null || Array.isArray(arg))
    throw badRequest('Malformed request body');
  const r = arg as Record<string, unknown>;
  const allowed = new Set([
    'imageRef',
    'name',
    'metadata',
    'preserve_ephemeral',
    'adminPass',
    'accessIPv4',
    'accessIPv6',
    'OS-DCF:diskConfig',
  ]);
  if (since(req, 19)) allowed.add('description');
  if (since(req, 54)) allowed.add('key_name');
  if (since(req, 57)) allowed.add('user_data');
  for (const k of Object.keys(r))
    if (!allowed.has(k)) throw badRequest(`Additional properties are not allowed ('${k}' was unexpected)`);
  if (typeof r.imageRef !== 'string' || refId(r.imageRef) === '')
    throw badRequest('Invalid imageRef provided.');
  if (r.preserve_ephemeral !== undefined && typeof r.preserve_ephemeral !== 'boolean')
    throw badRequest(
      `Invalid input for field/attribute preserve_ephemeral. Value: ${JSON.stringify(r.preserve_ephemeral)}. is not of type 'boolean'`,
    );
  const image = await d.image(req).get(d.ctx, refId(r.imageRef));
  if (!image) throw badRequest(`Image ${refId(r.imageRef)} could not be found.`);
  if (image.status !== 'active') throw badRequest(`Image ${image.id} is not active.`);
  const metadata = r.metadata === undefined ? undefined : parseMetadata('metadata', r.metadata);
  if (r.name !== undefined && (typeof r.name !== 'string' || r.name.trim() === '' || r.name.length > 255))
    throw badRequest(`Invalid input for field/attribute name. Value: ${JSON.stringify(r.name)}.`);
  let key: Server['key'] | undefined;
  if (r.key_name !== undefined) {
    if (r.key_name === null) key = null;
    else {
      const k = await d.keypairs.get(auth(req).userId, String(r.key_name)).catch(() => {
        throw badRequest('Invalid key_name provided.');
      });
      key = { name: k.name, type: k.type, data: k.public_key };
    }
  }
  let userData: string | null | undefined;
  if (r.user_data !== undefined) {
    if (
      r.user_data !== null &&
      (typeof r.user_data !== 'string' || !/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(r.user_data))
    )
      throw badRequest('User data needs to be valid base 64.');
    userData = r.user_data as string | null;
  }
  const disk = diskConfig(r['OS-DCF:diskConfig']);
  const v4 = accessIp('accessIPv4', r.accessIPv4);
  const v6 = accessIp('accessIPv6', r.accessIPv6);
  const s = await begin(d, req, found.id, 'rebuild', (x) => {
    x.image_ref = image.id;
    x.preserve_ephemeral = r.preserve_ephemeral === true;
    if (disk) x.disk_config = disk;
    if (typeof r.name === 'string') x.name = r.name;
    if (metadata) x.metadata = metadata;
    if (r.description !== undefined) x.description = r.description as string | null;
    if (key !== undefined) {
      x.key = key;
      x.key_name = key?.name ?? null;
    }
    if (userData !== undefined) x.user_data = userData;
    if (v4 !== undefined) x.access_ipv4 = v4;
    if (v6 !== undefined) x.access_ipv6 = v6;
  });
  const groups = s.group_id ? [s.group_id] : [];
  return { server: serverView(req, s, d.settings.host, { groups, answering: 'rebuild' }) };
}
