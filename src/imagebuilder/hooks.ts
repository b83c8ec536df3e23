// The merged hook tree: every element's subdirectories merged file by file, top-level files copied to
// the root. Two elements shipping the same direct child of a phase directory is the "duplicated hook" error.
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ElementInfo } from './elements.ts';
import { BuildError } from './errors.ts';

const SKIP_DIRS = new Set(['tests', '__pycache__']);

/** Returns which element shipped each "dir/hook", for error messages. */
export function assembleHooks(elements: ElementInfo[], hooksDir: string): Map<string, string> {
  mkdirSync(hooksDir, { recursive: true });
  const owner = new Map<string, string>(); // "dir/name" → element, for the error message
  for (const el of [...elements].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    for (const entry of readdirSync(el.path).sort()) {
      const src = join(el.path, entry);
      const st = statSync(src); // follows symlinks, like find -follow
      if (st.isDirectory()) {
        if (SKIP_DIRS.has(entry)) continue;
        const dstDir = join(hooksDir, entry);
        mkdirSync(dstDir, { recursive: true });
        for (const hook of readdirSync(src).sort()) {
          const dst = join(dstDir, hook);
          if (existsSync(dst) && !lstatSync(dst).isDirectory()) {
            const first = owner.get(`${entry}/${hook}`) ?? 'another element';
            throw new BuildError(
              `There is a duplicated hook in your elements: ${el.name}/${entry}/${hook} (also in ${first})`,
              { element: el.name },
            );
          }
          owner.set(`${entry}/${hook}`, el.name);
          cpSync(join(src, hook), dst, {
            recursive: true,
            force: true,
            verbatimSymlinks: true,
            preserveTimestamps: true,
          });
        }
      } else if (st.isFile() && !entry.endsWith('.pyc')) {
        cpSync(src, join(hooksDir, entry), { force: true, preserveTimestamps: true });
      }
    }
  }
  return owner;
}
