// Listing rules shared by every collection: limit, marker, sort_key, sort_dir, fields, and the `next` link.
import { NodeInputError } from './node-input.ts';

export interface ListQuery {
  limit: number | undefined;
  marker: string | undefined;
  sortKey: string;
  sortDir: 'asc' | 'desc';
  fields: string[] | undefined;
  detail: boolean;
}

export const MAX_LIMIT = 1000;

export type Query = Record<string, string | string[] | undefined>;

/** The last value of a repeated query parameter (keystoneauth may resend parameters after a redirect). */
export function one(q: Query, key: string): string | undefined {
  const v = q[key];
  return Array.isArray(v) ? v[v.length - 1] : v;
}

export function parseBool(key: string, v: string): boolean {
  const s = v.toLowerCase();
  if (['true', '1', 'yes', 'on', 't', 'y'].includes(s)) return true;
  if (['false', '0', 'no', 'off', 'f', 'n'].includes(s)) return false;
  throw new NodeInputError(`Invalid value for ${key}: "${v}" is not a boolean.`);
}

export function parseListQuery(
  q: Query,
  opts: { sortable: ReadonlySet<string>; known: readonly string[]; defaultSort: string },
): ListQuery {
  const rawLimit = one(q, 'limit');
  let limit: number | undefined;
  if (rawLimit !== undefined) {
    if (!/^\d+$/.test(rawLimit))
      throw new NodeInputError(`Invalid limit "${rawLimit}": expected a whole number.`);
    limit = Math.min(Number(rawLimit), MAX_LIMIT);
    if (limit === 0) limit = MAX_LIMIT;
  }
  const sortKey = one(q, 'sort_key') ?? opts.defaultSort;
  if (!opts.sortable.has(sortKey))
    throw new NodeInputError(`The sort_key value "${sortKey}" is an invalid field for sorting`);
  const dir = (one(q, 'sort_dir') ?? 'asc').toLowerCase();
  if (dir !== 'asc' && dir !== 'desc')
    throw new NodeInputError(`Invalid sort direction: ${dir}. Acceptable values are 'asc' or 'desc'`);
  const rawFields = one(q, 'fields');
  let fields: string[] | undefined;
  if (rawFields !== undefined) {
    fields = rawFields
      .split(',')
      .map((f) => f.trim())
      .filter((f) => f !== '');
    const unknown = fields.filter((f) => !opts.known.includes(f));
    if (unknown.length > 0) throw new NodeInputError(`Field(s) "${unknown.join(', ')}" are not valid`);
  }
  const detailRaw = one(q, 'detail');
  const detail = detailRaw === undefined ? false : parseBool('detail', detailRaw);
  if (detail && fields)
    throw new NodeInputError('Can not specify ?detail=True and fields in the same request.');
  return { limit, marker: one(q, 'marker'), sortKey, sortDir: dir, fields, detail };
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : 1;
}

/** Sorts (stable on uuid), skips past the marker and cuts a page; `more` says whether a next page exists. */
export function page<T extends { uuid: string }>(
  items: readonly T[],
  q: ListQuery,
  key: (item: T, sortKey: string) => unknown,
): { items: T[]; more: boolean } {
  const sign = q.sortDir === 'asc' ? 1 : -1;
  const sorted = [...items].sort(
    (a, b) => sign * compare(key(a, q.sortKey), key(b, q.sortKey)) || compare(a.uuid, b.uuid),
  );
  let start = 0;
  if (q.marker !== undefined) {
    const i = sorted.findIndex((x) => x.uuid === q.marker);
    if (i < 0) throw new NodeInputError(`Marker ${q.marker} could not be found.`);
    start = i + 1;
  }
  const end = q.limit === undefined ? sorted.length : start + q.limit;
  return { items: sorted.slice(start, end), more: end < sorted.length };
}

/** The `next` URL of a truncated page: the same query with the marker moved to the page's last item. */
export function nextUrl(base: string, q: Query, lastUuid: string, limit: number): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (k === 'marker' || k === 'limit' || v === undefined) continue;
    params.set(k, Array.isArray(v) ? (v[v.length - 1] ?? '') : v);
  }
  params.set('limit', String(limit));
  params.set('marker', lastUuid);
  return `${base}?${params.toString()}`;
}
