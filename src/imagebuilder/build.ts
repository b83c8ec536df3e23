// The build pipeline: elements → hook tree → phases on the host and in the chroot → image files,
// with content-addressed snapshots so unchanged inputs are not rebuilt, and cleanup on every exit path.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { buildEnv, type Dirs, keyEnv } from './build-env.ts';
import { ContentCache, hashTree, hashValue } from './cache.ts';
import { externalInputsHash } from './cache-inputs.ts';
import type { Ctx } from './ctx.ts';
import {
  enableInstallTypes,
  installPkgMaps,
  resolvePlan,
  squashAll,
  writePackagePlan,
} from './declarative.ts';
import { expandElements, findAllElements } from './elements.ts';
import { BuildError } from './errors.ts';
import { collectRepos, fetchSourceRepositories } from './fetch-sources.ts';
import { assembleHooks } from './hooks.ts';
import { mountKernelFs, unmountAll } from './mounts.ts';
import { type Options, requestedElements } from './options.ts';
import { finishImage, producedFiles, writeOutputs } from './outputs.ts';
import { type PhaseRun, runPhase, type Timing } from './phases.ts';
import { run } from './proc.ts';
import {
  debugShell,
  installHostResolver,
  mountHooks,
  restoreResolver,
  tidyTarget,
  unmountHooks,
} from './target.ts';

// Bump when the builder changes what a snapshot contains.
const SNAPSHOT_FORMAT = 1;
/** Part of every full build's key: bump it when the builder's own steps change what a build produces
 * (2: a root fstab entry replaces debootstrap's placeholder). */
const BUILD_FORMAT = 2;

export interface BuildInput {
  options: Options;
  argv: string[];
  env: Record<string, string | undefined>;
  repoRoot: string;
}

export interface BuildResult {
  outputs: string[];
  timings: Timing[];
  cache: 'outputs' | 'post-install' | 'root' | 'none';
  elements: string[];
}

export function elementsPathOf(env: Record<string, string | undefined>, repoRoot: string): string[] {
  const user = (env['ELEMENTS_PATH'] ?? '').split(':').filter((p) => p !== '');
  return [...user.map((p) => resolve(p)), join(repoRoot, 'elements')];
}

