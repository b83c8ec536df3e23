// The typed registry of clients: for each service a caller needs, the client of the instance in this
// process, or else the service's HTTP client for the URL configured in serviceUrls (bound to the caller's
// own service token). Services see it only through ServiceDeps.clients, typed by ServiceClients.
import type { Caller, Clients, ServiceClients, ServiceDefinition, ServiceName } from '../platform/service.ts';

export class ClientRegistry {
  readonly #defs: ReadonlyMap<string, ServiceDefinition>;
  readonly #remoteUrls: Readonly<Record<string, string>>;
  readonly #settings: Readonly<Record<string, Record<string, unknown>>>;
  readonly #local = new Map<string, unknown>();
  readonly #remote = new Map<string, unknown>();

  constructor(
    defs: readonly ServiceDefinition[],
    remoteUrls: Readonly<Record<string, string>>,
    settings: Readonly<Record<string, Record<string, unknown>>>,
  ) {
    this.#defs = new Map(defs.map((d) => [d.name, d]));
    this.#remoteUrls = remoteUrls;
    this.#settings = settings;
  }

  /** Records the in-process client of a service created in this process. */
  addLocal(name: string, client: unknown): void {
    if (client !== undefined) this.#local.set(name, client);
  }

  /** Why `name` cannot be reached from this process, or undefined when it can. */
  unreachable(name: string, served: ReadonlySet<string>): string | undefined {
    if (served.has(name)) return undefined;
    const url = this.#remoteUrls[name];
    if (url === undefined)
      return `the ${name} service runs neither in this process nor at a configured URL (serviceUrls.${name}${name === 'identity' ? ', identityUrl, OOO_IDENTITY_URL or --identity-url' : ''})`;
    if (!this.#defs.get(name)?.remote)
      return `the ${name} service has no HTTP client yet: run its callers in the process that serves it`;
    return undefined;
  }

  /** The typed view one caller gets: only what it declared. */
  for<Needs extends ServiceName>(caller: Caller, needs: readonly string[]): Clients<Needs> {
    return {
      get: (name) => {
        if (!needs.includes(name))
          throw new Error(`the ${caller.service} service uses ${name} without declaring it in needs`);
        return this.get(name, caller);
      },
    };
  }

  /** The client of the instance in this process, if it serves `name`. */
  local<K extends ServiceName>(name: K): ServiceClients[K] | undefined {
    // The one place types meet names: a definition named K offers ServiceClients[K] (ServiceDefinition's
    // ClientOf), which TypeScript cannot follow through a list of different definitions.
    return this.#local.get(name) as ServiceClients[K] | undefined;
  }

  get<K extends ServiceName>(name: K, caller: Caller): ServiceClients[K] {
    const local = this.local(name);
    if (local !== undefined) return local;
    const key = `${caller.service}→${name}`;
    let remote = this.#remote.get(key);
    if (remote === undefined) {
      const def = this.#defs.get(name);
      const url = this.#remoteUrls[name];
      if (!def?.remote || url === undefined)
        throw new Error(this.unreachable(name, new Set()) ?? `no client for ${name}`);
      remote = def.remote({ url, settings: this.#settings[name] ?? {} }, caller);
      this.#remote.set(key, remote);
    }
    return remote as ServiceClients[K];
  }
}
