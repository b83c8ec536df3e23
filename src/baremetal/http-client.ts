// The BaremetalClient over Ironic's REST API (v1, microversion 1.78), acting with the caller's own token
// source. Ironic's fault (`{"error_message": "<JSON with faultstring>"}`) comes back as an AppError with the
// status's code and the faultstring. A node locked by a conductor (409 NodeLocked) is retried with backoff,
// as ironicclient retries it for Nova; a refused token is dropped and the call made once more.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Ctx } from '../platform/context.ts';
import { AppError } from '../platform/errors/catalogue.ts';
import { errorCodeOfStatus, sendServiceRequest } from '../platform/http/service-request.ts';
import type { TokenSource } from '../platform/service-auth.ts';
import { backoffDelay } from '../platform/work/backoff.ts';
import type {
  AllocationDoc,
  AllocationRequest,
  BaremetalClient,
  BaremetalServiceClient,
  NodeDoc,
  NodePortDoc,
  PatchOp,
  PowerTarget,
  ProvisionTarget,
} from './client.ts';

const API_VERSION = '1.78';
const LOCK_RETRIES = 30;
const LOCK_BACKOFF = { baseMs: 100, maxMs: 2000, factor: 2, jitter: 0.2 };

const enc = encodeURIComponent;

export class HttpBaremetalClient implements BaremetalClient {
  readonly #base: string;
  readonly #auth: TokenSource;

  /** `url` is the bare metal service's base URL (its catalog entry, e.g. http://host:6385). */
  constructor(url: string, auth: TokenSource) {
    this.#base = url.replace(/\/+$/, '');
    this.#auth = auth;
  }

  async createAllocation(ctx: Ctx, req: AllocationRequest): Promise<AllocationDoc> {
    return (await this.#call(ctx, 'POST', '/v1/allocations', req)) as AllocationDoc;
  }

  async getAllocation(ctx: Ctx, id: string): Promise<AllocationDoc | undefined> {
    return (await this.#optional(ctx, `/v1/allocations/${enc(id)}`)) as AllocationDoc | undefined;
  }

  async deleteAllocation(ctx: Ctx, id: string): Promise<boolean> {
    try {
      await this.#call(ctx, 'DELETE', `/v1/allocations/${enc(id)}`);
      return true;
    } catch (e) {
      if (e instanceof AppError && e.status === 404) return false;
      throw e;
    }
  }

  async getNode(ctx: Ctx, id: string): Promise<NodeDoc | undefined> {
    return (await this.#optional(ctx, `/v1/nodes/${enc(id)}`)) as NodeDoc | undefined;
  }

  async listNodes(
    ctx: Ctx,
    filter: {
      provision_state?: string;
      maintenance?: boolean;
      associated?: boolean;
      instance_uuid?: string;
    } = {},
  ): Promise<NodeDoc[]> {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(filter)) if (v !== undefined) qs.append(k, String(v));
    const out: NodeDoc[] = [];
    let path: string | undefined = `/v1/nodes/detail${qs.size ? `?${qs}` : ''}`;
    while (path) {
      const page = (await this.#call(ctx, 'GET', path)) as { nodes?: NodeDoc[]; next?: string };
      out.push(...(page.nodes ?? []));
      // `next` is absolute; keep its path and query.
      path = page.next ? new URL(page.next).pathname + new URL(page.next).search : undefined;
    }
    return out;
  }

  async patchNode(ctx: Ctx, id: string, ops: PatchOp[]): Promise<NodeDoc> {
    return (await this.#call(ctx, 'PATCH', `/v1/nodes/${enc(id)}`, ops)) as NodeDoc;
  }

  async setProvisionState(
    ctx: Ctx,
    id: string,
    target: ProvisionTarget,
    opts: { configdrive?: string } = {},
  ): Promise<void> {
    const body: Record<string, unknown> = { target };
    if (opts.configdrive !== undefined) body.configdrive = opts.configdrive;
    await this.#call(ctx, 'PUT', `/v1/nodes/${enc(id)}/states/provision`, body);
  }

  async setPowerState(ctx: Ctx, id: string, target: PowerTarget): Promise<void> {
    await this.#call(ctx, 'PUT', `/v1/nodes/${enc(id)}/states/power`, { target });
  }

  async nodePorts(ctx: Ctx, id: string): Promise<NodePortDoc[]> {
    return (
      (await this.#call(ctx, 'GET', `/v1/nodes/${enc(id)}/ports?detail=true`)) as { ports: NodePortDoc[] }
    ).ports;
  }

  async #optional(ctx: Ctx, path: string): Promise<unknown> {
    try {
      return await this.#call(ctx, 'GET', path);
    } catch (e) {
      if (e instanceof AppError && e.status === 404) return undefined;
      throw e;
    }
  }

  async #call(ctx: Ctx, method: string, path: string, body?: unknown): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      let res = await this.#send(ctx, method, path, body);
      // Our token expired or was revoked since it was issued: log in again, once.
      if (res.status === 401) res = await this.#send(ctx, method, path, body);
      const text = await res.text();
      if (res.status < 400) return text === '' ? undefined : JSON.parse(text);
      const err = errorOf(res.status, text);
      if (res.status !== 409 || !/is locked by host/.test(err.message) || attempt >= LOCK_RETRIES) throw err;
      await sleep(backoffDelay(attempt, LOCK_BACKOFF), undefined, { signal: ctx.signal });
    }
  }

  async #send(ctx: Ctx, method: string, path: string, body?: unknown): Promise<Response> {
    const token = await this.#auth.token(ctx);
    const res = await sendServiceRequest(ctx, {
      service: 'bare metal',
      method,
      url: this.#base + path,
      token,
      body,
      headers: { 'x-openstack-ironic-api-version': API_VERSION },
    });
    if (res.status === 401) this.#auth.invalidate(token);
    return res;
  }
}

/** Ironic's `{"error_message": "{\"faultstring\": ...}"}` as an AppError. */
function errorOf(status: number, text: string): AppError {
  let message = text.slice(0, 500) || `HTTP ${status}`;
  try {
    const outer = JSON.parse(text) as { error_message?: unknown };
    const inner =
      typeof outer.error_message === 'string' ? JSON.parse(outer.error_message) : outer.error_message;
    if (typeof inner?.faultstring === 'string') message = inner.faultstring;
  } catch {}
  const code = errorCodeOfStatus(status);
  return new AppError(code, message);
}

/** The bare metal service at `url` (read per connect: a process knows its own URL only once it listens). */
export function baremetalServiceClient(url: () => string): BaremetalServiceClient {
  return { connect: (auth) => new HttpBaremetalClient(url(), auth) };
}
