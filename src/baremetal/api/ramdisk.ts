// The ramdisk agent's endpoints, public like Ironic's (no Keystone token; the agent token is the check):
// GET /v1/lookup finds a node by its NICs' MACs and hands out the agent token once; POST
// /v1/heartbeat/{node} hands the agent's URL and version to the conductor, whose reconcile loop records
// them and, in a wait state, moves the work on (worker/agent-steps.ts).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HEARTBEAT_FIELDS, HEARTBEAT_TIMEOUT_S, LOOKUP_STATES, validCallbackUrl } from '../model/agent.ts';
import { invalid, nodeNotFound, notFound } from '../model/errors.ts';
import type { Node } from '../model/node.ts';
import { isUuid } from '../model/node-input.ts';
import { normaliseMac } from '../model/port.ts';
import { maskInstanceInfo, maskSecrets } from '../model/secrets.ts';
import { minorOf } from './common.ts';
import type { ApiContext } from './context.ts';
import { links } from './views.ts';

const PUBLIC = { config: { public: true } };

function needs(req: FastifyRequest) {
  // Before 1.22 these routes did not exist.
  if (minorOf(req) < 22) throw notFound('Resource', req.url, 'NotFound');
}

function sameToken(given: unknown, stored: unknown): boolean {
  if (typeof given !== 'string' || typeof stored !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(stored);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function nodeByIdent(api: ApiContext, req: FastifyRequest, ident: string): Promise<Node | undefined> {
  if (isUuid(ident)) return api.nodes.get(ident);
  return minorOf(req) >= 5 ? api.nodes.byName(ident) : undefined;
}

export function ramdiskRoutes(app: FastifyInstance, api: ApiContext) {
  app.get('/v1/lookup', PUBLIC, async (req) => {
    needs(req);
    const q = req.query as { addresses?: string; node_uuid?: string };
    const macs = (q.addresses ?? '')
      .split(',')
      .map((m) => m.trim())
      .filter((m) => m !== '')
      .flatMap((m) => {
        try {
          return [normaliseMac(m)];
        } catch {
          return []; // the agent sends every NIC; invalid ones are dropped, as Ironic does
        }
      });
    if (q.node_uuid !== undefined && !isUuid(q.node_uuid))
      throw invalid(`Expected a UUID but received ${q.node_uuid}.`);
    if (macs.length === 0 && q.node_uuid === undefined)
      throw invalid('Neither a node UUID nor valid MAC addresses were provided.');
    let found: Node | undefined;
    if (q.node_uuid) found = await api.nodes.get(q.node_uuid);
    else {
      const owners = new Set<string>();
      for (const mac of macs) for (const p of await api.ports.list({ address: mac })) owners.add(p.node_uuid);
      if (owners.size === 1) found = await api.nodes.get([...owners][0] ?? '');
    }
    // Unknown node and wrong state give the same answer on purpose: the lookup reveals nothing.
    const notHere = nodeNotFound(q.node_uuid ?? `with addresses ${macs.join(',')}`);
    if (!found || !LOOKUP_STATES.has(found.provision_state)) throw notHere;
    const uuid = found.uuid;
    const token = await api.conductor.exclusive(api.ctx, uuid, 'agent lookup', null, async (task) => {
      if (!LOOKUP_STATES.has(task.node.provision_state)) throw notHere;
      if (typeof task.node.driver_internal_info.agent_secret_token === 'string') return '******';
      const fresh = randomBytes(32).toString('base64url');
      await task.update((n) => {
        n.driver_internal_info.agent_secret_token = fresh;
      });
      return fresh;
    });
    const node = (await api.nodes.get(uuid)) ?? found;
    return {
      node: {
        uuid,
        properties: node.properties,
        instance_info: maskInstanceInfo(node.instance_info),
        driver_internal_info: maskSecrets(node.driver_internal_info),
        links: links(req, `nodes/${uuid}`),
      },
      config: {
        heartbeat_timeout: HEARTBEAT_TIMEOUT_S,
        agent_token: token,
        agent_token_required: true,
        disable_deep_image_inspection: false,
        permitted_image_formats: ['raw', 'qcow2'],
      },
    };
  });

  app.post('/v1/heartbeat/:ident', PUBLIC, async (req, reply) => {
    needs(req);
    const node = await nodeByIdent(api, req, (req.params as { ident: string }).ident);
    if (!node) throw nodeNotFound((req.params as { ident: string }).ident);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const minor = minorOf(req);
    for (const k of Object.keys(body)) {
      const since = HEARTBEAT_FIELDS[k];
      if (since === undefined) throw invalid(`Unknown heartbeat field "${k}".`);
      if (since > minor) throw invalid(`Field "${k}" needs API version 1.${since}.`);
    }
    if (!validCallbackUrl(body.callback_url)) throw invalid('Invalid or missing callback_url.');
    if (minor >= 36 && typeof body.agent_version !== 'string')
      throw invalid('Missing agent_version: the agent must report its version.');
    const saved = node.driver_internal_info.agent_url;
    if (!sameToken(body.agent_token, node.driver_internal_info.agent_secret_token))
      throw invalid('Invalid or missing agent token received.');
    if (typeof saved === 'string' && saved !== body.callback_url)
      throw invalid('The callback_url changed since the first heartbeat; refusing it.');
    // Recorded and acted on by the conductor's reconcile loop under the node's lease (a busy node's
    // heartbeat waits there for the lease instead of being dropped).
    api.conductor.heartbeat(node.uuid, {
      token: String(body.agent_token),
      agentUrl: body.callback_url,
      agentVersion: typeof body.agent_version === 'string' ? body.agent_version : null,
      at: new Date().toISOString(),
    });
    return reply.code(202).send();
  });
}
