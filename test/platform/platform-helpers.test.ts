import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { SecretBox } from '../../src/platform/crypto/secret-box.ts';
import {
  loadSecretKeys,
  openSecretBox,
  rotateSecretKeys,
  secretKeyDir,
} from '../../src/platform/crypto/secret-keys.ts';
import { replaceFileAtomic, writeFileAtomic } from '../../src/platform/fs/atomic-write.ts';
import { ProcError, run } from '../../src/platform/proc/run.ts';

const root = mkdtempSync(join(tmpdir(), 'platform-helpers-'));
after(() => rmSync(root, { recursive: true, force: true }));
const ctx = { signal: new AbortController().signal };

describe('atomic file writing', () => {
  test('replaces the content, applies the mode exactly, leaves no temporary file', () => {
    const dir = mkdtempSync(join(root, 'aw-'));
    const path = join(dir, 'conf');
    writeFileSync(path, 'old');
    writeFileAtomic(path, 'new content', { mode: 0o640 });
    assert.equal(readFileSync(path, 'utf8'), 'new content');
    assert.equal(statSync(path).mode & 0o777, 0o640);
    assert.deepEqual(readdirSync(dir), ['conf']);
  });
  test('without a mode the file is private (0600), as Python’s tempfile leaves it', () => {
    const dir = mkdtempSync(join(root, 'aw-'));
    writeFileAtomic(join(dir, 'f'), Buffer.from([0, 1, 2]), { fsync: false });
    assert.equal(statSync(join(dir, 'f')).mode & 0o777, 0o600);
    assert.deepEqual([...readFileSync(join(dir, 'f'))], [0, 1, 2]);
  });
  test('a failing fill leaves the old file and no temporary one', () => {
    const dir = mkdtempSync(join(root, 'aw-'));
    const path = join(dir, 'keep');
    writeFileSync(path, 'intact');
    assert.throws(
      () =>
        replaceFileAtomic(path, () => {
          throw new Error('disk full');
        }),
      /disk full/,
    );
    assert.equal(readFileSync(path, 'utf8'), 'intact');
    assert.deepEqual(readdirSync(dir), ['keep']);
  });
  test('a fill by name (a copy) works; the temporary name uses the prefix asked for', () => {
    const dir = mkdtempSync(join(root, 'aw-'));
    writeFileSync(join(dir, 'src'), 'copied');
    let seen = '';
    replaceFileAtomic(
      join(dir, 'dst'),
      (_fd, tmp) => {
        seen = tmp;
        writeFileSync(tmp, readFileSync(join(dir, 'src')));
      },
      { tmpPrefix: 'tmp' },
    );
    assert.match(seen, /\/tmp[a-z0-9_]{8}$/);
    assert.equal(readFileSync(join(dir, 'dst'), 'utf8'), 'copied');
  });
});

describe('subprocess runner', () => {
  test('captures output and streams lines', async () => {
    const lines: string[] = [];
    const r = await run(ctx, 'sh', ['-c', 'echo one; echo two >&2; printf three'], {
      onLine: (l, s) => lines.push(`${s}:${l}`),
    });
    assert.equal(r.code, 0);
    assert.equal(r.stdout, 'one\nthree');
    assert.deepEqual(lines.sort(), ['stderr:two', 'stdout:one', 'stdout:three']);
  });
  test('a failure names the command and the end of its stderr', async () => {
    const err = await run(ctx, 'sh', ['-c', 'echo bad thing >&2; exit 3']).catch((e: unknown) => e);
    assert.ok(err instanceof ProcError);
    assert.equal(err.kind, 'exit');
    assert.equal(err.code, 3);
    assert.match(err.message, /^sh -c .* failed with exit code 3:\nbad thing$/);
    assert.equal((await run(ctx, 'sh', ['-c', 'exit 4'], { allowFail: true })).code, 4);
  });
  test('input goes to stdin; a missing program is a spawn failure', async () => {
    assert.equal((await run(ctx, 'cat', [], { input: 'fed' })).stdout, 'fed');
    const err = await run(ctx, '/nonexistent/prog', []).catch((e: unknown) => e);
    assert.ok(err instanceof ProcError && err.kind === 'spawn', String(err));
  });
  test('a cancel stops the whole process group', async () => {
    const ac = new AbortController();
    const started = run({ signal: ac.signal }, 'sh', ['-c', 'sleep 60 & echo $!; wait'], {
      onLine: (l) => {
        if (/^\d+$/.test(l)) {
          grandchild = Number(l);
          ac.abort();
        }
      },
    });
    let grandchild = 0;
    const err = await started.catch((e: unknown) => e);
    assert.ok(err instanceof ProcError && err.kind === 'interrupted', String(err));
    // The background sleep was in the group: it got the SIGTERM too (ESRCH once reaped).
    await waitGone(grandchild);
    const before = await run(ac, 'true', []).catch((e: unknown) => e);
    assert.ok(before instanceof ProcError && before.message === 'interrupted before true');
  });
});

