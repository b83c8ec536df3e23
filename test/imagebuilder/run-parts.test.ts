import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  compareRunParts,
  listRunParts,
  selectEnvironmentFiles,
  selectRunParts,
} from '../../src/imagebuilder/run-parts.ts';

describe('run-parts order (sort -n, ties bytewise)', () => {
  const cases: [string[], string[]][] = [
    [
      ['100-y', '10-foo', '9-bar', '05_b', '1a', '01-x', 'zz', 'abc', '00-a'],
      ['00-a', 'abc', 'zz', '01-x', '1a', '05_b', '9-bar', '10-foo', '100-y'],
    ],
    [
      ['20-b', '20-a', '20-B'],
      ['20-B', '20-a', '20-b'],
    ],
    [
      ['99999999999999999999-big', '1-small'],
      ['1-small', '99999999999999999999-big'],
    ],
  ];
  for (const [input, want] of cases) {
    it(input.join(' '), () => assert.deepEqual([...input].sort(compareRunParts), want));
  }
});

describe('selectRunParts', () => {
  const e = (name: string, isFile = true, executable = true) => ({ name, isFile, executable });
  const cases: [string, ReturnType<typeof e>[], string[], string?][] = [
    ['names with dots are skipped', [e('10-foo.sh'), e('10-foo')], ['10-foo']],
    ['non-executable files are skipped', [e('10-a', true, false), e('20-b')], ['20-b']],
    ['directories are skipped', [e('10-dir', false, true), e('20-b')], ['20-b']],
    ['a custom RUN_PARTS_REGEX applies', [e('10-a.sh'), e('20-b')], ['10-a.sh'], '\\.sh$'],
  ];
  for (const [name, entries, want, re] of cases)
    it(name, () => assert.deepEqual(selectRunParts(entries, re), want));
});

describe('listRunParts on a real directory', () => {
  it('follows symlinks and ignores dangling ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ib-rp-'));
    try {
      mkdirSync(join(dir, 'd'));
      writeFileSync(join(dir, 'target'), '#!/bin/sh\n');
      chmodSync(join(dir, 'target'), 0o755);
      symlinkSync(join(dir, 'target'), join(dir, 'd', '10-link'));
      symlinkSync(join(dir, 'nowhere'), join(dir, 'd', '20-dangling'));
      writeFileSync(join(dir, 'd', '05-plain'), '');
      assert.deepEqual(listRunParts(join(dir, 'd')), ['10-link']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('environment.d files', () => {
  it('are sorted bytewise and may contain dots', () => {
    assert.deepEqual(selectEnvironmentFiles(['20-b.bash', '10-a', '9-z', 'bad name', '11-x.sh']), [
      '10-a',
      '11-x.sh',
      '20-b.bash',
      '9-z',
    ]);
  });
});
