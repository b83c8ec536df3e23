// GET /v2/images: the filters, sort orders and marker pagination the clients send, as pure functions over
// the images visible to the caller. (An image catalogue holds hundreds of images, not millions, so the
// store hands over the candidates and this decides; see docs/decisions/image-listing-in-model.md.)
import { AppError } from '../../platform/errors/catalogue.ts';
import type { Membership } from './access.ts';
import type { Image } from './image.ts';

export type Query = ReadonlyArray<readonly [string, string]>;

export const DEFAULT_LIMIT = 25;
export const MAX_LIMIT = 1000;
export const SORT_KEYS = [
  'name',
  'status',
  'container_format',
  'disk_format',
  'size',
  'id',
  'created_at',
  'updated_at',
  'visibility',
  'owner',
  'min_disk',
  'min_ram',
  'virtual_size',
] as const;
type SortKey = (typeof SORT_KEYS)[number];
export interface Sort {
  key: SortKey;
  dir: 'asc' | 'desc';
}

export interface Caller {
  projectId: string | undefined;
  admin: boolean;
}

export interface Candidate {
  image: Image;
  members: readonly Membership[];
}

type Predicate = (c: Candidate, caller: Caller) => boolean;

export interface ListRequest {
  limit: number;
  marker: string | undefined;
  sort: Sort[];
  filters: Predicate[];
}

const bad = (msg: string) => new AppError('BAD_REQUEST', msg);

export function parseListQuery(q: Query): ListRequest {
  const all = (k: string) => q.filter(([key]) => key === k).map(([, v]) => v);
  const one = (k: string) => all(k).at(-1); // keystoneauth may repeat a parameter; the last one wins
  const limit = parseLimit(one('limit'));
  const sort = parseSort(one('sort'), all('sort_key'), all('sort_dir'));
  const filters: Predicate[] = [visibilityFilter(one('visibility'), one('member_status') ?? 'accepted')];
  const hidden = one('os_hidden');
  filters.push(hidden === undefined ? (c) => !c.image.os_hidden : eqBool('os_hidden', hidden));
  const tags = all('tag');
  if (tags.length > 0) filters.push((c) => tags.every((t) => c.image.tags.includes(t)));
  const handled = new Set(['limit', 'marker', 'sort', 'sort_key', 'sort_dir', 'visibility', 'member_status']);
  for (const k of ['os_hidden', 'tag']) handled.add(k);
  for (const [key, value] of q) {
    if (handled.has(key)) continue;
    handled.add(key);
    const v = one(key) ?? value;
    filters.push(fieldFilter(key, v));
  }
  return { limit, marker: one('marker'), sort, filters };
}

function parseLimit(v: string | undefined): number {
  if (v === undefined) return DEFAULT_LIMIT;
  if (!/^-?\d+$/.test(v)) throw bad('limit param must be an integer');
  const n = Number(v);
  if (n < 0) throw bad('limit param must be positive');
  return Math.min(n, MAX_LIMIT);
}

function sortKey(k: string): SortKey {
  if (!(SORT_KEYS as readonly string[]).includes(k))
    throw bad(`Invalid sort key: ${k}. It must be one of the following: ${SORT_KEYS.join(', ')}.`);
  return k as SortKey;
}

function sortDir(d: string): 'asc' | 'desc' {
  if (d !== 'asc' && d !== 'desc') throw bad(`Invalid sort direction: ${d}`);
  return d;
}

export function parseSort(sort: string | undefined, keys: string[], dirs: string[]): Sort[] {
  let out: Sort[];
  if (sort !== undefined) {
    if (keys.length > 0 || dirs.length > 0)
      throw bad("The 'sort' param cannot be combined with 'sort_key' or 'sort_dir'.");
    out = sort
      .split(',')
      .filter((s) => s.trim() !== '')
      .map((s) => {
        const [k = '', d] = s.trim().split(':');
        return { key: sortKey(k.trim()), dir: sortDir((d ?? 'desc').trim()) };
      });
  } else {
    if (dirs.length > 1 && dirs.length !== keys.length)
      throw bad('Number of sort dirs does not match the number of sort keys');
    out = keys.map((k, i) => ({ key: sortKey(k), dir: sortDir(dirs[dirs.length === 1 ? 0 : i] ?? 'desc') }));
  }
  if (out.length === 0) out.push({ key: 'created_at', dir: 'desc' });
  // A unique last key makes the order total, so a marker always has one well-defined successor.
  if (!out.some((s) => s.key === 'id')) out.push({ key: 'id', dir: out.at(-1)?.dir ?? 'desc' });
  return out;
}

function parseBool(key: string, v: string): boolean {
  const s = v.toLowerCase();
  if (s === 'true' || s === '1' || s === 'yes' || s === 'on') return true;
  if (s === 'false' || s === '0' || s === 'no' || s === 'off') return false;
  throw bad(`Invalid value for ${key}: ${v}`);
}

function eqBool(key: 'os_hidden' | 'protected', v: string): Predicate {
  const want = parseBool(key, v);
  return (c) => c.image[key] === want;
}

