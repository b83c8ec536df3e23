// The agent's HTTP API on port 9999 (IPA's paths, reduced): the conductor posts commands and polls their
// results. Every /v1/commands call must carry ?agent_token= equal to the token from lookup.
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CommandDef } from './commands.ts';
import { AGENT_VERSION } from './commands.ts';
import type { AgentCtx } from './ctx.ts';
import { InvalidParams } from './image-info.ts';

export type CommandStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED';

export interface CommandResult {
  id: string;
  command_name: string;
  command_params: Record<string, unknown>;
  command_status: CommandStatus;
  command_error: { type: string; code: number; message: string; details: string } | null;
  command_result: unknown;
}

/** Runs commands one async at a time, keeps every result in order, tells when an async one finished. */
export class CommandRunner {
  readonly results: CommandResult[] = [];
  private running: CommandResult | undefined;
  private readonly waiters = new Map<string, Array<() => void>>();

  private readonly ctx: AgentCtx;
  private readonly table: Record<string, CommandDef>;
  private readonly onAsyncDone: () => void;

  constructor(ctx: AgentCtx, table: Record<string, CommandDef>, onAsyncDone: () => void) {
    this.ctx = ctx;
    this.table = table;
    this.onAsyncDone = onAsyncDone;
  }

  /** Starts a command; HTTP-shaped errors are thrown as HttpError. */
  async execute(name: string, params: Record<string, unknown>): Promise<CommandResult> {
    const dot = name.indexOf('.');
    const ext = name.slice(0, dot);
    if (dot < 1 || !Object.keys(this.table).some((k) => k.startsWith(`${ext}.`)))
      throw new HttpError(404, 'Client', `Extension ${ext || name} not found`);
    const def = this.table[name];
    if (!def)
      throw new HttpError(400, 'Client', `Command ${name.slice(dot + 1)} not found in extension ${ext}`);
    if (this.running)
      throw new HttpError(409, 'Client', `Agent is busy: executing command ${this.running.command_name}`);
    try {
      def.validate?.(params);
    } catch (e) {
      throw new HttpError(400, 'Client', `Invalid command parameters: ${(e as Error).message}`);
    }
    const r: CommandResult = {
      id: randomUUID(),
      command_name: name.slice(dot + 1),
      command_params: params,
      command_status: 'RUNNING',
      command_error: null,
      command_result: null,
    };
    this.results.push(r);
    const finish = (value: unknown, err: unknown) => {
      if (err) {
        const invalid = err instanceof InvalidParams;
        r.command_status = 'FAILED';
        r.command_error = {
          type: invalid ? 'InvalidCommandParamsError' : 'CommandExecutionError',
          code: invalid ? 400 : 500,
          message: invalid ? 'Invalid command parameters' : 'Command execution failed',
          details: (err as Error).message ?? String(err),
        };
        this.ctx.log.error(`command ${name} failed: ${r.command_error.details}`);
      } else {
        r.command_status = 'SUCCEEDED';
        r.command_result =
          typeof value === 'string'
            ? { result: def.async ? `${r.command_name}: ${value}` : value }
            : (value ?? null);
        this.ctx.log.info(`command ${name} succeeded`);
      }
      for (const w of this.waiters.get(r.id) ?? []) w();
      this.waiters.delete(r.id);
    };
    if (!def.async) {
      await def.run(this.ctx, params).then(
        (v) => finish(v, undefined),
        (e) => finish(undefined, e ?? new Error('failed')),
      );
      return r;
    }
    this.running = r;
    this.ctx.log.info(`command ${name} started (${r.id})`);
    // started after the reply, as IPA's thread is: the POST always answers RUNNING for async commands
    new Promise<void>((ok) => setImmediate(ok))
      .then(() => def.run(this.ctx, params))
      .then(
        (v) => finish(v, undefined),
        (e) => finish(undefined, e ?? new Error('failed')),
      )
      .finally(() => {
        this.running = undefined;
        this.onAsyncDone();
      });
    return r;
  }

  wait(r: CommandResult): Promise<CommandResult> {
    if (r.command_status !== 'RUNNING') return Promise.resolve(r);
    return new Promise((done) => {
      const list = this.waiters.get(r.id) ?? [];
      list.push(() => done(r));
      this.waiters.set(r.id, list);
    });
  }

