// The agent's life: serve the command API, (inspect,) look the node up by its MACs, then heartbeat with the
// callback URL until stopped. The same code runs in the ramdisk (main.ts) and in-process for `sim` nodes.
import { connect } from 'node:net';
import { type CommandApi, CommandRunner, startCommandApi } from './command-api.ts';
import { type AgentState, commandTable } from './commands.ts';
import type { AgentCtx } from './ctx.ts';
import { IronicClient, type LookupAnswer, LookupError, postInspection } from './ironic-client.ts';
import type { Machine } from './machine.ts';

export interface AgentOptions {
  apiUrl: string;
  machine: Machine;
  listenHost: string;
  listenPort: number;
  advertiseHost?: string | undefined;
  advertisePort?: number | undefined;
  agentToken?: string | undefined;
  requestId?: string | undefined;
  apiVersion?: string | undefined;
  inspectionCallbackUrl?: string | undefined;
  bootMac?: string | undefined;
  lookupTimeoutS?: number | undefined;
  lookupIntervalS?: number | undefined;
  /** [0,1) source for the heartbeat jitter; Math.random by default. */
  random?: () => number;
  onImageWritten?: AgentState['onImageWritten'];
  downloadRetry?: AgentState['downloadRetry'];
}

export interface RunningAgent {
  port: number;
  callbackUrl: string;
  /** Resolves with the lookup answer; rejects if the lookup gave up. */
  lookedUp: Promise<LookupAnswer>;
  /** Resolves when the heartbeat loop ends (stop() or the ctx signal). */
  done: Promise<void>;
  heartbeats: number;
  stop(): Promise<void>;
}

const sleep = (ms: number, signal: AbortSignal, wake?: Promise<void>) =>
  new Promise<void>((ok) => {
    const t = setTimeout(finish, ms);
    function finish() {
      clearTimeout(t);
      signal.removeEventListener('abort', finish);
      ok();
    }
    signal.addEventListener('abort', finish, { once: true });
    wake?.then(finish);
  });

/** The local address the node would use to reach the API (what IPA advertises when not told). */
export function localAddressTowards(url: string): Promise<string> {
  const u = new URL(url);
  const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
  return new Promise((ok, fail) => {
    const s = connect({ host: u.hostname.replace(/^\[|\]$/g, ''), port }, () => {
      const a = s.localAddress ?? '127.0.0.1';
      s.destroy();
      ok(a);
    });
    s.once('error', fail);
    s.setTimeout(10_000, () => {
      s.destroy();
      fail(new Error(`timed out connecting to ${u.host}`));
    });
  });
}

export async function startAgent(parent: AgentCtx, opts: AgentOptions): Promise<RunningAgent> {
  // (no AbortSignal.any: the ramdisk runs Debian's Node 18)
  const stopper = new AbortController();
  if (parent.signal.aborted) stopper.abort();
  else parent.signal.addEventListener('abort', () => stopper.abort(), { once: true });
  const ctx: AgentCtx = { log: parent.log, signal: stopper.signal };
  const random = opts.random ?? Math.random;
  let token = opts.agentToken;
  let wakeUp: () => void = () => {};
  let wake = new Promise<void>((ok) => (wakeUp = ok));
  const state: AgentState = { machine: opts.machine, partitionUuids: undefined };
  if (opts.onImageWritten) state.onImageWritten = opts.onImageWritten;
  if (opts.downloadRetry) state.downloadRetry = opts.downloadRetry;
  const runner = new CommandRunner(ctx, commandTable(state), () => wakeUp());
  const api: CommandApi = await startCommandApi(ctx, runner, () => token, {
    host: opts.listenHost,
    port: opts.listenPort,
    startedAt: Date.now(),
  });
  const host = opts.advertiseHost ?? (await localAddressTowards(opts.apiUrl).catch(() => opts.listenHost));
  const callbackUrl = `http://${host.includes(':') ? `[${host}]` : host}:${opts.advertisePort ?? api.port}`;
  const client = new IronicClient(opts.apiUrl, { requestId: opts.requestId, apiVersion: opts.apiVersion });
  const running: RunningAgent = {
    port: api.port,
    callbackUrl,
    heartbeats: 0,
    lookedUp: undefined as unknown as Promise<LookupAnswer>,
    done: undefined as unknown as Promise<void>,
    async stop() {
      stopper.abort();
      await running.done.catch(() => {});
      await api.close();
    },
  };

  const lookup = async (): Promise<LookupAnswer> => {
    if (opts.inspectionCallbackUrl) {
      const inv = await opts.machine.inventory();
      try {
        await postInspection(ctx, opts.inspectionCallbackUrl, inv, opts.bootMac);
        ctx.log.info(`inventory sent to ${opts.inspectionCallbackUrl}`);
      } catch (e) {
        ctx.log.warn(`inspection callback failed: ${(e as Error).message}`);
      }
    }
    const inv = await opts.machine.inventory();
    const macs = inv.interfaces.map((i) => i.mac_address);
    if (macs.length === 0)
      throw new LookupError('no network interface with a MAC address to look the node up by', undefined);
    const deadline = Date.now() + (opts.lookupTimeoutS ?? 600) * 1000;
    let delay = (opts.lookupIntervalS ?? 1) * 1000;
    for (;;) {
      ctx.signal.throwIfAborted();
      try {
        const a = await client.lookup(ctx, macs);
        ctx.log.info(`lookup: node ${a.nodeUuid}, heartbeat_timeout ${a.heartbeatTimeout} s`);
        return a;
      } catch (e) {
        if (ctx.signal.aborted) throw e;
        if (Date.now() + delay > deadline)
          throw new LookupError(`lookup gave up: ${(e as Error).message}`, undefined);
        ctx.log.warn(`lookup of ${macs.join(',')} failed (${(e as Error).message}); retrying`);
        const status = e instanceof LookupError ? e.status : undefined;
        // 409: the node is locked while its token is made; IPA waits 5, 10, 30 s. Else backoff to 60 s.
        await sleep(status === 409 ? Math.min(delay * 2, 30_000) : delay * (1 + random()), ctx.signal);
        delay = Math.min(delay * 2, 60_000);
      }
    }
  };

  running.lookedUp = lookup();
  running.lookedUp.catch(() => {});
  running.done = (async () => {
    let answer: LookupAnswer;
    try {
      answer = await running.lookedUp;
    } catch (e) {
      if (!ctx.signal.aborted) ctx.log.error((e as Error).message);
      throw e;
    }
    if (answer.agentToken) token = answer.agentToken;
    if (!token)
      ctx.log.warn(
        'no agent token: the lookup gave none and none was on the command line; commands will be refused',
      );
    let lastBeat = 0;
    while (!ctx.signal.aborted) {
      let next: number;
      try {
        await client.heartbeat(ctx, answer.nodeUuid, callbackUrl, token);
        running.heartbeats++;
        lastBeat = Date.now();
        next = answer.heartbeatTimeout * 1000 * (0.3 + 0.3 * random());
      } catch (e) {
        if (ctx.signal.aborted) break;
        ctx.log.warn(`heartbeat failed: ${(e as Error).message}`);
        next = 5000 * (1 + random());
      }
      let woken = false;
      await sleep(
        next,
        ctx.signal,
        wake.then(() => {
          woken = true;
        }),
      );
      // a finished async command asks for an early heartbeat, at most one per 5 s
      const since = Date.now() - lastBeat;
      if (woken && since < 5000 && !ctx.signal.aborted) await sleep(5000 - since, ctx.signal);
      wake = new Promise<void>((ok) => (wakeUp = ok));
    }
  })();
  running.done.catch(() => {});
  return running;
}
