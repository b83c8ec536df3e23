// Runs one ipmi_sim BMC as its own process (detached, so it outlives the command that started it and is
// found again by its recorded pid), and waits until its UDP port is bound.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Ctx } from '../../platform/context.ts';
import { emuCommands, type IpmiSimConfig, lanConf } from './sim-config.ts';

export interface IpmiSimProcess {
  pid: number;
  address: string;
  port: number;
}

/** Writes the BMC's files under dir and starts ipmi_sim on them. */
export async function startIpmiSim(
  ctx: Ctx,
  dir: string,
  config: IpmiSimConfig,
  binary = 'ipmi_sim',
): Promise<IpmiSimProcess> {
  mkdirSync(join(dir, 'ipmi-state'), { recursive: true });
  // lan.conf holds the BMC password: readable by its owner only.
  writeFileSync(join(dir, 'lan.conf'), lanConf(config), { mode: 0o600 });
  writeFileSync(join(dir, 'bmc.emu'), emuCommands());
  const log = openSync(join(dir, 'ipmi_sim.log'), 'a');
  const child = spawn(
    binary,
    ['-c', join(dir, 'lan.conf'), '-f', join(dir, 'bmc.emu'), '-s', join(dir, 'ipmi-state'), '-n'],
    { detached: true, stdio: ['ignore', log, log] },
  );
  closeSync(log);
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => resolve(code));
    child.on('error', () => resolve(-1));
  });
  child.unref();
  for (let i = 0; i < 100; i++) {
    if (udpPortBound(config.port)) {
      ctx.log.debug({ pid: child.pid, port: config.port }, 'ipmi_sim listening');
      return { pid: child.pid!, address: config.address, port: config.port };
    }
    const code = await Promise.race([exited, sleep(50, 'running', { signal: ctx.signal })]);
    if (code !== 'running') {
      const tail = readFileSync(join(dir, 'ipmi_sim.log'), 'utf8').split('\n').slice(-3).join(' | ');
      throw new Error(`ipmi_sim exited (${code}) before listening on ${config.port}: ${tail}`);
    }
  }
  if (child.pid) process.kill(child.pid, 'SIGKILL');
  throw new Error(`ipmi_sim did not bind UDP port ${config.port} within 5 s`);
}

/** Whether some socket is bound to this UDP port (any address), from /proc/net/udp{,6}. */
export function udpPortBound(port: number): boolean {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const file of ['/proc/net/udp', '/proc/net/udp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const local = line.trim().split(/\s+/)[1];
      if (local?.endsWith(hex)) return true;
    }
  }
  return false;
}
