// A Redfish client for one ComputerSystem, as Ironic's redfish driver uses it through sushy: the service root
// without auth, then a session (X-Auth-Token from SessionService, renewed once on a 401) or Basic auth, the
// system re-read for every operation, Reset actions, and the boot source override. Plain node:http(s) rather
// than fetch, because TLS verification (off, system CAs, or a CA file) is a per-client choice
// (docs/decisions/lab-redfish-client.md).
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Ctx } from '../../platform/context.ts';
import { AppError, type JsonValue } from '../../platform/errors/catalogue.ts';

export type RedfishPowerState = 'On' | 'Off' | 'PoweringOn' | 'PoweringOff';
export type RedfishResetType =
  | 'On'
  | 'ForceOff'
  | 'GracefulShutdown'
  | 'GracefulRestart'
  | 'ForceRestart'
  | 'ForceOn'
  | 'PushPowerButton'
  | 'Nmi';
export type RedfishBootTarget = 'None' | 'Pxe' | 'Hdd' | 'Cd' | 'BiosSetup' | 'Usb' | 'UefiHttp';
export type RedfishBootEnabled = 'Disabled' | 'Once' | 'Continuous';

export interface RedfishClientOptions {
  /** `https://host[:port]` or `http://…`; a bare host means https, as in Ironic's redfish_address. */
  address: string;
  /** The system's path (`/redfish/v1/Systems/<id>`); without it the Systems collection must hold exactly one. */
  systemId?: string;
  username?: string;
  password?: string;
  /** Ironic's redfish_auth_type: session, falling back to basic when the service has none ('auto'). */
  authType?: 'auto' | 'session' | 'basic';
  /** true: system CAs; false: no verification; a string: a CA bundle file (Ironic's redfish_verify_ca). */
  verifyTls?: boolean | string;
  /** Per request. */
  timeoutMs?: number;
}

export interface RedfishBoot {
  target: RedfishBootTarget | undefined;
  enabled: RedfishBootEnabled | undefined;
  mode: string | undefined;
  allowedTargets: string[] | undefined;
}

export interface RedfishSystem {
  path: string;
  id: string;
  name: string | undefined;
  uuid: string | undefined;
  powerState: RedfishPowerState | undefined;
  boot: RedfishBoot;
  resetTarget: string;
  resetTypes: string[] | undefined;
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  text: string;
}

export function redfishError(
  message: string,
  details: Record<string, JsonValue> = {},
  type = 'RedfishError',
): AppError {
  return new AppError('INTERNAL', message, { type, details });
}

export class RedfishClient {
  readonly #o: RedfishClientOptions;
  readonly #base: URL;
  readonly #ca: string | undefined;
  #token: string | undefined;
  #sessionUri: string | undefined;
  #auth: 'session' | 'basic' | undefined;
  #systemPath: string | undefined;
  #etag: string | undefined;

