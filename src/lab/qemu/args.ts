// The QEMU command line of a lab machine (pure). Boot order is what the BMC asked for, expressed as firmware
// boot indexes with strict=on: PXE → only the NICs; disk → only the disk; no override → disk, then network.
import { type MachineSpec, machineFiles } from './spec.ts';

export type FirmwareBoot = 'pxe' | 'disk' | 'default';

export function qemuArgs(spec: MachineSpec, boot: FirmwareBoot): string[] {
  const f = machineFiles(spec.dir);
  const args = ['-name', `${spec.name},process=ooo-lab-${spec.name}`, '-uuid', spec.uuid];
  args.push(...(spec.accel === 'kvm' ? ['-accel', 'kvm', '-cpu', 'host'] : ['-accel', 'tcg']));
  args.push('-machine', 'pc', '-m', String(spec.memoryMiB), '-smp', String(spec.cpus));
  // reboot-timeout: like a server's firmware, a boot that finds nothing (no DHCP answer yet) tries again.
  args.push(
    '-nodefaults',
    '-display',
    'none',
    '-vga',
    'none',
    '-boot',
    'strict=on,menu=off,reboot-timeout=3000',
  );
  // SeaBIOS and iPXE print to the serial port only when told where it is (a little-endian port number).
  args.push('-fw_cfg', `name=etc/sercon-port,file=${f.sercon}`);
  args.push('-chardev', `file,id=console0,path=${f.console},append=on`, '-serial', 'chardev:console0');
  args.push('-qmp', `unix:${f.qmp},server=on,wait=off`);
  args.push('-pidfile', f.pid, '-daemonize', '-D', f.qemuLog);
  const diskIndex = boot === 'pxe' ? undefined : 1;
  args.push('-drive', `file=${f.disk},if=none,id=disk0,format=qcow2,cache=unsafe`);
  args.push('-device', `virtio-blk-pci,drive=disk0${diskIndex ? `,bootindex=${diskIndex}` : ''}`);
  spec.nics.forEach((nic, i) => {
    const index = boot === 'disk' ? undefined : boot === 'pxe' ? 1 + i : 2 + i;
    args.push('-netdev', `tap,id=net${i},ifname=${nic.tap},script=no,downscript=no`);
    args.push('-device', `virtio-net-pci,netdev=net${i},mac=${nic.mac}${index ? `,bootindex=${index}` : ''}`);
  });
  return args;
}

/** The full argv, run inside the lab's namespace when it has one. */
export function qemuCommand(spec: MachineSpec, boot: FirmwareBoot): string[] {
  const qemu = [spec.qemu ?? 'qemu-system-x86_64', ...qemuArgs(spec, boot)];
  return spec.netns ? ['ip', 'netns', 'exec', spec.netns, ...qemu] : qemu;
}
