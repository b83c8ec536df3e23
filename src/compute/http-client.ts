// The ComputeClient over Nova's v2.1 REST API (microversion 2.1, which every call here needs and no
// more). Nova's error bodies ({"itemNotFound": {"code", "message"}}, {"badRequest": ...}) come back as
// AppErrors with the same status and message.
import type { Ctx } from '../platform/context.ts';
import { AppError } from '../platform/errors/catalogue.ts';
import { errorCodeOfStatus, sendServiceRequest } from '../platform/http/service-request.ts';
import type {
  ComputeAuth,
  ComputeClient,
  FlavorCreateRequest,
  KeypairCreateRequest,
  NovaKeypair,
  NovaServer,
  ServerCreateRequest,
  ServerRebuildRequest,
} from './client.ts';

export class HttpComputeClient implements ComputeClient {
  readonly #url: () => string | undefined;

  /** `url` is the compute service's base URL (http://host:8774), or a function giving it once known. */
  constructor(url: string | (() => string | undefined)) {
    this.#url = typeof url === 'string' ? () => url : url;
  }

  async createServer(ctx: Ctx, auth: ComputeAuth, req: ServerCreateRequest): Promise<{ id: string }> {
    const body = await this.#call(ctx, auth, 'POST', '/servers', { server: req });
    const server = body.server as { id?: unknown } | undefined;
    if (typeof server?.id !== 'string')
      throw new AppError('INTERNAL', 'Nova answered a server create without an id.');
    return { id: server.id };
  }

  async getServer(ctx: Ctx, auth: ComputeAuth, id: string): Promise<NovaServer> {
    return (await this.#call(ctx, auth, 'GET', `/servers/${encodeURIComponent(id)}`)).server as NovaServer;
  }

  async renameServer(ctx: Ctx, auth: ComputeAuth, id: string, name: string): Promise<void> {
    await this.#call(ctx, auth, 'PUT', `/servers/${encodeURIComponent(id)}`, { server: { name } });
  }

  async setMetadata(
    ctx: Ctx,
    auth: ComputeAuth,
    id: string,
    metadata: Record<string, string>,
  ): Promise<void> {
    await this.#call(ctx, auth, 'PUT', `/servers/${encodeURIComponent(id)}/metadata`, { metadata });
  }

  async rebuildServer(ctx: Ctx, auth: ComputeAuth, id: string, req: ServerRebuildRequest): Promise<void> {
    await this.#call(ctx, auth, 'POST', `/servers/${encodeURIComponent(id)}/action`, { rebuild: req });
  }

  async deleteServer(ctx: Ctx, auth: ComputeAuth, id: string): Promise<void> {
    try {
      await this.#call(ctx, auth, 'DELETE', `/servers/${encodeURIComponent(id)}`);
    } catch (e) {
      if (!(e instanceof AppError && e.status === 404)) throw e;
    }
  }

  async createKeypair(ctx: Ctx, auth: ComputeAuth, req: KeypairCreateRequest): Promise<NovaKeypair> {
    // `type` exists from microversion 2.2; without it 2.1 is enough.
    const version = req.type === undefined ? '2.1' : '2.2';
    return (await this.#call(ctx, auth, 'POST', '/os-keypairs', { keypair: req }, version))
      .keypair as NovaKeypair;
  }

  async deleteKeypair(ctx: Ctx, auth: ComputeAuth, name: string): Promise<void> {
    await this.#gone(this.#call(ctx, auth, 'DELETE', `/os-keypairs/${encodeURIComponent(name)}`));
  }

  async createFlavor(ctx: Ctx, auth: ComputeAuth, req: FlavorCreateRequest): Promise<{ id: string }> {
    const f = (await this.#call(ctx, auth, 'POST', '/flavors', { flavor: req })).flavor as { id?: unknown };
    if (typeof f?.id !== 'string')
      throw new AppError('INTERNAL', 'Nova answered a flavor create without an id.');
    return { id: f.id };
  }

  async setFlavorExtraSpecs(
    ctx: Ctx,
    auth: ComputeAuth,
    id: string,
    specs: Record<string, string>,
  ): Promise<void> {
    const path = `/flavors/${encodeURIComponent(id)}/os-extra_specs`;
    const now = ((await this.#call(ctx, auth, 'GET', path)).extra_specs ?? {}) as Record<string, string>;
    if (Object.keys(specs).length > 0) await this.#call(ctx, auth, 'POST', path, { extra_specs: specs });
    for (const key of Object.keys(now).filter((k) => !(k in specs)))
      await this.#gone(this.#call(ctx, auth, 'DELETE', `${path}/${encodeURIComponent(key)}`));
  }

  async deleteFlavor(ctx: Ctx, auth: ComputeAuth, id: string): Promise<void> {
    await this.#gone(this.#call(ctx, auth, 'DELETE', `/flavors/${encodeURIComponent(id)}`));
  }

  /** A delete whose target is already gone (404) succeeded. */
  async #gone(p: Promise<unknown>): Promise<void> {
    try {
      await p;
    } catch (e) {
      if (!(e instanceof AppError && e.status === 404)) throw e;
    }
  }

  async findFlavor(ctx: Ctx, auth: ComputeAuth, nameOrId: string): Promise<string> {
    try {
      const f = (await this.#call(ctx, auth, 'GET', `/flavors/${encodeURIComponent(nameOrId)}`)).flavor as {
        id: string;
      };
      return f.id;
    } catch (e) {
      if (!(e instanceof AppError && e.status === 404)) throw e;
    }
    const all = (await this.#call(ctx, auth, 'GET', '/flavors')).flavors as { id: string; name: string }[];
    const hits = all.filter((f) => f.name === nameOrId);
    if (hits.length === 1) return (hits[0] as { id: string }).id;
    if (hits.length > 1)
      throw new AppError('CONFLICT', `Multiple flavors are named ${nameOrId}: use its id.`, {
        type: 'NoUniqueMatch',
      });
    throw new AppError('NOT_FOUND', `Flavor ${nameOrId} could not be found.`, { type: 'FlavorNotFound' });
  }

  async #call(
    ctx: Ctx,
    auth: ComputeAuth,
    method: string,
    path: string,
    body?: unknown,
    version = '2.1',
  ): Promise<Record<string, unknown>> {
    const base = this.#url()?.replace(/\/+$/, '');
    if (!base) throw new AppError('UNAVAILABLE', 'The compute service is not reachable from here.');
    const res = await sendServiceRequest(ctx, {
      service: 'compute',
      method,
      url: `${base}/v2.1${path}`,
      token: auth.token,
      body,
      headers: { 'x-openstack-nova-api-version': version },
    });
    const text = await res.text();
    if (res.status >= 400) throw errorOf(res.status, text);
    return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  }
}

/** Nova's `{"<fault name>": {"code", "message"}}` as an AppError of the same status. */
function errorOf(status: number, text: string): AppError {
  let message = text.slice(0, 500) || `HTTP ${status}`;
  let type: string | undefined;
  try {
    const doc = JSON.parse(text) as Record<string, { message?: unknown }>;
    const [name, fault] = Object.entries(doc)[0] ?? [];
    if (typeof fault?.message === 'string') {
      message = fault.message;
      type = name;
    }
  } catch {}
  const code = errorCodeOfStatus(status);
  return new AppError(code, message, type ? { type } : {});
}
