// Keypairs (/os-keypairs): import or generate, list, show, delete, with the microversion differences
// (type and 201/204 from 2.2, user_id for admins from 2.10, paging from 2.35).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest } from '../../platform/errors/catalogue.ts';
import { generateSsh, generateX509 } from '../keygen.ts';
import { fingerprint, type KeyType, keypairName } from '../model/keypair.ts';
import type { Keypair, KeypairStore } from '../store/keypairs.ts';
import { auth, bodyOf, enforce, intParam, nextLink, param, since } from './common.ts';

/** The user a call acts for: the caller, or (2.10+, by policy) the `user_id` asked for. */
function userFor(req: FastifyRequest, asked: unknown, action: string): string {
  const user = asked === undefined || asked === null ? auth(req).userId : asked;
  if (typeof user !== 'string' || user === '') throw badRequest(`Invalid input for field/attribute user_id.`);
  enforce(req, `keypairs:${action}`, { userId: user });
  return user;
}

function view(req: FastifyRequest, k: Keypair, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: k.name,
    public_key: k.public_key,
    fingerprint: k.fingerprint,
    ...extra,
  };
  if (since(req, 2)) out.type = k.type;
  return out;
}

export function keypairRoutes(app: FastifyInstance, keypairs: KeypairStore): void {
  app.post('/os-keypairs', async (req, reply) => {
    const body = bodyOf(req, 'keypair');
    const allowed = [
      'name',
      'public_key',
      ...(since(req, 2) ? ['type'] : []),
      ...(since(req, 10) ? ['user_id'] : []),
    ];
    for (const k of Object.keys(body))
      if (!allowed.includes(k))
        throw badRequest(
          `Invalid input for field/attribute keypair. Additional properties are not allowed ('${k}' was unexpected)`,
        );
    const name = keypairName(body.name);
    const userId = userFor(req, body.user_id, 'create');
    const type = (body.type ?? 'ssh') as KeyType;
    if (type !== 'ssh' && type !== 'x509')
      throw badRequest(
        `Invalid input for field/attribute type. Value: ${JSON.stringify(body.type)}. is not one of ['ssh', 'x509']`,
      );
    const projectId = auth(req).projectId ?? '';
    let created: Keypair;
    let privateKey: string | undefined;
    if (body.public_key === undefined || body.public_key === null) {
      const pair =
        type === 'x509' ? await generateX509(userId, AbortSignal.timeout(60_000)) : await generateSsh();
      privateKey = pair.privateKey;
      created = await keypairs.create(projectId, {
        user_id: userId,
        name,
        type,
        public_key: pair.publicKey,
        fingerprint: fingerprint(type, pair.publicKey),
      });
    } else {
      if (typeof body.public_key !== 'string' || body.public_key.length > 65535)
        throw badRequest('Keypair data is invalid: public_key must be a string');
      const publicKey = body.public_key.trim();
      created = await keypairs.create(projectId, {
        user_id: userId,
        name,
        type,
        public_key: publicKey,
        fingerprint: fingerprint(type, publicKey),
      });
    }
    const out = view(req, created, {
      user_id: created.user_id,
      ...(privateKey ? { private_key: privateKey } : {}),
    });
    return reply.code(since(req, 2) ? 201 : 200).send({ keypair: out });
  });

  app.get('/os-keypairs', async (req) => {
    const userId = userFor(req, since(req, 10) ? param(req, 'user_id') : undefined, 'index');
    const limit = since(req, 35) ? intParam(req, 'limit', 0) : undefined;
    const marker = since(req, 35) ? param(req, 'marker') : undefined;
    const list = await keypairs.list(userId, { marker, limit });
    const out: Record<string, unknown> = { keypairs: list.map((k) => ({ keypair: view(req, k) })) };
    const next = nextLink(req, list.length, limit, list.at(-1)?.name);
    if (next) out.keypairs_links = next;
    return out;
  });

  app.get<{ Params: { name: string } }>('/os-keypairs/:name', async (req) => {
    const userId = userFor(req, since(req, 10) ? param(req, 'user_id') : undefined, 'show');
    const k = await keypairs.get(userId, req.params.name);
    return {
      keypair: view(req, k, {
        user_id: k.user_id,
        id: k.id,
        created_at: new Date(k.created_at).toISOString().replace(/Z$/, ''),
        updated_at: null,
        deleted: false,
        deleted_at: null,
      }),
    };
  });

  app.delete<{ Params: { name: string } }>('/os-keypairs/:name', async (req, reply) => {
    const userId = userFor(req, since(req, 10) ? param(req, 'user_id') : undefined, 'delete');
    await keypairs.delete(userId, req.params.name);
    return reply.code(since(req, 2) ? 204 : 202).send();
  });
}
