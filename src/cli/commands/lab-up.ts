// `ooo lab up --nodes N [--memory MiB] [--disk GiB] [--bmc ipmi|redfish|mixed]`: virtual servers, powered off,
// each with a BMC; prints the BMCs and where nodes.json is.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type LabUpOptions, labUp, validateUp } from '../../lab/lab.ts';
import { parseIntStrict } from '../../platform/config/config.ts';
import { type CliIo, UsageError } from '../io.ts';
import { COMMON_OPTIONS } from '../load-config.ts';
import { labContext, labStateDir } from './lab-common.ts';

export async function labUpCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...COMMON_OPTIONS,
      nodes: { type: 'string' },
      memory: { type: 'string' },
      disk: { type: 'string' },
      cpus: { type: 'string' },
      bmc: { type: 'string' },
      cidr: { type: 'string' },
      accel: { type: 'string' },
      forward: { type: 'string' },
    },
    strict: true,
  });
  if (values.nodes === undefined) throw new UsageError('--nodes N is required');
  const accel = values.accel;
  if (accel !== undefined && accel !== 'kvm' && accel !== 'tcg')
    throw new UsageError('--accel must be kvm or tcg');
  const opts: LabUpOptions = {
    stateDir: labStateDir(values, io),
    nodes: parseIntStrict(values.nodes, '--nodes'),
    memoryMiB: values.memory === undefined ? 512 : parseIntStrict(values.memory, '--memory'),
    diskGiB: values.disk === undefined ? 4 : parseIntStrict(values.disk, '--disk'),
    cpus: values.cpus === undefined ? 1 : parseIntStrict(values.cpus, '--cpus'),
    bmc: (values.bmc ?? 'ipmi') as LabUpOptions['bmc'],
    cidr: values.cidr,
    accel: accel as LabUpOptions['accel'],
    forwards: values.forward?.split(',').map((p) => parseIntStrict(p.trim(), '--forward')),
  };
  try {
    validateUp(opts);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const lab = await labUp(labContext(io), opts);
  io.stdout.write(`lab: ${lab.nodes.length} machines (${lab.accel}: ${lab.accelReason})\n`);
  io.stdout.write(`lab: provisioning network ${lab.cidr} on ${lab.bridge} in namespace ${lab.netns}\n`);
  for (const n of lab.nodes) {
    const bmc =
      n.bmc === 'ipmi' ? `ipmi ${n.bmcAddress}:${n.bmcPort}` : `redfish http://${n.bmcAddress}:${n.bmcPort}`;
    io.stdout.write(`${n.name.padEnd(8)} ${n.macs.join(',')}  ${bmc}  user ${n.username}  (off)\n`);
  }
  if (lab.forwards?.length)
    io.stdout.write(`lab: guests reach 127.0.0.1:{${lab.forwards.join(',')}} at ${lab.cidr.split('/')[0]}\n`);
  io.stdout.write(`lab: nodes.json at ${join(lab.dir, 'nodes.json')} (BMC passwords inside)\n`);
  return 0;
}
