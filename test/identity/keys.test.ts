import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { keysVersion, loadKeys, rotateKeys, setupKeys } from '../../src/identity/store/key-repository.ts';

function repo(): { dir: string; done(): void } {
  const root = mkdtempSync(join(tmpdir(), 'ooo-keys-'));
  return { dir: join(root, 'fernet-keys'), done: () => rmSync(root, { recursive: true, force: true }) };
}

const files = (dir: string) => readdirSync(dir).sort((a, b) => Number(a) - Number(b));

test('setup creates a staged and a primary key, private to the owner, once', () => {
  const { dir, done } = repo();
  try {
    setupKeys(dir);
    assert.deepEqual(files(dir), ['0', '1']);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    for (const f of files(dir)) {
      assert.equal(statSync(join(dir, f)).mode & 0o777, 0o600);
      assert.equal(Buffer.from(readFileSync(join(dir, f), 'utf8'), 'base64url').length, 32);
    }
    const before = loadKeys(dir).keys.map((k) => k.toString('hex'));
    setupKeys(dir);
    assert.deepEqual(
      loadKeys(dir).keys.map((k) => k.toString('hex')),
      before,
      'idempotent',
    );
  } finally {
    done();
  }
});

test('rotation promotes the staged key, stages a new one and keeps maxActive keys', () => {
  const { dir, done } = repo();
  try {
    setupKeys(dir);
    const staged = readFileSync(join(dir, '0'), 'utf8');
    const version = keysVersion(dir);
    assert.equal(rotateKeys(dir, 3), 2);
    assert.equal(readFileSync(join(dir, '2'), 'utf8'), staged, 'the staged key became primary');
    assert.notEqual(readFileSync(join(dir, '0'), 'utf8'), staged, 'a new staged key');
    assert.notEqual(keysVersion(dir), version);
    const set = loadKeys(dir);
    assert.equal(set.keys[set.primaryIndex]!.toString('base64url'), staged, 'primary first');
    const cases: [number, string[]][] = [
      [3, ['0', '2', '3']],
      [4, ['0', '3', '4']],
    ];
    for (const [primary, want] of cases) {
      assert.equal(rotateKeys(dir, 3), primary);
      assert.deepEqual(files(dir), want);
    }
    assert.throws(() => rotateKeys(dir, 1), /at least 2/);
  } finally {
    done();
  }
});

test('a damaged key file is refused, not used', () => {
  const { dir, done } = repo();
  try {
    setupKeys(dir);
    writeFileSync(join(dir, '1'), 'short');
    assert.throws(() => loadKeys(dir), /not 32 bytes/);
  } finally {
    done();
  }
});
