import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  type ElementInfo,
  expandElements,
  findAllElements,
  parseNameList,
} from '../../src/imagebuilder/elements.ts';
import { BuildError } from '../../src/imagebuilder/errors.ts';

function lib(spec: Record<string, { deps?: string[]; provides?: string[] }>): Map<string, ElementInfo> {
  return new Map(
    Object.entries(spec).map(([name, s]) => [
      name,
      { name, path: `/e/${name}`, deps: s.deps ?? [], provides: s.provides ?? [] },
    ]),
  );
}

const base = {
  os: { provides: ['operating-system'] },
  a: { deps: ['b'] },
  b: { deps: ['c'] },
  c: {},
  'vm-like': { deps: ['bootloader'] },
  grub: { provides: ['bootloader'], deps: ['c'] },
  bootloader: { deps: ['missing-only-if-walked'] },
  loop1: { deps: ['loop2'] },
  loop2: { deps: ['loop1'] },
  virt: { provides: ['a'] },
  p1: { provides: ['thing'] },
  p2: { provides: ['thing'] },
  dup: { deps: ['c', 'c'] },
  late: { deps: ['grub'] },
};

describe('expandElements', () => {
  const ok: [string, string[], string[]][] = [
    ['a single OS element', ['os'], ['os']],
    ['transitive deps', ['os', 'a'], ['a', 'b', 'c', 'os']],
    ['dependency cycles terminate', ['os', 'loop1'], ['loop1', 'loop2', 'os']],
    [
      'a provided dep is not walked when its provider came first',
      ['os', 'grub', 'vm-like'],
      ['c', 'grub', 'os', 'vm-like'],
    ],
    ['duplicate deps in a file are harmless', ['os', 'dup'], ['c', 'dup', 'os']],
    ['duplicate requests are harmless', ['os', 'c', 'c'], ['c', 'os']],
  ];
  for (const [name, req, want] of ok) {
    it(name, () => assert.deepEqual(expandElements(req, lib(base)), want));
  }

  const errors: [string, string[], RegExp][] = [
    ['missing element', ['os', 'nope'], /Element 'nope' not found/],
    [
      'a virtual dep is walked when its provider is found later',
      ['os', 'vm-like', 'late'],
      /missing-only-if-walked/,
    ],
    ['no operating system', ['a'], /Please include an operating system element/],
    [
      'requested element also provided',
      ['os', 'a', 'virt'],
      /already provided by another element: a : already provided by virt/,
    ],
    ['two elements provide the same name', ['os', 'p1', 'p2'], /thing: already provided by p1/],
  ];
  for (const [name, req, re] of errors) {
    it(`error: ${name}`, () => {
      assert.throws(
        () => expandElements(req, lib(base)),
        (e: unknown) => e instanceof BuildError && re.test(e.message),
      );
    });
  }
});

describe('parseNameList', () => {
  const cases: [string, string[]][] = [
    ['', []],
    ['a\nb\n', ['a', 'b']],
    ['  a  \n\n\tb\n', ['a', 'b']],
  ];
  for (const [text, want] of cases)
    it(JSON.stringify(text), () => assert.deepEqual(parseNameList(text), want));
});

describe('findAllElements', () => {
  it('first directory on the path wins, and files/deps are read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ib-elements-'));
    try {
      for (const [d, name, deps] of [
        ['one', 'x', 'y\n'],
        ['two', 'x', 'z\n'],
        ['two', 'y', ''],
      ] as const) {
        mkdirSync(join(dir, d, name), { recursive: true });
        writeFileSync(join(dir, d, name, 'element-deps'), deps);
      }
      writeFileSync(join(dir, 'two', 'not-an-element'), '');
      const warnings: string[] = [];
      const all = findAllElements([join(dir, 'one'), join(dir, 'two')], (w) => warnings.push(w));
      assert.deepEqual([...all.keys()].sort(), ['x', 'y']);
      assert.deepEqual(all.get('x')!.deps, ['y']);
      assert.equal(all.get('x')!.path, join(dir, 'one', 'x'));
      assert.equal(warnings.length, 1);
      assert.throws(() => findAllElements([join(dir, 'absent')]), /does not exist/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
