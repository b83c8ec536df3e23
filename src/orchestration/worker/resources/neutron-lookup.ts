// What the Neutron types share: the network client (absent when the seed runs no network service), a
// network or subnet named by id or by name, and the physical name Heat gives a nameless resource.
import { randomBytes } from 'node:crypto';
import type { NetworkClient } from '../../../network/client.ts';
import type { Json } from '../../model/template-format.ts';
import type { ResourceContext } from './plugin.ts';

export function networkClient(rc: ResourceContext, type: string): NetworkClient {
  const c = rc.clients.network;
  if (!c) throw new Error(`${type} needs the network service, which this seed does not run.`);
  return c;
}

/** The id of the network `ref` names (an id, else a unique name). */
export async function networkId(c: NetworkClient, rc: ResourceContext, ref: string): Promise<string> {
  const byId = await c.getNetwork(rc.ctx, ref).catch(() => undefined);
  if (byId) return String(byId.id);
  const named = await c.findNetworks(rc.ctx, { name: ref });
  if (named.length === 1) return String(named[0]?.id);
  throw new Error(
    named.length > 1 ? `Multiple networks named ${ref} exist.` : `The network (${ref}) could not be found.`,
  );
}

/** The id of the subnet `ref` names (an id, else a unique name). */
export async function subnetId(c: NetworkClient, rc: ResourceContext, ref: string): Promise<string> {
  const byId = await c.getSubnet(rc.ctx, ref).catch(() => undefined);
  if (byId) return String(byId.id);
  const named = await c.findSubnets(rc.ctx, { name: ref });
  if (named.length === 1) return String(named[0]?.id);
  throw new Error(
    named.length > 1 ? `Multiple subnets named ${ref} exist.` : `The subnet (${ref}) could not be found.`,
  );
}

/** Heat's physical_resource_name: <stack>-<resource>-<short random>. */
export const physicalName = (rc: ResourceContext) =>
  `${rc.stack.name}-${rc.name}-${randomBytes(6).toString('hex')}`;

/** An item's field as JSON (null when absent). */
export const field = (item: Record<string, unknown>, k: string): Json => (item[k] as Json) ?? null;

/** Whether deleting failed only because the thing is already gone. */
export const isNotFound = (e: unknown) => (e as { code?: string }).code === 'NOT_FOUND';
