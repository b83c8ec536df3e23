// The `ooo` command table: each entry is a command that works; anything else is refused with usage.
import { runImageLoad } from '../image/load/cli.ts';
import { runImageBuild } from '../imagebuilder/cli.ts';
import { keysRotate } from './commands/keys-rotate.ts';
import { labConsoleCommand } from './commands/lab-console.ts';
import { labDownCommand } from './commands/lab-down.ts';
import { labStatusCommand } from './commands/lab-status.ts';
import { labUpCommand } from './commands/lab-up.ts';
import { nodeImportCommand } from './commands/node-import.ts';
import { nodeTimelineCommand } from './commands/node-timeline.ts';
import { seedBootstrap } from './commands/seed-bootstrap.ts';
import { seedStatus } from './commands/seed-status.ts';
import { seedUp } from './commands/seed-up.ts';
import { startCommand } from './commands/start.ts';
import type { CliIo } from './io.ts';

export interface Command {
  path: string[];
  summary: string;
  run(argv: string[], io: CliIo): Promise<number>;
}

export const COMMANDS: Command[] = [
  {
    path: ['start'],
    summary:
      'the seed, plus a lab of 2 machines made available and one deployed with the user image (npm start) [--no-lab] [--no-demo] [seed up options]',
    run: startCommand,
  },
  {
    path: ['seed', 'up'],
    summary:
      'run the all-in-one control plane in the foreground [--state-dir D] [--host H] [--port-offset N]',
    run: seedUp,
  },
  {
    path: ['seed', 'bootstrap'],
    summary: 'create the admin project/user/roles and the service catalog [--admin-password P]',
    run: seedBootstrap,
  },
  { path: ['seed', 'status'], summary: 'tell which services of the running seed answer', run: seedStatus },
  {
    path: ['keys', 'rotate'],
    summary: 'rotate the token signing keys: stage a new key, promote the staged one [--max-active-keys N]',
    run: keysRotate,
  },
  {
    path: ['image', 'build'],
    summary:
      'build a disk image from elements, as disk-image-create does (-o NAME [-t qcow2,raw,tar] [--ramdisk] ELEMENTS...)',
    run: (argv) => runImageBuild(argv),
  },
  {
    path: ['image', 'load'],
    summary:
      'upload NAME.qcow2 with NAME.vmlinuz and NAME.initrd, as load-image does [-d] [--visibility V] FILE...',
    run: runImageLoad,
  },
  {
    path: ['lab', 'up'],
    summary:
      'virtual bare metal: N QEMU machines with IPMI/Redfish BMCs on a provisioning network --nodes N [--memory MiB] [--disk GiB] [--bmc ipmi|redfish|mixed]',
    run: labUpCommand,
  },
  {
    path: ['lab', 'status'],
    summary: "each lab machine's power, QEMU status, BMC and MACs",
    run: labStatusCommand,
  },
  {
    path: ['lab', 'console'],
    summary: "a lab machine's serial console log, followed [--no-follow] NODE",
    run: labConsoleCommand,
  },
  {
    path: ['lab', 'down'],
    summary: 'remove the lab: machines, BMCs, namespace and files (also after kill -9)',
    run: labDownCommand,
  },
  {
    path: ['node', 'import'],
    summary:
      'enrol the nodes of a devtest or Ironic bulk nodes file (JSON, or YAML if *.yaml/*.yml), once (by MAC) FILE [--provide] [--wait-timeout S]',
    run: nodeImportCommand,
  },
  {
    path: ['node', 'timeline'],
    summary: "the phases of a node's last deploy with their durations NODE",
    run: nodeTimelineCommand,
  },
];
