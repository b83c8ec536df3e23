// source-repository-* files: `name type dest location [ref]`, with environment overrides.
import { BuildError } from './errors.ts';

export type RepoType = 'git' | 'tar' | 'file' | 'package';
export interface SourceRepo {
  name: string;
  type: RepoType;
  dest: string;
  location: string;
  ref: string;
  element: string;
}

const TYPES: RepoType[] = ['git', 'tar', 'file', 'package'];
type Env = Record<string, string | undefined>;

/** `$VAR` and `${VAR}` expansion (the original evals each line; we expand variables only). */
export function expandVars(s: string, env: Env): string {
  return s.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (_, a, b) => env[a ?? b] ?? '',
  );
}

export function overrideName(name: string): string {
  return name.replace(/[^A-Za-z0-9_]/g, '_');
}

export function parseSourceRepositories(text: string, element: string, env: Env): SourceRepo[] {
  const out: SourceRepo[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const f = expandVars(line, env).split(/\s+/);
    if (f.length < 4 || f.length > 5) {
      throw new BuildError(`source-repository line ${i + 1} needs "name type dest location [ref]": ${raw}`, {
        element,
      });
    }
    const [name, type0, dest, loc0, ref0] = f as [string, string, string, string, string | undefined];
    const key = overrideName(name);
    const type = env[`DIB_REPOTYPE_${key}`] || type0;
    if (!TYPES.includes(type as RepoType)) {
      throw new BuildError(`source-repository ${name}: unsupported type ${type}`, { element });
    }
    const location = env[`DIB_REPOLOCATION_${key}`] || loc0;
    const dfltRef = type === 'git' ? 'master' : type === 'tar' ? '*' : '';
    const ref = env[`DIB_REPOREF_${key}`] || ref0 || dfltRef;
    out.push({
      name,
      type: type as RepoType,
      dest,
      location: rewriteGitBase(type, location, env),
      ref,
      element,
    });
  });
  return out;
}

/** DIB_GITREPOBASE replaces scheme+host of git locations. */
function rewriteGitBase(type: string, location: string, env: Env): string {
  const base = env['DIB_GITREPOBASE'];
  if (type !== 'git' || !base) return location;
  const m = /^[a-z+]+:\/\/[^/]+\/(.*)$/.exec(location);
  return m ? `${base.replace(/\/$/, '')}/${m[1]}` : location;
}

export function checkUniqueDests(repos: SourceRepo[]): void {
  const seen = new Map<string, string>();
  for (const r of repos) {
    if (r.type === 'package') continue;
    const prior = seen.get(r.dest);
    if (prior) throw new BuildError(`source repositories ${prior} and ${r.name} share destination ${r.dest}`);
    seen.set(r.dest, r.name);
  }
}
