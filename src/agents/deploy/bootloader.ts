// Making a BIOS partition-image disk bootable without chrooting into the image: GRUB's boot.img goes into the
// MBR's code area and a core.img (built with the ramdisk, carrying a config that finds the root filesystem
// and boots its kernel, or its own grub.cfg) goes into the gap after the MBR (msdos) or into the bios_grub
// partition (gpt). Offsets are GRUB's i386-pc boot.S/diskboot.S ones.
import type { BlockDevice, Machine } from './machine.ts';
import type { Layout } from './partition-layout.ts';

const KERNEL_SECTOR = 0x5c; // boot.img: LBA of core.img's first sector (8 bytes LE)
const BLOCKLIST_START = 0x1f4; // core.img (diskboot): LBA of the rest of core.img (8 bytes LE)

/** Patched copies of boot.img (440 code bytes) and core.img for core.img placed at `lba`. */
export function placeGrub(
  bootImg: Uint8Array,
  coreImg: Uint8Array,
  lba: number,
): { code: Uint8Array; core: Uint8Array } {
  if (bootImg.length < 512) throw new Error('boot.img is shorter than a sector');
  const code = bootImg.slice(0, 440);
  new DataView(code.buffer).setBigUint64(KERNEL_SECTOR, BigInt(lba), true);
  const core = coreImg.slice();
  new DataView(core.buffer).setBigUint64(BLOCKLIST_START, BigInt(lba + 1), true);
  return { code, core };
}

export async function installBiosBootloader(
  machine: Machine,
  dev: BlockDevice,
  layout: Layout,
): Promise<string> {
  const grub = await machine.bootloader();
  if (!grub) return 'none: this agent carries no GRUB images (boot.img/core.img)';
  let lba: number;
  let room: number;
  if (layout.label === 'gpt') {
    const bg = layout.partitions.find((p) => p.role === 'bios_grub');
    if (!bg) return 'none: GPT without a bios_grub partition';
    lba = bg.start;
    room = bg.sectors * 512;
  } else {
    lba = 1;
    room = (layout.partitions[0]!.start - 1) * 512;
  }
  if (grub.coreImg.length > room)
    return `none: core.img (${grub.coreImg.length} bytes) does not fit in ${room} bytes`;
  const { code, core } = placeGrub(grub.bootImg, grub.coreImg, lba);
  await dev.write(lba * 512, core);
  await dev.write(0, code); // bytes 440.. (disk id, table, signature) stay as written
  return `GRUB (i386-pc) core.img at sector ${lba}`;
}
