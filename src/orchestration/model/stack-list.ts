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
  /** No sort keeps the store's order: newest first. */
  sort?: { key: StackSortKey; dir: 'asc' | 'desc' };
  /** The page starts after this stack id; an id not in the selection is not found. */
  marker?: string;
  limit?: number;
}

/** The page of stacks, and how many there are from the marker on (Heat's `with_count`). */
export function selectStacks<T extends ListedStack>(
  rows: readonly T[],
  q: StackSelection,
): { stacks: T[]; total: number } {
  let out = rows.filter(
    (s) =>
      q.tags.every((t) => s.tags.includes(t)) &&
      (q.tagsAny.length === 0 || q.tagsAny.some((t) => s.tags.includes(t))),
  );
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
  const total = out.length;
  return { stacks: q.limit === undefined ? out : out.slice(0, q.limit), total };
}

/** Names and statuses as text, times as numbers; a stack never updated sorts after every updated one. */
function compare(a: string | number | null, b: string | number | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}
