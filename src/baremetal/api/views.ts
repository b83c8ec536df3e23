// The JSON shapes of nodes, ports, chassis and allocations: fields gated by microversion, `fields=`
// selection, driver_info secrets masked, and the links the clients follow.
import type { FastifyRequest } from 'fastify';
import type { INTERFACES } from '../model/hardware-types.ts';
import { fieldAvailable, LIST_FIELDS, NODE_FIELDS, type Node } from '../model/node.ts';
import { PORT_FIELD_VERSION, PORT_FIELDS, PORT_LIST_FIELDS, type Port } from '../model/port.ts';
import {
  PORTGROUP_FIELD_VERSION,
  PORTGROUP_FIELDS,
  PORTGROUP_LIST_FIELDS,
  type Portgroup,
} from '../model/portgroup.ts';
import { maskInstanceInfo, maskSecrets } from '../model/secrets.ts';
import type { Allocation } from '../store/allocations.ts';
import type { Chassis } from '../store/chassis.ts';
import { minorOf } from './common.ts';
import { baseUrl } from './discovery.ts';

export const links = (req: FastifyRequest, path: string) => [
  { href: `${baseUrl(req)}/v1/${path}`, rel: 'self' },
  { href: `${baseUrl(req)}/${path}`, rel: 'bookmark' },
];

function nodeValue(req: FastifyRequest, n: Node, field: string): unknown {
  const minor = minorOf(req);
  switch (field) {
    case 'driver_info':
      return maskSecrets(n.driver_info);
    case 'instance_info':
      return maskInstanceInfo(n.instance_info);
    case 'driver_internal_info':
      return maskSecrets(n.driver_internal_info);
    case 'provision_state':
      // Before 1.2 `available` was reported as null ("NOSTATE").
      return minor < 2 && n.provision_state === 'available' ? null : n.provision_state;
    case 'conductor':
      return n.reservation ?? null;
    case 'links':
      return links(req, `nodes/${n.uuid}`);
    case 'ports':
    case 'portgroups':
    case 'states':
    case 'volume':
      return links(req, `nodes/${n.uuid}/${field}`);
  }
  if (field.endsWith('_interface')) return n.interfaces[field.slice(0, -10) as (typeof INTERFACES)[number]];
  return (n as unknown as Record<string, unknown>)[field];
}

/** A node as the request's microversion shows it; `fields` (already validated) narrows it. */
export function nodeView(req: FastifyRequest, n: Node, fields?: readonly string[]): Record<string, unknown> {
  const minor = minorOf(req);
  const out: Record<string, unknown> = {};
  for (const f of fields ?? NODE_FIELDS) if (fieldAvailable(f, minor)) out[f] = nodeValue(req, n, f);
  if (fields && !fields.includes('links')) out.links = nodeValue(req, n, 'links');
  return out;
}

export const nodeListView = (req: FastifyRequest, n: Node) => nodeView(req, n, [...LIST_FIELDS, 'links']);

/** Node fields a `fields=` parameter may name at this microversion. */
export const knownNodeFields = (minor: number) => NODE_FIELDS.filter((f) => fieldAvailable(f, minor));

export function portView(req: FastifyRequest, p: Port, fields?: readonly string[]): Record<string, unknown> {
  const minor = minorOf(req);
  const out: Record<string, unknown> = {};
  for (const f of fields ?? PORT_FIELDS) {
    if ((PORT_FIELD_VERSION[f] ?? 1) > minor) continue;
    out[f] = f === 'links' ? links(req, `ports/${p.uuid}`) : (p as unknown as Record<string, unknown>)[f];
  }
  if (fields && !fields.includes('links')) out.links = links(req, `ports/${p.uuid}`);
  return out;
}

export const portListView = (req: FastifyRequest, p: Port) =>
  portView(req, p, [...PORT_LIST_FIELDS, 'links']);

export function portgroupView(
  req: FastifyRequest,
  g: Portgroup,
  fields?: readonly string[],
): Record<string, unknown> {
  const minor = minorOf(req);
  const out: Record<string, unknown> = {};
  for (const f of fields ?? PORTGROUP_FIELDS) {
    if ((PORTGROUP_FIELD_VERSION[f] ?? 1) > minor) continue;
    if (f === 'links') out.links = links(req, `portgroups/${g.uuid}`);
    else if (f === 'ports') out.ports = links(req, `portgroups/${g.uuid}/ports`);
    else out[f] = (g as unknown as Record<string, unknown>)[f];
  }
  if (fields && !fields.includes('links')) out.links = links(req, `portgroups/${g.uuid}`);
  return out;
}

export const portgroupListView = (req: FastifyRequest, g: Portgroup) =>
  portgroupView(req, g, [...PORTGROUP_LIST_FIELDS, 'links']);

export const chassisView = (req: FastifyRequest, c: Chassis) => ({
  ...c,
  links: links(req, `chassis/${c.uuid}`),
  nodes: links(req, `chassis/${c.uuid}/nodes`),
});

export const allocationView = (req: FastifyRequest, a: Allocation) => ({
  ...a,
  links: links(req, `allocations/${a.uuid}`),
});
