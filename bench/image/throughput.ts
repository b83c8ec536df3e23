// Image data throughput against references measured in the same run on the same file:
//   upload   vs max(sha512sum, cp)  — the server must hash (md5 + sha512) and write every byte
//   download vs reading the file (cat > /dev/null)
// The server runs in its own process, as in production. Usage: node bench/image/throughput.ts [MiB] [rounds]
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, createReadStream, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

const MIB = 1024 * 1024;
const sizeMiB = Number(process.argv[2] ?? 1024);
const rounds = Number(process.argv[3] ?? 3);
const dir = mkdtempSync(join(tmpdir(), 'ooo-bench-image-'));
const file = join(dir, 'image.raw');

function makeFile(): void {
  const block = randomBytes(MIB);
  const fd = openSync(file, 'w');
  for (let i = 0; i < sizeMiB; i++) {
    block.writeUInt32BE(i, 0);
    writeSync(fd, block);
  }
  closeSync(fd);
}

function timed(fn: () => void): number {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

async function timedAsync(fn: () => Promise<void>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

async function startServer(settings: Record<string, unknown>) {
  const child = spawn(
    process.execPath,
    [
      '--disable-warning=ExperimentalWarning',
      new URL('../../test/image/rss-server.ts', import.meta.url).pathname,
      JSON.stringify(settings),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const base = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
    child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  return {
    base,
    pid: child.pid as number,
    stop: () =>
      new Promise<void>((r) => {
        child.once('exit', () => r());
        child.kill('SIGTERM');
      }),
  };
}

function http(
  url: string,
  method: string,
  body?: () => NodeJS.ReadableStream,
  size?: number,
  json?: unknown,
): Promise<{ status: number; text: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method,
      headers: {
        'x-auth-token': 'admin',
        ...(body ? { 'content-type': 'application/octet-stream', 'content-length': String(size) } : {}),
        ...(json ? { 'content-type': 'application/json' } : {}),
      },
    });
    req.on('response', (res) => {
      let bytes = 0;
      let text = '';
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        if (text.length < 4096) text += c.toString('latin1');
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, bytes }));
    });
    req.on('error', reject);
    if (body) pipeline(body(), req).catch(reject);
    else req.end(json ? JSON.stringify(json) : undefined);
  });
}

/** The transport's own ceiling: a bare node:http server streaming the same file, in this process. */
async function rawHttpDownload(size: number): Promise<number> {
  const srv = createServer((_req, res) => {
    res.writeHead(200, { 'content-length': size, 'content-type': 'application/octet-stream' });
    createReadStream(file, { highWaterMark: MIB }).pipe(res);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const a = srv.address();
  try {
    return await timedAsync(async () => {
      const down = await http(`http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}/`, 'GET');
      if (down.bytes !== size) throw new Error('raw download short');
    });
  } finally {
    srv.close();
  }
}

/** CPU seconds (user + system, all threads) a process has used so far. */
function cpuOf(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** CPU seconds of a command, from the shell's children times once it has waited for it. */
function cpuOfCommand(cmd: string): number {
  const stat = execFileSync('sh', ['-c', `${cmd} > /dev/null; cat /proc/$$/stat`]).toString();
  const f = stat.split(') ')[1]?.split(' ') ?? [];
  return (Number(f[13]) + Number(f[14])) / 100;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function main() {
  makeFile();
  const size = sizeMiB * MIB;
  const results: Record<string, number[]> = {
    sha512sum: [],
    cp: [],
    read: [],
    rawHttp: [],
    upload: [],
    uploadFsync: [],
    download: [],
    cpuSha512sum: [],
    cpuUpload: [],
    cpuDownload: [],
  };
  const servers = { plain: await startServer({ fsync: false }), fsync: await startServer({ fsync: true }) };
  try {
    for (let r = 0; r < rounds; r++) {
      results.sha512sum?.push(timed(() => execFileSync('sha512sum', [file], { stdio: 'ignore' })));
      results.cpuSha512sum?.push(cpuOfCommand(`sha512sum '${file}'`));
      results.cp?.push(timed(() => execFileSync('cp', [file, join(dir, 'copy')], { stdio: 'ignore' })));
      rmSync(join(dir, 'copy'));
      results.read?.push(timed(() => execFileSync('sh', ['-c', `cat '${file}' > /dev/null`])));
      results.rawHttp?.push(await rawHttpDownload(size));
      for (const [key, server] of [
        ['upload', servers.plain],
        ['uploadFsync', servers.fsync],
      ] as const) {
        const created = await http(`${server.base}/v2/images`, 'POST', undefined, undefined, {
          disk_format: 'raw',
          container_format: 'bare',
        });
        const id = (JSON.parse(created.text) as { id: string }).id;
        const cpu0 = cpuOf(server.pid);
        results[key]?.push(
          await timedAsync(async () => {
            const up = await http(
              `${server.base}/v2/images/${id}/file`,
              'PUT',
              () => createReadStream(file, { highWaterMark: MIB }),
              size,
            );
            if (up.status !== 204) throw new Error(`upload: ${up.status} ${up.text}`);
          }),
        );
        if (key === 'upload') {
          results.cpuUpload?.push(cpuOf(server.pid) - cpu0);
          const cpu1 = cpuOf(server.pid);
          results.download?.push(
            await timedAsync(async () => {
              const down = await http(`${server.base}/v2/images/${id}/file`, 'GET');
              if (down.bytes !== size) throw new Error(`download: ${down.status}, ${down.bytes} bytes`);
            }),
          );
          results.cpuDownload?.push(cpuOf(server.pid) - cpu1);
        }
        await http(`${server.base}/v2/images/${id}`, 'DELETE');
      }
    }
  } finally {
    await servers.plain.stop();
    await servers.fsync.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const m = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, median(v)])) as Record<
    string,
    number
  >;
  const ref = Math.max(m.sha512sum as number, m.cp as number);
  const line = (name: string, secs: number, against: number) =>
    `${name.padEnd(26)} ${secs.toFixed(2).padStart(6)} s ${(size / MIB / secs).toFixed(0).padStart(5)} MiB/s  ${(secs / against).toFixed(2)}x`;
  console.log(
    `image throughput, ${sizeMiB} MiB, median of ${rounds} rounds (load average ${execFileSync('cat', ['/proc/loadavg']).toString().split(' ')[0]})`,
  );
  console.log(line('sha512sum', m.sha512sum as number, ref));
  console.log(line('cp', m.cp as number, ref));
  console.log(line('upload (goal <= 1.3x)', m.upload as number, ref));
  console.log(line('upload with fsync', m.uploadFsync as number, ref));
  console.log(line('read (cat)', m.read as number, m.read as number));
  console.log(line('download (goal <= 1.2x)', m.download as number, m.read as number));
  console.log(line('bare node:http download', m.rawHttp as number, m.read as number));
  console.log(`download / bare node:http: ${((m.download as number) / (m.rawHttp as number)).toFixed(2)}x`);
  console.log(
    `CPU seconds: sha512sum ${m.cpuSha512sum?.toFixed(2)}, server upload ${m.cpuUpload?.toFixed(2)} ` +
      `(${((m.cpuUpload as number) / (m.cpuSha512sum as number)).toFixed(2)}x; md5 + sha512 + receive + write), ` +
      `server download ${m.cpuDownload?.toFixed(2)}`,
  );
}

await main();
