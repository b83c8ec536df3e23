// pkg-map: translate an element's generic package names to the distribution's names.
import { BuildError } from './errors.ts';

export interface PkgMapFile {
  default?: Record<string, string>;
  family?: Record<string, Record<string, string>>;
  distro?: Record<string, Record<string, string>>;
  release?: Record<string, Record<string, Record<string, string>>>;
}

const FAMILIES: Record<string, string> = {
  fedora: 'redhat',
  rhel: 'redhat',
  rhel7: 'redhat',
  centos: 'redhat',
  centos7: 'redhat',
  debian: 'debian',
  ubuntu: 'debian',
  opensuse: 'suse',
  gentoo: 'gentoo',
};

export function osFamily(distro: string): string | undefined {
  return FAMILIES[distro];
}

/** The effective name table: default, overlaid by family, distro, then release (most specific wins). */
export function effectiveMap(map: PkgMapFile, distro: string, release?: string): Record<string, string> {
  const family = osFamily(distro);
  const out: Record<string, string> = { ...(map.default ?? {}) };
  if (family) Object.assign(out, map.family?.[family] ?? {});
  Object.assign(out, map.distro?.[distro] ?? {});
  if (release !== undefined) Object.assign(out, map.release?.[distro]?.[release] ?? {});
  return out;
}

export interface MapOptions {
  element: string;
  distro: string;
  release?: string;
  missingOk?: boolean;
}

/**
 * Maps names; an empty mapping drops the package. Without a map file, names pass through only with
 * missingOk (the original exits 2 otherwise); an unmapped name is an error unless missingOk.
 */
export function mapPackages(map: PkgMapFile | undefined, names: string[], opts: MapOptions): string[] {
  if (!map) {
    if (opts.missingOk) return [...names];
    throw new BuildError(
      `Required pkg-map for ${opts.element} element does not exist.`,
      { element: opts.element },
      2,
    );
  }
  const table = effectiveMap(map, opts.distro, opts.release);
  const out: string[] = [];
  for (const name of names) {
    if (Object.hasOwn(table, name)) {
      const mapped = table[name];
      if (mapped) out.push(mapped);
    } else if (opts.missingOk) {
      out.push(name);
    } else {
      throw new BuildError(`${opts.element} has no valid mapping for package ${name}`, {
        element: opts.element,
      });
    }
  }
  return out;
}

export function parsePkgMap(text: string, element: string): PkgMapFile {
  try {
    const v = JSON.parse(text) as unknown;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
    return v as PkgMapFile;
  } catch (err) {
    throw new BuildError(`Unable to parse pkg-map of ${element}: ${(err as Error).message}`, { element });
  }
}
