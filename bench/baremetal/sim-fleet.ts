// The conductor at scale with `sim` nodes: one process (identity, image and bare metal, SQLite file) enrolls N
// sim nodes (default 1,000), manages them, then provides (automated cleaning through the in-process agent:
// erase_devices_metadata on a sparse disk) and deploys (the agent downloads a 1 MiB raw image from the image
// service with its per-deploy credential, checks its hash and writes it) all of them at once: each node is
// deployed as soon as it is available. Goal: all active in ≤ 5 min. Meanwhile a sampler measures `node list`
// (GET /v1/nodes, the six default fields), `node show` and the reference: the service's own discovery
// document (GET /, no token, no database) on the same server, p50/p99. Memory: RSS and heap growth per node.
// Run: node_modules/.bin/node bench/baremetal/sim-fleet.ts [nodes]
import { randomBytes } from 'node:crypto';
import { startTestSeed } from '../../test/support/seed.ts';
import { eachLimited } from './server.support.ts';

const N = Number(process.argv[2] ?? 1000);
const WIDTH = 8;
const mb = (b: number) => b / (1024 * 1024);

const seed = await startTestSeed({
  services: ['image', 'baremetal'],
  serviceUsers: true,
  settings: {
    // Each deploy makes an application credential and a token from it: two scrypt hashes of its secret. At
    // identity's default cost (2^15) these dominate (see docs/baremetal.md); the bench uses 2^10 as tests do,
    // or the default with BENCH_HASH_COST=15.
    identity: { hashCostLog2: Number(process.env.BENCH_HASH_COST ?? 10) },
    image: { fsync: false },
    baremetal: { agentPollIntervalMs: 1000, simDiskGb: 1, powerSyncIntervalMs: 60_000 },
  },
});
try {
  const token = await seed.tokenFor('admin', seed.adminPassword, 'admin');
  const headers = { 'x-auth-token': token, 'x-openstack-ironic-api-version': '1.78' };
  const bm = seed.urls.baremetal as string;
  const call = async (method: string, url: string, body?: unknown, expect?: number) => {
    const r = await fetch(url, {
      method,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    if (expect !== undefined && r.status !== expect) throw new Error(`${method} ${url}: ${r.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  const image = await call(
    'POST',
    `${seed.urls.image}/v2/images`,
    { name: 'bench', disk_format: 'raw', container_format: 'bare', visibility: 'public' },
    201,
  );
  const put = await fetch(`${seed.urls.image}/v2/images/${image.id}/file`, {
    method: 'PUT',
    headers: { ...headers, 'content-type': 'application/octet-stream' },
    body: randomBytes(1 << 20),
  });
  if (put.status !== 204) throw new Error(`image upload: ${put.status}`);

  global.gc?.();
  const mem0 = process.memoryUsage();
  const uuids: string[] = [];
  const t0 = performance.now();
  await eachLimited(
    Array.from({ length: N }, (_, i) => i),
    WIDTH,
    async (i) => {
      const n = await call(
        'POST',
        `${bm}/v1/nodes`,
        {
          driver: 'sim',
          name: `sim-${i}`,
          properties: { local_gb: 1 },
          instance_info: { image_source: image.id },
        },
        201,
      );
      const mac = `52:54:${[i >> 16, (i >> 8) & 255, i & 255, 0].map((x) => x.toString(16).padStart(2, '0')).join(':')}`;
      await call('POST', `${bm}/v1/ports`, { address: mac, node_uuid: n.uuid }, 201);
      uuids.push(n.uuid);
    },
  );
  const enrolled = (performance.now() - t0) / 1000;
  const states = async () =>
    new Map(
      (
        (await call('GET', `${bm}/v1/nodes?fields=uuid,provision_state,last_error&limit=0`)).nodes as {
          uuid: string;
          provision_state: string;
          last_error: string | null;
        }[]
      ).map((n) => [n.uuid, n]),
    );
  const waitAll = async (state: string) => {
    for (;;) {
      const s = await states();
      if ([...s.values()].every((n) => n.provision_state === state)) return;
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
  await eachLimited(uuids, WIDTH, (u) =>
    call('PUT', `${bm}/v1/nodes/${u}/states/provision`, { target: 'manage' }, 202),
  );
  await waitAll('manageable');

  // The sampler: one request of each kind in turn, every 100 ms, while the fleet moves.
  const samples: Record<string, number[]> = { reference: [], list: [], show: [] };
  let sampling = true;
  const sampler = (async () => {
    let k = 0;
    while (sampling) {
      for (const [kind, url, h] of [
        ['reference', `${bm}/`, {}],
        ['list', `${bm}/v1/nodes`, headers],
        ['show', `${bm}/v1/nodes/${uuids[k++ % uuids.length]}`, headers],
      ] as const) {
        const s = performance.now();
        const r = await fetch(url, { headers: h });
        await r.arrayBuffer();
        samples[kind]?.push(performance.now() - s);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();

  const t1 = performance.now();
  const cpu1 = process.cpuUsage();
  await eachLimited(uuids, WIDTH, (u) =>
    call('PUT', `${bm}/v1/nodes/${u}/states/provision`, { target: 'provide' }, 202),
  );
  const deploying = new Set<string>();
  const counts = new Map<string, number>();
  let peakRss = 0;
  let failed: string[] = [];
  for (;;) {
    const s = await states();
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    counts.clear();
    for (const n of s.values()) counts.set(n.provision_state, (counts.get(n.provision_state) ?? 0) + 1);
    const ready = [...s.values()].filter((n) => n.provision_state === 'available' && !deploying.has(n.uuid));
    for (const n of ready) deploying.add(n.uuid);
    await eachLimited(ready, WIDTH, (n) =>
      call('PUT', `${bm}/v1/nodes/${n.uuid}/states/provision`, { target: 'active' }, 202),
    );
    failed = [...s.values()]
      .filter((n) => n.provision_state.endsWith('failed'))
      .map((n) => `${n.uuid}: ${n.last_error}`);
    if ((counts.get('active') ?? 0) + failed.length === N) break;
    console.log(
      `${((performance.now() - t1) / 1000).toFixed(0)} s: ${[...counts].map(([k, v]) => `${k} ${v}`).join(', ')}`,
    );
    await new Promise((r) => setTimeout(r, 2000));
  }
  const allActive = (performance.now() - t1) / 1000;
  const cpu = process.cpuUsage(cpu1);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  sampling = false;
  await sampler;
  global.gc?.();
  const mem1 = process.memoryUsage();

  const pct = (xs: number[], q: number) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
  };
  console.log(`${N} sim nodes: enrolled (with a port each) in ${enrolled.toFixed(1)} s`);
  console.log(
    `provide (clean) + deploy, all at once: ${counts.get('active') ?? 0} active, ${failed.length} failed in ${allActive.toFixed(1)} s (goal ≤ 300 s)`,
  );
  for (const f of failed.slice(0, 5)) console.log(`  failed ${f}`);
  console.log(
    `CPU of this process (service, agents, sampler) meanwhile: ${cpuS.toFixed(1)} s, ${((cpuS * 1000) / N).toFixed(0)} ms per node; wall/CPU ${(allActive / cpuS).toFixed(2)}`,
  );
  if (process.env.BENCH_TIMELINE) {
    const h = await call('GET', `${bm}/v1/nodes/${uuids[uuids.length - 1]}/history?detail=True`);
    for (const e of h.history as { created_at: string; event: string }[])
      console.log(`  ${e.created_at} ${e.event}`);
  }
  console.log('during the run          samples   p50 ms   p99 ms   p50 / reference p50');
  const ref = pct(samples.reference ?? [], 0.5);
  for (const [kind, xs] of Object.entries(samples))
    console.log(
      `${kind.padEnd(22)} ${String(xs.length).padStart(8)} ${pct(xs, 0.5).toFixed(1).padStart(8)} ${pct(xs, 0.99).toFixed(1).padStart(8)} ${(pct(xs, 0.5) / ref).toFixed(1).padStart(10)}`,
    );
  console.log(
    `memory at the peak: RSS +${((mb(peakRss - mem0.rss) * 1024) / N).toFixed(0)} KiB per node (agents running)`,
  );
  console.log(
    `memory: RSS +${((mb(mem1.rss - mem0.rss) * 1024) / N).toFixed(0)} KiB per node (peak RSS ${mb(peakRss).toFixed(0)} MiB), heap +${((mb(mem1.heapUsed - mem0.heapUsed) * 1024) / N).toFixed(1)} KiB per node (all active, agents stopped)`,
  );
} finally {
  await seed.stop();
}
