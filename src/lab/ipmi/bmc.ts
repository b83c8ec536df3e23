// The IPMI BMC of one lab machine: ipmi_sim on loopback whose chassis_control is our program above.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Ctx } from '../../platform/context.ts';
import { type IpmiSimProcess, startIpmiSim } from './ipmi-sim.ts';

const CONTROL = join(import.meta.dirname, 'chassis-control.ts');

/** Writes `<machineDir>/chassis-control` (the program ipmi_sim runs) and starts ipmi_sim for the machine. */
export async function startMachineIpmiBmc(
  ctx: Ctx,
  machineDir: string,
  opts: { name: string; address: string; port: number; username: string; password: string },
): Promise<IpmiSimProcess> {
  const program = join(machineDir, 'chassis-control');
  const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  writeFileSync(
    program,
    `#!/bin/sh\nexec ${q(process.execPath)} --disable-warning=ExperimentalWarning ${q(CONTROL)} ${q(machineDir)} "$@"\n`,
    { mode: 0o755 },
  );
  return startIpmiSim(ctx, join(machineDir, 'bmc'), { ...opts, chassisControl: program });
}
