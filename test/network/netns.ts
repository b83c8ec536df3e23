// Two network namespaces joined by a veth pair: the "provisioning network" of the DHCP tests. The server side
// carries the subnet's first address; the client side is where busybox udhcpc plays a booting machine.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Lab {
  serverNs: string;
  clientNs: string;
  serverIf: string;
  clientIf: string;
  setClientMac(mac: string): void;
  /** Why VLAN sub-interfaces cannot be made here (no 8021q in the kernel), or undefined. */
  vlanUnavailable(): string | undefined;
  /** Adds VLAN sub-interfaces `<if>.<vid>` on both sides (the server's with an address); returns their names. */
  addVlan(vid: number, serverCidr: string, clientMac: string): { serverIf: string; clientIf: string };
  destroy(): void;
}

/** Why the namespace tests cannot run here, or undefined when they can. */
export function netnsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root: cannot create network namespaces';
  for (const [tool, pkg] of [
    ['/usr/sbin/ip', 'iproute2'],
    ['/usr/sbin/dnsmasq', 'dnsmasq-base'],
    ['/usr/bin/busybox', 'busybox-static'],
  ])
    if (!existsSync(tool!)) return `no ${tool} (Debian package ${pkg})`;
  const probe = `ooo-probe-${randomBytes(3).toString('hex')}`;
  const made = spawnSync('ip', ['netns', 'add', probe]);
  if (made.status !== 0) return `ip netns add failed: ${made.stderr.toString().trim()}`;
  spawnSync('ip', ['netns', 'del', probe]);
  return undefined;
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });

export function createLab(serverCidr: string): Lab {
  const id = randomBytes(3).toString('hex');
  const lab: Lab = {
    serverNs: `ooo-dhcp-s-${id}`,
    clientNs: `ooo-dhcp-c-${id}`,
    serverIf: `od${id}s`,
    clientIf: `od${id}c`,
    setClientMac(mac) {
      ip('-n', lab.clientNs, 'link', 'set', lab.clientIf, 'down');
      ip('-n', lab.clientNs, 'link', 'set', lab.clientIf, 'address', mac);
      ip('-n', lab.clientNs, 'link', 'set', lab.clientIf, 'up');
    },
    vlanUnavailable() {
      const probe = spawnSync('ip', [
        '-n',
        lab.serverNs,
        'link',
        'add',
        'link',
        lab.serverIf,
        'name',
        'vlanprobe',
        'type',
        'vlan',
        'id',
        '4094',
      ]);
      if (probe.status !== 0) return `cannot create VLAN interfaces: ${probe.stderr.toString().trim()}`;
      spawnSync('ip', ['-n', lab.serverNs, 'link', 'del', 'vlanprobe']);
      return undefined;
    },
    addVlan(vid, cidr, mac) {
      const serverIf = `${lab.serverIf}.${vid}`;
      const clientIf = `${lab.clientIf}.${vid}`;
      ip(
        '-n',
        lab.serverNs,
        'link',
        'add',
        'link',
        lab.serverIf,
        'name',
        serverIf,
        'type',
        'vlan',
        'id',
        String(vid),
      );
      ip('-n', lab.serverNs, 'addr', 'add', cidr, 'dev', serverIf);
      ip('-n', lab.serverNs, 'link', 'set', serverIf, 'up');
      ip(
        '-n',
        lab.clientNs,
        'link',
        'add',
        'link',
        lab.clientIf,
        'name',
        clientIf,
        'type',
        'vlan',
        'id',
        String(vid),
      );
      ip('-n', lab.clientNs, 'link', 'set', clientIf, 'address', mac);
      ip('-n', lab.clientNs, 'link', 'set', clientIf, 'up');
      return { serverIf, clientIf };
    },
    destroy() {
      // Deleting the namespaces removes the veth pair with them.
      spawnSync('ip', ['netns', 'del', lab.serverNs]);
      spawnSync('ip', ['netns', 'del', lab.clientNs]);
    },
  };
  try {
    ip('netns', 'add', lab.serverNs);
    ip('netns', 'add', lab.clientNs);
    ip('link', 'add', lab.serverIf, 'type', 'veth', 'peer', 'name', lab.clientIf);
    ip('link', 'set', lab.serverIf, 'netns', lab.serverNs);
    ip('link', 'set', lab.clientIf, 'netns', lab.clientNs);
    ip('-n', lab.serverNs, 'addr', 'add', serverCidr, 'dev', lab.serverIf);
    ip('-n', lab.serverNs, 'link', 'set', lab.serverIf, 'up');
    ip('-n', lab.clientNs, 'link', 'set', lab.clientIf, 'up');
  } catch (e) {
    lab.destroy();
    throw e;
  }
  return lab;
}

/** A script for udhcpc that writes the environment of each event to `<dir>/env.<event>`. */
export function writeUdhcpcScript(dir: string): string {
  const path = join(dir, 'script.sh');
  writeFileSync(path, `#!/bin/sh\nenv > ${dir}/env.$1\n`);
  chmodSync(path, 0o755);
  return path;
}

/** One DHCP exchange from the client namespace; the env of "bound" (the lease), or undefined when none came. */
export function udhcpc(
  lab: Lab,
  dir: string,
  extra: string[] = [],
  tries = 4,
  iface = lab.clientIf,
): Promise<Record<string, string> | undefined> {
  rmSync(join(dir, 'env.bound'), { force: true });
  const args = ['netns', 'exec', lab.clientNs, 'env', '-i', '/usr/bin/busybox', 'udhcpc', '-i', iface];
  args.push('-f', '-q', '-n', '-t', String(tries), '-T', '1', '-s', join(dir, 'script.sh'));
  args.push('-O', 'staticroutes', '-O', 'tftp', '-O', 'bootfile', ...extra);
  return new Promise((resolve) => {
    execFile('ip', args, { timeout: 30_000 }, () => {
      const file = join(dir, 'env.bound');
      if (!existsSync(file)) return resolve(undefined);
      const env: Record<string, string> = {};
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        const eq = line.indexOf('=');
        if (eq > 0) env[line.slice(0, eq)] = line.slice(eq + 1);
      }
      resolve(env);
    });
  });
}
