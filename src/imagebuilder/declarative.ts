// The declarative helpers that need real parsing, run by the builder on the host after extra-data.d:
// package-installs (squashed, mapped through pkg-map) and install types.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { loadYaml, YamlError } from '../platform/yaml.ts';
import type { ElementInfo } from './elements.ts';
import { BuildError } from './errors.ts';
import {
  collectPackageInstalls,
  elementInstallType,
  PACKAGE_PHASES,
  type Squashed,
} from './package-installs.ts';
import { mapPackages, type PkgMapFile, parsePkgMap } from './pkg-map.ts';

type Env = Record<string, string | undefined>;

export function readPackageInstalls(el: ElementInfo): unknown {
  for (const ext of ['json', 'yaml']) {
    const f = join(el.path, `package-installs.${ext}`);
    if (!existsSync(f)) continue;
    const text = readFileSync(f, 'utf8');
    try {
      return JSON.parse(text);
    } catch {
      try {
        return loadYaml(text);
      } catch (err) {
        const why = err instanceof YamlError ? err.message : String(err);
        throw new BuildError(`cannot parse ${f}: ${why}`, { element: el.name });
      }
    }
  }
  return null;
}

export function readPkgMap(el: ElementInfo): PkgMapFile | undefined {
  const f = join(el.path, 'pkg-map');
  return existsSync(f) ? parsePkgMap(readFileSync(f, 'utf8'), el.name) : undefined;
}

export function squashAll(elements: ElementInfo[], env: Env): Squashed {
  const out: Squashed = {};
  for (const el of elements) {
    const data = readPackageInstalls(el);
    if (data === null) continue;
    collectPackageInstalls(out, data as never, el.name, {
      arch: env['ARCH'] ?? '',
      installType: (e) => elementInstallType(e, env),
      env,
    });
  }
  return out;
}

/** Per phase and kind, the distribution package names (pkg-map applied with --missing-ok, as the original). */
export function resolvePlan(squashed: Squashed, elements: ElementInfo[], env: Env): Record<string, string[]> {
  const byName = new Map(elements.map((e) => [e.name, e]));
  const distro = env['DISTRO_NAME'] ?? '';
  const lists: Record<string, string[]> = {};
  for (const phase of PACKAGE_PHASES) {
    for (const kind of ['install', 'uninstall'] as const) {
      const names: string[] = [];
      for (const [pkg, element] of squashed[phase]?.[kind] ?? []) {
        const el = byName.get(element);
        const map = el ? readPkgMap(el) : undefined;
        names.push(
          ...mapPackages(map, [pkg], { element, distro, release: env['DIB_RELEASE'], missingOk: true }),
        );
      }
      lists[`${phase}.${kind}`] = [...new Set(names)];
    }
  }
  return lists;
}

/** Writes /tmp/package-installs.json (the original's shape) and one resolved list per phase and kind. */
export function writePackagePlan(target: string, squashed: Squashed, lists: Record<string, string[]>): void {
  mkdirSync(join(target, 'tmp', 'package-installs'), { recursive: true });
  writeFileSync(join(target, 'tmp', 'package-installs.json'), JSON.stringify(squashed, null, 1));
  for (const [name, pkgs] of Object.entries(lists)) {
    writeFileSync(join(target, 'tmp', 'package-installs', name), pkgs.map((p) => `${p}\n`).join(''));
  }
}

/** Installs every element's pkg-map as /usr/share/pkg-map/<element>, where in-image tools look. */
export function installPkgMaps(target: string, elements: ElementInfo[]): void {
  for (const el of elements) {
    const f = join(el.path, 'pkg-map');
    if (!existsSync(f)) continue;
    mkdirSync(join(target, 'usr', 'share', 'pkg-map'), { recursive: true });
    writeFileSync(join(target, 'usr', 'share', 'pkg-map', el.name), readFileSync(f));
  }
}

/** install.d/<prefix>-<type>-install/NN-x → install.d/NN-x for the chosen type of each prefix. */
export function enableInstallTypes(hooksDir: string, env: Env): string[] {
  const installD = join(hooksDir, 'install.d');
  if (!existsSync(installD)) return [];
  const linked: string[] = [];
  for (const sub of readdirSync(installD).sort()) {
    const m = /^(.+)-([a-z]+)-install$/.exec(sub);
    if (!m || !statSync(join(installD, sub)).isDirectory()) continue;
    const [, prefix, type] = m as unknown as [string, string, string];
    if (elementInstallType(prefix, env) !== type) continue;
    for (const f of readdirSync(join(installD, sub)).sort()) {
      const link = join(installD, f);
      if (existsSync(link)) throw new BuildError(`install type ${sub}: install.d/${f} already exists`);
      symlinkSync(join(sub, f), link);
      linked.push(f);
    }
  }
  return linked;
}
