// The conductor's cost per node and the API's list latency, fake-hardware: N nodes (default 500) go through
// enroll, manage, provide (automated cleaning, fake), deploy, undeploy (tear down and cleaning) and delete
// over HTTP, 8 requests in flight; each phase's CPU time (process.cpuUsage, server and client in this one
// process) per node. Then, with N active nodes, `GET /v1/nodes/detail` (what `node list --long` sends) p50/p99
// against the empty route of the same server, and `GET /v1/nodes/{uuid}`.
// The reference: CPU per request of the empty route, measured in the same run. Targets: ≤ 45 CPU ms per node
// for the whole life (Ironic ≈ 450 ms), ≤ 20 ms p50 for the detailed list of 500 nodes (Ironic 196 ms).
// Run: node_modules/.bin/node bench/baremetal/lifecycle.ts [nodes]   (BENCH_DB=postgres://… for PG)
import { cpuMs, eachLimited, latency, startBenchServer } from './server.support.ts';

const N = Number(process.argv[2] ?? 500);
const WIDTH = 8;
const server = await startBenchServer({ host: 'bench' });
try {
  const { call, conductor } = server;
  // Reference: CPU per request of the empty route (after a warm-up).
  await latency(200, () => call('GET', '/bench/empty'));
  let c0 = cpuMs();
  await eachLimited(Array.from({ length: 2000 }), WIDTH, () => call('GET', '/bench/empty'));
  const perEmpty = (cpuMs() - c0) / 2000;

  const uuids: string[] = [];
  const phases: [string, number, number][] = [];
  const phase = async (name: string, requests: number, work: () => Promise<unknown>) => {
    const t0 = performance.now();
    const c = cpuMs();
    await work();
    await conductor.idle();
    phases.push([name, (cpuMs() - c) / N, (performance.now() - t0) / 1000]);
    void requests;
  };
  const act = (target: string) => () =>
    eachLimited(uuids, WIDTH, (u) => call('PUT', `/v1/nodes/${u}/states/provision`, { target }, 202));

  await phase('enroll', N, () =>
    eachLimited(
      Array.from({ length: N }, (_, i) => i),
      WIDTH,
      async (i) => {
        const n = (await call(
          'POST',
          '/v1/nodes',
          {
            driver: 'fake-hardware',
            name: `node-${i}`,
            driver_info: { ipmi_password: 'secret' },
            properties: { cpus: 4, memory_mb: 8192, local_gb: 40, cpu_arch: 'x86_64' },
            resource_class: 'baremetal',
          },
          201,
        )) as { uuid: string };
        uuids.push(n.uuid);
      },
    ),
  );
  await phase('manage', N, act('manage'));
  await phase('provide (clean)', N, act('provide'));
  await phase('deploy', N, act('active'));
  const states = (await call('GET', '/v1/nodes?fields=provision_state&limit=0')) as {
    nodes: { provision_state: string }[];
  };
  const active = states.nodes.filter((n) => n.provision_state === 'active').length;

  // Latency with N active nodes, sequential requests.
  const { get } = server;
  const empty = await latency(300, () => get('/bench/empty'));
  const detail = await latency(100, () => get('/v1/nodes/detail'));
  const list = await latency(100, () => get('/v1/nodes'));
  let k = 0;
  const show = await latency(300, () => get(`/v1/nodes/${uuids[k++ % uuids.length]}`));
  c0 = cpuMs();
  await latency(20, () => get('/v1/nodes/detail'));
  const detailCpu = (cpuMs() - c0) / 20;
  const detailBytes = await get('/v1/nodes/detail');

  await phase('undeploy (clean)', N, act('deleted'));
  await phase('delete', N, () =>
    eachLimited(uuids, WIDTH, (u) => call('DELETE', `/v1/nodes/${u}`, undefined, 204)),
  );
  const total = phases.reduce((sum, [, ms]) => sum + ms, 0);

  console.log(`${N} fake-hardware nodes, ${WIDTH} requests in flight, ${active}/${N} active after deploy`);
  console.log(`reference: empty route ${perEmpty.toFixed(3)} CPU ms per request`);
  console.log('phase               CPU ms/node   wall s   empty-route requests of CPU');
  for (const [name, ms, s] of phases)
    console.log(
      `${name.padEnd(18)} ${ms.toFixed(2).padStart(11)} ${s.toFixed(2).padStart(8)} ${(ms / perEmpty).toFixed(1).padStart(12)}`,
    );
  console.log(
    `whole life          ${total.toFixed(2).padStart(10)}   (target ≤ 45 ms; ${(total / perEmpty).toFixed(1)} empty requests)`,
  );
  console.log('request (sequential)          p50 ms   p99 ms   p50 / empty p50');
  const row = (name: string, l: { p50: number; p99: number }) =>
    console.log(
      `${name.padEnd(28)} ${l.p50.toFixed(2).padStart(7)} ${l.p99.toFixed(2).padStart(8)} ${(l.p50 / empty.p50).toFixed(1).padStart(12)}`,
    );
  row('empty route (reference)', empty);
  row(`GET /v1/nodes/detail (${N})`, detail);
  row(`GET /v1/nodes (${N})`, list);
  row('GET /v1/nodes/{uuid}', show);
  console.log(
    `GET /v1/nodes/detail: ${(detailBytes / 1024).toFixed(0)} KiB, ${detailCpu.toFixed(1)} CPU ms per request (target p50 ≤ 20 ms)`,
  );
} finally {
  await server.close();
}
