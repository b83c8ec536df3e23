// The lab's Redfish BMC process: `main.ts LAB_DIR` serves one BMC (own port, own credentials) for every
// Redfish node of lab.json, each acting on its QEMU machine, until SIGTERM.
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '../../platform/log/logger.ts';
import { QemuMachine } from '../qemu/machine.ts';
import { readLab } from '../state.ts';
import { RedfishBmc } from './server.ts';

if (import.meta.main) {
  const dir = process.argv[2]!;
  const lab = readLab(dir);
  if (!lab) throw new Error(`no lab in ${dir}`);
  const log = createLogger({
    name: 'lab-redfish-bmc',
    destination: createWriteStream(join(dir, 'redfish-bmc.log'), { flags: 'a' }),
  });
  const bmcs: RedfishBmc[] = [];
  for (const node of lab.nodes.filter((n) => n.bmc === 'redfish')) {
    const machine = QemuMachine.load(node.dir);
    const bmc = new RedfishBmc({
      systems: [{ machine, cpus: node.cpus, memoryMiB: node.memoryMiB }],
      username: node.username,
      password: node.password,
      log: log.child({ node: node.name }),
    });
    await bmc.listen(node.bmcAddress, node.bmcPort);
    bmcs.push(bmc);
    log.info({ node: node.name, port: node.bmcPort }, 'redfish bmc listening');
  }
  const stop = async () => {
    await Promise.all(bmcs.map((b) => b.close()));
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
