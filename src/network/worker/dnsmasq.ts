// One supervised dnsmasq: started in the foreground, reloaded with SIGHUP (it re-reads its hosts and options
// files without dropping anything), restarted after a short pause when it dies, stopped with SIGTERM.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import type { Logger } from '../../platform/log/logger.ts';

export type DnsmasqState = 'starting' | 'running' | 'restarting' | 'stopped';

export interface DnsmasqOptions {
  command: string[];
  log: Logger;
  restartDelayMs: number;
  /** Called on every state change (the agent records it as the network's DHCP status). */
  onState(state: DnsmasqState, pid: number | null, message: string): void;
}

export class Dnsmasq {
  readonly #o: DnsmasqOptions;
  #child: ChildProcess | undefined;
  #stopping = false;
  #restartTimer: NodeJS.Timeout | undefined;
  #recent: string[] = [];
  #startedAt = 0;
  #quickDeaths = 0;
  restarts = 0;

  constructor(o: DnsmasqOptions) {
    this.#o = o;
  }

  get pid(): number | null {
    return this.#child?.pid ?? null;
  }

  get command(): readonly string[] {
    return this.#o.command;
  }

  start(): void {
    this.#stopping = false;
    this.#startedAt = Date.now();
    const [bin, ...args] = this.#o.command;
    const child = spawn(bin!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        this.#o.log.debug({ dnsmasq: line }, 'dnsmasq');
        this.#recent = [...this.#recent.slice(-9), line];
      }
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('error', (e) => {
      this.#recent = [...this.#recent, e.message];
    });
    child.on('spawn', () => this.#o.onState('running', child.pid ?? null, ''));
    child.on('exit', (code, signal) => {
      if (this.#child !== child) return;
      this.#child = undefined;
      if (this.#stopping) return;
      const why = `dnsmasq exited (${signal ?? `code ${code}`}): ${this.#recent.slice(-3).join(' | ')}`;
      this.#o.log.warn({ code, signal, recent: this.#recent }, 'dnsmasq died; restarting');
      this.restarts++;
      this.#o.onState('restarting', null, why);
      // Back off while it keeps dying at once (a missing interface, a busy port), up to 30 s.
      this.#quickDeaths = Date.now() - this.#startedAt < 10_000 ? this.#quickDeaths + 1 : 0;
      const delay = Math.min(30_000, this.#o.restartDelayMs * 2 ** Math.min(this.#quickDeaths, 10));
      this.#restartTimer = setTimeout(() => {
        if (!this.#stopping) this.start();
      }, delay);
    });
  }

  /** Makes dnsmasq re-read its hosts and options files. */
  reload(): boolean {
    const pid = this.#child?.pid;
    if (pid === undefined) return false;
    try {
      process.kill(pid, 'SIGHUP');
      return true;
    } catch {
      return false;
    }
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#restartTimer);
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      this.#child = undefined;
      this.#o.onState('stopped', null, '');
      return;
    }
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
    this.#child = undefined;
    this.#o.onState('stopped', null, '');
  }
}
