// package-installs: squash every element's declarative package list into one per-phase plan.

import type { YamlData as Yaml } from '../platform/yaml.ts';
import { BuildError } from './errors.ts';

export type InstallKind = 'install' | 'uninstall';
/** phase → install|uninstall → [package, element] pairs: the shape of /tmp/package-installs.json. */
export type Squashed = Record<string, Partial<Record<InstallKind, [string, string][]>>>;

export const PACKAGE_PHASES = ['pre-install.d', 'install.d', 'post-install.d'];

export interface SquashEnv {
  arch: string;
  installType: (element: string) => string;
  env: Record<string, string | undefined>;
}

export function elementInstallType(element: string, env: Record<string, string | undefined>): string {
  const dflt = env['DIB_DEFAULT_INSTALLTYPE'] || 'source';
  return env[`DIB_INSTALLTYPE_${element.replace(/-/g, '_')}`] || dflt;
}

function archIn(list: string, arch: string): boolean {
  return list
    .split(',')
    .map((a) => a.trim())
    .includes(arch);
}

/** `when: VAR=value` / `VAR!=value` (a list means all must hold); an unset VAR is an error. */
export function evaluateWhen(when: Yaml, env: Record<string, string | undefined>, element: string): boolean {
  if (when === null || when === undefined) return true;
  const list = Array.isArray(when) ? when : [when];
  return list.every((stmt) => {
    const m = /^(\w+)\s*(!=|=)\s*(.*)$/.exec(String(stmt));
    if (!m) throw new BuildError(`Malformed when line: <${String(stmt)}>`, { element });
    const [, name, op, val] = m as unknown as [string, string, string, string];
    const actual = env[name];
    if (actual === undefined) throw new BuildError(`The variable <${name}> is not set`, { element });
    return op === '=' ? actual === val : actual !== val;
  });
}

function params(v: Yaml, element: string, pkg: string): Record<string, Yaml>[] {
  if (v === null || v === '' || v === false) return [{}];
  const list = Array.isArray(v) ? v : [v];
  return list.map((p) => {
    if (p === null) return {};
    if (typeof p !== 'object' || Array.isArray(p) || p instanceof Date) {
      throw new BuildError(`package-installs: options of ${pkg} must be a mapping`, { element });
    }
    return p;
  });
}

/** Adds one element's package-installs data to the plan (the filters of the original, in its order). */
export function collectPackageInstalls(
  into: Squashed,
  data: Yaml,
  element: string,
  senv: SquashEnv,
): Squashed {
  if (data === null) return into;
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new BuildError('package-installs file must be a mapping of package names', { element });
  }
  for (const [pkg, opts] of Object.entries(data)) {
    for (const p of params(opts, element, pkg)) {
      const phase = p['phase'] === undefined || p['phase'] === null ? 'install.d' : String(p['phase']);
      if (!PACKAGE_PHASES.includes(phase)) {
        throw new BuildError(`package-installs: ${pkg} has unknown phase ${phase}`, { element });
      }
      let kinds: InstallKind[] = ['install'];
      if ('uninstall' in p) kinds = ['uninstall'];
      if ('build-only' in p) kinds = ['install', 'uninstall'];
      const it = p['installtype'];
      if (it !== undefined && it !== null && String(it) !== senv.installType(element)) continue;
      const arch = p['arch'];
      const notArch = p['not-arch'];
      if (arch && notArch) {
        throw new BuildError(
          `package-installs configuration error: arch and not_arch given for package [${pkg}]`,
          { element },
        );
      }
      if (arch && !archIn(String(arch), senv.arch)) continue;
      if (notArch && archIn(String(notArch), senv.arch)) continue;
      const py = p['dib_python_version'];
      if (py !== undefined && py !== null && String(py) !== (senv.env['DIB_PYTHON_VERSION'] ?? '')) continue;
      if (!evaluateWhen(p['when'] ?? null, senv.env, element)) continue;
      into[phase] = into[phase] ?? {};
      const slot = into[phase];
      for (const k of kinds) {
        slot[k] = slot[k] ?? [];
        slot[k].push([pkg, element]);
      }
    }
  }
  return into;
}
