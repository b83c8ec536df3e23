// A consistent hash ring: which live worker owns a key. Each worker stands at many points on a circle
// (virtual nodes, as Ironic's hash ring does per conductor), so keys spread evenly and, when a worker
// joins or leaves, only the keys next to its points change owner. Pure.
import { createHash } from 'node:crypto';

const point = (text: string): number => createHash('sha256').update(text).digest().readUIntBE(0, 6);

export class HashRing {
  readonly #members: string[];
  readonly #points: { at: number; member: string }[];

  constructor(members: Iterable<string>, opts: { vnodes?: number } = {}) {
    const vnodes = Math.max(1, opts.vnodes ?? 64);
    this.#members = [...new Set(members)].sort();
    this.#points = this.#members
      .flatMap((member) =>
        Array.from({ length: vnodes }, (_, i) => ({ at: point(`${member}#${i}`), member })),
      )
      // Ties (astronomically rare) are broken by name so every process builds the same ring.
      .sort((a, b) => a.at - b.at || a.member.localeCompare(b.member));
  }

  members(): string[] {
    return [...this.#members];
  }

  /** The member at the first point clockwise from the key's; undefined on an empty ring. */
  owner(key: string): string | undefined {
    const points = this.#points;
    if (points.length === 0) return undefined;
    const at = point(key);
    let lo = 0;
    let hi = points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((points[mid] as { at: number }).at < at) lo = mid + 1;
      else hi = mid;
    }
    return (points[lo % points.length] as { member: string }).member;
  }

  owns(member: string, key: string): boolean {
    return this.owner(key) === member;
  }
}
