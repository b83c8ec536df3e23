// `ooo lab status`: each machine's power (and QEMU's own status), its BMC and MACs.
import { parseArgs } from 'node:util';
import { labStatus } from '../../lab/lab.ts';
import type { CliIo } from '../io.ts';
import { COMMON_OPTIONS } from '../load-config.ts';
import { labContext, labStateDir } from './lab-common.ts';

export async function labStatusCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: COMMON_OPTIONS, strict: true });
  const s = await labStatus(labContext(io), labStateDir(values, io));
  if (!s) {
    io.stdout.write('lab: none (ooo lab up makes one)\n');
    return 3;
  }
  io.stdout.write(`lab: ${s.lab.netns}, ${s.lab.cidr} on ${s.lab.bridge}, ${s.lab.accel}\n`);
  for (const n of s.nodes) {
    const power = n.qemu ? `on (${n.qemu.status})` : n.power;
    const bmc = `${n.bmcEndpoint} ${n.bmcUp ? 'up' : 'DOWN'}`;
    io.stdout.write(`${n.name.padEnd(8)} ${power.padEnd(14)} ${bmc.padEnd(36)} ${n.macs.join(',')}\n`);
  }
  return s.nodes.every((n) => n.bmcUp) ? 0 : 1;
}
