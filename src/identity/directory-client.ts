// Projects, users, roles and role grants through Keystone's v3 API, each call made with the token of the
// user it acts for (the orchestration service's OS::Keystone::* types, made with the stack owner's token as
// Heat makes them with the user's context). Keystone's policy, validation, revocations and cascades all
// live in the API, so this one implementation serves both the in-process identity client (over its own
// URL on loopback) and the remote one: see docs/decisions/orchestration-keystone-resources.md.
import type { Ctx } from '../platform/context.ts';
import { AppError } from '../platform/errors/catalogue.ts';
import { errorCodeOfStatus, sendServiceRequest } from '../platform/http/service-request.ts';

export type Entity = Record<string, unknown> & { id: string };

export type Collection = 'projects' | 'users' | 'roles' | 'domains';

/** Who a grant is for and where: a user or group on a project or domain. */
export interface Grant {
  role: string;
  actor: { users: string } | { groups: string };
  target: { projects: string } | { domains: string };
}

export interface IdentityDirectory {
  create(ctx: Ctx, token: string, kind: Collection, body: Record<string, unknown>): Promise<Entity>;
  update(
    ctx: Ctx,
    token: string,
    kind: Collection,
    id: string,
    patch: Record<string, unknown>,
  ): Promise<Entity>;
  delete(ctx: Ctx, token: string, kind: Collection, id: string): Promise<void>;
  get(ctx: Ctx, token: string, kind: Collection, id: string): Promise<Entity>;
  find(ctx: Ctx, token: string, kind: Collection, filter: Record<string, string>): Promise<Entity[]>;
  grant(ctx: Ctx, token: string, g: Grant): Promise<void>;
  revoke(ctx: Ctx, token: string, g: Grant): Promise<void>;
}

const SINGULAR: Record<Collection, string> = {
  projects: 'project',
  users: 'user',
  roles: 'role',
  domains: 'domain',
};

export class HttpIdentityDirectory implements IdentityDirectory {
  readonly #base: () => string | undefined;

  /** `base` gives the identity service's base URL (with or without /v3), once it is known. */
  constructor(base: () => string | undefined) {
    this.#base = base;
  }

  async create(ctx: Ctx, token: string, kind: Collection, body: Record<string, unknown>): Promise<Entity> {
    const one = SINGULAR[kind];
    return (await this.#call(ctx, token, 'POST', `/${kind}`, { [one]: body }))[one] as Entity;
  }

  async update(
    ctx: Ctx,
    token: string,
    kind: Collection,
    id: string,
    patch: Record<string, unknown>,
  ): Promise<Entity> {
    const one = SINGULAR[kind];
    return (await this.#call(ctx, token, 'PATCH', `/${kind}/${enc(id)}`, { [one]: patch }))[one] as Entity;
  }

  async delete(ctx: Ctx, token: string, kind: Collection, id: string): Promise<void> {
    await this.#call(ctx, token, 'DELETE', `/${kind}/${enc(id)}`);
  }

  async get(ctx: Ctx, token: string, kind: Collection, id: string): Promise<Entity> {
    return (await this.#call(ctx, token, 'GET', `/${kind}/${enc(id)}`))[SINGULAR[kind]] as Entity;
  }

  async find(ctx: Ctx, token: string, kind: Collection, filter: Record<string, string>): Promise<Entity[]> {
    const qs = new URLSearchParams(filter).toString();
    return (await this.#call(ctx, token, 'GET', `/${kind}${qs ? `?${qs}` : ''}`))[kind] as Entity[];
  }

  async grant(ctx: Ctx, token: string, g: Grant): Promise<void> {
    await this.#call(ctx, token, 'PUT', grantPath(g));
  }

  async revoke(ctx: Ctx, token: string, g: Grant): Promise<void> {
    await this.#call(ctx, token, 'DELETE', grantPath(g));
  }

  async #call(
    ctx: Ctx,
    token: string,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<Record<string, unknown>> {
    const base = this.#base()?.replace(/\/+$/, '').replace(/\/v3$/, '');
    if (!base) throw new AppError('UNAVAILABLE', 'The identity service is not reachable from this process.');
    const res = await sendServiceRequest(ctx, {
      service: 'identity',
      method,
      url: `${base}/v3${path}`,
      token,
      body,
    });
    const text = await res.text();
    if (res.status >= 400) throw errorOf(res.status, text);
    return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  }
}

const enc = encodeURIComponent;

function grantPath(g: Grant): string {
  const [targets, target] = Object.entries(g.target)[0] as [string, string];
  const [actors, actor] = Object.entries(g.actor)[0] as [string, string];
  return `/${targets}/${enc(target)}/${actors}/${enc(actor)}/roles/${enc(g.role)}`;
}

/** Keystone's `{"error": {"code", "title", "message"}}` as an AppError with its message. */
function errorOf(status: number, text: string): AppError {
  let message = text.slice(0, 500) || `HTTP ${status}`;
  try {
    const e = (JSON.parse(text) as { error?: { message?: unknown } }).error;
    if (typeof e?.message === 'string') message = e.message;
  } catch {}
  return new AppError(errorCodeOfStatus(status), message);
}
