// Partition images: where each partition goes on the disk, as a pure function of the sizes asked for, and the
// bytes of the partition table (MBR or GPT) that describe it. Order follows ironic-lib's make_partitions:
// [bios_grub | ESP], ephemeral, swap, config drive, root last so the image's growpart can grow it.
const SECTOR = 512;
const MiB = 1024 * 1024;
const MiB_SECTORS = MiB / SECTOR;

export type PartitionRole = 'bios_grub' | 'efi' | 'ephemeral' | 'swap' | 'configdrive' | 'root';
export type DiskLabel = 'msdos' | 'gpt';

export interface LayoutRequest {
  diskBytes: number;
  rootMb: number; // 0 = the rest of the disk
  swapMb: number;
  ephemeralMb: number;
  configdriveBytes: number; // 0 = no config drive partition
  bootMode: 'bios' | 'uefi';
  diskLabel?: DiskLabel | undefined;
}

export interface PlannedPartition {
  number: number;
  role: PartitionRole;
  start: number; // first sector
  sectors: number;
}

export interface Layout {
  label: DiskLabel;
  diskSectors: number;
  partitions: PlannedPartition[];
}

export class LayoutError extends Error {}

const GPT_TAIL = 33; // backup entries (32 sectors) + backup header

export function planLayout(req: LayoutRequest): Layout {
  const label: DiskLabel = req.diskLabel ?? (req.bootMode === 'uefi' ? 'gpt' : 'msdos');
  const diskSectors = Math.floor(req.diskBytes / SECTOR);
  const usableEnd = label === 'gpt' ? diskSectors - GPT_TAIL : diskSectors; // exclusive
  const wants: Array<{ role: PartitionRole; sectors: number }> = [];
  if (req.bootMode === 'uefi') wants.push({ role: 'efi', sectors: 200 * MiB_SECTORS });
  else if (label === 'gpt') wants.push({ role: 'bios_grub', sectors: MiB_SECTORS });
  if (req.ephemeralMb > 0) wants.push({ role: 'ephemeral', sectors: req.ephemeralMb * MiB_SECTORS });
  if (req.swapMb > 0) wants.push({ role: 'swap', sectors: req.swapMb * MiB_SECTORS });
  if (req.configdriveBytes > 0) {
    if (req.configdriveBytes > 64 * MiB) throw new LayoutError('config drive is larger than 64 MiB');
    wants.push({ role: 'configdrive', sectors: Math.ceil(req.configdriveBytes / MiB) * MiB_SECTORS });
  }
  if (label === 'msdos' && wants.length + 1 > 4)
    throw new LayoutError(`${wants.length + 1} partitions do not fit an MBR (4 primaries); use a GPT label`);
  const partitions: PlannedPartition[] = [];
  let next = MiB_SECTORS; // 1 MiB alignment, as parted does
  for (const w of wants) {
    partitions.push({ number: partitions.length + 1, role: w.role, start: next, sectors: w.sectors });
    next += w.sectors;
  }
  const free = Math.floor((usableEnd - next) / MiB_SECTORS) * MiB_SECTORS;
  const rootSectors = req.rootMb > 0 ? req.rootMb * MiB_SECTORS : free;
  if (rootSectors <= 0 || rootSectors > free) {
    const needMb = Math.ceil(((next + Math.max(rootSectors, MiB_SECTORS)) * SECTOR) / MiB) + 1;
    throw new LayoutError(
      `disk of ${Math.floor(req.diskBytes / MiB)} MiB is too small for the requested partitions (needs ${needMb} MiB)`,
    );
  }
  if (label === 'msdos' && next + rootSectors > 0xffffffff)
    throw new LayoutError('MBR partitions cannot end beyond 2 TiB; use a GPT label');
  partitions.push({ number: partitions.length + 1, role: 'root', start: next, sectors: rootSectors });
  return { label, diskSectors, partitions };
}