  constructor(opts: RedfishClientOptions) {
    const raw = /^[a-z]+:\/\//i.test(opts.address) ? opts.address : `https://${opts.address}`;
    let base: URL;
    try {
      base = new URL(raw);
    } catch {
      throw new AppError('BAD_REQUEST', `redfish: invalid address "${opts.address}"`);
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:')
      throw new AppError('BAD_REQUEST', `redfish: unsupported scheme ${base.protocol}`);
    if (opts.systemId !== undefined && !opts.systemId.startsWith('/'))
      throw new AppError('BAD_REQUEST', 'redfish: the system id must be a path (/redfish/v1/Systems/<id>)');
    this.#o = { authType: 'auto', verifyTls: true, timeoutMs: 30_000, ...opts };
    this.#base = base;
    this.#ca = typeof opts.verifyTls === 'string' ? readFileSync(opts.verifyTls, 'utf8') : undefined;
    this.#systemPath = opts.systemId;
  }

  /** The system as the BMC reports it now. */
  async getSystem(ctx: Ctx): Promise<RedfishSystem> {
    const path = await this.#resolveSystem(ctx);
    const r = await this.#call(ctx, 'GET', path);
    const etag = r.headers.etag;
    this.#etag = typeof etag === 'string' ? etag : undefined;
    return parseSystem(path, r.body);
  }

  async powerState(ctx: Ctx): Promise<RedfishPowerState> {
    const s = await this.getSystem(ctx);
    if (!s.powerState) throw redfishError(`redfish: ${s.path} reports no PowerState`);
    return s.powerState;
  }

  /** POSTs the Reset action. A type outside the system's AllowableValues is refused before sending. */
  async reset(ctx: Ctx, type: RedfishResetType): Promise<void> {
    const s = await this.getSystem(ctx);
    if (s.resetTypes && !s.resetTypes.includes(type))
      throw new AppError('BAD_REQUEST', `redfish: ${s.path} does not allow reset type ${type}`, {
        details: { allowed: s.resetTypes },
      });
    await this.#call(ctx, 'POST', s.resetTarget, { ResetType: type });
  }

  /** PATCHes Boot; like Ironic, sends BootSourceOverrideEnabled only when it differs from the reported one. */
  async setBootOverride(
    ctx: Ctx,
    target: RedfishBootTarget,
    enabled: RedfishBootEnabled = 'Once',
    mode?: 'UEFI' | 'Legacy',
  ): Promise<void> {
    const s = await this.getSystem(ctx);
    if (s.boot.allowedTargets && !s.boot.allowedTargets.includes(target))
      throw new AppError('BAD_REQUEST', `redfish: ${s.path} does not allow boot target ${target}`, {
        details: { allowed: s.boot.allowedTargets },
      });
    const boot: Record<string, string> = { BootSourceOverrideTarget: target };
    if (s.boot.enabled !== enabled) boot.BootSourceOverrideEnabled = enabled;
    if (mode !== undefined && s.boot.mode !== mode) boot.BootSourceOverrideMode = mode;
    const headers: Record<string, string> = this.#etag ? { 'If-Match': this.#etag } : {};
    await this.#call(ctx, 'PATCH', s.path, { Boot: boot }, headers);
  }

  async getBootOverride(ctx: Ctx): Promise<RedfishBoot> {
    return (await this.getSystem(ctx)).boot;
  }

  /** Deletes the session, if one was made. */
  async close(ctx: Ctx): Promise<void> {
    const uri = this.#sessionUri;
    if (!this.#token || !uri) return;
    try {
      await this.#send(ctx, 'DELETE', uri, undefined, this.#authHeaders());
    } finally {
      this.#token = undefined;
      this.#sessionUri = undefined;
      this.#auth = undefined;
    }
  }

  async #resolveSystem(ctx: Ctx): Promise<string> {
    if (this.#systemPath) return this.#systemPath;
    const root = await this.#call(ctx, 'GET', '/redfish/v1/');
    const systems = odataId((root.body as Record<string, unknown>)?.Systems);
    if (!systems) throw redfishError('redfish: the service root has no Systems collection');
    const col = await this.#call(ctx, 'GET', systems);
    const members = ((col.body as Record<string, unknown>)?.Members as unknown[] | undefined) ?? [];
    const ids = members.map(odataId).filter((m): m is string => m !== undefined);
    if (ids.length !== 1)
      throw redfishError(
        `redfish: ${ids.length} systems at ${systems}; name one with the system id`,
        { systems: ids },
        'RedfishConfigError',
      );
    this.#systemPath = ids[0];
    return ids[0]!;
  }

  /** One authenticated call; a 401 on an established session makes a new one and retries once. */
  async #call(
    ctx: Ctx,
    method: string,
    path: string,
    body?: unknown,
    extra: Record<string, string> = {},
  ): Promise<Reply> {
    const isRoot = method === 'GET' && /^\/redfish(\/v1)?\/?$/.test(path);
    if (!isRoot) await this.#authenticate(ctx);
    let r = await this.#send(ctx, method, path, body, { ...(isRoot ? {} : this.#authHeaders()), ...extra });
    if (r.status === 401 && this.#auth === 'session' && !isRoot) {
      this.#token = undefined;
      await this.#authenticate(ctx);
      r = await this.#send(ctx, method, path, body, { ...this.#authHeaders(), ...extra });
    }
    if (r.status >= 400) throw httpFailure(method, path, r);
    return r;
  }

  async #authenticate(ctx: Ctx): Promise<void> {
    const want = this.#o.authType ?? 'auto';
    if (this.#auth === 'basic' || (this.#auth === 'session' && this.#token)) return;
    if (want === 'basic' || this.#o.username === undefined) {
      this.#auth = 'basic';
      return;
    }
    try {
      const root = await this.#send(ctx, 'GET', '/redfish/v1/', undefined, {});
      if (root.status >= 400) throw httpFailure('GET', '/redfish/v1/', root);
      const rootBody = root.body as Record<string, unknown>;
      const links = rootBody?.Links as Record<string, unknown> | undefined;
      const sessions = odataId(links?.Sessions) ?? '/redfish/v1/SessionService/Sessions';
      const credentials = { UserName: this.#o.username, Password: this.#o.password ?? '' };
      const r = await this.#send(ctx, 'POST', sessions, credentials, {});
      if (r.status >= 400) throw httpFailure('POST', sessions, r);
      const token = r.headers['x-auth-token'];
      if (typeof token !== 'string' || token === '')
        throw redfishError('redfish: the session reply carried no X-Auth-Token', {}, 'MissingXAuthToken');
      this.#token = token;
      const location = r.headers.location;
      this.#sessionUri =
        typeof location === 'string' ? new URL(location, this.#base).pathname : odataId(r.body);
      this.#auth = 'session';
    } catch (e) {
      // A service without sessions gets Basic auth from then on (Ironic's "auto"); a network failure does not.
      if (want === 'session' || (e instanceof AppError && e.type === 'RedfishConnectionError')) throw e;
      ctx.log.debug({ bmc: this.#base.host, err: (e as Error).message }, 'redfish: no session, using basic');
      this.#auth = 'basic';
    }
  }

  #authHeaders(): Record<string, string> {
    if (this.#auth === 'session' && this.#token) return { 'X-Auth-Token': this.#token };
    if (this.#o.username === undefined) return {};
    const basic = Buffer.from(`${this.#o.username}:${this.#o.password ?? ''}`).toString('base64');
    return { Authorization: `Basic ${basic}` };
  }

  #send(
    ctx: Ctx,
    method: string,
    path: string,
    body: unknown,
    headers: Record<string, string>,
  ): Promise<Reply> {
    ctx.signal.throwIfAborted();
    const url = new URL(path, this.#base);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const https = url.protocol === 'https:';
    const verify = this.#o.verifyTls !== false;
    const started = Date.now();
    return new Promise<Reply>((resolve, reject) => {
      const req = (https ? httpsRequest : httpRequest)(
        url,
        {
          method,
          headers: {
            Accept: 'application/json',
            'OData-Version': '4.0',
            ...(payload === undefined
              ? {}
              : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) }),
            ...headers,
          },
          signal: ctx.signal,
          timeout: this.#o.timeoutMs,
          ...(https ? { rejectUnauthorized: verify, ...(this.#ca ? { ca: this.#ca } : {}) } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              parsed = undefined;
            }
            ctx.log.debug(
              { bmc: url.host, method, path: url.pathname, status: res.statusCode, ms: Date.now() - started },
              'redfish',
            );
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed, text });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.#o.timeoutMs} ms`)));
      req.on('error', (e) => {
        if (ctx.signal.aborted) return reject(ctx.signal.reason);
        reject(
          redfishError(
            `redfish: cannot reach ${url.host} (${method} ${url.pathname}): ${e.message}`,
            { bmc: url.host },
            'RedfishConnectionError',
          ),
        );
      });
      req.end(payload);
    });
  }
}

function odataId(v: unknown): string | undefined {
  const id = (v as Record<string, unknown> | undefined)?.['@odata.id'];
  return typeof id === 'string' ? id : undefined;
}

/** The message a Redfish error body carries: the most severe ExtendedInfo message, else error.message. */
export function redfishErrorMessage(body: unknown): string | undefined {
  const err = (body as Record<string, unknown> | undefined)?.error as Record<string, unknown> | undefined;
  if (!err) return undefined;
  const infos = (err['@Message.ExtendedInfo'] as Record<string, unknown>[] | undefined) ?? [];
  for (const severity of ['Critical', 'Warning']) {
    const hit = infos.find((i) => i.Severity === severity && typeof i.Message === 'string');
    if (hit) return hit.Message as string;
  }
  return typeof err.message === 'string' ? err.message : undefined;
}

function httpFailure(method: string, path: string, r: Reply): AppError {
  const why = redfishErrorMessage(r.body) ?? (r.text.slice(0, 200) || `HTTP ${r.status}`);
  const type = r.status === 401 || r.status === 403 ? 'RedfishAccessError' : 'RedfishError';
  return redfishError(`redfish: ${method} ${path} returned ${r.status}: ${why}`, { status: r.status }, type);
}

export function parseSystem(path: string, body: unknown): RedfishSystem {
  const b = body as Record<string, unknown> | undefined;
  if (!b || typeof b !== 'object') throw redfishError(`redfish: ${path} is not a JSON object`);
  const boot = (b.Boot ?? {}) as Record<string, unknown>;
  const actions = (b.Actions ?? {}) as Record<string, Record<string, unknown>>;
  const reset = actions['#ComputerSystem.Reset'];
  const target = reset?.target;
  if (typeof b.Id !== 'string' || typeof target !== 'string')
    throw redfishError(`redfish: ${path} lacks Id or the ComputerSystem.Reset action`);
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const list = (v: unknown) => (Array.isArray(v) ? v.filter((x) => typeof x === 'string') : undefined);
  return {
    path,
    id: b.Id,
    name: str(b.Name),
    uuid: str(b.UUID),
    powerState: str(b.PowerState) as RedfishPowerState | undefined,
    boot: {
      target: str(boot.BootSourceOverrideTarget) as RedfishBootTarget | undefined,
      enabled: str(boot.BootSourceOverrideEnabled) as RedfishBootEnabled | undefined,
      mode: str(boot.BootSourceOverrideMode),
      allowedTargets: list(boot['BootSourceOverrideTarget@Redfish.AllowableValues']),
    },
    resetTarget: target,
    resetTypes: list(reset?.['ResetType@Redfish.AllowableValues']),
  };
}
