// The one module through which compute reaches other services. Today: the bare metal service's nodes,
// read over its REST API (Ironic v1) with the caller's token, from wherever this process serves it.
// When the plugin contract gains typed clients, only this file changes.
import type { Ctx } from '../platform/context.ts';
import { AppError } from '../platform/errors/catalogue.ts';

export interface BaremetalNode {
  uuid: string;
  name: string | null;
  resourceClass: string | null;
  provisionState: string;
  powerState: string | null;
  maintenance: boolean;
  instanceUuid: string | null;
  cpus: number;
  memoryMb: number;
  localGb: number;
}

export interface ComputePeers {
  /** Every bare metal node (empty when this process serves no bare metal service). */
  baremetalNodes(ctx: Ctx, token: string): Promise<BaremetalNode[]>;
}

/** The Ironic microversion we read nodes at (resource_class from 1.21, conductor/traits later unused). */
const IRONIC_VERSION = '1.46';

const num = (v: unknown) => {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : 0;
};

export function nodeFrom(n: Record<string, unknown>): BaremetalNode {
  const props = (n.properties ?? {}) as Record<string, unknown>;
  return {
    uuid: String(n.uuid),
    name: typeof n.name === 'string' ? n.name : null,
    resourceClass: typeof n.resource_class === 'string' ? n.resource_class : null,
    provisionState: String(n.provision_state ?? 'enroll'),
    powerState: typeof n.power_state === 'string' ? n.power_state : null,
    maintenance: n.maintenance === true,
    instanceUuid: typeof n.instance_uuid === 'string' ? n.instance_uuid : null,
    cpus: num(props.cpus),
    memoryMb: num(props.memory_mb),
    localGb: num(props.local_gb),
  };
}

export function connectPeers(urls: ReadonlyMap<string, string>): ComputePeers {
  return {
    async baremetalNodes(ctx, token) {
      const base = urls.get('baremetal');
      if (base === undefined) return [];
      const out: BaremetalNode[] = [];
      let next: string | undefined = `${base}/v1/nodes/detail`;
      while (next) {
        const res = await fetch(next, {
          headers: { 'x-auth-token': token, 'x-openstack-ironic-api-version': IRONIC_VERSION },
          signal: ctx.signal,
        });
        if (!res.ok)
          throw new AppError('UNAVAILABLE', `The bare metal service answered ${res.status} listing nodes.`);
        const body = (await res.json()) as { nodes?: Record<string, unknown>[]; next?: string };
        for (const n of body.nodes ?? []) out.push(nodeFrom(n));
        next = body.next;
      }
      return out;
    },
  };
}
