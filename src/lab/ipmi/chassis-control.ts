// ipmi_sim's chassis_control program for a lab machine: `chassis-control.ts MACHINE_DIR get power boot` prints
// `power:1` / `boot:pxe|default|none`; `... set power 1|0`, `set reset 1`, `set shutdown 1`, `set boot pxe|
// default|none` act on the QEMU machine. ipmi_sim forwards `chassis bootdev` without its persistence bit, so a
// boot device set over IPMI is kept for every boot (as VirtualBMC does); `bootdev disk` arrives as "default".

import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import type { Ctx } from '../../platform/context.ts';
import { createLogger } from '../../platform/log/logger.ts';
import { QemuMachine } from '../qemu/machine.ts';

export async function chassisControl(ctx: Ctx, machine: QemuMachine, argv: string[]): Promise<string[]> {
  const [verb, ...rest] = argv;
  const out: string[] = [];
  if (verb === 'get') {
    for (const key of rest) {
      if (key === 'power') out.push(`power:${(await machine.powerState(ctx)) === 'on' ? 1 : 0}`);
      else if (key === 'boot') {
        const b = await machine.getBoot(ctx);
        out.push(`boot:${b.device === 'pxe' ? 'pxe' : b.device === 'disk' ? 'default' : 'none'}`);
      }
    }
    return out;
  }
  if (verb !== 'set') return out;
  for (let i = 0; i + 1 < rest.length; i += 2) {
    const key = rest[i];
    const value = rest[i + 1]!;
    if (key === 'power') await (value === '1' ? machine.powerOn(ctx) : machine.powerOff(ctx));
    else if (key === 'reset' && value === '1') await machine.reset(ctx);
    else if (key === 'shutdown' && value === '1') await machine.shutdown(ctx);
    else if (key === 'boot') {
      const device = value === 'pxe' ? 'pxe' : value === 'default' ? 'disk' : undefined;
      await machine.setBoot(ctx, { device, persistent: device !== undefined });
    }
  }
  return out;
}

if (import.meta.main) {
  const [dir, ...argv] = process.argv.slice(2);
  const log = createLogger({
    name: 'chassis-control',
    destination: createWriteStream(join(dir!, 'bmc.log'), { flags: 'a' }),
  });
  const ctx: Ctx = { log, signal: AbortSignal.timeout(90_000) };
  try {
    const lines = await chassisControl(ctx, QemuMachine.load(dir!), argv);
    if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
  } catch (e) {
    log.error({ argv, err: (e as Error).message }, 'chassis control failed');
    process.stderr.write(`${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
