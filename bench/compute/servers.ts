// The overhead of the compute layer: N servers created at once on N sim nodes (time to all ACTIVE), against
// the bare metal service deploying the same N nodes directly (instance_info + deploy, time to all active),
// in the same run, with the same image. Both deploy through the in-process agent; the ratio is what
// scheduling, claims, ports, config-drive-less instance_info and polling add.
// Run: node_modules/.bin/node bench/compute/servers.ts [N] [compute-first]   (default 100, bare metal first)
import { randomBytes } from 'node:crypto';
import { startTestSeed } from '../../test/support/seed.ts';

const N = Number(process.argv[2] ?? 100);
const COMPUTE_FIRST = process.argv[3] === 'compute-first';
const seed = await startTestSeed({
  services: ['image', 'network', 'baremetal', 'compute'],
  serviceUsers: true,
  settings: {
    baremetal: { agentPollIntervalMs: 100, periodicIntervalMs: 1000, simDiskGb: 1 },
    compute: { pollMs: 100, quotaDefaults: { instances: -1, cores: -1, ram: -1 } },
  },
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
try {
  const token = await seed.tokenFor('admin', seed.adminPassword, 'admin');
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
        'x-auth-token': token,
        ...headers,
        ...(body === undefined || Buffer.isBuffer(body) ? {} : { 'content-type': 'application/json' }),
        ...(Buffer.isBuffer(body) ? { 'content-type': 'application/octet-stream' } : {}),
      },
      body: body === undefined ? undefined : Buffer.isBuffer(body) ? body : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : {};
  };
  const ironic = (method: string, path: string, body?: unknown) =>
    call(seed.urls.baremetal ?? '', method, path, { 'x-openstack-ironic-api-version': '1.78' }, body);
  const nova = (method: string, path: string, body?: unknown) =>
    call(`${seed.urls.compute}/v2.1`, method, path, { 'openstack-api-version': 'compute 2.79' }, body);
  const neutron = (path: string, body: unknown) => call(seed.urls.network ?? '', 'POST', path, {}, body);
  const glance = (method: string, path: string, body?: unknown) =>
    call(seed.urls.image ?? '', method, path, {}, body);

  const net = (await neutron('/v2.0/networks', { network: { name: 'ctlplane', shared: true } })).network;
  await neutron('/v2.0/subnets', {
    subnet: { network_id: net.id, cidr: '10.100.0.0/16', ip_version: 4, enable_dhcp: false },
  });
  const image = await glance('POST', '/v2/images', {
    name: 'bench',
    disk_format: 'raw',
    container_format: 'bare',
    visibility: 'public',
  });
  await glance('PUT', `/v2/images/${image.id}/file`, randomBytes(1024 * 1024));
  const flavor = (
    await nova('POST', '/flavors', { flavor: { name: 'bm', ram: 1024, vcpus: 1, disk: 1, id: null } })
  ).flavor;
  await nova('POST', `/flavors/${flavor.id}/os-extra_specs`, {
    extra_specs: { 'resources:CUSTOM_BAREMETAL': '1' },
  });

  const uuids: string[] = [];
  for (let i = 0; i < N; i++) {
    const n = await ironic('POST', '/v1/nodes', {
      driver: 'sim',
      name: `b${i}`,
      resource_class: 'baremetal',
    });
    const mac = `52:54:01:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`;
    await ironic('POST', '/v1/ports', { address: mac, node_uuid: n.uuid });
    uuids.push(n.uuid);
  }
  const waitAll = async (state: string) => {
    for (;;) {
      const nodes = (await ironic('GET', '/v1/nodes/detail')).nodes as {
        provision_state: string;
        target_provision_state: string | null;
        last_error: string;
      }[];
      const failed = nodes.find((n) => n.provision_state.endsWith('failed'));
      if (failed) throw new Error(`a node failed: ${failed.last_error}`);
      if (nodes.every((n) => n.provision_state === state && n.target_provision_state === null)) return;
      await sleep(200);
    }
  };
  const provision = (target: string) =>
    Promise.all(uuids.map((u) => ironic('PUT', `/v1/nodes/${u}/states/provision`, { target })));
  await provision('manage');
  await waitAll('manageable');
  await provision('provide');
  await waitAll('available');

  // 1. The bare metal service alone.
  const direct = async () => {
    const start = performance.now();
    await Promise.all(
      uuids.map((u) =>
        ironic('PATCH', `/v1/nodes/${u}`, [
          { op: 'add', path: '/instance_info/image_source', value: image.id },
        ]),
      ),
    );
    await provision('active');
    await waitAll('active');
    const took = (performance.now() - start) / 1000;
    await provision('deleted');
    await waitAll('available');
    await Promise.all(
      uuids.map((u) => ironic('PATCH', `/v1/nodes/${u}`, [{ op: 'remove', path: '/instance_info' }])),
    );
    return took;
  };

  // 2. Through compute.
  const viaCompute = async () => {
    const start = performance.now();
    const ids = await Promise.all(
      uuids.map(
        async (_, i) =>
          (
            await nova('POST', '/servers', {
              server: {
                name: `s${i}`,
                imageRef: image.id,
                flavorRef: flavor.id,
                networks: [{ uuid: net.id }],
              },
            })
          ).server.id as string,
      ),
    );
    for (;;) {
      const servers = (await nova('GET', '/servers/detail')).servers as {
        status: string;
        fault?: { message: string };
      }[];
      const err = servers.find((s) => s.status === 'ERROR');
      if (err) throw new Error(`a server failed: ${err.fault?.message}`);
      if (servers.length === ids.length && servers.every((s) => s.status === 'ACTIVE')) break;
      await sleep(200);
    }
    const took = (performance.now() - start) / 1000;
    await Promise.all(ids.map((id) => nova('DELETE', `/servers/${id}`)));
    while ((await nova('GET', '/servers')).servers.length > 0) await sleep(500);
    await waitAll('available');
    return took;
  };

  // The order is a parameter: the phase that runs first also warms the process up.
  let directS: number;
  let computeS: number;
  if (COMPUTE_FIRST) {
    computeS = await viaCompute();
    directS = await direct();
  } else {
    directS = await direct();
    computeS = await viaCompute();
  }
  console.log(`${N} nodes deployed by the bare metal service directly: ${directS.toFixed(1)} s`);
  console.log(`${N} servers to ACTIVE through compute:               ${computeS.toFixed(1)} s`);
  console.log(
    `ratio compute : bare metal = ${(computeS / directS).toFixed(2)}  (1.0 = the compute layer adds nothing)`,
  );
} finally {
  await seed.stop();
}
