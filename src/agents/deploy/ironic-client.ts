// The agent's calls to the bare metal API: version discovery, lookup by MACs, heartbeat, and the inspection
// callback. Shapes and headers as IPA's ironic_api_client.py sends them (see docs/deploy-agent.md).
import { AGENT_VERSION } from './commands.ts';
import type { AgentCtx } from './ctx.ts';
import type { Inventory } from './hardware.ts';
import { request } from './http-client.ts';

export const LOOKUP_VERSION = '1.62'; // agent_token in lookup config and heartbeat
export const HEARTBEAT_VERSION = '1.68';
const VERSION_HEADER = 'X-OpenStack-Ironic-API-Version';

export interface LookupAnswer {
  nodeUuid: string;
  node: Record<string, unknown>;
  heartbeatTimeout: number;
  agentToken: string | undefined;
  config: Record<string, unknown>;
}

export class LookupError extends Error {
  readonly status: number | undefined;

  constructor(message: string, status: number | undefined) {
    super(message);
    this.status = status;
  }
}

/** min(a, b) of "1.x" versions. */
export function minVersion(a: string, b: string): string {
  const n = (v: string) => Number(v.split('.')[1] ?? 0);
  return n(a) <= n(b) ? a : b;
}

/** Reads the lookup reply as IPA does: node.uuid is required, and config (or a top-level heartbeat_timeout). */
export function parseLookup(body: unknown): LookupAnswer {
  const b = (body ?? {}) as Record<string, unknown>;
  const node = b['node'] as Record<string, unknown> | undefined;
  if (!node || typeof node['uuid'] !== 'string') throw new LookupError('lookup answer has no node.uuid', 200);
  const config = { ...((b['config'] as Record<string, unknown> | undefined) ?? {}) };
  if (config['heartbeat_timeout'] === undefined && b['heartbeat_timeout'] !== undefined)
    config['heartbeat_timeout'] = b['heartbeat_timeout'];
  const hb = Number(config['heartbeat_timeout']);
  if (!Number.isFinite(hb) || hb <= 0) throw new LookupError('lookup answer has no heartbeat_timeout', 200);
  const tok = config['agent_token'];
  // IPA keeps a token only if it is real: "******" means it was handed out already (or pregenerated)
  const agentToken = typeof tok === 'string' && tok.length >= 32 && tok !== '******' ? tok : undefined;
  return { nodeUuid: node['uuid'], node, heartbeatTimeout: hb, agentToken, config };
}

export class IronicClient {
  private serverVersion: string | undefined;

  readonly apiUrl: string;
  private readonly opts: { requestId?: string | undefined; apiVersion?: string | undefined };

  constructor(
    apiUrl: string,
    opts: { requestId?: string | undefined; apiVersion?: string | undefined } = {},
  ) {
    this.apiUrl = apiUrl;
    this.opts = opts;
  }

  private headers(version: string): Record<string, string> {
    const h: Record<string, string> = {
      accept: 'application/json',
      'content-type': 'application/json',
      [VERSION_HEADER]: version,
    };
    if (this.opts.requestId) h['X-OpenStack-Request-ID'] = this.opts.requestId;
    return h;
  }

  /** The server's maximum version from GET / (default_version.version), or the configured one. */
  async discover(ctx: AgentCtx): Promise<string> {
    if (this.opts.apiVersion) return this.opts.apiVersion;
    if (this.serverVersion) return this.serverVersion;
    const r = await request(`${this.apiUrl}/`, {
      headers: { accept: 'application/json' },
      signal: ctx.signal,
    });
    const body = (await r.json().catch(() => ({}))) as { default_version?: { version?: string } };
    const v = body.default_version?.version;
    if (r.status !== 200 || typeof v !== 'string' || !/^1\.\d+$/.test(v))
      throw new LookupError(`GET ${this.apiUrl}/ gave no default_version (HTTP ${r.status})`, r.status);
    this.serverVersion = v;
    return v;
  }

  async lookup(ctx: AgentCtx, macs: string[], nodeUuid?: string): Promise<LookupAnswer> {
    const v = minVersion(await this.discover(ctx), LOOKUP_VERSION);
    const q = new URLSearchParams({ addresses: macs.join(',') });
    if (nodeUuid) q.set('node_uuid', nodeUuid);
    const r = await request(`${this.apiUrl}/v1/lookup?${q}`, {
      headers: this.headers(v),
      signal: ctx.signal,
    });
    const text = await r.text();
    if (r.status !== 200)
      throw new LookupError(`lookup answered HTTP ${r.status}: ${text.slice(0, 300)}`, r.status);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new LookupError('lookup answer is not JSON', 200);
    }
    return parseLookup(body);
  }

  async heartbeat(
    ctx: AgentCtx,
    nodeUuid: string,
    callbackUrl: string,
    token: string | undefined,
  ): Promise<void> {
    const v = minVersion(await this.discover(ctx), HEARTBEAT_VERSION);
    const body: Record<string, string> = { callback_url: callbackUrl, agent_version: AGENT_VERSION };
    if (token) body['agent_token'] = token;
    const r = await request(`${this.apiUrl}/v1/heartbeat/${encodeURIComponent(nodeUuid)}`, {
      method: 'POST',
      headers: this.headers(v),
      body: JSON.stringify(body),
      signal: ctx.signal,
    });
    const text = await r.text();
    if (r.status !== 202 && r.status !== 200 && r.status !== 204)
      throw new LookupError(`heartbeat answered HTTP ${r.status}: ${text.slice(0, 300)}`, r.status);
  }
}

/** The inspection callback (Ironic's /v1/continue_inspection, or ironic-inspector's /v1/continue). */
export async function postInspection(
  ctx: AgentCtx,
  url: string,
  inventory: Inventory,
  bootMac?: string,
): Promise<unknown> {
  const body = {
    inventory,
    root_disk: inventory.disks[0] ?? null,
    boot_interface: bootMac ?? null,
    configuration: {
      collectors: ['default'],
      managers: [{ name: 'generic_hardware_manager', version: '1.2' }],
    },
    error: null,
  };
  const r = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
    signal: ctx.signal,
  });
  const text = await r.text();
  if (r.status < 200 || r.status > 299)
    throw new Error(`inspection callback answered HTTP ${r.status}: ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}