describe('secret box', () => {
  const key = (b: number) => Buffer.alloc(32, b);
  const ring = (primary: number, ...ids: number[]) => ({
    keys: new Map(ids.map((i) => [i, key(i)] as [number, Buffer])),
    primary,
  });

  test('seals and opens; a fresh nonce each time', () => {
    const box = new SecretBox(ring(1, 1));
    const a = box.seal('hunter2', 'node:n1:ipmi_password');
    const b = box.seal('hunter2', 'node:n1:ipmi_password');
    assert.notEqual(a, b);
    assert.ok(SecretBox.isSealed(a));
    assert.match(a, /^sb1:1:/);
    assert.ok(!a.includes('hunter2'));
    assert.equal(box.open(a, 'node:n1:ipmi_password'), 'hunter2');
    assert.equal(box.open(box.seal('', 'x'), 'x'), '');
    assert.equal(box.open(box.seal('ünïcødé ✓', 'x'), 'x'), 'ünïcødé ✓');
  });

  test('the same key and nonce give the same text (the format is stable)', () => {
    const box = new SecretBox(ring(1, 1), () => Buffer.alloc(12, 7));
    assert.equal(box.seal('pw', 'c'), box.seal('pw', 'c'));
    assert.equal(box.seal('pw', 'c').length, 'sb1:1:'.length + Math.ceil(((12 + 2 + 16) * 4) / 3));
  });

  const box = new SecretBox(ring(1, 1));
  const sealed = box.seal('secret', 'ctx');
  const raw = Buffer.from(sealed.slice(6), 'base64url');
  const flip = (i: number) => {
    const copy = Buffer.from(raw);
    copy[i] = (copy[i] as number) ^ 1;
    return `sb1:1:${copy.toString('base64url')}`;
  };
  const refused: [string, string, string, RegExp][] = [
    ['another context', sealed, 'other', /altered or sealed for another context/],
    ['a flipped nonce bit', flip(0), 'ctx', /altered/],
    ['a flipped ciphertext bit', flip(13), 'ctx', /altered/],
    ['a flipped tag bit', flip(raw.length - 1), 'ctx', /altered/],
    ['another key id', sealed.replace('sb1:1:', 'sb1:2:'), 'ctx', /key 2 is not in the key ring/],
    ['an unknown version', sealed.replace('sb1:', 'sb9:'), 'ctx', /format sb9 is unknown/],
    ['truncated', 'sb1:1:AAAA', 'ctx', /truncated/],
    ['plain text', 'hunter2', 'ctx', /not a sealed secret/],
  ];
  for (const [name, text, context, why] of refused)
    test(`refuses ${name} with an error that never shows the secret`, () =>
      assert.throws(
        () => box.open(text, context),
        (e: { status?: number; message: string }) =>
          e.status === 500 && why.test(e.message) && !e.message.includes(text),
      ));

  test('key files: created private, rotated, old secrets still open and reseal to the new key', () => {
    const state = mkdtempSync(join(root, 'state-'));
    const first = openSecretBox(state);
    const old = first.seal('pw', 'c');
    const dir = secretKeyDir(state);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(statSync(join(dir, '1')).mode & 0o777, 0o600);
    assert.equal(rotateSecretKeys(dir), 2);
    assert.equal(loadSecretKeys(dir).primary, 2);
    const second = openSecretBox(state);
    assert.equal(second.open(old, 'c'), 'pw');
    const moved = second.reseal(old, 'c');
    assert.match(moved, /^sb1:2:/);
    assert.equal(second.reseal(moved, 'c'), moved, 'already under the primary key');
    assert.throws(() => first.open(moved, 'c'), /key 2 is not in the key ring/);
    assert.equal(openSecretBox(state).open(moved, 'c'), 'pw', 'a reload keeps every key');
  });
});

/** Waits until a pid no longer exists (signal 0 fails); the runner sent the signal, this only observes. */
async function waitGone(pid: number): Promise<void> {
  assert.ok(pid > 0);
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}
