// The agent end to end over HTTP on loopback, as a `sim` node runs it: lookup and heartbeats against a fake
// conductor, then the commands the conductor sends (cleaning, image writes, power off) against a sparse file
// disk, checked byte for byte; and the failures: wrong token, busy agent, bad params, checksum mismatch.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  encodeGpt,
  encodeMbr,
  planLayout,
  readPartitionTable,
} from '../../../src/agents/deploy/partition-layout.ts';
import { type RunningAgent, startSimAgent } from '../../../src/agents/deploy/sim.ts';
import { type FakeConductor, startFakeConductor } from './support/fake-conductor.ts';

const MiB = 1024 * 1024;
const DISK = 128 * MiB;
const MACS = ['52:54:00:aa:00:01', '52:54:00:aa:00:02'];
const have = (t: string) => spawnSync('sh', ['-c', `command -v ${t}`]).status === 0;
const silent = { info() {}, warn() {}, error() {} };

function readDisk(path: string, off: number, len: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(len);
    readSync(fd, b, 0, len, off);
    return b;
  } finally {
    closeSync(fd);
  }
}

function scribble(path: string, off: number, data: Buffer): void {
  const fd = openSync(path, 'r+');
  writeSync(fd, data, 0, data.length, off);
  closeSync(fd);
}