  get(id: string): CommandResult | undefined {
    return this.results.find((r) => r.id === id);
  }
}

export class HttpError extends Error {
  readonly status: number;
  readonly faultcode: 'Client' | 'Server';

  constructor(status: number, faultcode: 'Client' | 'Server', message: string) {
    super(message);
    this.status = status;
    this.faultcode = faultcode;
  }
}

/** What the API shows of a result (params stay inside: they carry the config drive and secrets). */
export function publicResult(r: CommandResult): Omit<CommandResult, 'command_params'> {
  const { command_params: _p, ...rest } = r;
  return rest;
}

function tokenOk(expected: string | undefined, got: string | null): boolean {
  if (!expected) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(got ?? '');
  return a.length === b.length && timingSafeEqual(a, b);
}

async function readJson(req: IncomingMessage, limit = 128 * 1024 * 1024): Promise<unknown> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    n += (c as Buffer).length;
    if (n > limit) throw new HttpError(413, 'Client', 'request body too large');
    chunks.push(c as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'Client', 'request body is not valid JSON');
  }
}

export interface CommandApi {
  server: Server;
  port: number;
  close(): Promise<void>;
}

export async function startCommandApi(
  ctx: AgentCtx,
  runner: CommandRunner,
  token: () => string | undefined,
  opts: { host: string; port: number; startedAt: number },
): Promise<CommandApi> {
  const send = (res: ServerResponse, status: number, body: unknown) => {
    const data = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) });
    res.end(data);
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://agent');
    const path = url.pathname.replace(/^\/v1(?=\/|$)/, '').replace(/\/+$/, '') || '/';
    const wait = (url.searchParams.get('wait') ?? '').toLowerCase() === 'true';
    if (path === '/' && req.method === 'GET') {
      const base = `http://${req.headers.host ?? 'agent'}`;
      return send(res, 200, {
        name: 'tripleo-ts deploy agent',
        version: AGENT_VERSION,
        links: ['commands', 'status'].map((r) => ({ rel: r, href: `${base}/v1/${r}` })),
      });
    }
    if (path === '/status' && req.method === 'GET')
      return send(res, 200, { started_at: opts.startedAt / 1000, version: AGENT_VERSION });
    if (path !== '/commands' && !path.startsWith('/commands/'))
      throw new HttpError(404, 'Client', 'Not found');
    if (!tokenOk(token(), url.searchParams.get('agent_token')))
      throw new HttpError(401, 'Client', '401 Unauthorized: Token invalid.');
    if (path === '/commands') {
      if (req.method === 'GET') return send(res, 200, { commands: runner.results.map(publicResult) });
      if (req.method !== 'POST') throw new HttpError(405, 'Client', `method ${req.method} not allowed`);
      const body = (await readJson(req)) as { name?: unknown; params?: unknown };
      if (!body || typeof body.name !== 'string') throw new HttpError(400, 'Client', 'Missing command name');
      const params = body.params ?? {};
      if (typeof params !== 'object' || Array.isArray(params))
        throw new HttpError(400, 'Client', 'params must be an object');
      const r = await runner.execute(body.name, params as Record<string, unknown>);
      return send(res, 200, publicResult(wait ? await runner.wait(r) : r));
    }
    if (req.method !== 'GET') throw new HttpError(405, 'Client', `method ${req.method} not allowed`);
    const r = runner.get(decodeURIComponent(path.slice('/commands/'.length)));
    if (!r) throw new HttpError(404, 'Client', 'Command not found');
    return send(res, 200, publicResult(wait ? await runner.wait(r) : r));
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      const err = e instanceof HttpError ? e : new HttpError(500, 'Server', (e as Error).message);
      if (!(e instanceof HttpError)) ctx.log.error(`agent API: ${(e as Error).stack ?? e}`);
      if (!res.headersSent) send(res, err.status, { faultcode: err.faultcode, faultstring: err.message });
      else res.destroy();
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port, opts.host, () => ok());
  });
  const port = (server.address() as AddressInfo).port;
  ctx.log.info(`agent API listening on ${opts.host}:${port}`);
  return {
    server,
    port,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
