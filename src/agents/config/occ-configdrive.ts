// The ec2 collector's config drive: the first block device labelled config-2 (vfat or iso9660)
// found by `blkid -o export` supplies ec2/latest/meta-data.json, mounted read-only if need be.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PyValue, parseJson } from './pyjson.ts';
import type { Logger } from './pylog.ts';

type Device = { devname?: string; type?: string; label?: string };

// subprocess.check_output; the error text is CalledProcessError's or the OSError's.
function run(cmd: string[]): { ok: true; out: string } | { ok: false; why: string } {
  const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.error) return { ok: false, why: `[Errno 2] No such file or directory: '${cmd[0]}'` };
  if (r.status !== 0) {
    const argv = `[${cmd.map((c) => `'${c}'`).join(', ')}]`;
    return { ok: false, why: `Command '${argv}' returned non-zero exit status ${r.status}.` };
  }
  return { ok: true, out: r.stdout };
}

function devices(log: Logger): Device[] {
  const r = run(['blkid', '-o', 'export']);
  if (!r.ok) {
    log.error(`Problem running "blkid -o export": ${r.why}`);
    return [];
  }
  return r.out.split('\n\n').map((block) => {
    const d: Device = {};
    for (const line of block.split('\n')) {
      const eq = line.indexOf('=');
      if (eq < 0) continue;
      const [k, v] = [line.slice(0, eq), line.slice(eq + 1).replaceAll('\\ ', ' ')];
      if (k === 'DEVNAME') d.devname = v;
      else if (k === 'TYPE') d.type = v;
      else if (k === 'LABEL') d.label = v;
    }
    return d;
  });
}

export function configDriveMetadata(log: Logger): PyValue {
  const bd = devices(log).find((d) => d.label === 'config-2' && (d.type === 'vfat' || d.type === 'iso9660'));
  if (!bd) return new Map();
  let mountpoint: string | undefined;
  let mountedHere = false;
  try {
    for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
      const f = line.split(/\s+/);
      if (f[0] === bd.devname) {
        mountpoint = f[1];
        log.debug(`Found existing mounted config-drive: ${mountpoint}`);
        break;
      }
    }
    if (!mountpoint) {
      const dir = mkdtempSync(join(tmpdir(), 'config-2-'));
      log.debug(`Mounting ${bd.devname} at : ${dir}`);
      const cmd = ['mount', String(bd.devname), dir, '-o', 'ro'];
      const r = run(cmd);
      if (r.ok) [mountpoint, mountedHere] = [dir, true];
      else {
        log.error(`Problem running "${cmd.join(' ')}": ${r.why}`);
        rmdirSync(dir);
      }
    }
    if (!mountpoint) return new Map();
    const md = join(mountpoint, 'ec2', 'latest', 'meta-data.json');
    let isFile = false;
    try {
      isFile = statSync(md).isFile();
    } catch {}
    if (!isFile) {
      log.warning(`No expected file at path: ${md}`);
      return new Map();
    }
    return parseJson(readFileSync(md, 'utf8'));
  } catch (e) {
    log.error(`Problem getting metadata: ${(e as Error).message}`);
    return new Map();
  } finally {
    if (mountedHere && mountpoint) {
      log.debug(`Unmounting: ${mountpoint}`);
      const cmd = ['umount', '-l', mountpoint];
      const r = run(cmd);
      if (r.ok) rmdirSync(mountpoint);
      else log.error(`Problem running "${cmd.join(' ')}": ${r.why}`);
    }
  }
}
