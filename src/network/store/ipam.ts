// IPAM bookkeeping: each subnet keeps its free addresses as ranges (first_key..last_key) inside its pools,
// so allocating is "take the first address of the first range" and never scans the address space.
// Every function runs inside the caller's transaction, which holds the network's lock.
import type { Queryable } from '../../platform/db/types.ts';
import { ipKey, keyValue } from '../model/ip.ts';
import { freeRanges, inPools, type KeyRange, splitRange } from '../model/ipam.ts';

export type { KeyRange };

interface RangeRow {
  first_key: string;
  last_key: string;
}

export async function addRange(q: Queryable, subnetId: string, r: KeyRange): Promise<void> {
  if (r.first > r.last) return;
  await q.run('INSERT INTO net_free_ranges (subnet_id, first_key, last_key) VALUES (?, ?, ?)', [
    subnetId,
    ipKey(r.first),
    ipKey(r.last),
  ]);
}

/** Takes the lowest free address, or undefined when the pools are exhausted. */
export async function takeAny(q: Queryable, subnetId: string): Promise<bigint | undefined> {
  const row = await q.get<RangeRow>(
    'SELECT first_key, last_key FROM net_free_ranges WHERE subnet_id = ? ORDER BY first_key LIMIT 1',
    [subnetId],
  );
  if (!row) return undefined;
  const first = keyValue(row.first_key);
  await shrinkOrDrop(q, subnetId, row, first + 1n, keyValue(row.last_key));
  return first;
}

/** Removes one address from the free ranges; false when it was not free (allocated or outside pools). */
export async function takeSpecific(q: Queryable, subnetId: string, value: bigint): Promise<boolean> {
  const key = ipKey(value);
  const row = await q.get<RangeRow>(
    'SELECT first_key, last_key FROM net_free_ranges WHERE subnet_id = ? AND first_key <= ? ' +
      'ORDER BY first_key DESC LIMIT 1',
    [subnetId, key],
  );
  if (!row || row.last_key < key) return false;
  const { below, above } = splitRange(
    { first: keyValue(row.first_key), last: keyValue(row.last_key) },
    value,
  );
  await shrinkOrDrop(q, subnetId, row, below.first, below.last);
  await addRange(q, subnetId, above);
  return true;
}

// Replaces a range row by [first, last] (dropping it when empty); the row is keyed by its old first_key.
async function shrinkOrDrop(q: Queryable, subnetId: string, row: RangeRow, first: bigint, last: bigint) {
  if (first > last) {
    await q.run('DELETE FROM net_free_ranges WHERE subnet_id = ? AND first_key = ?', [
      subnetId,
      row.first_key,
    ]);
    return;
  }
  await q.run(
    'UPDATE net_free_ranges SET first_key = ?, last_key = ? WHERE subnet_id = ? AND first_key = ?',
    [ipKey(first), ipKey(last), subnetId, row.first_key],
  );
}

/** Gives an address back, merging with its neighbours; `pools` decide whether it is allocatable at all. */
export async function giveBack(
  q: Queryable,
  subnetId: string,
  value: bigint,
  pools: readonly KeyRange[],
): Promise<void> {
  if (!inPools(value, pools)) return;
  const left = await q.get<RangeRow>(
    'SELECT first_key, last_key FROM net_free_ranges WHERE subnet_id = ? AND last_key = ?',
    [subnetId, ipKey(value - 1n)],
  );
  const right = await q.get<RangeRow>(
    'SELECT first_key, last_key FROM net_free_ranges WHERE subnet_id = ? AND first_key = ?',
    [subnetId, ipKey(value + 1n)],
  );
  let first = value;
  let last = value;
  if (right) {
    last = keyValue(right.last_key);
    await q.run('DELETE FROM net_free_ranges WHERE subnet_id = ? AND first_key = ?', [
      subnetId,
      right.first_key,
    ]);
  }
  if (left) {
    first = keyValue(left.first_key);
    await shrinkOrDrop(q, subnetId, left, first, last);
    return;
  }
  await addRange(q, subnetId, { first, last });
}

/** Recomputes the free ranges from the pools and the allocations (after the pools change). */
export async function rebuildRanges(
  q: Queryable,
  subnetId: string,
  pools: readonly KeyRange[],
): Promise<void> {
  await q.run('DELETE FROM net_free_ranges WHERE subnet_id = ?', [subnetId]);
  const used = (
    await q.all<{ ip_key: string }>(
      'SELECT ip_key FROM net_ip_allocations WHERE subnet_id = ? ORDER BY ip_key',
      [subnetId],
    )
  ).map((r) => keyValue(r.ip_key));
  for (const r of freeRanges(pools, used)) await addRange(q, subnetId, r);
}
