// The lab's metadata path: the lab forwarder's namespace half (src/lab/forward.ts) serves 169.254.169.254:80
// inside a namespace and hands each request to the metadata service's trusted socket with the asker's source
// address in X-Forwarded-For. A process in the namespace whose source address is a server's fixed IP gets
// that server's meta_data.json; from another address (even one claiming the server's IP in its own
// X-Forwarded-For) it gets 404; the metadata service's TCP port does not believe the header.
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { forwardReady } from '../../src/lab/forward.ts';
import { deleteLabNetwork, METADATA_ADDRESS } from '../../src/lab/network.ts';
import { type LabState, writeLab } from '../../src/lab/state.ts';
import { type Json, type ServerLab, startServerLab } from '../compute/servers-sim.ts';
import { cliUnavailable } from '../support/openstack-cli.ts';

const FORWARD = join(import.meta.dirname, '../../src/lab/forward.ts');
const NODE = process.execPath;
const skip =
  (process.getuid?.() === 0 ? undefined : 'not root: cannot create network namespaces') ??
  (existsSync('/usr/bin/curl') ? undefined : 'no curl') ??
  cliUnavailable();

/** curl from inside the namespace, bound to a source address. */
function curlFrom(netns: string, source: string, path: string, headers: string[] = []) {
  return new Promise<{ status: number; body: string }>((done, fail) =>
    execFile(
      'ip',
      ['netns', 'exec', netns, 'curl', '-sS', '--interface', source, '-w', '\n%{http_code}']
        .concat(headers.flatMap((h) => ['-H', h]))
        .concat([`http://${METADATA_ADDRESS}${path}`]),
      { timeout: 60_000 },
      (err, stdout, stderr) => {
        if (err) return fail(new Error(`curl: ${stderr || err.message}`));
        const cut = stdout.lastIndexOf('\n');
        done({ status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut) });
      },
    ),
  );
}

describe('the lab forwards 169.254.169.254 to the metadata service', { skip }, () => {
  let lab: ServerLab;
  let dir: string;
  const netns = `ooo-mdtest-${randomBytes(3).toString('hex')}`;
  let forwarder: ReturnType<typeof spawn> | undefined;
  const socket = () => join(dir, 'seed', 'compute-metadata', 'forwarded.sock');

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ooo-md-route-'));
    // Only the trusted socket believes X-Forwarded-For; the TCP port does not.
    lab = await startServerLab({}, [], { useForwardedFor: false, forwardedForSocket: socket() });
    await lab.image(dir, 'img', 1);
    await lab.simNodes(['md-0'], 0x0300);
  });
  after(async () => {
    forwarder?.kill('SIGTERM');
    deleteLabNetwork(netns);
    await lab?.seed.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("a server's fixed IP gets its metadata through 169.254.169.254; another address gets 404", async () => {
    assert.equal(statSync(socket()).mode & 0o777, 0o600, 'only root reaches the trusted socket');
    const image = (await lab.ok('image', 'show', 'img', '-f', 'json')).id;
    const flavor = (await lab.ok('flavor', 'show', 'baremetal', '-f', 'json')).id;
    const created = await lab.nova(
      'POST',
      '/servers',
      {
        server: { name: 'md', imageRef: image, flavorRef: flavor, metadata: { role: 'metadata-test' } },
      },
      '2.1',
    );
    assert.equal(created.status, 202, JSON.stringify(created.body));
    const server: Json = await lab.settle(created.body.server.id);
    assert.equal(server.status, 'ACTIVE', JSON.stringify(server.fault));
    const fixed: string = Object.values(server.addresses as Record<string, Json[]>)[0]![0].addr;
    const stranger = '192.168.24.251';
    assert.notEqual(fixed, stranger);

    // A namespace as the lab makes it (the metadata address on lo), with the two sources on it as well.
    execFileSync('ip', ['netns', 'add', netns]);
    const inNs = (...a: string[]) => execFileSync('ip', ['-n', netns, ...a]);
    inNs('link', 'set', 'lo', 'up');
    for (const a of [METADATA_ADDRESS, fixed, stranger]) inNs('addr', 'add', `${a}/32`, 'dev', 'lo');
    const labDir = join(dir, 'lab');
    mkdirSync(labDir);
    const state: LabState = {
      id: 'mdtest',
      dir: labDir,
      netns,
      bridge: 'lo',
      cidr: '192.0.2.1/24',
      accel: 'tcg',
      accelReason: 'test',
      nodes: [],
      forwards: [],
      metadataSocket: socket(),
      createdAt: new Date().toISOString(),
    };
    writeLab(state);
    forwarder = spawn('ip', ['netns', 'exec', netns, NODE, FORWARD, 'ns', labDir], { stdio: 'inherit' });
    for (let i = 0; !existsSync(forwardReady(labDir, 'ns')); i++) {
      assert.ok(i < 600 && forwarder.exitCode === null, 'the forwarder did not start');
      await sleep(100);
    }

    const mine = await curlFrom(netns, fixed, '/openstack/latest/meta_data.json');
    assert.equal(mine.status, 200, mine.body);
    const doc = JSON.parse(mine.body);
    assert.equal(doc.uuid, server.id);
    assert.deepEqual(doc.meta, { role: 'metadata-test' });
    assert.equal((await curlFrom(netns, fixed, '/latest/meta-data/local-ipv4')).body, fixed);

    assert.equal((await curlFrom(netns, stranger, '/openstack/latest/meta_data.json')).status, 404);
    // A guest cannot pose as another: the proxy replaces the header it sent.
    const spoofed = await curlFrom(netns, stranger, '/openstack/latest/meta_data.json', [
      `X-Forwarded-For: ${fixed}`,
    ]);
    assert.equal(spoofed.status, 404);
    // Nor can anyone on the TCP port: without useForwardedFor it answers by the peer (127.0.0.1).
    const tcp = await fetch(`${lab.seed.urls['compute-metadata']}/openstack/latest/meta_data.json`, {
      headers: { 'x-forwarded-for': fixed },
    });
    assert.equal(tcp.status, 404);
    await tcp.text();
  });
});
