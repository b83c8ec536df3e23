// os-apply-config against the Python original on the real template trees of TripleO image elements
// (../shared/oac-corpus), with no metadata and with metadata that fills every name they use.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import type { PyDict, PyValue } from '../../src/agents/config/pyjson.ts';
import { dumpJson, isDict } from '../../src/agents/config/pyjson.ts';
import { originalMissing, pool, repoRoot } from './support/differential.ts';
import { assertSame, runOacBoth } from './support/oac.ts';

// Beside the repository, not in it: a plain clone has no ../shared, and the test says so and skips.
// OOO_SHARED_DIR points elsewhere (or at nothing, to check that skip).
const SHARED = process.env['OOO_SHARED_DIR'] ?? resolve(repoRoot, '../shared');
const CORPUS = join(SHARED, 'oac-corpus/templates');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

// Every tag name gets a value: plain names a string naming the key, section names a list of two
// mappings (so loops, nested lookups and outer-context fallback all run).
export function syntheticMetadata(templates: string[]): PyDict {
  const root: PyDict = new Map();
  const set = (name: string, leaf: (path: string) => PyValue) => {
    const parts = name.split('.');
    let cur = root;
    for (const [k, part] of parts.entries()) {
      const last = k === parts.length - 1;
      const have = cur.get(part);
      if (last) {
        if (have === undefined) cur.set(part, leaf(name));
        return;
      }
      if (!isDict(have)) cur.set(part, new Map());
      cur = cur.get(part) as PyDict;
    }
  };
  for (const text of templates) {
    for (const m of text.matchAll(/\{\{\{?\s*([#^/!>&]?)\s*([^{}]+?)\s*\}?\}\}/g)) {
      const [, kind, name] = m;
      if (!name || kind === '/' || kind === '!' || kind === '>' || name === '.') continue;
      if (kind === '#') set(name, (p) => [new Map([['name', `${p}-one`]]), new Map([['name', `${p}-two`]])]);
      else if (kind !== '^') set(name, (p) => `value-of-${p}`);
    }
  }
  return root;
}

test('os-apply-config matches the original on the image elements corpus', async (t) => {
  const missing = originalMissing('os-apply-config');
  if (missing) return t.skip(missing);
  if (!existsSync(CORPUS))
    return t.skip(`no template corpus at ${CORPUS} (../shared is not beside this clone)`);
  const elements = readdirSync(CORPUS).sort();
  const jobs = elements.flatMap((el) => {
    const dir = join(CORPUS, el);
    const md = syntheticMetadata(files(dir).map((f) => readFileSync(f, 'utf8')));
    return [
      { name: `${el} with empty metadata`, dir, md: '{}' },
      { name: `${el} with every name filled`, dir, md: dumpJson(md) },
    ];
  });
  const results = await pool(jobs, 4, (j) => runOacBoth({ 'md.json': j.md }, undefined, undefined, j.dir));
  for (const [k, j] of jobs.entries()) await t.test(j.name, () => assertSame(results[k]!.py, results[k]!.ts));
  // Not vacuous: with every name filled, most elements render files.
  const rendered = results.filter(
    (r, k) => k % 2 === 1 && r.py.files.some((l) => l.startsWith('out/') && !l.endsWith('/')),
  );
  assert.ok(rendered.length >= 35, `only ${rendered.length} elements rendered files`);
});
