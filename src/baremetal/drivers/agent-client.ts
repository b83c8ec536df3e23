// The conductor's side of the agent's command API (IPA's, port 9999): post a command with the agent token,
// read the command list back. Ironic's agent_client.py reduced to what the direct deploy, cleaning and
// inspection send. Plain HTTP only: the agent serves no TLS (docs/deploy-agent.md).
import { request } from 'node:http';
import type { Ctx } from '../../platform/context.ts';
import type { Dict } from '../model/node.ts';

export interface AgentCommand {
  id: string;
  command_name: string;
  command_status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | string;
  command_error: Dict | null;
  command_result: unknown;
}

export class AgentCommandError extends Error {
  readonly status: number | undefined;
  constructor(message: string, status?: number) {
    super(message);
    this.name = 'AgentCommandError';
    this.status = status;
  }
}

/** One call's limit, as Ironic's [agent]command_timeout. */
const COMMAND_TIMEOUT_MS = 60_000;

export class AgentClient {
  readonly #base: string;
  readonly #token: string;
  readonly #via: string | undefined;

  /** `via`: a unix socket of an HTTP proxy onto the agent's network (the lab's, in its own namespace). */
  constructor(agentUrl: string, token: string, via?: string) {
    this.#base = agentUrl.replace(/\/+$/, '');
    this.#token = token;
    this.#via = via;
  }

  /** Posts `<ext>.<cmd>`; with wait the answer is the finished result, else usually RUNNING. */
  async run(ctx: Ctx, name: string, params: Dict, wait = false): Promise<AgentCommand> {
    const q = new URLSearchParams({ agent_token: this.#token, wait: String(wait) });
    return (await this.#call(ctx, 'POST', `/v1/commands/?${q}`, { name, params })) as AgentCommand;
  }

  /** Every command the agent ran since it booted, in order. */
  async list(ctx: Ctx): Promise<AgentCommand[]> {
    const q = new URLSearchParams({ agent_token: this.#token });
    return ((await this.#call(ctx, 'GET', `/v1/commands/?${q}`)) as { commands: AgentCommand[] }).commands;
  }

  async #call(ctx: Ctx, method: string, path: string, body?: unknown): Promise<unknown> {
    const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(COMMAND_TIMEOUT_MS)]);
    let res: { status: number; ok: boolean; text: string };
    try {
      const data = body === undefined ? undefined : JSON.stringify(body);
      res = this.#via
        ? await viaSocket(this.#via, `${this.#base}${path}`, method, data, signal)
        : await fetch(`${this.#base}${path}`, {
            method,
            signal,
            headers: { accept: 'application/json', 'content-type': 'application/json' },
            ...(data === undefined ? {} : { body: data }),
          }).then(async (r) => ({ status: r.status, ok: r.ok, text: await r.text() }));
    } catch (e) {
      throw new AgentCommandError(`the agent at ${this.#base} did not answer: ${(e as Error).message}`);
    }
    const text = res.text;
    if (!res.ok) {
      let why = text;
      try {
        why = String((JSON.parse(text) as { faultstring?: string }).faultstring ?? text);
      } catch {}
      throw new AgentCommandError(`the agent answered ${res.status}: ${why}`, res.status);
    }
    return JSON.parse(text);
  }
}

/** One request through the proxy's unix socket; the Host header names the agent. */
function viaSocket(
  socketPath: string,
  url: string,
  method: string,
  data: string | undefined,
  signal: AbortSignal,
): Promise<{ status: number; ok: boolean; text: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath,
        method,
        path: u.pathname + u.search,
        signal,
        headers: {
          host: u.host,
          accept: 'application/json',
          'content-type': 'application/json',
          ...(data === undefined ? {} : { 'content-length': Buffer.byteLength(data) }),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          // The proxy's own failure to reach the agent (502) is a connection failure, as with fetch.
          if (status === 502 && !res.headers['content-type']?.includes('json'))
            reject(new Error(text || 'the lab proxy could not reach it'));
          else resolve({ status, ok: status >= 200 && status < 300, text });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/** A failed command's reason, as Ironic puts it in last_error. */
export function commandErrorText(c: AgentCommand): string {
  const e = c.command_error;
  if (!e) return `${c.command_name} failed`;
  return String(e.details ?? e.message ?? JSON.stringify(e));
}