const MBR_TYPE: Record<PartitionRole, number> = {
  bios_grub: 0xef, // never on MBR
  efi: 0xef,
  ephemeral: 0x83,
  swap: 0x82,
  configdrive: 0x83,
  root: 0x83,
};

/** The 512-byte MBR for a layout; `bootCode` (≤ 440 bytes) fills the start, root is marked active. */
export function encodeMbr(layout: Layout, diskId: number, bootCode?: Uint8Array): Uint8Array {
  const b = new Uint8Array(SECTOR);
  const dv = new DataView(b.buffer);
  if (bootCode) b.set(bootCode.subarray(0, 440));
  dv.setUint32(440, diskId >>> 0, true);
  layout.partitions.forEach((p, i) => {
    const o = 446 + i * 16;
    b[o] = p.role === 'root' ? 0x80 : 0;
    b.set([0xfe, 0xff, 0xff], o + 1); // CHS: use LBA
    b[o + 4] = MBR_TYPE[p.role];
    b.set([0xfe, 0xff, 0xff], o + 5);
    dv.setUint32(o + 8, p.start, true);
    dv.setUint32(o + 12, p.sectors, true);
  });
  b[510] = 0x55;
  b[511] = 0xaa;
  return b;
}

const GPT_TYPE: Record<PartitionRole, string> = {
  bios_grub: '21686148-6449-6e6f-744e-656564454649',
  efi: 'c12a7328-f81f-11d2-ba4b-00a0c93ec93b',
  ephemeral: '0fc63daf-8483-4772-8e79-3d69d8477de4',
  swap: '0657fd6d-a4ab-43c4-84e5-0933c84b4f4f',
  configdrive: '0fc63daf-8483-4772-8e79-3d69d8477de4',
  root: '0fc63daf-8483-4772-8e79-3d69d8477de4',
};

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** GUID text → the mixed-endian 16 bytes GPT stores. */
export function guidBytes(guid: string): Uint8Array {
  const h = guid.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(h)) throw new Error(`bad GUID ${guid}`);
  const raw = h.match(/../g)!.map((x) => Number.parseInt(x, 16));
  const order = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];
  return new Uint8Array(order.map((i) => raw[i]!));
}