function visibilityFilter(visibility: string | undefined, memberStatus: string): Predicate {
  if (!['accepted', 'pending', 'rejected', 'all'].includes(memberStatus))
    throw bad(`Invalid status value: ${memberStatus}`);
  if (visibility !== undefined && !['public', 'private', 'shared', 'community', 'all'].includes(visibility))
    throw bad(`Invalid visibility value: ${visibility}`);
  const isMember = (c: Candidate, caller: Caller) =>
    c.members.some(
      (m) => m.member === caller.projectId && (memberStatus === 'all' || m.status === memberStatus),
    );
  return (c, caller) => {
    const img = c.image;
    const own = caller.projectId !== undefined && img.owner === caller.projectId;
    if (visibility !== undefined && visibility !== 'all' && img.visibility !== visibility) return false;
    if (caller.admin) return true;
    switch (img.visibility) {
      case 'public':
        return true;
      case 'community':
        return own || visibility === 'community' || visibility === 'all';
      case 'private':
        return own;
      case 'shared':
        return own || isMember(c, caller);
    }
  };
}

const IN_FIELDS = new Set(['name', 'status', 'container_format', 'disk_format', 'id']);
const TIME_OPS = {
  gt: (a: number, b: number) => a > b,
  gte: (a, b) => a >= b,
  lt: (a, b) => a < b,
  lte: (a, b) => a <= b,
  eq: (a, b) => a === b,
  neq: (a, b) => a !== b,
} as const satisfies Record<string, (a: number, b: number) => boolean>;

function fieldFilter(key: string, v: string): Predicate {
  if (key === 'size_min' || key === 'size_max') {
    if (!/^\d+$/.test(v)) throw bad(`Invalid value for ${key}: ${v}`);
    const n = Number(v);
    return key === 'size_min'
      ? (c) => c.image.size !== null && c.image.size >= n
      : (c) => c.image.size !== null && c.image.size <= n;
  }
  if (key === 'protected') return eqBool('protected', v);
  if (key === 'created_at' || key === 'updated_at') {
    const m = /^(gt|gte|lt|lte|eq|neq):(.+)$/.exec(v);
    const op = (m?.[1] ?? 'eq') as keyof typeof TIME_OPS;
    const when = Date.parse(m?.[2] ?? v);
    if (Number.isNaN(when)) throw bad(`Unable to filter on a range with a non-numeric value: ${v}`);
    // Stored times have millisecond precision but are shown (and compared by clients) to the second.
    return (c) => TIME_OPS[op](Math.floor(c.image[key] / 1000) * 1000, when);
  }
  const values = IN_FIELDS.has(key) && v.startsWith('in:') ? splitIn(v.slice(3)) : [v];
  if (['min_disk', 'min_ram', 'size', 'virtual_size'].includes(key))
    return (c) => values.includes(String((c.image as unknown as Record<string, unknown>)[key]));
  if (
    [
      'name',
      'status',
      'container_format',
      'disk_format',
      'id',
      'owner',
      'checksum',
      'os_hash_value',
    ].includes(key)
  )
    return (c) => values.includes((c.image as unknown as Record<string, string>)[key] as string);
  return (c) => c.image.properties[key] === v;
}

/** in:a,"b,c" — commas split values unless quoted. */
function splitIn(s: string): string[] {
  const out: string[] = [];
  for (const m of s.matchAll(/"((?:[^"\\]|\\.)*)"|([^,]+)/g)) out.push(m[1] ?? (m[2] as string).trim());
  return out;
}

function compare(a: Image, b: Image, sort: readonly Sort[]): number {
  for (const { key, dir } of sort) {
    const x = a[key];
    const y = b[key];
    let r = 0;
    if (x === y) r = 0;
    else if (x === null)
      r = -1; // nulls sort first ascending, as SQL's default does
    else if (y === null) r = 1;
    else r = x < y ? -1 : 1;
    if (r !== 0) return dir === 'asc' ? r : -r;
  }
  return 0;
}

export interface Page {
  images: Image[];
  /** The marker for the following page, when there is one. */
  nextMarker?: string;
}

export function listImages(caller: Caller, candidates: readonly Candidate[], req: ListRequest): Page {
  let markerImage: Image | undefined;
  if (req.marker !== undefined) {
    const found = candidates.find((c) => c.image.id === req.marker && visibleAtAll(c, caller));
    if (!found) throw bad(`Invalid marker. Image ${req.marker} could not be found.`);
    markerImage = found.image;
  }
  const matching = candidates
    .filter((c) => req.filters.every((f) => f(c, caller)))
    .map((c) => c.image)
    .sort((a, b) => compare(a, b, req.sort));
  const after = markerImage ? matching.filter((img) => compare(img, markerImage, req.sort) > 0) : matching;
  const images = after.slice(0, req.limit);
  const last = images.at(-1);
  return after.length > req.limit && last ? { images, nextMarker: last.id } : { images };
}

function visibleAtAll(c: Candidate, caller: Caller): boolean {
  return visibilityFilter('all', 'all')(c, caller);
}

/** The `next` link: the request's own parameters with the marker replaced. */
export function nextLink(q: Query, marker: string): string {
  const params = new URLSearchParams();
  for (const [k, v] of q) if (k !== 'marker') params.append(k, v);
  params.append('marker', marker);
  return `/v2/images?${params.toString()}`;
}
