// Our Redfish BMC: the service root, sessions and Basic auth, Systems with power and boot override, the Reset
// action and Managers, acting on LabMachines. Plain node:http: it runs as a small detached process per lab.
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { Ctx } from '../../platform/context.ts';
import type { Logger } from '../../platform/log/logger.ts';
import type { LabMachine } from '../machine.ts';
import {
  collection,
  computerSystem,
  errorBody,
  manager,
  parseBootPatch,
  RESET_TYPES,
  type ResetType,
  serviceRoot,
  session,
  sessionService,
} from './resources.ts';

export interface RedfishSystemEntry {
  machine: LabMachine;
  cpus: number;
  memoryMiB: number;
}

export interface RedfishBmcOptions {
  systems: RedfishSystemEntry[];
  username: string;
  password: string;
  log: Logger;
  /** Most sessions kept at once (oldest dropped), as BMCs cap them. */
  maxSessions?: number;
  /** Serve HTTPS with this PEM key and certificate (real BMCs do; tests of TLS verification need it). */
  tls?: { key: string; cert: string };
}

class HttpError extends Error {
  readonly status: number;
  readonly messageId: string;
  constructor(status: number, messageId: string, message: string) {
    super(message);
    this.status = status;
    this.messageId = messageId;
  }
}

const BODY_LIMIT = 64 * 1024;

export class RedfishBmc {
  readonly #o: RedfishBmcOptions;
  readonly #uuid = randomUUID();
  readonly #sessions = new Map<string, { id: string; user: string }>();
  #server: Server | undefined;

  constructor(opts: RedfishBmcOptions) {
    this.#o = opts;
  }

