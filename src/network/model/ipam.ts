// Pure IPAM arithmetic: address ranges as integer keys, the pools' ranges, and the free ranges left when
// some addresses are used. The store keeps the result in net_free_ranges.
import { parseIp } from './ip.ts';
import type { Pool } from './subnet.ts';

export interface KeyRange {
  first: bigint;
  last: bigint;
}

/** The integer ranges of a subnet's allocation pools (already validated). */
export function poolRanges(pools: readonly Pool[]): KeyRange[] {
  return pools.map((p) => ({ first: parseIp(p.start)!.value, last: parseIp(p.end)!.value }));
}

/** Whether an address lies in one of the pools (only those are ever handed out or given back). */
export function inPools(value: bigint, pools: readonly KeyRange[]): boolean {
  return pools.some((p) => value >= p.first && value <= p.last);
}

/** The pools minus the used addresses (sorted ascending), as maximal ranges. */
export function freeRanges(pools: readonly KeyRange[], used: readonly bigint[]): KeyRange[] {
  const out: KeyRange[] = [];
  for (const p of [...pools].sort((a, b) => (a.first < b.first ? -1 : 1))) {
    let cursor = p.first;
    for (const u of used) {
      if (u < cursor || u > p.last) continue;
      if (u > cursor) out.push({ first: cursor, last: u - 1n });
      cursor = u + 1n;
    }
    if (cursor <= p.last) out.push({ first: cursor, last: p.last });
  }
  return out;
}

/** The two parts of a free range around `value` (inside it); a part may be empty (first > last). */
export function splitRange(r: KeyRange, value: bigint): { below: KeyRange; above: KeyRange } {
  return { below: { first: r.first, last: value - 1n }, above: { first: value + 1n, last: r.last } };
}
