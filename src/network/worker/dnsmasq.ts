// One supervised dnsmasq: started in the foreground, reloaded with SIGHUP (it re-reads its hosts and options
// files without dropping anything), restarted after a short pause when it dies, stopped with SIGTERM.
// It is 'starting' until it logs "started, version": before that a SIGHUP kills the `ip netns exec` in
// front of it, or reaches a dnsmasq that ignores it while starting, so a reload waits for that line.
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
  #ready = false;
  #reloadPending = false;
  #state: DnsmasqState = 'stopped';
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

  get state(): DnsmasqState {
    return this.#state;
  }

  #setState(state: DnsmasqState, pid: number | null, message: string): void {
    this.#state = state;
    this.#o.onState(state, pid, message);
  }

  #hangUp(pid: number): boolean {
    try {
      process.kill(pid, 'SIGHUP');
      return true;
    } catch {
      return false;
    }
  }

  start(): void {
    this.#stopping = false;
    this.#startedAt = Date.now();
    const [bin, ...args] = this.#o.command;
    const child = spawn(bin!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    this.#ready = false;
    this.#reloadPending = false;
    this.#state = 'starting';
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        this.#o.log.debug({ dnsmasq: line }, 'dnsmasq');
        this.#recent = [...this.#recent.slice(-9), line];
        if (!this.#ready && this.#child === child && /: started, version /.test(line))
          this.#becameReady(child);
      }
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('error', (e) => {
      this.#recent = [...this.#recent, e.message];
    });
    child.on('spawn', () => this.#setState('starting', child.pid ?? null, ''));
    child.on('exit', (code, signal) => {
      if (this.#child !== child) return;
      this.#child = undefined;
      if (this.#stopping) return;
      const why = `dnsmasq exited (${signal ?? `code ${code}`}): ${this.#recent.slice(-3).join(' | ')}`;
      this.#o.log.warn({ code, signal, recent: this.#recent }, 'dnsmasq died; restarting');
      this.restarts++;
      this.#setState('restarting', null, why);
      // Back off while it keeps dying at once (a missing interface, a busy port), up to 30 s.
      this.#quickDeaths = Date.now() - this.#startedAt < 10_000 ? this.#quickDeaths + 1 : 0;
      const delay = Math.min(30_000, this.#o.restartDelayMs * 2 ** Math.min(this.#quickDeaths, 10));
      this.#restartTimer = setTimeout(() => {
        if (!this.#stopping) this.start();
      }, delay);
    });
  }

  #becameReady(child: ChildProcess): void {
    this.#ready = true;
    this.#setState('running', child.pid ?? null, '');
    if (this.#reloadPending && child.pid !== undefined) this.#hangUp(child.pid);
    this.#reloadPending = false;
  }

  /** Makes dnsmasq re-read its hosts and options files (once it has started, if it is starting). */
  reload(): boolean {
    const pid = this.#child?.pid;
    if (pid === undefined) return false;
    if (!this.#ready) {
      this.#reloadPending = true;
      return true;
    }
    return this.#hangUp(pid);
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#restartTimer);
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      this.#child = undefined;
      this.#setState('stopped', null, '');
      return;
    }
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
    this.#child = undefined;
    this.#setState('stopped', null, '');
  }
}
