// The cost of redacting secrets at any depth: log calls per second into a sink that drops the lines,
// for pino with no redaction (the floor), pino's fixed-path redaction (what the logger did before) and
// ours, on a request-log object (the hot path: one per request) and on a node list with secrets.
// Run: node_modules/.bin/node bench/platform/redact.ts [calls]
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createLogger } from '../../src/platform/log/logger.ts';

const CALLS = Number(process.argv[2] ?? 100_000);
const sink = () =>
  new Writable({
    write(_c, _e, done) {
      done();
    },
  });

const request = {
  reqId: 'req-1',
  req: { method: 'GET', url: '/v2/images?limit=20', hostname: '127.0.0.1:9292', remoteAddress: '127.0.0.1' },
};
const nodes = {
  nodes: Array.from({ length: 5 }, (_, i) => ({
    uuid: `node-${i}`,
    driver: 'ipmi',
    driver_info: { ipmi_address: `10.0.0.${i}`, ipmi_username: 'admin', ipmi_password: 'secret' },
  })),
};

const loggers = {
  none: pino({ level: 'info' }, sink()),
  'fixed paths': pino(
    { level: 'info', redact: { paths: ['password', '*.password', 'nodes[*].driver_info.ipmi_password'] } },
    sink(),
  ),
  'any depth': createLogger({ destination: sink() }),
};

function rate(log: pino.Logger, obj: object): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) log.info(obj, 'bench');
  return CALLS / (Number(process.hrtime.bigint() - start) / 1e9);
}

// The machine is shared: rounds interleave the loggers and each keeps its best.
for (const [what, obj] of [
  ['request log', request],
  ['5 nodes with ipmi_password', nodes],
] as const) {
  const best = { none: 0, 'fixed paths': 0, 'any depth': 0 };
  for (let round = 0; round < 5; round++)
    for (const name of Object.keys(best) as (keyof typeof best)[])
      best[name] = Math.max(best[name], rate(loggers[name], obj));
  console.log(`${what}: no redaction ${Math.round(best.none)} calls/s`);
  for (const name of ['fixed paths', 'any depth'] as const)
    console.log(
      `  ${name}: ${Math.round(best[name])} calls/s, ${(best[name] / best.none).toFixed(2)}x of no redaction`,
    );
}
