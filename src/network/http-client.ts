// The NetworkClient of a process that does not serve the network service: the same calls over Neutron's REST
// API, made with the calling service's own token (its service user; Neutron's policy lets the service role
// see every network, subnet and port, as the in-process client does). Neutron's error bodies come back as
// the AppErrors the in-process client throws: same code, same NeutronError type, same message.

import type { Ctx } from '../platform/context.ts';
import { AppError } from '../platform/errors/catalogue.ts';
import { errorCodeOfStatus, sendServiceRequest } from '../platform/http/service-request.ts';
import type { TokenSource } from '../platform/service-auth.ts';
import type {
  NetworkClient,
  NetworkPatch,
  NetworkRequest,
  PortRequest,
  SubnetPatch,
  SubnetRequest,
} from './client.ts';
import { parseMac } from './model/port-input.ts';
import type { Item } from './model/query.ts';

export class HttpNetworkClient implements NetworkClient {
  readonly #base: string;
  readonly #auth: TokenSource;

  /** `url` is the network service's base URL (its catalog entry, e.g. http://host:9696). */
  constructor(url: string, auth: TokenSource) {
    this.#base = url.replace(/\/+$/, '');
    this.#auth = auth;
  }

  async getNetwork(ctx: Ctx, id: string): Promise<Item> {
    return (await this.#call(ctx, 'GET', `/v2.0/networks/${encodeURIComponent(id)}`)).network as Item;
  }

  async findNetworks(ctx: Ctx, filter: { name?: string }): Promise<Item[]> {
    return (await this.#call(ctx, 'GET', `/v2.0/networks${query(filter)}`)).networks as Item[];
  }

  async createNetwork(ctx: Ctx, req: NetworkRequest): Promise<Item> {
    return (await this.#call(ctx, 'POST', '/v2.0/networks', { network: req })).network as Item;
  }

  async updateNetwork(ctx: Ctx, id: string, patch: NetworkPatch): Promise<Item> {
    const path = `/v2.0/networks/${encodeURIComponent(id)}`;
    return (await this.#call(ctx, 'PUT', path, { network: patch })).network as Item;
  }

  async deleteNetwork(ctx: Ctx, id: string): Promise<void> {
    await this.#call(ctx, 'DELETE', `/v2.0/networks/${encodeURIComponent(id)}`);
  }

  async findSubnets(ctx: Ctx, filter: { name?: string; network_id?: string }): Promise<Item[]> {
    return (await this.#call(ctx, 'GET', `/v2.0/subnets${query(filter)}`)).subnets as Item[];
  }

  async createSubnet(ctx: Ctx, req: SubnetRequest): Promise<Item> {
    return (await this.#call(ctx, 'POST', '/v2.0/subnets', { subnet: req })).subnet as Item;
  }

  async updateSubnet(ctx: Ctx, id: string, patch: SubnetPatch): Promise<Item> {
    const path = `/v2.0/subnets/${encodeURIComponent(id)}`;
    return (await this.#call(ctx, 'PUT', path, { subnet: patch })).subnet as Item;
  }

  async deleteSubnet(ctx: Ctx, id: string): Promise<void> {
    await this.#call(ctx, 'DELETE', `/v2.0/subnets/${encodeURIComponent(id)}`);
  }

  async getSubnet(ctx: Ctx, id: string): Promise<Item> {
    return (await this.#call(ctx, 'GET', `/v2.0/subnets/${encodeURIComponent(id)}`)).subnet as Item;
  }

  async createPort(ctx: Ctx, req: PortRequest): Promise<Item> {
    return (await this.#call(ctx, 'POST', '/v2.0/ports', { port: req })).port as Item;
  }

  async updatePort(
    ctx: Ctx,
    id: string,
    patch: Partial<Omit<PortRequest, 'network_id' | 'project_id'>>,
  ): Promise<Item> {
    return (await this.#call(ctx, 'PUT', `/v2.0/ports/${encodeURIComponent(id)}`, { port: patch }))
      .port as Item;
  }

  async deletePort(ctx: Ctx, id: string): Promise<void> {
    await this.#call(ctx, 'DELETE', `/v2.0/ports/${encodeURIComponent(id)}`);
  }

  async getPort(ctx: Ctx, id: string): Promise<Item> {
    return (await this.#call(ctx, 'GET', `/v2.0/ports/${encodeURIComponent(id)}`)).port as Item;
  }

  async listPorts(
    ctx: Ctx,
    filter: { device_id?: string; network_id?: string; mac_address?: string },
  ): Promise<Item[]> {
    // Neutron filters on the stored (lower-case) MAC: normalise here, refusing a bad one as the server would.
    const mac = parseMac(filter.mac_address);
    return (await this.#call(ctx, 'GET', `/v2.0/ports${query({ ...filter, mac_address: mac })}`))
      .ports as Item[];
  }

  async #call(ctx: Ctx, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
    let res = await this.#send(ctx, method, path, body);
    // Our token expired or was revoked since it was issued: log in again, once.
    if (res.status === 401) res = await this.#send(ctx, method, path, body);
    const text = await res.text();
    if (res.status >= 400) throw errorOf(res.status, text);
    return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  }

  async #send(ctx: Ctx, method: string, path: string, body?: unknown): Promise<Response> {
    const token = await this.#auth.token(ctx);
    const res = await sendServiceRequest(ctx, {
      service: 'network',
      method,
      url: this.#base + path,
      token,
      body,
    });
    if (res.status === 401) this.#auth.invalidate(token);
    return res;
  }
}

function query(filter: Record<string, string | undefined>): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(filter)) if (v !== undefined) qs.append(k, v);
  const s = qs.toString();
  return s === '' ? '' : `?${s}`;
}

/** Neutron's `{"NeutronError": {"type", "message"}}` as the AppError the service threw. */
function errorOf(status: number, text: string): AppError {
  let type: string | undefined;
  let message = text.slice(0, 500) || `HTTP ${status}`;
  try {
    const e = (JSON.parse(text) as { NeutronError?: { type?: unknown; message?: unknown } }).NeutronError;
    if (typeof e?.type === 'string') type = e.type;
    if (typeof e?.message === 'string') message = e.message;
  } catch {}
  const code = errorCodeOfStatus(status);
  return new AppError(code, message, type === undefined ? {} : { type });
}