describe('deploy agent over HTTP (sim node, sparse file disk)', {
  skip: have('qemu-img') ? false : 'qemu-img is not installed',
}, () => {
  let dir = '';
  let disk = '';
  let conductor: FakeConductor;
  let agent: RunningAgent;
  let base = '';
  let powerOffs = 0;
  const ac = new AbortController();
  let wholeRaw: Buffer;

  const call = async (
    method: string,
    path: string,
    body?: unknown,
    token: string | null = conductor.token,
  ) => {
    const q =
      token === null ? '' : `${path.includes('?') ? '&' : '?'}agent_token=${encodeURIComponent(token)}`;
    const r = await fetch(`${base}${path}${q}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };
  const command = (name: string, params: Record<string, unknown> = {}, wait = false) =>
    call('POST', `/v1/commands/${wait ? '?wait=true' : ''}`, { name, params });
  /** Posts an async command and waits (server side, ?wait=true) for its end. */
  const runToEnd = async (name: string, params: Record<string, unknown>) => {
    const r = await command(name, params);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body['command_status'], 'RUNNING');
    const done = await call('GET', `/v1/commands/${r.body['id']}?wait=true`);
    return done.body;
  };
  const imageInfo = (name: string, data: Buffer, extra: Record<string, unknown> = {}) => ({
    id: `img-${name}`,
    urls: [`${conductor.url}/images/${name}`],
    disk_format: 'raw',
    container_format: 'bare',
    os_hash_algo: 'sha512',
    os_hash_value: createHash('sha512').update(data).digest('hex'),
    image_request_headers: { 'X-Auth-Token': conductor.imageToken },
    node_uuid: conductor.nodeUuid,
    ...extra,
  });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'deploy-agent-'));
    disk = join(dir, 'disk.img');
    spawnSync('truncate', ['-s', String(DISK), disk]);
    scribble(disk, 0, Buffer.alloc(2 * MiB, 0xee)); // old contents that cleaning must wipe
    scribble(disk, DISK - MiB, Buffer.alloc(MiB, 0xee));
    conductor = await startFakeConductor({ macs: MACS, heartbeatTimeout: 2 });
    agent = await startSimAgent(
      { log: silent, signal: ac.signal },
      {
        apiUrl: conductor.url,
        diskPath: disk,
        diskBytes: DISK,
        macs: MACS.map((m) => m.toUpperCase()),
        cpus: 4,
        memoryMb: 2048,
        inspectionCallbackUrl: `${conductor.url}/v1/continue_inspection`,
        heartbeatJitter: () => 0,
        onPowerOff: () => {
          powerOffs++;
        },
        downloadRetry: { attempts: 3, delayMs: 20 },
      },
    );
    base = agent.callbackUrl;
    // a whole-disk image: an MBR with one partition, random and text data, holes; served as compressed qcow2
    wholeRaw = Buffer.alloc(8 * MiB);
    Buffer.from(
      encodeMbr(
        planLayout({
          diskBytes: 8 * MiB,
          rootMb: 0,
          swapMb: 0,
          ephemeralMb: 0,
          configdriveBytes: 0,
          bootMode: 'bios',
        }),
        0xc0ffee11,
      ),
    ).copy(wholeRaw);
    randomBytes(2 * MiB).copy(wholeRaw, MiB);
    wholeRaw.fill('whole disk ', 5 * MiB, 6 * MiB);
    writeFileSync(join(dir, 'whole.raw'), wholeRaw);
    const q = spawnSync('qemu-img', [
      'convert',
      '-f',
      'raw',
      '-O',
      'qcow2',
      '-c',
      join(dir, 'whole.raw'),
      join(dir, 'whole.qcow2'),
    ]);
    assert.equal(q.status, 0, q.stderr.toString());
    conductor.images.set('whole.qcow2', readFileSync(join(dir, 'whole.qcow2')));
  });
  after(async () => {
    await agent?.stop();
    await conductor?.close();
    ac.abort();
    rmSync(dir, { recursive: true, force: true });
  });

  it('posts its inventory, looks the node up by every MAC with API 1.62, heartbeats with callback URL, token and version', async () => {
    const hb = await conductor.heartbeat(2);
    const inv = conductor.inspections[0] as {
      inventory: {
        interfaces: Array<{ mac_address: string }>;
        cpu: { count: number };
        memory: { physical_mb: number };
        disks: Array<{ name: string; size: number }>;
      };
    };
    assert.deepEqual(
      inv.inventory.interfaces.map((i) => i.mac_address),
      MACS,
    );
    assert.equal(inv.inventory.cpu.count, 4);
    assert.equal(inv.inventory.memory.physical_mb, 2048);
    assert.deepEqual(
      inv.inventory.disks.map((d) => [d.name, d.size]),
      [['/dev/sda', DISK]],
    );
    const l = conductor.lookups[0]!;
    assert.equal(l.query.get('addresses'), MACS.join(','));
    assert.equal(l.version, '1.62');
    assert.equal(hb.node, conductor.nodeUuid);
    assert.equal(hb.version, '1.68');
    assert.equal(hb.body['callback_url'], agent.callbackUrl);
    assert.match(String(hb.body['callback_url']), /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(hb.body['agent_token'], conductor.token);
    assert.match(String(hb.body['agent_version']), /\S/);
  });

  it('refuses commands without the right token (401), unknown extensions (404), unknown commands and bad params (400)', async () => {
    for (const t of [null, 'wrong-token']) {
      const r = await call('GET', '/v1/commands/', undefined, t);
      assert.equal(r.status, 401);
      assert.deepEqual(r.body, { faultcode: 'Client', faultstring: '401 Unauthorized: Token invalid.' });
      const post = await call('POST', '/v1/commands/', { name: 'standby.power_off', params: {} }, t);
      assert.equal(post.status, 401);
    }
    assert.equal(powerOffs, 0, 'nothing ran without the token');
    assert.equal((await command('nosuch.thing')).status, 404);
    const unknown = await command('standby.nosuch');
    assert.equal(unknown.status, 400);
    assert.match(String(unknown.body['faultstring']), /nosuch not found/);
    const bad = await command('standby.prepare_image', { image_info: { id: 'x', urls: [] } });
    assert.equal(bad.status, 400);
    assert.match(String(bad.body['faultstring']), /urls/);
    const status = await call('GET', '/v1/status', undefined, null);
    assert.equal(status.status, 200);
  });

  it('clean steps: lists IPA priorities, erase_devices_metadata wipes both ends of the disk', async () => {
    const steps = await command('clean.get_clean_steps', { node: {}, ports: [] }, true);
    assert.equal(steps.body['command_status'], 'SUCCEEDED');
    const list = (
      steps.body['command_result'] as {
        clean_steps: { GenericHardwareManager: Array<{ step: string; priority: number }> };
      }
    ).clean_steps.GenericHardwareManager;
    assert.deepEqual(
      list.map((s) => [s.step, s.priority]),
      [
        ['erase_devices_metadata', 99],
        ['erase_devices', 10],
      ],
    );
    const step = { step: 'erase_devices_metadata', interface: 'deploy', priority: 99, args: {} };
    const done = await runToEnd('clean.execute_clean_step', { step, node: {}, ports: [], clean_version: {} });
    assert.equal(done['command_status'], 'SUCCEEDED', JSON.stringify(done));
    assert.deepEqual(done['command_result'], { clean_result: null, clean_step: step });
    assert.ok(
      readDisk(disk, 0, MiB).every((b) => b === 0),
      'first MiB zeroed',
    );
    assert.ok(
      readDisk(disk, DISK - MiB, MiB).every((b) => b === 0),
      'last MiB zeroed',
    );
    assert.ok(
      readDisk(disk, MiB, MiB).every((b) => b === 0xee),
      'the middle was not touched',
    );
    const all = await call('GET', '/v1/commands/');
    const names = (all.body['commands'] as Array<{ command_name: string }>).map((c) => c.command_name);
    assert.deepEqual(names.slice(-2), ['get_clean_steps', 'execute_clean_step']);
  });

  it('writes a compressed qcow2 whole-disk image while downloading, adds the config drive partition; busy meanwhile', async () => {
    const cd = randomBytes(300_000);
    const b64 = gzipSync(cd).toString('base64');
    const info = imageInfo('whole.qcow2', conductor.images.get('whole.qcow2')! as Buffer, {
      disk_format: 'qcow2',
    });
    const r = await command('standby.prepare_image', { image_info: info, configdrive: b64 });
    assert.equal(r.body['command_status'], 'RUNNING');
    const busy = await command('standby.sync', {}, true);
    assert.equal(busy.status, 409);
    assert.match(String(busy.body['faultstring']), /Agent is busy: executing command prepare_image/);
    const done = (await call('GET', `/v1/commands/${r.body['id']}?wait=true`)).body;
    assert.equal(done['command_status'], 'SUCCEEDED', JSON.stringify(done));
    assert.match(
      String((done['command_result'] as { result: string }).result),
      /^prepare_image: image \(img-whole.qcow2\) written to device \S+ root_uuid=0xc0ffee11$/,
    );
    // the disk holds the image (the config drive's partition entry aside), then zeros, then the config drive
    const head = readDisk(disk, 0, wholeRaw.length);
    assert.ok(head.subarray(512).equals(wholeRaw.subarray(512)), 'image bytes after the MBR');
    assert.ok(head.subarray(0, 446).equals(wholeRaw.subarray(0, 446)), 'boot code and disk id');
    const t = readPartitionTable(readDisk(disk, 0, 34 * 512));
    assert.deepEqual(
      t.parts.map((p) => [p.number, p.start, p.sectors]),
      [
        [1, 2048, 7 * 2048],
        [2, (DISK - 64 * MiB) / 512, (64 * MiB) / 512],
      ],
    );
    assert.ok(readDisk(disk, DISK - 64 * MiB, cd.length).equals(cd), 'config drive in the last 64 MiB');
    assert.ok(readDisk(disk, 8 * MiB, MiB).every((b) => b === 0));
    const uuids = await command('standby.get_partition_uuids', {}, true);
    assert.equal((uuids.body['command_result'] as Record<string, unknown>)['root uuid'], '0xc0ffee11');
  });

  it('a download that breaks off once is started over from byte 0 with a fresh hash; the deploy step says why', async () => {
    scribble(disk, 0, Buffer.alloc(8 * MiB, 0xee)); // what a half-finished write could leave behind
    const gets = conductor.imageGets.length;
    conductor.cuts.set('whole.qcow2', 1);
    const info = imageInfo('whole.qcow2', conductor.images.get('whole.qcow2')! as Buffer, {
      disk_format: 'qcow2',
    });
    const done = await runToEnd('deploy.execute_deploy_step', {
      step: { interface: 'deploy', step: 'write_image', priority: 80, args: { image_info: info } },
      node: { properties: {} },
    });
    assert.equal(done['command_status'], 'SUCCEEDED', JSON.stringify(done));
    assert.deepEqual(conductor.imageGets.slice(gets), ['whole.qcow2', 'whole.qcow2']);
    const result = (done['command_result'] as { deploy_result: Record<string, unknown> }).deploy_result;
    assert.match(
      String(result['result']),
      /written to device \S+ root_uuid=0xc0ffee11 after 2 download attempts$/,
    );
    const failures = result['download_failures'] as string[];
    assert.equal(failures.length, 1);
    assert.match(
      failures[0]!,
      /^attempt 1: http:\/\/127\.0\.0\.1:\d+\/images\/whole\.qcow2: the download broke off after \d+ of \d+ bytes: /,
    );
    assert.ok(readDisk(disk, 0, wholeRaw.length).equals(wholeRaw), 'the image, byte for byte');
  });

  it('a download that always breaks off fails after the bounded attempts, every reason in the error, the disk unbootable', async () => {
    const gets = conductor.imageGets.length;
    conductor.cuts.set('whole.qcow2', 100);
    const info = imageInfo('whole.qcow2', conductor.images.get('whole.qcow2')! as Buffer, {
      disk_format: 'qcow2',
    });
    try {
      const done = await runToEnd('standby.prepare_image', { image_info: info });
      assert.equal(done['command_status'], 'FAILED');
      const details = (done['command_error'] as { details: string }).details;
      assert.match(
        details,
        /^image img-whole\.qcow2 download failed \(3 attempts\): attempt 1: \S+: the download broke off after \d+ of \d+ bytes: [^;]+; attempt 2: [^;]+; attempt 3: \S+: the download broke off/,
      );
      assert.equal(conductor.imageGets.length - gets, 3);
      assert.ok(
        readDisk(disk, 0, MiB).every((b) => b === 0),
        'no boot sector left behind',
      );
    } finally {
      conductor.cuts.delete('whole.qcow2');
    }
  });

  it('a GPT whole-disk image gets its config drive partition before the moved backup GPT', async () => {
    const img = Buffer.alloc(4 * MiB);
    const g = planLayout({
      diskBytes: 4 * MiB,
      rootMb: 0,
      swapMb: 0,
      ephemeralMb: 0,
      configdriveBytes: 0,
      bootMode: 'bios',
      diskLabel: 'gpt',
    });
    for (const w of encodeGpt(
      g,
      '11111111-2222-4333-8444-555555555555',
      g.partitions.map(() => crypto.randomUUID()),
    ))
      Buffer.from(w.data).copy(img, w.offset);
    conductor.images.set('gpt.raw', img);
    const cd = randomBytes(10_000);
    const done = await runToEnd('standby.prepare_image', {
      image_info: imageInfo('gpt.raw', img),
      configdrive: cd.toString('base64'),
    });
    assert.equal(done['command_status'], 'SUCCEEDED', JSON.stringify(done['command_error']));
    const t = readPartitionTable(readDisk(disk, 0, 34 * 512));
    assert.equal(t.label, 'gpt');
    const start = Math.floor((DISK / 512 - 34 - (64 * MiB) / 512) / 2048) * 2048;
    assert.deepEqual(t.parts.map((p) => [p.start, p.sectors]).at(-1), [start, (64 * MiB) / 512]);
    assert.ok(readDisk(disk, start * 512, cd.length).equals(cd));
    assert.equal(readDisk(disk, DISK - 512, 8).toString(), 'EFI PART');
  });

  it('a checksum mismatch over the whole body fails at once (it would repeat) with a clear message, and the disk is left unbootable', async () => {
    const info = imageInfo('whole.qcow2', Buffer.from('something else'), { disk_format: 'qcow2' });
    const gets = conductor.imageGets.length;
    const done = await runToEnd('standby.prepare_image', { image_info: info });
    assert.equal(conductor.imageGets.length - gets, 1, 'downloaded once');
    assert.equal(done['command_status'], 'FAILED');
    assert.equal(done['command_result'], null);
    const err = done['command_error'] as { type: string; details: string };
    assert.equal(err.type, 'CommandExecutionError');
    assert.match(
      err.details,
      /Image failed to verify against checksum\. location: \S+whole\.qcow2; image ID: img-whole\.qcow2; image checksum: [0-9a-f]{128}; verification checksum: [0-9a-f]{128}/,
    );
    assert.doesNotMatch(JSON.stringify(done), /written to device/);
    assert.ok(
      readDisk(disk, 0, MiB).every((b) => b === 0),
      'no boot sector left behind',
    );
  });

  it('an image server that refuses the credential, and a format that is not what was declared, fail clearly', async () => {
    const info = {
      ...imageInfo('whole.qcow2', conductor.images.get('whole.qcow2')! as Buffer),
      image_request_headers: { 'X-Auth-Token': 'nope' },
    };
    const d1 = await runToEnd('standby.prepare_image', { image_info: info });
    assert.equal(d1['command_status'], 'FAILED');
    assert.match(
      (d1['command_error'] as { details: string }).details,
      /Image download failed for image img-whole\.qcow2: \S+: HTTP 401/,
    );
    const d2 = await runToEnd('standby.prepare_image', {
      image_info: imageInfo('whole.qcow2', conductor.images.get('whole.qcow2')! as Buffer, {
        disk_format: 'raw',
      }),
    });
    assert.equal(d2['command_status'], 'FAILED');
    assert.match(
      (d2['command_error'] as { details: string }).details,
      /declared raw but its content is qcow2/,
    );
  });

  describe('partition images', { skip: have('mkfs.ext4') ? false : 'mkfs.ext4 is not installed' }, () => {
    let root: Buffer;
    const ROOT = 16 * MiB;
    before(() => {
      const tree = join(dir, 'tree');
      spawnSync('mkdir', ['-p', join(tree, 'etc')]);
      writeFileSync(join(tree, 'etc', 'hello'), 'from the partition image\n');
      const img = join(dir, 'root.ext4');
      const r = spawnSync('mkfs.ext4', ['-q', '-F', '-L', 'img-root', '-d', tree, img, '12M']);
      assert.equal(r.status, 0, r.stderr?.toString());
      root = readFileSync(img);
      conductor.images.set('root.ext4', root);
    });
    const partInfo = (extra: Record<string, unknown> = {}) =>
      imageInfo('root.ext4', root, {
        image_type: 'partition',
        root_mb: ROOT / MiB,
        swap_mb: 4,
        ephemeral_mb: 8,
        ephemeral_format: 'ext4',
        os_hash_algo: undefined,
        os_hash_value: undefined,
        checksum: createHash('md5').update(root).digest('hex'),
        ...extra,
      });

    it('execute_deploy_step write_image: table, ephemeral, swap, config drive, root last', async () => {
      const cd = randomBytes(50_000);
      const step = {
        interface: 'deploy',
        step: 'write_image',
        priority: 80,
        args: { image_info: partInfo(), configdrive: cd.toString('base64') },
      };
      const done = await runToEnd('deploy.execute_deploy_step', {
        step,
        node: { properties: { root_device: { name: 'sda' } } },
        ports: [],
        deploy_version: {},
      });
      assert.equal(done['command_status'], 'SUCCEEDED', JSON.stringify(done['command_error']));
      const t = readPartitionTable(readDisk(disk, 0, 34 * 512));
      assert.equal(t.label, 'msdos');
      assert.deepEqual(
        t.parts.map((p) => [p.type, p.start, p.sectors]),
        [
          ['0x83', 2048, 8 * 2048],
          ['0x82', 9 * 2048, 4 * 2048],
          ['0x83', 13 * 2048, 2048],
          ['0x83', 14 * 2048, 16 * 2048],
        ],
      );
      const rootOff = 14 * MiB;
      assert.ok(readDisk(disk, rootOff, root.length).equals(root), 'root partition holds the image');
      assert.equal(readDisk(disk, 9 * MiB + 4096 - 10, 10).toString(), 'SWAPSPACE2');
      assert.equal(readDisk(disk, MiB + 1024 + 0x38, 2).readUInt16LE(), 0xef53, 'ephemeral is ext4');
      assert.equal(readDisk(disk, MiB + 1024 + 0x78, 10).toString(), 'ephemeral0');
      assert.ok(readDisk(disk, 13 * MiB, cd.length).equals(cd));
      const uuids = (await command('standby.get_partition_uuids', {}, true)).body['command_result'] as Record<
        string,
        unknown
      >;
      const fsUuid = spawnSync(
        'sh',
        ['-c', `blkid -p -s UUID -o value ${join(dir, 'root.ext4')} 2>/dev/null || true`],
        { encoding: 'utf8' },
      ).stdout.trim();
      if (fsUuid) assert.equal(uuids['root uuid'], fsUuid);
      assert.deepEqual(Object.keys(uuids['partitions'] as object).sort(), [
        'configdrive',
        'ephemeral',
        'root',
        'swap',
      ]);
      // a sim node carries no GRUB: Ironic's install_bootloader call gets a clear refusal
      const bl = await runToEnd('image.install_bootloader', {
        root_uuid: uuids['root uuid'],
        target_boot_mode: 'bios',
      });
      assert.equal(bl['command_status'], 'FAILED');
      assert.match(
        (bl['command_error'] as { details: string }).details,
        /cannot install a boot loader for bios: none: this agent carries no GRUB images/,
      );
    });

    it('preserve_ephemeral keeps the ephemeral partition; different sizes are refused', async () => {
      const marker = Buffer.from('ephemeral data that must survive a rebuild');
      scribble(disk, 5 * MiB, marker);
      scribble(disk, 13 * MiB, Buffer.alloc(2 * MiB, 0x55)); // old config drive and root, overwritten by the rebuild
      const ok = await runToEnd('standby.prepare_image', {
        image_info: partInfo({ preserve_ephemeral: true }),
      });
      assert.equal(ok['command_status'], 'SUCCEEDED', JSON.stringify(ok['command_error']));
      assert.ok(readDisk(disk, 5 * MiB, marker.length).equals(marker), 'ephemeral contents kept');
      // no config drive this time: root moves up to where the config drive was, the ephemeral stays
      const t = readPartitionTable(readDisk(disk, 0, 34 * 512));
      assert.deepEqual(
        t.parts.map((p) => [p.type, p.start]),
        [
          ['0x83', 2048],
          ['0x82', 9 * 2048],
          ['0x83', 13 * 2048],
        ],
      );
      assert.ok(readDisk(disk, 13 * MiB, root.length).equals(root), 'root rewritten');
      const bad = await runToEnd('standby.prepare_image', {
        image_info: partInfo({ preserve_ephemeral: true, ephemeral_mb: 9 }),
      });
      assert.equal(bad['command_status'], 'FAILED');
      assert.match(
        (bad['command_error'] as { details: string }).details,
        /preserve_ephemeral: the disk has no ephemeral partition of the same place and size/,
      );
      assert.ok(readDisk(disk, 5 * MiB, marker.length).equals(marker), 'still kept after the refusal');
    });
  });

  it('the inventory command, and power_off reaches the power callback', async () => {
    const inv = await command('system.get_inventory', {}, true);
    assert.equal(
      (inv.body['command_result'] as { inventory: { cpu: { count: number } } }).inventory.cpu.count,
      4,
    );
    const done = await runToEnd('standby.power_off', {});
    assert.equal(done['command_status'], 'SUCCEEDED');
    assert.equal(powerOffs, 1);
  });
});