export async function build(ctx: Ctx, input: BuildInput): Promise<BuildResult> {
  const o = { ...input.options, imageName: resolve(input.options.imageName) };
  const started = Date.now();
  const elementsPath = elementsPathOf(input.env, input.repoRoot);
  const all = findAllElements(elementsPath, (m) => ctx.log(`warning: ${m}`));
  const names = expandElements(requestedElements(o), all);
  const elements = names.map((n) => all.get(n)!);
  ctx.log(`Building elements: ${requestedElements(o).join(' ')}`);
  ctx.log(`Expanded element dependencies to: ${names.join(' ')}`);
  mkdirSync(dirname(o.imageName), { recursive: true });
  const tmpRoot = input.env['TMP_DIR'] || '/tmp';
  mkdirSync(tmpRoot, { recursive: true });
  const buildDir = mkdtempSync(join(tmpRoot, 'dib_build.'));
  const imageDir = mkdtempSync(join(tmpRoot, 'dib_image.'));
  const dirs: Dirs = {
    buildDir,
    imageDir,
    hooksDir: join(buildDir, 'hooks'),
    mountDir: join(buildDir, 'mnt'),
  };
  const timings: Timing[] = [];
  const cache = new ContentCache(join(o.imageCache, 'tripleo-ts'));
  // A debug shell (break=) can change the tree by hand: such a build neither uses nor fills the cache.
  const useCache = !o.noCache && !input.env['break'];
  const step = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
    const t0 = process.hrtime.bigint();
    ctx.log(`==> ${name}`);
    try {
      return await f();
    } finally {
      timings.push({ phase: 'builder', script: name, seconds: Number(process.hrtime.bigint() - t0) / 1e9 });
    }
  };
  let cacheState: BuildResult['cache'] = 'none';
  try {
    const env = buildEnv(input.env, o, elements, elementsPath, dirs, input.argv, input.repoRoot);
    const owners = assembleHooks(elements, dirs.hooksDir);
    mkdirSync(dirs.mountDir);
    const breaks = (env['break'] ?? '').split(',').filter(Boolean);
    const phase = async (
      name: string,
      inTarget: boolean,
      extra: Record<string, string> = {},
      onStdout?: (l: string) => void,
    ) => {
      const root = dirs.mountDir;
      if (breaks.includes(`before-${name}`))
        await debugShell(`before-${name}`, env, inTarget ? root : undefined);
      const p: PhaseRun = {
        hooksDir: dirs.hooksDir,
        env: { ...env, ...extra },
        cwd: process.cwd(),
        timings,
        owners,
        onStdout,
      };
      let mp: string | undefined;
      try {
        if (inTarget && existsSync(join(dirs.hooksDir, `${name}.d`))) {
          mp = await mountHooks(ctx, dirs.hooksDir, root);
          p.chroot = root;
        }
        await runPhase(ctx, name, p);
      } catch (err) {
        if (breaks.includes('after-error')) await debugShell('after-error', env, inTarget ? root : undefined);
        throw err;
      } finally {
        if (mp) await unmountHooks(mp);
      }
      if (breaks.includes(`after-${name}`))
        await debugShell(`after-${name}`, env, inTarget ? root : undefined);
    };
    const hostEnv = { TARGET_ROOT: dirs.mountDir };
    const kEnv = keyEnv(env);
    const hashOf = (d: string) =>
      existsSync(join(dirs.hooksDir, d)) ? hashTree(join(dirs.hooksDir, d)) : '';
    const rootKey = hashValue({
      f: SNAPSHOT_FORMAT,
      root: hashOf('root.d'),
      envd: hashOf('environment.d'),
      kEnv,
    });
    // As in the original, root.d runs before the install type reaches environment.d.
    const writeInstallTypeEnv = () => {
      mkdirSync(join(dirs.hooksDir, 'environment.d'), { recursive: true });
      writeFileSync(
        join(dirs.hooksDir, 'environment.d', '11-dib-install-type.bash'),
        `export DIB_DEFAULT_INSTALLTYPE=\${DIB_DEFAULT_INSTALLTYPE:-"${o.installType}"}\n`,
      );
    };
    const hasSources =
      collectRepos(elements, env).some((r) => r.type !== 'package') && !env['NO_SOURCE_REPOSITORIES'];
    // Fetched sources are inputs we cannot hash before fetching; such builds reuse only the root snapshot.
    const fullKey =
      hasSources && !o.offline
        ? undefined
        : hashValue({
            f: BUILD_FORMAT,
            rootKey,
            hooks: hashTree(dirs.hooksDir),
            kEnv,
            p: o.extraPackages,
            ext: await externalInputsHash(ctx, elements, dirs.hooksDir, env),
          });
    const outOpts = [
      o.mode,
      o.types,
      o.compress,
      o.imageSize,
      o.mkfsOptions,
      o.qemuImgOptions,
      o.maxOnlineResize,
    ];
    const outKey = fullKey && hashValue({ fullKey, name: basename(o.imageName), outOpts });

    if (useCache && outKey && existsSync(cache.outputsDir(outKey))) {
      await step('outputs from cache', async () => {
        for (const f of readdirSync(cache.outputsDir(outKey))) {
          const dst = join(dirname(o.imageName), f);
          await run(ctx, 'cp', [
            '-a',
            '--sparse=always',
            '--reflink=auto',
            join(cache.outputsDir(outKey), f),
            `${dst}-new`,
          ]);
          if (f.endsWith('.d')) {
            rmSync(dst, { recursive: true, force: true });
            await run(ctx, 'mv', [`${dst}-new`, dst]);
          } else finishImage(`${dst}-new`, dst, env);
        }
      });
      cacheState = 'outputs';
      return { outputs: producedFiles(o.imageName, started), timings, cache: cacheState, elements: names };
    }

    if (useCache && fullKey && cache.has('post-install', fullKey)) {
      await step('post-install snapshot from cache', () =>
        cache.restoreTree(ctx, 'post-install', fullKey, dirs.mountDir),
      );
      cacheState = 'post-install';
    } else {
      if (useCache && cache.has('root', rootKey)) {
        await step('root snapshot from cache', () => cache.restoreTree(ctx, 'root', rootKey, dirs.mountDir));
        cacheState = 'root';
      } else {
        await phase('root', false, hostEnv);
        const entries = readdirSync(dirs.mountDir).filter((e) => e !== 'lost+found' && e !== 'tmp');
        if (entries.length === 0)
          throw new BuildError('Failed to deploy the root element.', { phase: 'root.d' });
        if (useCache) await step('snapshot root', () => cache.putTree(ctx, 'root', rootKey, dirs.mountDir));
      }
      writeInstallTypeEnv();
      installHostResolver(dirs.mountDir);
      await mountKernelFs(ctx, dirs.mountDir);
      await phase('extra-data', false);
      await step('declarative helpers', async () => {
        const typed = { ...env, DIB_DEFAULT_INSTALLTYPE: env['DIB_DEFAULT_INSTALLTYPE'] || o.installType };
        if (names.includes('pkg-map')) installPkgMaps(dirs.mountDir, elements);
        if (names.includes('package-installs')) {
          const withEnvd = await envAfterEnvironmentD(ctx, dirs.hooksDir, env);
          const squashed = squashAll(elements, withEnvd);
          writePackagePlan(dirs.mountDir, squashed, resolvePlan(squashed, elements, withEnvd));
        }
        if (names.includes('install-types')) enableInstallTypes(dirs.hooksDir, typed);
        if (names.includes('source-repositories'))
          await fetchSourceRepositories(ctx, elements, typed, o.imageCache, dirs.mountDir);
      });
      await phase('pre-install', true);
      await phase('install', true);
      if (o.extraPackages.length > 0) {
        await step('extra packages (-p)', () =>
          run(ctx, 'chroot', [dirs.mountDir, 'install-packages', ...o.extraPackages], {
            env: {
              ...env,
              HOME: '/root',
              PATH: `${env['PATH']}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
            },
            onLine: (l) => ctx.log(`     ${l}`),
          }),
        );
      }
      await phase('post-install', true);
      await unmountAll(dirs.mountDir);
      if (useCache && fullKey)
        await step('snapshot post-install', () => cache.putTree(ctx, 'post-install', fullKey, dirs.mountDir));
    }
    writeInstallTypeEnv();
    await phase('post-root', false);
    const lost = join(dirs.mountDir, 'lost+found');
    if (existsSync(lost)) rmSync(lost, { recursive: true, force: true });
    const bdEnv: Record<string, string> = {};
    if (o.mode === 'disk') {
      // As in the original, the tree waits at $TMP_BUILD_DIR/built while block-device.d runs; whatever a
      // script writes under TMP_MOUNT_PATH then would land on the unmounted directory and is dropped.
      const built = join(buildDir, 'built');
      renameSync(dirs.mountDir, built);
      try {
        await phase('block-device', false, {}, (line) => {
          const m = /^(IMAGE_BLOCK_DEVICE|DIB_[A-Z0-9_]+)=(.*)$/.exec(line.trim());
          if (m) bdEnv[m[1]!] = m[2]!.replace(/^["']|["']$/g, '');
        });
      } finally {
        rmSync(dirs.mountDir, { recursive: true, force: true });
        renameSync(built, dirs.mountDir);
      }
      Object.assign(env, bdEnv);
    }
    writeRootFstab(dirs.mountDir, env);
    await mountKernelFs(ctx, dirs.mountDir);
    await phase('pre-finalise', false);
    await phase('finalise', true);
    await phase('cleanup', false, hostEnv);
    await unmountAll(dirs.mountDir);
    restoreResolver(dirs.mountDir);
    tidyTarget(dirs.mountDir);
    // A ramdisk build produces only what its elements write, plus image types asked for explicitly.
    const types = o.mode === 'ramdisk' && !o.typesGiven ? [] : o.types;
    await writeOutputs(ctx, { tree: dirs.mountDir, imageDir, env, o: { ...o, types }, step });
    const outputs = producedFiles(o.imageName, started);
    if (useCache && outKey)
      await step('store outputs in cache', () => cache.putOutputs(ctx, outKey, outputs));
    return { outputs, timings, cache: cacheState, elements: names };
  } finally {
    await unmountAll(buildDir);
    await unmountAll(imageDir);
    rmSync(buildDir, { recursive: true, force: true });
    rmSync(imageDir, { recursive: true, force: true });
  }
}

/**
 * A root entry by label, unless the tree already has an fstab with entries (the original's copy keeps the
 * tree's). debootstrap's placeholder ("# UNCONFIGURED FSTAB FOR BASE SYSTEM") counts as none: with it a
 * partition image booted `ro` (Ironic's local boot) was never remounted read-write.
 */
function writeRootFstab(root: string, env: Record<string, string>): void {
  const fstab = join(root, 'etc', 'fstab');
  if (!existsSync(join(root, 'etc'))) return;
  if (existsSync(fstab) && /^\s*[^#\s]/m.test(readFileSync(fstab, 'utf8'))) return;
  writeFileSync(fstab, `LABEL=${env['DIB_ROOT_LABEL']} / ${env['DIB_ROOT_FSTYPE']} defaults 0 1\n`);
}

/** package-installs `when:` clauses see variables set by environment.d, so source them first. */
async function envAfterEnvironmentD(
  ctx: Ctx,
  hooksDir: string,
  env: Record<string, string>,
): Promise<Record<string, string>> {
  const dir = join(hooksDir, 'environment.d');
  const files = existsSync(dir)
    ? readdirSync(dir)
        .sort()
        .map((f) => join(dir, f))
    : [];
  const r = await run(ctx, 'bash', ['-c', 'for f in "$@"; do . "$f"; done; env -0', 'env', ...files], {
    env,
  });
  const out: Record<string, string> = {};
  for (const kv of r.stdout.split('\0')) {
    const i = kv.indexOf('=');
    if (i > 0) out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}
