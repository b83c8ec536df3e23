// Router advertisements on the lab's bridge that offer nothing. The machines' iPXE configures IPv6 next to
// DHCP and, when no router answers its solicitations, waits for IPv6 to time out before it boots: measured
// here under TCG, 18 progress dots on "Configuring (net0 …)" without an answer against 6 with one — ≈ 12 s of
// every PXE boot (docs/decisions/lab-pxe-speed.md). radvd (Debian's), inside the lab's namespace, answers
// with router lifetime 0 and no prefix: iPXE's IPv6 configuration ends at once, and no guest gets an IPv6
// address or route from it. The host's own interfaces are not touched (the namespace has only the bridge).
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Ctx } from '../platform/context.ts';

export const RADVD = '/usr/sbin/radvd';

/** radvd's configuration: advertise on the bridge, as a router no one should route through. */
export function radvdConfig(bridge: string): string {
  return [
    `interface ${bridge} {`,
    '  AdvSendAdvert on;',
    '  AdvDefaultLifetime 0;',
    '  MaxRtrAdvInterval 600;',
    '};',
    '',
  ].join('\n');
}

/** Starts radvd in the namespace (its files in the lab directory, so `down` finds it); undefined without radvd. */
export async function startRouterAdverts(
  ctx: Ctx,
  lab: { dir: string; netns: string; bridge: string },
): Promise<number | undefined> {
  if (!existsSync(RADVD)) {
    ctx.log.warn('lab: no radvd (Debian package radvd): each PXE boot waits for IPv6 router discovery');
    return undefined;
  }
  const conf = join(lab.dir, 'radvd.conf');
  const pidFile = join(lab.dir, 'radvd.pid');
  writeFileSync(conf, radvdConfig(lab.bridge));
  const log = openSync(join(lab.dir, 'radvd.log'), 'a');
  const argv = ['netns', 'exec', lab.netns, RADVD, '--nodaemon', '-C', conf, '-p', pidFile, '-m', 'stderr'];
  const child = spawn('ip', argv, { detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  child.unref();
  for (let i = 0; !existsSync(pidFile); i++) {
    if (i > 200 || child.exitCode !== null)
      throw new Error(`radvd did not start in ${lab.netns}; see ${join(lab.dir, 'radvd.log')}`);
    await sleep(50, undefined, { signal: ctx.signal });
  }
  return child.pid;
}
