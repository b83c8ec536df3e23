// Neutron's list semantics on API dictionaries: filters on any attribute (repeated for OR), `fields`,
// sorting by several keys, and marker pagination with `<collection>_links`.
import { invalidInput, notFoundError } from './errors.ts';

export type Item = Record<string, unknown>;
export type Params = Record<string, string | string[] | undefined>;

/** Parameters that steer the listing rather than filter it. */
const CONTROL = new Set([
  'fields',
  'sort_key',
  'sort_dir',
  'limit',
  'marker',
  'page_reverse',
  'tags',
  'tags-any',
  'not-tags',
  'not-tags-any',
]);

export function values(p: Params, key: string): string[] {
  const v = p[key];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).flatMap((s) =>
    key.startsWith('tags') || key.startsWith('not-tags') ? s.split(',') : [s],
  );
}

/** Whether one attribute value matches one filter string the client sent. */
export function matchesValue(actual: unknown, wanted: string): boolean {
  if (actual === null || actual === undefined) return wanted === '' || wanted === 'None' || wanted === 'null';
  if (typeof actual === 'boolean') return actual === /^(true|1|yes|on)$/i.test(wanted);
  if (typeof actual === 'number') return String(actual) === wanted;
  if (Array.isArray(actual)) return actual.some((a) => matchesValue(a, wanted));
  if (typeof actual === 'object') {
    // fixed_ips=ip_address=192.0.2.5 or fixed_ips=subnet_id=<id>: key=value inside each element.
    const eq = wanted.indexOf('=');
    if (eq < 0) return false;
    const k = wanted.slice(0, eq);
    const v = wanted.slice(eq + 1);
    if (k.endsWith('_substr')) return String((actual as Item)[k.slice(0, -7)] ?? '').includes(v);
    return matchesValue((actual as Item)[k], v);
  }
  return String(actual) === wanted;
}

export function filterItems(items: readonly Item[], params: Params): Item[] {
  const filters = Object.keys(params).filter((k) => !CONTROL.has(k) && params[k] !== undefined);
  const tagsAll = values(params, 'tags');
  const tagsAny = values(params, 'tags-any');
  const notAll = values(params, 'not-tags');
  const notAny = values(params, 'not-tags-any');
  return items.filter((item) => {
    for (const key of filters) {
      if (!(key in item)) continue; // Neutron ignores filters on attributes a resource does not have
      const wanted = values(params, key);
      if (!wanted.some((w) => matchesValue(item[key], w))) return false;
    }
    const tags = (item.tags as string[] | undefined) ?? [];
    if (tagsAll.length && !tagsAll.every((t) => tags.includes(t))) return false;
    if (tagsAny.length && !tagsAny.some((t) => tags.includes(t))) return false;
    if (notAll.length && notAll.every((t) => tags.includes(t))) return false;
    if (notAny.length && notAny.some((t) => tags.includes(t))) return false;
    return true;
  });
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const sa = typeof a === 'string' ? a : JSON.stringify(a);
  const sb = typeof b === 'string' ? b : JSON.stringify(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

export interface Page {
  items: Item[];
  /** Marker for the next page, when there is one. */
  next?: string;
  /** Marker for the previous page, when the request had a marker. */
  previous?: string;
}

/** Sorts (id always breaks ties, so pages are stable) and cuts one page after the marker. */
export function sortAndPage(
  items: readonly Item[],
  params: Params,
  sortable: readonly string[],
  kind: string,
): Page {
  const keys = values(params, 'sort_key');
  const dirs = values(params, 'sort_dir');
  if (keys.length !== dirs.length && dirs.length > 0)
    throw invalidInput('The number of sort_keys and sort_dirs must be same');
  for (const k of keys)
    if (!sortable.includes(k)) throw invalidInput(`${k} is invalid attribute for sort_key`);
  for (const d of dirs)
    if (d !== 'asc' && d !== 'desc') throw invalidInput(`${d} is invalid value for sort_dir`);
  const order = keys.map((k, i) => ({ key: k, desc: dirs[i] === 'desc' }));
  if (!keys.includes('id')) order.push({ key: 'id', desc: order[0]?.desc ?? false });
  const reverse = /^true$/i.test(values(params, 'page_reverse')[0] ?? '');
  const paging = values(params, 'limit').length > 0 || values(params, 'marker').length > 0;
  // Without sorting or paging, the store's order (creation order) stands; pages need a total order.
  const sorted =
    keys.length === 0 && !paging && !reverse
      ? [...items]
      : [...items].sort((a, b) => {
          for (const o of order) {
            const c = compare(a[o.key], b[o.key]);
            if (c !== 0) return o.desc !== reverse ? -c : c;
          }
          return 0;
        });
  const limitText = values(params, 'limit')[0];
  const marker = values(params, 'marker')[0];
  let start = 0;
  if (marker) {
    const at = sorted.findIndex((i) => i.id === marker);
    if (at < 0) throw notFoundError(kind, marker);
    start = at + 1;
  }
  const limit = limitText === undefined ? 0 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 0) throw invalidInput(`'${limitText}' is not an integer`);
  const end = limit > 0 ? start + limit : sorted.length;
  let page = sorted.slice(start, end);
  const next = limit > 0 && end < sorted.length ? String(page[page.length - 1]?.id) : undefined;
  const previous = marker && page.length > 0 ? String(page[0]?.id) : undefined;
  if (reverse) page = page.reverse();
  return { items: page, next, previous };
}

/** Keeps only the requested keys (all when none were asked for). */
export function selectFields(item: Item, params: Params): Item {
  const fields = values(params, 'fields');
  if (fields.length === 0) return item;
  return Object.fromEntries(fields.filter((f) => f in item).map((f) => [f, item[f]]));
}
