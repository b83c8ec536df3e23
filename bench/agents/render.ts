// Renders a generated tree of 500 templates against a large metadata document with ours and with
// the Python original, whole process each, in the same run; prints both medians and the ratio.
// Usage: node bench/agents/render.ts [runs=5]. Prints python/ours ratios (above 1: ours is faster).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildAgents } from '../../src/agents/config/build.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
const OURS = join(repoRoot, 'src/agents/config/os-apply-config.ts');
const ORIGINAL = '/usr/bin/os-apply-config';
const runs = Number(process.argv[2] ?? 5);

// 200 services, each with options, a list of endpoints and nested credentials: about 1.5 MB.
function metadata(): unknown {
  const services: Record<string, unknown> = {};
  for (let s = 0; s < 200; s++) {
    services[`svc${s}`] = {
      debug: s % 2 === 0,
      workers: s,
      ratio: s / 7,
      db: { url: `mysql://svc${s}:secret${s}@10.0.${s % 255}.1/svc${s}`, pool: { size: 10, overflow: 20 } },
      endpoints: Array.from({ length: 25 }, (_, k) => ({
        host: `h${k}.example.com`,
        port: 8000 + k,
        tls: k % 3 === 0,
      })),
      options: Object.fromEntries(Array.from({ length: 40 }, (_, k) => [`opt${k}`, `value-${s}-${k} <&> é`])),
    };
  }
  return { services, deployments: [], 'os-collect-config': { command: 'os-refresh-config' } };
}

function template(k: number): string {
  const s = `services.svc${k % 200}`;
  return [
    `[DEFAULT]\ndebug = {{${s}.debug}}\nworkers = {{${s}.workers}}\nratio = {{${s}.ratio}}`,
    `connection = {{${s}.db.url}}\npool = {{${s}.db.pool.size}}/{{${s}.db.pool.overflow}}`,
    `{{#${s}}}{{#endpoints}}endpoint = {{host}}:{{port}}{{#tls}} tls{{/tls}}\n{{/endpoints}}{{/${s}}}`,
    `{{#${s}.options}}o0 = {{opt0}}\no1 = {{opt1}}\no39 = {{opt39}}{{/${s}.options}}`,
    `{{^${s}.missing}}no missing key{{/${s}.missing}}\nraw = {{{${s}.db}}}\n`,
  ].join('\n');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

type Sample = { wall: number; cpu: number };

// Wall time, and CPU time (user + system) from time(1): on a busy machine the CPU time is the
// steadier figure, so both are reported.
function timeRun(cmd: string, args: string[], cwd: string): Sample {
  const env = { PATH: process.env['PATH'], LANG: 'C.UTF-8' };
  const r = spawnSync('/usr/bin/time', ['-f', 'TIMES %e %U %S', cmd, ...args], {
    cwd,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const m = /TIMES (\S+) (\S+) (\S+)\s*$/.exec(r.stderr.toString());
  if (r.status !== 0 || !m) throw new Error(`${cmd} failed: ${r.stderr}`);
  return { wall: Number(m[1]) * 1000, cpu: (Number(m[2]) + Number(m[3])) * 1000 };
}

if (!existsSync(ORIGINAL)) {
  console.log(`agents/render: skipped, no ${ORIGINAL} (Debian python3-os-apply-config)`);
  process.exit(0);
}
const dir = mkdtempSync(join(tmpdir(), 'bench-oac-'));
try {
  writeFileSync(join(dir, 'md.json'), JSON.stringify(metadata()));
  for (let k = 0; k < 500; k++) {
    const sub = join(dir, 't', 'etc', `svc${k % 50}`);
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, `file${k}.conf`), template(k));
    if (k % 10 === 0) writeFileSync(join(sub, `file${k}.conf.oac`), 'mode: 0640\n');
  }
  // Ours twice: the TypeScript source (what bin/os-apply-config runs in a clone, types stripped at
  // start-up) and the single-file bundle an image installs.
  const [bundle] = await buildAgents(join(dir, 'dist'));
  const samples: Record<string, Sample[]> = { python: [], source: [], bundle: [] };
  const commands: Record<string, [string, string[]]> = {
    python: ['/usr/bin/python3', [ORIGINAL]],
    source: [process.execPath, [OURS]],
    bundle: [process.execPath, [bundle!]],
  };
  for (let r = 0; r < runs; r++) {
    for (const [name, [cmd, pre]] of Object.entries(commands)) {
      rmSync(join(dir, `out-${name}`), { recursive: true, force: true });
      samples[name]!.push(timeRun(cmd, [...pre, '-t', 't', '-o', `out-${name}`, '-m', 'md.json'], dir));
    }
  }
  const same = ['source', 'bundle'].every(
    (n) => spawnSync('diff', ['-r', 'out-python', `out-${n}`], { cwd: dir }).status === 0,
  );
  const mb = (JSON.stringify(metadata()).length / 1e6).toFixed(1);
  console.log(
    `agents/render: 500 templates, ${mb} MB metadata, median of ${runs} runs, outputs identical: ${same}`,
  );
  for (const k of ['wall', 'cpu'] as const) {
    const [p, s1, b1] = ['python', 'source', 'bundle'].map((n) => median(samples[n]!.map((x) => x[k])));
    console.log(
      `  ${k}: python ${p!.toFixed(0)} ms; ours from source ${s1!.toFixed(0)} ms (python/ours ${(p! / s1!).toFixed(2)}x); ` +
        `ours bundled ${b1!.toFixed(0)} ms (python/ours ${(p! / b1!).toFixed(2)}x)`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
