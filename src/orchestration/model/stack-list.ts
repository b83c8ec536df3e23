// Which stacks GET /stacks shows once the store has applied its SQL filters (project, name, status, action,
// id, deleted, nested): the tag filters, the sort, the marker and the limit. Tags are a JSON list per row,
// which SQLite and PostgreSQL do not search alike, and a project holds tens of stacks, not millions: so the
// store hands over its rows (newest first) and this decides, as the image list does (image/model/list.ts).
import { notFound } from '../../platform/errors/catalogue.ts';

/** Heat's sort keys and the row field each sorts on. */
export const STACK_SORT_KEYS = {
  stack_name: 'name',
  creation_time: 'createdAt',
  updated_time: 'updatedAt',
  stack_status: 'status',
} as const;

export type StackSortKey = keyof typeof STACK_SORT_KEYS;

export const isStackSortKey = (k: string): k is StackSortKey => Object.hasOwn(STACK_SORT_KEYS, k);

/** What a stack row needs for the selection. */
export interface ListedStack {
  id: string;
  name: string;
  status: string;
  createdAt: number;
  updatedAt: number | null;
  tags: readonly string[];
}

export interface StackSelection {
  /** Every one of these tags (`tags`). */
  tags: readonly string[];
  /** At least one of these tags (`tags_any`). */
  tagsAny: readonly string[];
  /** Not every one of these tags (`not_tags`: a stack carrying them all is left out). */
  notTags: readonly string[];
  /** None of these tags (`not_tags_any`). */
  notTagsAny: readonly string[];
  /** No sort keeps the store's order: newest first. */
  sort?: { key: StackSortKey; dir: 'asc' | 'desc' };
  /** The page starts after this stack id; an id not in the selection is not found. */
  marker?: string;
  limit?: number;
}

/** The page of stacks, and how many stacks the filters select (Heat's `with_count`). */
export function selectStacks<T extends ListedStack>(
  rows: readonly T[],
  q: StackSelection,
): { stacks: T[]; total: number } {
  const has = (s: T, t: string) => s.tags.includes(t);
  let out = rows.filter(
    (s) =>
      q.tags.every((t) => has(s, t)) &&
      (q.tagsAny.length === 0 || q.tagsAny.some((t) => has(s, t))) &&
      (q.notTags.length === 0 || !q.notTags.every((t) => has(s, t))) &&
      !q.notTagsAny.some((t) => has(s, t)),
  );
  // Heat counts every stack the filters select, whatever page is asked for.
  const total = out.length;
  const sort = q.sort;
  if (sort) {
    const field = STACK_SORT_KEYS[sort.key];
    const sign = sort.dir === 'asc' ? 1 : -1;
    // A stable sort: stacks that tie keep the store's order.
    out = [...out].sort((a, b) => sign * compare(a[field], b[field]));
  }
  if (q.marker !== undefined) {
    const i = out.findIndex((s) => s.id === q.marker);
    if (i < 0) throw notFound(`The Stack (${q.marker}) could not be found.`, { type: 'EntityNotFound' });
    out = out.slice(i + 1);
  }
  return { stacks: q.limit === undefined ? out : out.slice(0, q.limit), total };
}

/** Names and statuses as text, times as numbers; a stack never updated sorts after every updated one. */
function compare(a: string | number | null, b: string | number | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}
