// Token issue and validation throughput against an empty route of the same Fastify app, measured in the
// same run. The server runs in its own process (bench/identity/server.support.ts) so the load generator does not
// share its event loop. Each phase is bounded in requests and in time.
// Run: node_modules/.bin/node bench/identity/tokens.ts [--seconds N] [--concurrency N]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { hashSecret, verifySecret } from '../../src/identity/model/password.ts';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '5' }, concurrency: { type: 'string', default: '16' } },
});
const SECONDS = Number(values.seconds);
const ROUNDS = 5;
const CONCURRENCY = Number(values.concurrency);

interface Phase {
  name: string;
  maxRequests: number;
  expect: number;
  request: (i: number) => Promise<number>;
  latencies: number[];
  errors: number;
  seconds: number;
}

function phase(
  name: string,
  maxRequests: number,
  expect: number,
  send: (i: number) => Promise<Response>,
): Phase {
  const request = async (i: number) => {
    const res = await send(i);
    await res.arrayBuffer();
    return res.status;
  };
  return { name, maxRequests, expect, request, latencies: [], errors: 0, seconds: 0 };
}

/** Closed-loop load for one slice of time: CONCURRENCY workers, each sending its next request when the
 * last one answers. Phases take turns in short slices, so a change in machine load hits them alike. */
async function slice(p: Phase, seconds: number): Promise<void> {
  const deadline = performance.now() + seconds * 1000;
  const start = performance.now();
  const worker = async () => {
    while (p.latencies.length < p.maxRequests && performance.now() < deadline) {
      const t0 = performance.now();
      const status = await p.request(p.latencies.length);
      p.latencies.push(performance.now() - t0);
      if (status !== p.expect) p.errors++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  p.seconds += (performance.now() - start) / 1000;
}

function summary(p: Phase) {
  const sorted = [...p.latencies].sort((a, b) => a - b);
  const pct = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? 0;
  return { requests: sorted.length, rps: sorted.length / p.seconds, p50: pct(0.5), p99: pct(0.99) };
}

const server = spawn(
  process.execPath,
  ['--disable-warning=ExperimentalWarning', new URL('./server.support.ts', import.meta.url).pathname],
  {
    stdio: ['pipe', 'pipe', 'inherit'],
  },
);
const [line] = (await once(createInterface({ input: server.stdout! }), 'line')) as [string];
const { port, uncachedPort, tokens, body } = JSON.parse(line) as {
  port: number;
  uncachedPort: number;
  tokens: string[];
  body: string;
};
const base = `http://127.0.0.1:${port}`;
const token = (i: number) => tokens[i % tokens.length]!;

try {
  const phases = [
    phase('empty route (reference)', 500_000, 200, () => fetch(`${base}/bench/empty`)),
    phase('validated route (cached)', 500_000, 200, (i) =>
      fetch(`${base}/bench/validated`, { headers: { 'x-auth-token': token(i) } }),
    ),
    phase('validated route (cache off)', 500_000, 200, (i) =>
      fetch(`http://127.0.0.1:${uncachedPort}/bench/validated`, { headers: { 'x-auth-token': token(i) } }),
    ),
    phase('GET /v3/auth/tokens', 500_000, 200, (i) =>
      fetch(`${base}/v3/auth/tokens?nocatalog`, {
        headers: { 'x-auth-token': token(i), 'x-subject-token': token(i + 1) },
      }),
    ),
    phase('POST /v3/auth/tokens', 5_000, 201, () =>
      fetch(`${base}/v3/auth/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      }),
    ),
  ];
  // The KDF alone at the same concurrency (in this process, taking turns with the others): the ceiling
  // token issue cannot pass, since each issue verifies one password.
  const hash = await hashSecret('bench-password');
  phases.push({
    name: 'scrypt verify alone',
    maxRequests: 5_000,
    expect: 1,
    request: async () => Number(await verifySecret('bench-password', hash)),
    latencies: [],
    errors: 0,
    seconds: 0,
  });
  // Warm-up (JIT, statement cache, validation cache), not counted.
  for (const p of phases.slice(0, 4)) await slice({ ...p, latencies: [], errors: 0, seconds: 0 }, 0.5);
  for (let round = 0; round < ROUNDS; round++) for (const p of phases) await slice(p, SECONDS / ROUNDS);

  const ref = summary(phases[0]!);
  console.log(
    `identity tokens bench: ${SECONDS}s per phase in ${ROUNDS} interleaved slices, ${CONCURRENCY} concurrent requests, ` +
      `${tokens.length} tokens`,
  );
  console.log(
    'phase                          requests  errors      req/s   p50 ms   p99 ms  empty/phase req/s',
  );
  for (const p of phases) {
    const r = summary(p);
    console.log(
      `${p.name.padEnd(30)} ${String(r.requests).padStart(8)} ${String(p.errors).padStart(7)} ` +
        `${r.rps.toFixed(0).padStart(10)} ${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(8)}  ` +
        `${(ref.rps / r.rps).toFixed(2).padStart(8)}x`,
    );
  }
  const issue = summary(phases[4]!);
  const kdf = summary(phases[5]!);
  console.log(`token issue runs at ${((issue.rps / kdf.rps) * 100).toFixed(0)}% of the bare KDF rate`);
  if (phases.some((p) => p.errors > 0)) process.exitCode = 1;
} finally {
  server.stdin!.end();
  await once(server, 'exit');
}
