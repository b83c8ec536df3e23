// Inputs that element scripts read from outside the hook tree (e.g. bundles copied in from the host):
// an element names them in a `cache-inputs` file, one path per line, with $VARIABLES expanded after
// environment.d is sourced. Their contents join the cache key, so changing them rebuilds the image.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { hashTree, hashValue } from './cache.ts';
import type { Ctx } from './ctx.ts';
import type { ElementInfo } from './elements.ts';
import { run } from './proc.ts';

export function cacheInputLines(elements: ElementInfo[]): string[] {
  const lines: string[] = [];
  for (const el of elements) {
    const f = join(el.path, 'cache-inputs');
    if (!existsSync(f)) continue;
    for (const raw of readFileSync(f, 'utf8').split('\n')) {
      const line = raw.replace(/#.*$/, '').trim();
      if (line) lines.push(line);
    }
  }
  return lines;
}

function hashPath(p: string): string {
  if (!existsSync(p)) return 'missing';
  return statSync(p).isDirectory()
    ? `dir:${hashTree(p)}`
    : `file:${createHash('sha256').update(readFileSync(p)).digest('hex')}`;
}

/** '' when no element declares external inputs, else a hash of the named paths' contents. */
export async function externalInputsHash(
  ctx: Ctx,
  elements: ElementInfo[],
  hooksDir: string,
  env: Record<string, string>,
): Promise<string> {
  const lines = cacheInputLines(elements);
  if (lines.length === 0) return '';
  const envd = join(hooksDir, 'environment.d');
  const files = existsSync(envd)
    ? readdirSync(envd)
        .sort()
        .map((f) => join(envd, f))
    : [];
  const script =
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell snippet, not a template
    'n=$1; shift; for f in "${@:1:$n}"; do . "$f"; done; shift "$n"; for l in "$@"; do eval "printf \'%s\\0\' \\"$l\\""; done';
  const r = await run(ctx, 'bash', ['-c', script, 'cache-inputs', String(files.length), ...files, ...lines], {
    env,
  });
  const paths = r.stdout.split('\0').filter((p) => p !== '');
  return hashValue(paths.map((p) => [p, hashPath(p)]));
}
