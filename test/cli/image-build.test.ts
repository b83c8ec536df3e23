// `ooo image build` is disk-image-create behind the ooo command: same flags, same errors.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

const OOO = resolve(import.meta.dirname, '../../bin/ooo');

test('ooo image build refuses a build with no operating-system element, as disk-image-create does', async () => {
  const err = await promisify(execFile)(OOO, ['image', 'build', '-o', 'x', 'vm']).catch((e: unknown) => e);
  const e = err as { code?: number; stdout?: string; stderr?: string };
  assert.notEqual(e.code ?? 0, 0, 'must fail');
  assert.match(`${e.stdout}${e.stderr}`, /Please include an operating system element/);
});
