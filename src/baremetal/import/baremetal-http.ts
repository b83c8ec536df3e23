// The few bare metal API calls the operator tools make, over HTTP only (a token and the catalog's
// endpoint), at microversion 1.78. Errors come back as Ironic's double-encoded error_message, unwrapped.
import type { Ctx } from '../../platform/context.ts';
import type { Dict } from '../model/node.ts';

export const API_VERSION = '1.78';

export class BaremetalApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** The faultstring inside Ironic's {"error_message": "<json>"} body, or the text itself. */
export function ironicFault(text: string): string {
  try {
    const outer = JSON.parse(text) as { error_message?: unknown };
    const inner = outer.error_message;
    if (typeof inner === 'string') {
      try {
        const f = JSON.parse(inner) as { faultstring?: unknown };
        if (typeof f.faultstring === 'string') return f.faultstring;
      } catch {}
      return inner;
    }
  } catch {}
  return text.slice(0, 300);
}

export class BaremetalHttp {
  readonly #base: string;
  readonly #token: string;
  constructor(endpoint: string, token: string) {
    this.#base = endpoint.replace(/\/+$/, '');
    this.#token = token;
  }

  async call<T = Dict>(ctx: Ctx, method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.#base}${path}`, {
      method,
      headers: {
        'x-auth-token': this.#token,
        'x-openstack-ironic-api-version': API_VERSION,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: ctx.signal,
    });
    const text = await res.text();
    if (res.status >= 400) throw new BaremetalApiError(res.status, `${method} ${path}: ${ironicFault(text)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Ports with this MAC (the admin sees every one). */
  async portsByMac(ctx: Ctx, mac: string): Promise<{ uuid: string; node_uuid: string }[]> {
    const r = await this.call<{ ports: { uuid: string; node_uuid: string }[] }>(
      ctx,
      'GET',
      `/v1/ports?address=${encodeURIComponent(mac)}&fields=uuid,node_uuid`,
    );
    return r.ports;
  }

  /** The node by name or UUID, or undefined on 404. */
  async node(ctx: Ctx, ident: string): Promise<Dict | undefined> {
    try {
      return await this.call(ctx, 'GET', `/v1/nodes/${encodeURIComponent(ident)}`);
    } catch (e) {
      if (e instanceof BaremetalApiError && e.status === 404) return undefined;
      throw e;
    }
  }
}
