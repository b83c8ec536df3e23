import { eachLimited, latency, startBenchServer } from './server.support.ts';

const server = await startBenchServer({ host: 'bench' });
const ids = Array.from({ length: 500 }, (_, i) => i);
await eachLimited(ids, 8, (i) =>
  server.call(
    'POST',
    '/v1/nodes',
    { driver: 'fake-hardware', name: `n${i}`, driver_info: { ipmi_password: 'x' }, properties: { cpus: 4 } },
    201,
  ),
);
const l = await latency(100, () => server.get('/v1/nodes/detail'));
console.log(l);
await server.close();
