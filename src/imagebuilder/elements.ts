// Element discovery along ELEMENTS_PATH and the dependency closure (element-deps / element-provides).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BuildError } from './errors.ts';

export interface ElementInfo {
  name: string;
  path: string;
  deps: string[];
  provides: string[];
}

/** One name per line, trimmed; blank lines dropped; a missing file is an empty list. */
export function parseNameList(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

function readList(file: string): string[] {
  return existsSync(file) ? parseNameList(readFileSync(file, 'utf8')) : [];
}

/** Every element in every directory of the path; the first directory holding a name wins. */
export function findAllElements(
  paths: string[],
  warn: (msg: string) => void = () => {},
): Map<string, ElementInfo> {
  const found = new Map<string, ElementInfo>();
  for (const dir of paths) {
    if (!existsSync(dir)) throw new BuildError(`ELEMENTS_PATH directory ${dir} does not exist`);
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (!statSync(path).isDirectory()) continue;
      const prior = found.get(name);
      if (prior) {
        warn(`element ${name} at ${path} is overridden by ${prior.path}`);
        continue;
      }
      found.set(name, {
        name,
        path,
        deps: readList(join(path, 'element-deps')),
        provides: readList(join(path, 'element-provides')),
      });
    }
  }
  return found;
}

/**
 * The breadth-first walk of the original: collect deps transitively, skip anything already provided,
 * and remove provided names only at the end. Returns names sorted (the original's order is a set).
 */
export function expandElements(requested: string[], all: ReadonlyMap<string, ElementInfo>): string[] {
  const final = new Set(requested);
  const queue = [...requested];
  const provided = new Set<string>();
  const providedBy = new Map<string, string>();
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (provided.has(name)) continue;
    const el = all.get(name);
    if (!el) throw new BuildError(`Element '${name}' not found`, { element: name });
    for (const p of el.provides) {
      if (provided.has(p)) {
        throw new BuildError(`${p}: already provided by ${providedBy.get(p)}`, { element: name });
      }
      providedBy.set(p, name);
      provided.add(p);
    }
    for (const d of [...new Set(el.deps)].sort()) {
      if (!final.has(d) && !provided.has(d)) queue.push(d);
    }
    for (const d of el.deps) final.add(d);
  }
  const conflicts = requested.filter((r) => provided.has(r));
  if (conflicts.length > 0) {
    const list = conflicts.map((c) => `${c} : already provided by ${providedBy.get(c)}`).join('; ');
    throw new BuildError(`The following elements are already provided by another element: ${list}`);
  }
  if (!provided.has('operating-system')) {
    throw new BuildError('Please include an operating system element');
  }
  return [...final].filter((n) => !provided.has(n)).sort();
}
