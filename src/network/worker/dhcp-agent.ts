// The DHCP agent: for each network with a DHCP-enabled subnet on a mapped physical network, a dnsmasq bound
// to that interface and configured only from the database. A change notice (or the periodic resync) re-renders
// the files; when they differ they are replaced atomically and dnsmasq gets SIGHUP. Only a changed command line
// (interface, DHCP subnets, the set of ports with extra DHCP options: see model/dhcp.ts) restarts dnsmasq.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Ctx } from '../../platform/context.ts';
import type { Database } from '../../platform/db/types.ts';
import { writeFileAtomic } from '../../platform/fs/atomic-write.ts';
import { type DhcpConfig, dnsmasqArgs, renderDhcp, servingInterface } from '../model/dhcp.ts';
import type { DhcpSettings } from '../model/settings.ts';
import { DHCP_CHANNEL } from '../store/common.ts';
import type { NetworkStores } from '../store/stores.ts';
import { Dnsmasq, type DnsmasqState } from './dnsmasq.ts';
import { stopStaleDnsmasq } from './stale.ts';

interface Served {
  process: Dnsmasq;
  iface: string;
  hosts: number;
}

export class DhcpAgent {
  readonly #db: Database;
  readonly #stores: NetworkStores;
  readonly #s: DhcpSettings;
  readonly #root: string;
  readonly #served = new Map<string, Served>();
  readonly #queue = new Map<string, Promise<void>>();
  readonly #dirty = new Set<string>();
  readonly #statusWrites = new Map<string, Promise<unknown>>();
  #ctx: Ctx | undefined;
  #timer: NodeJS.Timeout | undefined;
  #unlisten: (() => Promise<void>) | undefined;
  #stopped = false;

  constructor(o: { db: Database; stores: NetworkStores; settings: DhcpSettings; stateDir: string }) {
    this.#db = o.db;
    this.#stores = o.stores;
    this.#s = o.settings;
    this.#root = join(o.stateDir, 'dhcp');
  }

