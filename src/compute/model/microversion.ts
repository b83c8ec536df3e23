// Nova's microversions: which one a request asked for, and whether we serve it. Pure; the API hook applies it.

export interface Version {
  major: number;
  minor: number;
}

export const MIN_VERSION: Version = { major: 2, minor: 1 };
/** The highest version whose response shapes every route we serve honours (see docs/compute.md). */
export const MAX_VERSION: Version = { major: 2, minor: 79 };

export const versionText = (v: Version) => `${v.major}.${v.minor}`;

export const atLeast = (v: Version, minor: number) => v.major > 2 || (v.major === 2 && v.minor >= minor);

export type Negotiated = { ok: true; version: Version } | { ok: false; status: 400 | 406; message: string };

/**
 * The version of a request from `OpenStack-API-Version: compute X.Y` (preferred) or
 * `X-OpenStack-Nova-API-Version: X.Y`; none means the minimum, `latest` the maximum.
 */
export function negotiate(
  modern: string | undefined,
  legacy: string | undefined,
  range = { min: MIN_VERSION, max: MAX_VERSION },
): Negotiated {
  let asked: string | undefined;
  if (modern !== undefined) {
    // A comma-separated list of "<service> <version>"; only the compute entry concerns us.
    for (const part of modern.split(',')) {
      const [service, value] = part.trim().split(/\s+/);
      if (service?.toLowerCase() === 'compute' && value !== undefined) asked = value;
    }
  }
  if (asked === undefined && legacy !== undefined) asked = legacy.trim();
  if (asked === undefined || asked === '') return { ok: true, version: range.min };
  if (asked.toLowerCase() === 'latest') return { ok: true, version: range.max };
  const m = /^(\d+)\.(\d+)$/.exec(asked);
  if (!m) return { ok: false, status: 400, message: `Invalid API version request string: ${asked}` };
  const v = { major: Number(m[1]), minor: Number(m[2]) };
  if (compare(v, range.min) < 0 || compare(v, range.max) > 0)
    return {
      ok: false,
      status: 406,
      message:
        `Version ${versionText(v)} is not supported by the API. Minimum is ${versionText(range.min)} ` +
        `and maximum is ${versionText(range.max)}.`,
    };
  return { ok: true, version: v };
}

export function compare(a: Version, b: Version): number {
  return a.major - b.major || a.minor - b.minor;
}
