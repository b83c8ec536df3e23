// instance-init: at boot, the instance's metadata and user data — from the config drive (label config-2)
// when there is one, else the metadata service at 169.254.169.254 — then root's SSH keys from `public_keys`
// and, once per instance, user data that is a script (`#!`). Heat's multipart user data: its shell script
// parts run the same way, its cfn-init-data parts are written to /var/lib/heat-cfntools at every boot (for
// os-collect-config's heat_local collector). What cloud-init's common path does, in our agent
// (docs/decisions/lab-user-image-init.md). Runs as root from a systemd unit in the user image.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmdirSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { doneName, readMetadata, withKeys } from './instance-plan.ts';
import { planUserData } from './user-data-parts.ts';

const METADATA_URL = 'http://169.254.169.254/openstack/latest';
const STATE = process.env.INSTANCE_INIT_STATE ?? '/var/lib/instance-init';
const ROOT_SSH = process.env.INSTANCE_INIT_SSH_DIR ?? '/root/.ssh';
const CFN_DIR = process.env.INSTANCE_INIT_CFN_DIR ?? '/var/lib/heat-cfntools';
/** How long the metadata service is waited for (the network may come up after this unit starts). */
const WAIT_MS = Number(process.env.INSTANCE_INIT_WAIT_MS ?? 300_000);

const say = (line: string) => process.stdout.write(`instance-init: ${line}\n`);

interface Source {
  name: string;
  metadata: string;
  userData: Buffer | undefined;
}

function fromConfigDrive(): Source | undefined {
  const dev = spawnSync('blkid', ['-t', 'LABEL=config-2', '-o', 'device'], { encoding: 'utf8' });
  const device = dev.stdout?.split('\n')[0]?.trim();
  if (!device) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'config-2-'));
  const m = spawnSync('mount', ['-o', 'ro', device, dir], { encoding: 'utf8' });
  if (m.status !== 0) {
    rmdirSync(dir);
    say(`config drive ${device} did not mount: ${m.stderr.trim()}`);
    return undefined;
  }
  try {
    const md = join(dir, 'openstack', 'latest', 'meta_data.json');
    if (!existsSync(md)) return undefined;
    const ud = join(dir, 'openstack', 'latest', 'user_data');
    return {
      name: `config drive ${device}`,
      metadata: readFileSync(md, 'utf8'),
      userData: existsSync(ud) ? readFileSync(ud) : undefined,
    };
  } finally {
    spawnSync('umount', [dir]);
    rmdirSync(dir);
  }
}

async function get(path: string): Promise<{ status: number; body: Buffer }> {
  const res = await fetch(`${METADATA_URL}/${path}`, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
}

async function fromMetadataService(): Promise<Source | undefined> {
  const until = Date.now() + WAIT_MS;
  let why = '';
  for (;;) {
    try {
      const md = await get('meta_data.json');
      if (md.status === 200) {
        const ud = await get('user_data');
        if (ud.status !== 200 && ud.status !== 404) throw new Error(`user_data: HTTP ${ud.status}`);
        return {
          name: 'metadata service',
          metadata: md.body.toString('utf8'),
          userData: ud.status === 200 ? ud.body : undefined,
        };
      }
      why = `HTTP ${md.status}`;
    } catch (e) {
      why = (e as Error).message;
    }
    if (Date.now() > until) {
      say(`no metadata service at ${METADATA_URL} (${why})`);
      return undefined;
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}

async function main(): Promise<number> {
  const source = fromConfigDrive() ?? (await fromMetadataService());
  if (!source) return 1;
  const meta = readMetadata(source.metadata);
  if (typeof meta === 'string') {
    say(`${source.name}: ${meta}`);
    return 1;
  }
  mkdirSync(ROOT_SSH, { recursive: true, mode: 0o700 });
  const keysFile = join(ROOT_SSH, 'authorized_keys');
  const before = existsSync(keysFile) ? readFileSync(keysFile, 'utf8') : '';
  writeFileSync(keysFile, withKeys(before, meta.keys), { mode: 0o600 });
  chmodSync(keysFile, 0o600);
  say(`instance ${meta.uuid} from the ${source.name}: ${meta.keys.length} key(s) for root`);

  const plan = planUserData(source.userData);
  if (plan.skipped.length > 0) say(`user data parts not handled: ${plan.skipped.join(', ')}`);
  if (plan.cfnFiles.length > 0) {
    // Every boot: the metadata in them is what Heat gave this instance (they hold its CFN credentials).
    mkdirSync(CFN_DIR, { recursive: true, mode: 0o700 });
    for (const f of plan.cfnFiles) {
      writeFileSync(join(CFN_DIR, f.name), f.body, { mode: 0o600 });
      chmodSync(join(CFN_DIR, f.name), 0o600);
    }
    say(`wrote ${plan.cfnFiles.map((f) => f.name).join(', ')} to ${CFN_DIR}`);
  }

  mkdirSync(STATE, { recursive: true, mode: 0o700 });
  const done = join(STATE, doneName(meta.uuid));
  if (plan.scripts.length === 0 || existsSync(done)) return 0;
  // Recorded before they run: a script that reboots the machine must not run again (once per instance).
  writeFileSync(done, `${new Date().toISOString()}\n`);
  for (const [i, body] of plan.scripts.entries()) {
    const script = join(STATE, i === 0 ? 'user-data' : `user-data-${i}`);
    writeFileSync(script, body, { mode: 0o700 });
    chmodSync(script, 0o700);
    const r = spawnSync(script, [], { stdio: 'inherit' });
    say(`user data ran: exit ${r.status ?? r.signal ?? r.error?.message}`);
  }
  return 0;
}

process.exitCode = await main();
