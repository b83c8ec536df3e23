// source-repositories: fetch each repository into the cache (or reuse it offline) and copy it into the image.
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { replaceFileAtomic, writeFileAtomic } from '../platform/fs/atomic-write.ts';
import type { Ctx } from './ctx.ts';
import type { ElementInfo } from './elements.ts';
import { BuildError } from './errors.ts';
import { elementInstallType } from './package-installs.ts';
import { run } from './proc.ts';
import { checkUniqueDests, parseSourceRepositories, type SourceRepo } from './source-repositories.ts';

type Env = Record<string, string | undefined>;

export function collectRepos(elements: ElementInfo[], env: Env): SourceRepo[] {
  const repos: SourceRepo[] = [];
  for (const el of elements) {
    for (const f of readdirSync(el.path).sort()) {
      if (!f.startsWith('source-repository-')) continue;
      repos.push(...parseSourceRepositories(readFileSync(join(el.path, f), 'utf8'), el.name, env));
    }
  }
  checkUniqueDests(repos);
  return repos;
}

export function cacheName(r: SourceRepo): string {
  return `${r.name}_${createHash('sha1').update(`${r.type}_${r.location}`).digest('hex')}`;
}

async function download(ctx: Ctx, location: string, to: string): Promise<void> {
  if (/^https?:\/\//.test(location)) {
    const res = await fetch(location, { signal: ctx.signal });
    if (!res.ok) throw new BuildError(`download of ${location} failed: HTTP ${res.status}`);
    writeFileAtomic(to, Buffer.from(await res.arrayBuffer()), { mode: 0o644 });
  } else {
    const path = location.replace(/^file:\/\//, '');
    if (!existsSync(path)) throw new BuildError(`source ${location} does not exist`);
    replaceFileAtomic(to, (_fd, tmp) => copyFileSync(path, tmp), { mode: 0o644 });
  }
}

export interface FetchResult {
  repo: SourceRepo;
  resolved: string;
}

/** Fetches (unless offline with a cache entry) and places one repository under target. */
export async function placeRepo(
  ctx: Ctx,
  r: SourceRepo,
  cacheRoot: string,
  target: string,
  offline: boolean,
): Promise<FetchResult> {
  const cache = join(cacheRoot, 'source-repositories', cacheName(r));
  mkdirSync(dirname(cache), { recursive: true });
  const dest = join(target, r.dest);
  const have = existsSync(cache);
  if (offline && !have)
    throw new BuildError(`offline build: ${r.name} (${r.location}) is not in the cache`, {
      element: r.element,
    });
  let resolved = r.ref;
  if (r.type === 'git') {
    if (!have) await run(ctx, 'git', ['clone', '-q', '--mirror', r.location, cache]);
    else if (!offline)
      await run(ctx, 'git', ['-C', cache, 'remote', 'update', '--prune'], { allowFail: true });
    const sha = await run(ctx, 'git', ['-C', cache, 'rev-parse', '--verify', `${r.ref}^{commit}`], {
      allowFail: true,
    });
    if (sha.code !== 0)
      throw new BuildError(`source repository ${r.name}: ref ${r.ref} not found`, { element: r.element });
    resolved = sha.stdout.trim();
    rmSync(dest, { recursive: true, force: true });
    mkdirSync(dirname(dest), { recursive: true });
    await run(ctx, 'git', ['clone', '-q', '--no-checkout', cache, dest]);
    await run(ctx, 'git', ['-C', dest, 'checkout', '-q', resolved]);
  } else if (r.type === 'file') {
    if (!have || !offline) await download(ctx, r.location, cache);
    mkdirSync(dirname(dest), { recursive: true });
    copyFileSync(cache, dest);
  } else if (r.type === 'tar') {
    if (!have || !offline) await download(ctx, r.location, cache);
    mkdirSync(dest, { recursive: true });
    const args = ['-C', dest, '-xf', cache];
    if (r.ref === '*') args.push('--strip-components=1');
    else if (r.ref !== '.')
      args.push(
        '--strip-components',
        String(r.ref.split('/').filter(Boolean).length + 1),
        '--wildcards',
        `*/${r.ref}`,
      );
    await run(ctx, 'tar', args);
  }
  return { repo: r, resolved };
}

export async function fetchSourceRepositories(
  ctx: Ctx,
  elements: ElementInfo[],
  env: Env,
  cacheRoot: string,
  target: string,
): Promise<FetchResult[]> {
  if (env['NO_SOURCE_REPOSITORIES']) return [];
  const results: FetchResult[] = [];
  const offline = !!env['DIB_OFFLINE'];
  for (const r of collectRepos(elements, env)) {
    if (r.type === 'package' || elementInstallType(r.name, env) !== 'source') continue;
    ctx.log(`     source-repository ${r.name} (${r.type}) -> ${r.dest}`);
    results.push(await placeRepo(ctx, r, cacheRoot, target, offline));
    mkdirSync(join(target, 'etc'), { recursive: true });
    appendFileSync(join(target, 'etc', 'dib-source-repositories'), `${r.dest}\n`);
  }
  if (results.length > 0) {
    const manifests = join(target, 'etc', 'dib-manifests');
    mkdirSync(manifests, { recursive: true });
    const lines = results.map(
      (f) => `${f.repo.name} ${f.repo.type} ${f.repo.dest} ${f.repo.location} ${f.resolved}\n`,
    );
    writeFileSync(
      join(manifests, `dib-manifest-git-${(env['IMAGE_NAME'] ?? 'image').split('/').pop()}`),
      lines.join(''),
    );
  }
  return results;
}
