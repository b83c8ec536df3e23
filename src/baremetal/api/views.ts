// The JSON shapes of nodes, ports, chassis and allocations: fields gated by microversion, `fields=`
// selection, driver_info secrets masked, and the links the clients follow.
import type { FastifyRequest } from 'fastify';
import type { Chassis } from '../model/chassis.ts';
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
import { minorOf } from './common.ts';
import { baseUrl } from './discovery.ts';

export const links = (req: FastifyRequest, path: string) => [
  { href: `${baseUrl(req)}/v1/${path}`, rel: 'self' },
  { href: `${baseUrl(req)}/${path}`, rel: 'bookmark' },
];

/** What a node view needs from its request, worked out once per request rather than once per node. */
interface ViewScope {
  minor: number;
  base: string;
}

const nodeLinks = (scope: ViewScope, path: string) => [
  { href: `${scope.base}/v1/${path}`, rel: 'self' },
  { href: `${scope.base}/${path}`, rel: 'bookmark' },
];

function nodeValue(scope: ViewScope, n: Node, field: string): unknown {
  switch (field) {
    case 'driver_info':
      return maskSecrets(n.driver_info);
    case 'instance_info':
      return maskInstanceInfo(n.instance_info);
    case 'driver_internal_info':
      return maskSecrets(n.driver_internal_info);
    case 'provision_state':
      // Before 1.2 `available` was reported as null ("NOSTATE").
      return scope.minor < 2 && n.provision_state === 'available' ? null : n.provision_state;
    case 'conductor':
      return n.reservation ?? null;
    case 'links':
      return nodeLinks(scope, `nodes/${n.uuid}`);
    case 'ports':
    case 'portgroups':
    case 'states':
    case 'volume':
      return nodeLinks(scope, `nodes/${n.uuid}/${field}`);
  }
  if (field.endsWith('_interface')) return n.interfaces[field.slice(0, -10) as (typeof INTERFACES)[number]];
  return (n as unknown as Record<string, unknown>)[field];
}

/** The fields shown at each microversion, computed once per version. */
const fieldsAt = new Map<number, readonly string[]>();
function visibleFields(minor: number): readonly string[] {
  let f = fieldsAt.get(minor);
  if (!f) {
    f = NODE_FIELDS.filter((x) => fieldAvailable(x, minor));
    fieldsAt.set(minor, f);
  }
  return f;
}

/**
 * A function that renders nodes as the request's microversion shows them; `fields` (already validated)
 * narrows them. Lists use it so the per-request work is done once, not once per node.
 */
export function nodeViewer(
  req: FastifyRequest,
  fields?: readonly string[],
): (n: Node) => Record<string, unknown> {
  const scope: ViewScope = { minor: minorOf(req), base: baseUrl(req) };
  const shown = fields ? fields.filter((f) => fieldAvailable(f, scope.minor)) : visibleFields(scope.minor);
  const addLinks = fields !== undefined && !fields.includes('links');
  return (n) => {
    const out: Record<string, unknown> = {};
    for (const f of shown) out[f] = nodeValue(scope, n, f);
    if (addLinks) out.links = nodeValue(scope, n, 'links');
    return out;
  };
}

/**
 * Rendered JSON of shared (unchanging) nodes, per node object and per view: a node object from the store's
 * shared list stays the same object while its row does not change, so its text can be reused until then.
 * A view is a pure function of the node, the microversion, the base URL and the fields.
 */
const rendered = new WeakMap<Node, Map<string, Buffer>>();

const COMMA = Buffer.from(',');

/**
 * `{"nodes":[...]<tail>}` as UTF-8 bytes from the shared nodes as nodeViewer renders them, reusing the bytes an
 * earlier list rendered (bytes, not text: encoding a megabyte of text per request cost more than the rest).
 */
export function nodesBody(
  req: FastifyRequest,
  nodes: readonly Node[],
  fields: readonly string[] | undefined,
  tail: string,
): Buffer {
  const key = `${minorOf(req)} ${baseUrl(req)} ${fields?.join(',') ?? '*'}`;
  let view: ((n: Node) => Record<string, unknown>) | undefined;
  const parts: Buffer[] = [Buffer.from('{"nodes":[')];
  for (const n of nodes) {
    let views = rendered.get(n);
    if (!views) {
      views = new Map();
      rendered.set(n, views);
    }
    let bytes = views.get(key);
    if (bytes === undefined) {
      view ??= nodeViewer(req, fields);
      bytes = Buffer.from(JSON.stringify(view(n)));
      views.set(key, bytes);
    }
    if (parts.length > 1) parts.push(COMMA);
    parts.push(bytes);
  }
  parts.push(Buffer.from(`]${tail}}`));
  return Buffer.concat(parts);
}

/** A node as the request's microversion shows it; `fields` (already validated) narrows it. */
export function nodeView(req: FastifyRequest, n: Node, fields?: readonly string[]): Record<string, unknown> {
  return nodeViewer(req, fields)(n);
}

export const LIST_VIEW_FIELDS = [...LIST_FIELDS, 'links'];

export const nodeListView = (req: FastifyRequest, n: Node) => nodeView(req, n, LIST_VIEW_FIELDS);

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
