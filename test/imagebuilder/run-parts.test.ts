import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { listRunParts, runnable } from '../../src/imagebuilder/run-parts.ts';

// The order and the name rules are the shared ones (test/agents/run-parts-order.test.ts).
describe('runnable', () => {
  const e = (name: string, isFile = true, executable = true) => ({ name, isFile, executable });
  const cases: [string, ReturnType<typeof e>[], string[]][] = [
    ['non-executable files are skipped', [e('10-a', true, false), e('20-b')], ['20-b']],
    ['directories are skipped', [e('10-dir', false, true), e('20-b')], ['20-b']],
  ];
  for (const [name, entries, want] of cases) it(name, () => assert.deepEqual(runnable(entries), want));
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
  it('runs names in the shared sort -n order, skipping dotted names', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ib-rp-'));
    try {
      for (const n of ['10-b', '9-a', '100-c', 'z', '50-x.sh']) {
        writeFileSync(join(dir, n), '#!/bin/sh\n');
        chmodSync(join(dir, n), 0o755);
      }
      assert.deepEqual(listRunParts(dir, '^[0-9A-Za-z_-]+$'), ['z', '9-a', '10-b', '100-c']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