  /** Listens on address:port (0 picks one); resolves to the bound port. */
  async listen(address: string, port: number): Promise<number> {
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      this.#handle(req, res).catch((e) => {
        this.#o.log.error({ err: (e as Error).message }, 'redfish bmc: request failed');
        if (!res.headersSent) send(res, 500, errorBody('InternalError', (e as Error).message));
        else res.destroy();
      });
    };
    const server: Server = this.#o.tls ? createTlsServer(this.#o.tls, handler) : createServer(handler);
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, address, () => resolve());
    });
    const addr = server.address();
    return typeof addr === 'object' && addr ? addr.port : port;
  }

  async close(): Promise<void> {
    const s = this.#server;
    if (!s) return;
    this.#server = undefined;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const ctx: Ctx = { log: this.#o.log, signal: AbortSignal.timeout(120_000) };
    const url = new URL(req.url ?? '/', 'http://bmc');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    try {
      const r = await this.#route(ctx, method, path, req, res);
      if (r !== undefined) send(res, r.status, r.body, r.headers);
    } catch (e) {
      if (!(e instanceof HttpError)) throw e;
      const headers: Record<string, string> =
        e.status === 401 ? { 'WWW-Authenticate': 'Basic realm="lab BMC"' } : {};
      send(res, e.status, errorBody(e.messageId, e.message), headers);
    }
    this.#o.log.info({ method, path, status: res.statusCode, ms: Date.now() - started }, 'redfish bmc');
  }

  async #route(
    ctx: Ctx,
    method: string,
    path: string,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<{ status: number; body?: unknown; headers?: Record<string, string> } | undefined> {
    if (path === '/redfish' && method === 'GET') return ok({ v1: '/redfish/v1/' });
    if (path === '/redfish/v1' && method === 'GET') return ok(serviceRoot(this.#uuid));
    if (path === '/redfish/v1/SessionService/Sessions' && method === 'POST')
      return this.#createSession(await readJson(req));
    this.#authorize(req);

    if (path === '/redfish/v1/SessionService' && method === 'GET') return ok(sessionService());
    if (path === '/redfish/v1/SessionService/Sessions' && method === 'GET')
      return ok(
        collection(
          'Session',
          path,
          [...this.#sessions.values()].map((s) => s.id),
        ),
      );
    const sess = /^\/redfish\/v1\/SessionService\/Sessions\/([^/]+)$/.exec(path);
    if (sess) return this.#session(method, sess[1]!);

    if (path === '/redfish/v1/Systems' && method === 'GET')
      return ok(
        collection(
          'ComputerSystem',
          path,
          this.#o.systems.map((s) => s.machine.uuid),
        ),
      );
    if (path === '/redfish/v1/Managers' && method === 'GET')
      return ok(
        collection(
          'Manager',
          path,
          this.#o.systems.map((s) => s.machine.uuid),
        ),
      );

    const sys = /^\/redfish\/v1\/Systems\/([^/]+)(\/Actions\/ComputerSystem\.Reset)?$/.exec(path);
    if (sys) {
      const entry = this.#system(sys[1]!);
      if (sys[2]) {
        if (method !== 'POST') throw notAllowed(method, path);
        await this.#reset(ctx, entry.machine, await readJson(req));
        return { status: 204 };
      }
      if (method === 'GET') return ok(await this.#view(ctx, entry));
      if (method === 'PATCH') {
        const body = await readJson(req);
        const next = parseBootPatch(body, await entry.machine.getBoot(ctx));
        if (typeof next === 'string') throw new HttpError(400, 'PropertyValueNotInList', next);
        await entry.machine.setBoot(ctx, next);
        return { status: 204 };
      }
      throw notAllowed(method, path);
    }
    const mgr = /^\/redfish\/v1\/Managers\/([^/]+)$/.exec(path);
    if (mgr && method === 'GET') {
      const m = this.#system(mgr[1]!).machine;
      return ok(manager({ id: m.uuid, name: m.name, uuid: m.uuid }));
    }
    void res;
    throw new HttpError(404, 'ResourceMissingAtURI', `The resource at the URI ${path} was not found.`);
  }

  #createSession(body: unknown): { status: number; body: unknown; headers: Record<string, string> } {
    const b = (body ?? {}) as Record<string, unknown>;
    if (typeof b.UserName !== 'string' || typeof b.Password !== 'string')
      throw new HttpError(400, 'PropertyMissing', 'UserName and Password are required.');
    if (!this.#credentialsMatch(b.UserName, b.Password))
      throw new HttpError(401, 'NoValidSession', 'Invalid user name or password.');
    const id = randomBytes(8).toString('hex');
    const token = randomBytes(24).toString('hex');
    this.#sessions.set(token, { id, user: b.UserName });
    const max = this.#o.maxSessions ?? 64;
    while (this.#sessions.size > max) this.#sessions.delete(this.#sessions.keys().next().value!);
    const location = `/redfish/v1/SessionService/Sessions/${id}`;
    return {
      status: 201,
      body: session(id, b.UserName),
      headers: { 'X-Auth-Token': token, Location: location },
    };
  }

  #session(method: string, id: string): { status: number; body?: unknown } {
    const hit = [...this.#sessions.entries()].find(([, s]) => s.id === id);
    if (!hit) throw new HttpError(404, 'ResourceMissingAtURI', `No session ${id}.`);
    if (method === 'GET') return ok(session(id, hit[1].user));
    if (method === 'DELETE') {
      this.#sessions.delete(hit[0]);
      return { status: 204 };
    }
    throw notAllowed(method, `/redfish/v1/SessionService/Sessions/${id}`);
  }

  #authorize(req: IncomingMessage): void {
    const token = req.headers['x-auth-token'];
    if (typeof token === 'string' && this.#sessions.has(token)) return;
    const auth = req.headers.authorization;
    if (typeof auth === 'string' && auth.startsWith('Basic ')) {
      const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon >= 0 && this.#credentialsMatch(decoded.slice(0, colon), decoded.slice(colon + 1))) return;
    }
    throw new HttpError(401, 'NoValidSession', 'Authentication is required for this resource.');
  }

  #credentialsMatch(user: string, password: string): boolean {
    const eq = (a: string, b: string) => {
      const x = Buffer.from(a);
      const y = Buffer.from(b);
      return x.length === y.length && timingSafeEqual(x, y);
    };
    // Both compared, so a wrong user name takes as long as a wrong password.
    const u = eq(user, this.#o.username);
    const p = eq(password, this.#o.password);
    return u && p;
  }

  #system(id: string): RedfishSystemEntry {
    const entry = this.#o.systems.find((s) => s.machine.uuid === id || s.machine.name === id);
    if (!entry) throw new HttpError(404, 'ResourceMissingAtURI', `No system ${id}.`);
    return entry;
  }

  async #view(ctx: Ctx, e: RedfishSystemEntry) {
    const m = e.machine;
    return computerSystem({
      id: m.uuid,
      name: m.name,
      uuid: m.uuid,
      power: await m.powerState(ctx),
      boot: await m.getBoot(ctx),
      cpus: e.cpus,
      memoryMiB: e.memoryMiB,
    });
  }

  async #reset(ctx: Ctx, m: LabMachine, body: unknown): Promise<void> {
    const type = (body as Record<string, unknown> | undefined)?.ResetType;
    if (typeof type !== 'string' || !(RESET_TYPES as readonly string[]).includes(type))
      throw new HttpError(
        400,
        'ActionParameterNotSupported',
        `ResetType must be one of ${RESET_TYPES.join(', ')}.`,
      );
    const power = await m.powerState(ctx);
    ctx.log.info({ machine: m.name, reset: type, power }, 'redfish bmc: reset');
    switch (type as ResetType) {
      case 'On':
      case 'ForceOn':
        if (power === 'off') await m.powerOn(ctx);
        return;
      case 'ForceOff':
        if (power === 'on') await m.powerOff(ctx);
        return;
      case 'GracefulShutdown':
        if (power === 'on') await m.shutdown(ctx);
        return;
      // QEMU has no ACPI "reboot" request: a graceful restart is a reset, as on a BMC whose OS ignores ACPI.
      case 'GracefulRestart':
      case 'ForceRestart':
        if (power === 'on') await m.reset(ctx);
        return;
      case 'PushPowerButton':
        if (power === 'on') await m.shutdown(ctx);
        else await m.powerOn(ctx);
        return;
    }
  }
}

function ok(body: unknown) {
  return { status: 200, body };
}

function notAllowed(method: string, path: string): HttpError {
  return new HttpError(405, 'ActionNotSupported', `${method} is not allowed on ${path}.`);
}

function send(
  res: ServerResponse,
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    'OData-Version': '4.0',
    ...(body === undefined ? {} : { 'Content-Type': 'application/json; charset=utf-8' }),
    'Content-Length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > BODY_LIMIT) throw new HttpError(413, 'GeneralError', 'The request body is too large.');
    chunks.push(c as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'MalformedJSON', 'The request body is not valid JSON.');
  }
}
