// Token issue and validation throughput against an empty route of the same Fastify app, measured in the
// same run. The server runs in its own process (bench/identity/server.ts) so the load generator does not
// share its event loop. Each phase is bounded in requests and in time.
// Run: node_modules/.bin/node bench/identity/tokens.ts [--seconds N] [--concurrency N]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '5' }, concurrency: { type: 'string', default: '16' } },
});
const SECONDS = Number(values.seconds);
const CONCURRENCY = Number(values.concurrency);

interface Result {
  name: string;
  requests: number;
  errors: number;
  rps: number;
  p50: number;
  p99: number;
}

/** Closed-loop load: CONCURRENCY workers, each sending its next request when the last one answers. */
async function load(
  name: string,
  maxRequests: number,
  request: (i: number) => Promise<Response>,
  expect: number,
): Promise<Result> {
  const latencies: number[] = [];
  let sent = 0;
  let errors = 0;
  const deadline = performance.now() + SECONDS * 1000;
  const start = performance.now();
  const worker = async () => {
    while (sent < maxRequests && performance.now() < deadline) {
      const i = sent++;
      const t0 = performance.now();
      const res = await request(i);
      await res.arrayBuffer();
      latencies.push(performance.now() - t0);
      if (res.status !== expect) errors++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  return {
    name,
    requests: latencies.length,
    errors,
    rps: latencies.length / elapsed,
    p50: pct(0.5),
    p99: pct(0.99),
  };
}

const server = spawn(
  process.execPath,
  ['--disable-warning=ExperimentalWarning', new URL('./server.ts', import.meta.url).pathname],
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
  // Warm up both paths (JIT, statement cache, validation cache).
  await load('warm-up', 2000, () => fetch(`${base}/bench/empty`), 200);
  await load(
    'warm-up',
    2000,
    (i) => fetch(`${base}/bench/validated`, { headers: { 'x-auth-token': token(i) } }),
    200,
  );

  const results: Result[] = [];
  results.push(await load('empty route (reference)', 200_000, () => fetch(`${base}/bench/empty`), 200));
  results.push(
    await load(
      'validated route (cached)',
      200_000,
      (i) => fetch(`${base}/bench/validated`, { headers: { 'x-auth-token': token(i) } }),
      200,
    ),
  );
  results.push(
    await load(
      'validated route (cache off)',
      200_000,
      (i) =>
        fetch(`http://127.0.0.1:${uncachedPort}/bench/validated`, { headers: { 'x-auth-token': token(i) } }),
      200,
    ),
  );
  results.push(
    await load(
      'GET /v3/auth/tokens',
      200_000,
      (i) =>
        fetch(`${base}/v3/auth/tokens?nocatalog`, {
          headers: { 'x-auth-token': token(i), 'x-subject-token': token(i + 1) },
        }),
      200,
    ),
  );
  results.push(
    await load(
      'POST /v3/auth/tokens',
      2_000,
      () =>
        fetch(`${base}/v3/auth/tokens`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        }),
      201,
    ),
  );

  const ref = results[0]!;
  console.log(
    `identity tokens bench: ${SECONDS}s per phase, ${CONCURRENCY} concurrent requests, ${tokens.length} tokens`,
  );
  console.log(
    'phase                          requests  errors      req/s   p50 ms   p99 ms   throughput ratio vs empty',
  );
  for (const r of results) {
    console.log(
      `${r.name.padEnd(30)} ${String(r.requests).padStart(8)} ${String(r.errors).padStart(7)} ${r.rps.toFixed(0).padStart(10)} ` +
        `${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(8)}   ${(ref.rps / r.rps).toFixed(2)}x slower`,
    );
  }
  if (results.some((r) => r.errors > 0)) process.exitCode = 1;
} finally {
  server.stdin!.end();
  await once(server, 'exit');
}
