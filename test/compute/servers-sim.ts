// What the server tests share: a seed with identity, image, network, bare metal and compute; the real CLI;
// a provisioning network; a small raw image; sim nodes provided through the agent; a bare metal flavor.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BAREMETAL_FLAVOR_PROPERTIES } from '../support/baremetal-cli.ts';
import { openstack } from '../support/openstack-cli.ts';
import { startTestSeed, type TestSeed } from '../support/seed.ts';

// biome-ignore lint/suspicious/noExplicitAny: the CLI's and the API's JSON are read freely
export type Json = any;

export interface ServerLab {
  seed: TestSeed;
  admin: string;
  os(...args: string[]): Promise<{ code: number; stdout: string; stderr: string; json(): Json }>;
  ok(...args: string[]): Promise<Json>;
  nova(
    method: string,
    path: string,
    body?: unknown,
    version?: string,
  ): Promise<{ status: number; body: Json }>;
  ironic(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }>;
  neutron(path: string): Promise<Json>;
  /** Creates sim nodes (resource class baremetal), each with one port, provided (cleaned) to available. */
  simNodes(names: string[], macBase: number): Promise<Json[]>;
  /** A raw image of `mib` MiB of random data. */
  image(dir: string, name: string, mib: number): Promise<Json>;
  /** Polls GET /servers/{id} until status leaves BUILD/REBUILD/REBOOT... or the server is gone (404). */
  settle(id: string): Promise<Json | undefined>;
}

/** `moreServices`: what else the seed runs beside them (orchestration's metadata path test adds heat);
 * `metadataSettings`: compute-metadata's (the lab's route test trusts a socket instead of the header). */
export async function startServerLab(
  computeSettings: Record<string, unknown> = {},
  moreServices: string[] = [],
  metadataSettings: Record<string, unknown> = {},
): Promise<ServerLab> {
  const seed = await startTestSeed({
    services: ['image', 'network', 'baremetal', 'compute', 'compute-metadata', ...moreServices],
    serviceUsers: true,
    settings: {
      baremetal: { agentPollIntervalMs: 100, periodicIntervalMs: 1000, simDiskGb: 1 },
      compute: { pollMs: 100, ...computeSettings },
      // The test asks as the instance through X-Forwarded-For, as a proxy in front of 8775 would.
      'compute-metadata': { useForwardedFor: true, ...metadataSettings },
    },
  });
  const admin = await seed.tokenFor('admin', seed.adminPassword, 'admin');
  const os = (...args: string[]) => openstack(seed.cliEnv, args, { timeoutMs: 300_000 });
  const ok = async (...args: string[]) => {
    const r = await os(...args);
    assert.equal(r.code, 0, `openstack ${args.join(' ')}:\n${r.stdout}\n${r.stderr}`);
    return args.includes('json') ? r.json() : r.stdout;
  };
  const call = async (
    base: string,
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: unknown,
  ) => {
    const res = await fetch(base + path, {
      method,
      headers: {
        'x-auth-token': admin,
        ...headers,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : {} };
  };
  const lab: ServerLab = {
    seed,
    admin,
    os,
    ok,
    nova: (method, path, body, version = '2.79') =>
      call(
        `${seed.urls.compute}/v2.1`,
        method,
        path,
        { 'openstack-api-version': `compute ${version}` },
        body,
      ),
    ironic: (method, path, body) =>
      call(seed.urls.baremetal ?? '', method, path, { 'x-openstack-ironic-api-version': '1.78' }, body),
    neutron: async (path) => (await call(seed.urls.network ?? '', 'GET', path, {})).body,
    async simNodes(names, macBase) {
      const nodes: Json[] = [];
      for (const [i, name] of names.entries()) {
        const n: Json = await ok(
          'baremetal',
          'node',
          'create',
          '--driver',
          'sim',
          '--name',
          name,
          '--resource-class',
          'baremetal',
          '--property',
          'cpus=1',
          '--property',
          'memory_mb=1024',
          '--property',
          'local_gb=1',
          '-f',
          'json',
        );
        const mac = `52:54:00:${(macBase >> 8).toString(16).padStart(2, '0')}:${(macBase & 0xff).toString(16).padStart(2, '0')}:${(i + 1).toString(16).padStart(2, '0')}`;
        await ok('baremetal', 'port', 'create', mac, '--node', n.uuid);
        nodes.push({ ...n, mac });
      }
      await Promise.all(names.map((n) => ok('baremetal', 'node', 'manage', n, '--wait', '120')));
      await Promise.all(names.map((n) => ok('baremetal', 'node', 'provide', n, '--wait', '240')));
      return nodes;
    },
    async image(dir, name, mib) {
      const path = join(dir, `${name}.raw`);
      writeFileSync(path, randomBytes(mib * 1024 * 1024));
      return ok(
        'image',
        'create',
        '--disk-format',
        'raw',
        '--container-format',
        'bare',
        '--public',
        '--file',
        path,
        name,
        '-f',
        'json',
      );
    },
    async settle(id) {
      for (;;) {
        const r = await lab.nova('GET', `/servers/${id}`);
        if (r.status === 404) return undefined;
        const s = r.body.server;
        if (s['OS-EXT-STS:task_state'] === null && s.status !== 'BUILD') return s;
        await new Promise((res) => setTimeout(res, 200));
      }
    },
  };
  // The provisioning network servers land on by default (settings.compute.provisioningNetwork).
  await ok('network', 'create', '--share', 'ctlplane', '-f', 'json');
  await ok(
    'subnet',
    'create',
    '--network',
    'ctlplane',
    '--subnet-range',
    '192.168.24.0/24',
    '--no-dhcp',
    'ctlplane-v4',
    '-f',
    'json',
  );
  await ok(
    'flavor',
    'create',
    '--ram',
    '1024',
    '--vcpus',
    '1',
    '--disk',
    '1',
    ...BAREMETAL_FLAVOR_PROPERTIES,
    'baremetal',
    '-f',
    'json',
  );
  await ok('quota', 'set', '--instances', '100', '--cores', '200', '--ram', '1000000', 'admin');
  return lab;
}
