// virtual_size from the first bytes of an image: the qcow2 header carries the guest disk size;
// a raw image's guest disk is the file itself. Pure.

export const QCOW2_MAGIC = 0x514649fb; // "QFI\xfb"
/** Bytes of the head of the data that virtualSize() needs. */
export const HEADER_BYTES = 32;

/**
 * The guest-visible size for the formats whose header we read, or null when unknown.
 * `head` is the first HEADER_BYTES (or fewer, for a tiny image) of the data.
 */
export function virtualSize(diskFormat: string | null, head: Uint8Array, size: number): number | null {
  if (diskFormat === 'raw') return size;
  if (diskFormat !== 'qcow2') return null;
  if (head.length < HEADER_BYTES) return null;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  if (view.getUint32(0) !== QCOW2_MAGIC) return null;
  const version = view.getUint32(4);
  if (version !== 2 && version !== 3) return null;
  const v = view.getBigUint64(24);
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? null : Number(v);
}
