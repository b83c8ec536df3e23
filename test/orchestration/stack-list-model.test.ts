// The stack list's selection after the store's filters: tags (all, any, not, not any), sort, marker, limit, count.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type ListedStack,
  type StackSelection,
  selectStacks,
} from '../../src/orchestration/model/stack-list.ts';
import { AppError } from '../../src/platform/errors/catalogue.ts';

// As the store hands them over: newest first.
const ROWS: ListedStack[] = [
  { id: 'd', name: 'delta', status: 'FAILED', createdAt: 1_700_000_004_000, updatedAt: null, tags: ['x'] },
  {
    id: 'c',
    name: 'alpha',
    status: 'COMPLETE',
    createdAt: 1_700_000_003_000,
    updatedAt: 1_700_000_009_000,
    tags: [],
  },
  {
    id: 'b',
    name: 'charlie',
    status: 'COMPLETE',
    createdAt: 1_700_000_002_000,
    updatedAt: 1_700_000_005_000,
    tags: ['x', 'y'],
  },
  {
    id: 'a',
    name: 'bravo',
    status: 'IN_PROGRESS',
    createdAt: 1_700_000_001_000,
    updatedAt: null,
    tags: ['y'],
  },
];

const NONE: StackSelection = { tags: [], tagsAny: [], notTags: [], notTagsAny: [] };

test('selectStacks: which stacks, in which order, how many', () => {
  const rows: [string, Partial<StackSelection>, string[], number][] = [
    ['nothing asked: the store order', {}, ['d', 'c', 'b', 'a'], 4],
    ['tags: every one', { tags: ['x', 'y'] }, ['b'], 1],
    ['tags: one', { tags: ['y'] }, ['b', 'a'], 2],
    ['tags_any', { tagsAny: ['x', 'y'] }, ['d', 'b', 'a'], 3],
    ['tags and tags_any together', { tags: ['y'], tagsAny: ['x'] }, ['b'], 1],
    ['an unknown tag', { tags: ['z'] }, [], 0],
    ['not_tags: those carrying every one left out', { notTags: ['x', 'y'] }, ['d', 'c', 'a'], 3],
    ['not_tags: one', { notTags: ['x'] }, ['c', 'a'], 2],
    ['not_tags_any', { notTagsAny: ['x', 'y'] }, ['c'], 1],
    ['tags and not_tags_any together', { tags: ['y'], notTagsAny: ['x'] }, ['a'], 1],
    ['by name, ascending', { sort: { key: 'stack_name', dir: 'asc' } }, ['c', 'a', 'b', 'd'], 4],
    ['by name, descending', { sort: { key: 'stack_name', dir: 'desc' } }, ['d', 'b', 'a', 'c'], 4],
    ['by creation, ascending', { sort: { key: 'creation_time', dir: 'asc' } }, ['a', 'b', 'c', 'd'], 4],
    // never updated sorts after every updated stack; ties keep the store's order
    ['by update, ascending', { sort: { key: 'updated_time', dir: 'asc' } }, ['b', 'c', 'd', 'a'], 4],
    ['by update, descending', { sort: { key: 'updated_time', dir: 'desc' } }, ['d', 'a', 'c', 'b'], 4],
    [
      'by status: ties keep the store order',
      { sort: { key: 'stack_status', dir: 'asc' } },
      ['c', 'b', 'd', 'a'],
      4,
    ],
    ['limit: the count is of every match', { limit: 2 }, ['d', 'c'], 4],
    ['limit 0', { limit: 0 }, [], 4],
    ['marker: the page after it', { marker: 'c' }, ['b', 'a'], 4],
    ['marker and limit', { marker: 'd', limit: 1 }, ['c'], 4],
    ['the last one as marker', { marker: 'a' }, [], 4],
    [
      'marker in the sorted order',
      { sort: { key: 'stack_name', dir: 'asc' }, marker: 'a', limit: 1 },
      ['b'],
      4,
    ],
    ['filters before the marker', { tags: ['y'], marker: 'b' }, ['a'], 2],
  ];
  for (const [name, q, ids, total] of rows) {
    const got = selectStacks(ROWS, { ...NONE, ...q });
    assert.deepEqual(
      got.stacks.map((s) => s.id),
      ids,
      name,
    );
    assert.equal(got.total, total, `${name}: count`);
  }
  assert.deepEqual(
    ROWS.map((s) => s.id),
    ['d', 'c', 'b', 'a'],
    'the rows given stay as they were',
  );
});

test('selectStacks: a marker not in the selection is not found, as Heat says it', () => {
  const rows: [string, Partial<StackSelection>][] = [
    ['no such stack', { marker: 'nope' }],
    ['filtered out by its tags', { tags: ['x'], marker: 'a' }],
  ];
  for (const [name, q] of rows)
    assert.throws(
      () => selectStacks(ROWS, { ...NONE, ...q }),
      (e: unknown) =>
        e instanceof AppError &&
        e.status === 404 &&
        e.type === 'EntityNotFound' &&
        e.message === `The Stack (${q.marker}) could not be found.`,
      name,
    );
});
