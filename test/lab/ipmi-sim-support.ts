// A throwaway ipmi_sim BMC on 127.0.0.1 whose chassis_control is a tiny shell "machine": power and boot
// device live in files, every call is appended to calls.log. Tests read both to see what reached the BMC.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeUdpPort } from '../../src/lab/free-port.ts';
import { startIpmiSim } from '../../src/lab/ipmi/ipmi-sim.ts';
import type { Ctx } from '../../src/platform/context.ts';
import { silentLogger } from '../../src/platform/log/logger.ts';

export function testCtx(signal: AbortSignal = new AbortController().signal): Ctx {
  return { log: silentLogger(), signal };
}

export function ipmiSimUnavailable(): string | undefined {
  for (const tool of ['/usr/bin/ipmi_sim', '/usr/bin/ipmitool'])
    if (!existsSync(tool)) return `no ${tool} (Debian packages openipmi, ipmitool)`;
  return undefined;
}

const FAKE_MACHINE = `#!/bin/sh
d=$(dirname "$0")
echo "$*" >> "$d/calls.log"
case "$1" in
  get) shift; for k in "$@"; do case $k in
         power) echo "power:$(cat "$d/power" 2>/dev/null || echo 0)";;
         boot) echo "boot:$(cat "$d/boot" 2>/dev/null || echo default)";;
       esac; done;;
  set) case "$2" in power|boot) echo "$3" > "$d/$2";; esac;;
esac
`;

export interface FakeBmc {
  dir: string;
  port: number;
  pid: number;
  username: string;
  password: string;
  calls(): string[];
  state(key: 'power' | 'boot'): string | undefined;
  stop(): void;
}

export async function startFakeBmc(): Promise<FakeBmc> {
  const dir = mkdtempSync(join(tmpdir(), 'ooo-ipmisim-'));
  writeFileSync(join(dir, 'control.sh'), FAKE_MACHINE, { mode: 0o755 });
  const port = await freeUdpPort();
  const username = 'admin';
  const password = 'S3cret-pw-0ff1ce';
  const sim = await startIpmiSim(testCtx(), dir, {
    name: 'fake0',
    address: '127.0.0.1',
    port,
    username,
    password,
    chassisControl: join(dir, 'control.sh'),
  });
  return {
    dir,
    port,
    pid: sim.pid,
    username,
    password,
    calls: () =>
      existsSync(join(dir, 'calls.log'))
        ? readFileSync(join(dir, 'calls.log'), 'utf8').split('\n').filter(Boolean)
        : [],
    state: (key) => (existsSync(join(dir, key)) ? readFileSync(join(dir, key), 'utf8').trim() : undefined),
    stop() {
      try {
        process.kill(sim.pid, 'SIGKILL');
      } catch {}
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