  async start(ctx: Ctx): Promise<void> {
    this.#ctx = ctx;
    mkdirSync(this.#root, { recursive: true, mode: 0o755 });
    this.#unlisten = await this.#db.listen(DHCP_CHANNEL, (networkId) => this.schedule(networkId));
    await this.resyncAll();
    const tick = () => {
      this.#timer = setTimeout(() => {
        this.resyncAll()
          .catch((e) => this.#ctx?.log.error({ err: e }, 'dhcp resync failed'))
          .finally(() => this.#stopped || tick());
      }, this.#s.resyncMs);
    };
    tick();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#unlisten?.();
    await Promise.allSettled(this.#queue.values());
    // Stopped processes are recorded as such, so other API processes do not report a dead dnsmasq as running.
    await Promise.all(
      [...this.#served].map(async ([networkId, s]) => {
        await s.process.stop();
        await this.#status(networkId, 'stopped', s.iface, null, s.process.restarts, s.hosts, 'agent stopped');
      }),
    );
    this.#served.clear();
  }

  /** Every network the database knows, plus those this agent still serves. */
  async resyncAll(): Promise<void> {
    const networks = await this.#stores.networks.list({ admin: true });
    const ids = new Set([...networks.map((n) => n.id), ...this.#served.keys()]);
    await Promise.all([...ids].map((id) => this.schedule(id)));
  }

  /** Syncs one network; calls during a sync coalesce into one more pass after it. */
  schedule(networkId: string): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    const running = this.#queue.get(networkId);
    if (running) {
      this.#dirty.add(networkId);
      return running;
    }
    const run = (async () => {
      do {
        this.#dirty.delete(networkId);
        await this.#sync(networkId).catch((e) =>
          this.#ctx?.log.error({ err: e, network: networkId }, 'dhcp sync failed'),
        );
      } while (this.#dirty.has(networkId) && !this.#stopped);
    })().finally(() => this.#queue.delete(networkId));
    this.#queue.set(networkId, run);
    return run;
  }

  async #sync(networkId: string): Promise<void> {
    const network = await this.#stores.networks.get(networkId);
    const subnets = network ? await this.#stores.subnets.forNetwork(networkId) : [];
    if (!network || !subnets.some((s) => s.enable_dhcp)) {
      await this.#retire(networkId, network !== undefined);
      return;
    }
    const iface = servingInterface(network, this.#s.interfaceMappings);
    if (!iface) {
      await this.#retire(networkId, false);
      await this.#status(
        networkId,
        'no-interface',
        '',
        null,
        0,
        0,
        `no interface mapped for ${network.network_type} network on physical network ${network.physical_network ?? '(none)'}`,
      );
      return;
    }
    const ports = await this.#stores.ports.forNetwork(networkId);
    const opts = {
      domain: this.#s.domain,
      leaseSeconds: this.#s.leaseSeconds,
      metadataNexthop: this.#s.metadataNexthop,
      user: this.#s.user,
      tftpRoot: this.#s.tftpRoot,
    };
    const config = renderDhcp(subnets, ports, opts);
    const dir = join(this.#root, networkId);
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    const changed =
      writeIfChanged(join(dir, 'host'), config.hosts) | writeIfChanged(join(dir, 'opts'), config.opts);
    const command = [...this.#s.commandPrefix, this.#s.dnsmasqPath, ...dnsmasqArgs(dir, iface, config, opts)];
    const current = this.#served.get(networkId);
    if (current && sameCommand(current.process.command, command)) {
      current.hosts = config.hostCount;
      if (changed) current.process.reload();
      await this.#status(
        networkId,
        current.process.state,
        iface,
        current.process.pid,
        current.process.restarts,
        config.hostCount,
        '',
      );
      return;
    }
    if (current) await current.process.stop();
    else {
      const stale = await stopStaleDnsmasq(join(dir, 'pid'));
      if (stale)
        this.#ctx?.log.warn({ network: networkId, pid: stale }, 'stopped a dnsmasq left by a previous run');
    }
    this.#launch(networkId, iface, command, config);
  }

  #launch(networkId: string, iface: string, command: string[], config: DhcpConfig) {
    // The state callback reads the entry's live counts (hosts change on every sync, restarts on every death).
    const entry = { iface, hosts: config.hostCount, restarts: () => dnsmasq.restarts };
    const dnsmasq: Dnsmasq = new Dnsmasq({
      command,
      log: this.#ctx!.log.child({ network: networkId, dhcp: iface }),
      restartDelayMs: this.#s.restartDelayMs,
      onState: (state: DnsmasqState, pid, message) => {
        if (this.#stopped && state === 'stopped') return;
        const hosts = this.#served.get(networkId)?.hosts ?? entry.hosts;
        void this.#status(networkId, state, iface, pid, entry.restarts(), hosts, message);
      },
    });
    this.#served.set(networkId, { iface, hosts: entry.hosts, process: dnsmasq });
    dnsmasq.start();
  }

  async #retire(networkId: string, keepDir: boolean) {
    const current = this.#served.get(networkId);
    this.#served.delete(networkId);
    if (current) await current.process.stop();
    await this.#statusWrites.get(networkId); // the last status write lands before the row goes
    await this.#stores.dhcp.remove(networkId).catch(() => undefined);
    if (!keepDir) rmSync(join(this.#root, networkId), { recursive: true, force: true });
  }

  async #status(
    networkId: string,
    state: string,
    iface: string,
    pid: number | null,
    restarts: number,
    hosts: number,
    message: string,
  ) {
    // One write at a time per network, in call order: 'starting' then 'running' must not land swapped
    // (on PostgreSQL two writes may take two connections).
    const write = (this.#statusWrites.get(networkId) ?? Promise.resolve()).then(() =>
      this.#stores.dhcp
        .put({
          network_id: networkId,
          host: this.#s.host,
          state,
          interface: iface,
          pid,
          restarts,
          hosts,
          message,
          updated_at: Date.now(),
        })
        .catch((e) => this.#ctx?.log.warn({ err: e }, 'dhcp status not recorded')),
    );
    this.#statusWrites.set(networkId, write);
    await write;
    if (this.#statusWrites.get(networkId) === write) this.#statusWrites.delete(networkId);
  }

  /** The pid of the dnsmasq serving a network (tests and status). */
  pidOf(networkId: string): number | null {
    return this.#served.get(networkId)?.process.pid ?? null;
  }
}

// Atomic replacement: dnsmasq never reads a half-written file. Returns 1 when the content changed.
function writeIfChanged(path: string, content: string): number {
  try {
    if (readFileSync(path, 'utf8') === content) return 0;
  } catch {
    // not there yet
  }
  writeFileAtomic(path, content, { mode: 0o644 });
  return 1;
}

function sameCommand(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
