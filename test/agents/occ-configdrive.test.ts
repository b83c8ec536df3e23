// os-collect-config's ec2 config drive against the Python original.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  node,
  originalMissing,
  PYTHON,
  removeDir,
  repoRoot,
  runProcess,
  snapshot,
  tempDir,
} from './support/differential.ts';
import { ec2Server } from './support/metadata-servers.ts';

const OURS = join(repoRoot, 'src/agents/config/os-collect-config.ts');

// The ec2 config drive, with stand-in blkid, mount and umount on PATH (the original finds them
// there too): the drive's meta-data.json wins over the metadata service; mounts are undone.
test('ec2 config drive: same metadata and the same mount/umount calls as the original', async (t) => {
  const missing = originalMissing('os-collect-config');
  if (missing) return t.skip(missing);
  const base = await tempDir('occ-cd-');
  t.after(() => removeDir(base));
  const fake = join(base, 'fakebin');
  mkdirSync(fake);
  const tool = (name: string, body: string) =>
    writeFileSync(join(fake, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  tool(
    'blkid',
    'printf "DEVNAME=/dev/sda1\\nTYPE=ext4\\n\\nDEVNAME=/dev/sr0\\nTYPE=$CD_TYPE\\nLABEL=config-2\\n"',
  );
  // "Mounting" copies the drive's files into the mount point; "unmounting" empties it.
  tool(
    'mount',
    'echo "mount $1 $3 $4" >> "$CALLS"; [ -n "$MOUNT_FAILS" ] && exit 32; cp -r "$DRIVE"/. "$2"/',
  );
  tool('umount', 'echo "umount $1" >> "$CALLS"; rm -rf "$2"/*');
  const cases = [
    {
      name: 'iso9660 drive with metadata',
      type: 'iso9660',
      drive: { 'ec2/latest/meta-data.json': '{"instance-id": "i-cd", "n": 1.0}' },
    },
    { name: 'vfat drive without the file', type: 'vfat', drive: { 'openstack/latest/meta_data.json': '{}' } },
    { name: 'not a config drive type', type: 'ext4', drive: { 'ec2/latest/meta-data.json': '{"x": 1}' } },
    {
      name: 'mount fails',
      type: 'iso9660',
      drive: { 'ec2/latest/meta-data.json': '{"x": 1}' },
      mountFails: true,
    },
    { name: 'invalid JSON on the drive', type: 'iso9660', drive: { 'ec2/latest/meta-data.json': '{bad' } },
  ];
  const ec2 = await ec2Server(t, { 'instance-id': 'i-from-service' });
  for (const c of cases) {
    await t.test(c.name, async () => {
      const one = async (name: string, original: boolean) => {
        const dir = join(base, c.name.replaceAll(' ', '-'), name);
        mkdirSync(join(dir, 'drive'), { recursive: true });
        for (const [rel, content] of Object.entries(c.drive)) {
          mkdirSync(join(dir, 'drive', rel, '..'), { recursive: true });
          writeFileSync(join(dir, 'drive', rel), content);
        }
        const args = [
          '--cachedir',
          'cache',
          '--print',
          '--ec2-metadata-url',
          `${ec2.url}/latest/meta-data`,
          'ec2',
        ];
        const [cmd, argv] = original
          ? [PYTHON, ['/usr/bin/os-collect-config', ...args]]
          : [node, [OURS, ...args]];
        const env = {
          PATH: `${fake}:${process.env['PATH'] ?? '/usr/bin:/bin'}`,
          LANG: 'C.UTF-8',
          HOME: dir,
          TMPDIR: dir,
          CD_TYPE: c.type,
          CALLS: join(dir, 'calls'),
          DRIVE: join(dir, 'drive'),
          ...(c.mountFails ? { MOUNT_FAILS: '1' } : {}),
        };
        const r = await runProcess(cmd, argv, { cwd: dir, env });
        const calls = existsSync(env.CALLS) ? readFileSync(env.CALLS, 'utf8').replaceAll(dir, 'DIR') : '';
        const leftovers = snapshot(dir).filter((l) => l.startsWith('config-2-'));
        return {
          code: r.code,
          stdout: r.stdout,
          stderr: r.stderr.replaceAll(dir, 'DIR').replace(/config-2-\w+/g, 'config-2-X'),
          calls: calls.replace(/config-2-\w+/g, 'config-2-X'),
          leftovers,
        };
      };
      const [py, ts] = await Promise.all([one('py', true), one('ts', false)]);
      assert.equal(ts.code, py.code, py.stderr);
      assert.equal(ts.stdout, py.stdout);
      assert.equal(ts.calls, py.calls);
      assert.deepEqual(ts.leftovers, py.leftovers);
      assert.equal(ts.stderr, py.stderr);
      // Only a readable drive replaces the metadata service.
      assert.match(ts.stdout, c.name.startsWith('iso9660') ? /i-cd/ : /i-from-service/);
    });
  }
});