export function guidText(b: Uint8Array): string {
  const order = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];
  const h = order.map((i) => b[i]!.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export interface GptWrite {
  offset: number; // byte offset on the disk
  data: Uint8Array;
}

const PART_NAMES: Record<PartitionRole, string> = {
  bios_grub: 'bios_grub',
  efi: 'efi-part',
  ephemeral: 'ephemeral0',
  swap: 'swap1',
  configdrive: 'config-2',
  root: 'root',
};

/** The protective MBR, primary and backup GPT headers and entry arrays for a layout. */
export function encodeGpt(layout: Layout, diskGuid: string, partGuids: string[]): GptWrite[] {
  const last = layout.diskSectors - 1;
  const entries = new Uint8Array(128 * 128);
  layout.partitions.forEach((p, i) => {
    const o = i * 128;
    entries.set(guidBytes(GPT_TYPE[p.role]), o);
    entries.set(guidBytes(partGuids[i]!), o + 16);
    const dv = new DataView(entries.buffer, o, 128);
    dv.setBigUint64(32, BigInt(p.start), true);
    dv.setBigUint64(40, BigInt(p.start + p.sectors - 1), true);
    const name = PART_NAMES[p.role];
    for (let k = 0; k < name.length; k++) dv.setUint16(56 + k * 2, name.charCodeAt(k), true);
  });
  const entriesCrc = crc32(entries);
  const header = (self: number, alt: number, entriesLba: number): Uint8Array => {
    const h = new Uint8Array(SECTOR);
    const dv = new DataView(h.buffer);
    h.set(new TextEncoder().encode('EFI PART'), 0);
    dv.setUint32(8, 0x00010000, true);
    dv.setUint32(12, 92, true);
    dv.setBigUint64(24, BigInt(self), true);
    dv.setBigUint64(32, BigInt(alt), true);
    dv.setBigUint64(40, 34n, true);
    dv.setBigUint64(48, BigInt(last - GPT_TAIL), true);
    h.set(guidBytes(diskGuid), 56);
    dv.setBigUint64(72, BigInt(entriesLba), true);
    dv.setUint32(80, 128, true);
    dv.setUint32(84, 128, true);
    dv.setUint32(88, entriesCrc, true);
    dv.setUint32(16, crc32(h.subarray(0, 92)), true);
    return h;
  };
  const pmbr = new Uint8Array(SECTOR);
  const pdv = new DataView(pmbr.buffer);
  pmbr.set([0x00, 0x00, 0x02, 0x00, 0xee, 0xff, 0xff, 0xff], 446);
  pdv.setUint32(454, 1, true);
  pdv.setUint32(458, Math.min(last, 0xffffffff), true);
  pmbr[510] = 0x55;
  pmbr[511] = 0xaa;
  return [
    { offset: 0, data: pmbr },
    { offset: SECTOR, data: header(1, last, 2) },
    { offset: 2 * SECTOR, data: entries },
    { offset: (last - 32) * SECTOR, data: entries },
    { offset: last * SECTOR, data: header(last, 1, last - 32) },
  ];
}

export interface ExistingPartition {
  number: number;
  start: number;
  sectors: number;
  type: string; // MBR type as 0xNN, or the GPT type GUID
  uuid: string | null; // GPT partition GUID, or MBR disk id + '-' + number
}

/** Reads the partition table back from the first 34 sectors (MBR primaries or GPT entries). */
export function readPartitionTable(head: Uint8Array): {
  label: DiskLabel | null;
  parts: ExistingPartition[];
} {
  if (head.length < SECTOR || head[510] !== 0x55 || head[511] !== 0xaa) return { label: null, parts: [] };
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const isGpt =
    head[446 + 4] === 0xee &&
    head.length >= 34 * SECTOR &&
    new TextDecoder().decode(head.subarray(512, 520)) === 'EFI PART';
  if (isGpt) {
    const entriesLba = Number(dv.getBigUint64(512 + 72, true));
    const count = dv.getUint32(512 + 80, true);
    const size = dv.getUint32(512 + 84, true);
    const parts: ExistingPartition[] = [];
    for (let i = 0; i < Math.min(count, 128); i++) {
      const o = entriesLba * SECTOR + i * size;
      if (o + size > head.length) break;
      const type = guidText(head.subarray(o, o + 16));
      if (type === '00000000-0000-0000-0000-000000000000') continue;
      const first = Number(dv.getBigUint64(o + 32, true));
      const lastLba = Number(dv.getBigUint64(o + 40, true));
      parts.push({
        number: i + 1,
        start: first,
        sectors: lastLba - first + 1,
        type,
        uuid: guidText(head.subarray(o + 16, o + 32)),
      });
    }
    return { label: 'gpt', parts };
  }
  const diskId = dv.getUint32(440, true).toString(16).padStart(8, '0');
  const parts: ExistingPartition[] = [];
  for (let i = 0; i < 4; i++) {
    const o = 446 + i * 16;
    const type = head[o + 4]!;
    const sectors = dv.getUint32(o + 12, true);
    if (type === 0 || sectors === 0) continue;
    parts.push({
      number: i + 1,
      start: dv.getUint32(o + 8, true),
      sectors,
      type: `0x${type.toString(16).padStart(2, '0')}`,
      uuid: `${diskId}-${String(i + 1).padStart(2, '0')}`,
    });
  }
  return { label: 'msdos', parts };
}

/** A Linux swap signature (what mkswap writes) for a partition of `bytes`, 4 KiB pages. */
export function swapHeader(bytes: number, uuid: Uint8Array, label = ''): Uint8Array {
  const page = 4096;
  const b = new Uint8Array(page);
  const dv = new DataView(b.buffer);
  dv.setUint32(1024, 1, true); // version
  dv.setUint32(1028, Math.floor(bytes / page) - 1, true); // last_page
  b.set(uuid.subarray(0, 16), 1036);
  b.set(new TextEncoder().encode(label).subarray(0, 16), 1052);
  b.set(new TextEncoder().encode('SWAPSPACE2'), page - 10);
  return b;
}

/**
 * Adds a partition to an existing GPT (a whole-disk image's, written at the start of a larger disk): the new
 * entry in the first free slot, the usable area and backup moved to the disk's real end, CRCs redone.
 * `head` holds the first 34 sectors. Returns the writes, or throws when the table cannot take it.
 */
export function gptAddPartition(
  head: Uint8Array,
  diskSectors: number,
  part: { start: number; sectors: number; role: PartitionRole; guid: string },
): GptWrite[] {
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  if (new TextDecoder().decode(head.subarray(512, 520)) !== 'EFI PART')
    throw new LayoutError('no GPT header');
  const entriesLba = Number(dv.getBigUint64(512 + 72, true));
  const count = dv.getUint32(512 + 80, true);
  const size = dv.getUint32(512 + 84, true);
  if (entriesLba !== 2 || size !== 128 || count !== 128)
    throw new LayoutError('only GPTs with 128 entries of 128 bytes at LBA 2 can be extended');
  const entries = head.slice(1024, 1024 + 128 * 128);
  const edv = new DataView(entries.buffer);
  let free = -1;
  for (let i = 0; i < 128; i++) {
    const used = entries.subarray(i * 128, i * 128 + 16).some((b) => b !== 0);
    if (!used && free < 0) free = i;
    if (used && Number(edv.getBigUint64(i * 128 + 40, true)) >= part.start)
      throw new LayoutError(`partition ${i + 1} reaches past sector ${part.start}: no room for ${part.role}`);
  }
  if (free < 0) throw new LayoutError('the GPT has no free entry');
  const last = diskSectors - 1;
  if (part.start + part.sectors - 1 > last - GPT_TAIL)
    throw new LayoutError(`${part.role} does not fit the disk`);
  const o = free * 128;
  entries.set(guidBytes(GPT_TYPE[part.role]), o);
  entries.set(guidBytes(part.guid), o + 16);
  edv.setBigUint64(o + 32, BigInt(part.start), true);
  edv.setBigUint64(o + 40, BigInt(part.start + part.sectors - 1), true);
  const name = PART_NAMES[part.role];
  for (let k = 0; k < name.length; k++) edv.setUint16(o + 56 + k * 2, name.charCodeAt(k), true);
  const entriesCrc = crc32(entries);
  const header = (self: number, alt: number, lba: number): Uint8Array => {
    const h = head.slice(512, 1024);
    const hv = new DataView(h.buffer);
    hv.setBigUint64(24, BigInt(self), true);
    hv.setBigUint64(32, BigInt(alt), true);
    hv.setBigUint64(48, BigInt(last - GPT_TAIL), true);
    hv.setBigUint64(72, BigInt(lba), true);
    hv.setUint32(88, entriesCrc, true);
    hv.setUint32(16, 0, true);
    hv.setUint32(16, crc32(h.subarray(0, hv.getUint32(12, true))), true);
    return h;
  };
  const pmbr = head.slice(0, 512);
  new DataView(pmbr.buffer).setUint32(458, Math.min(last, 0xffffffff), true);
  return [
    { offset: 0, data: pmbr },
    { offset: 512, data: header(1, last, 2) },
    { offset: 1024, data: entries },
    { offset: (last - 32) * 512, data: entries },
    { offset: last * 512, data: header(last, 1, last - 32) },
  ];
}
