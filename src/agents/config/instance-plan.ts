// What instance-init does with an instance's metadata, decided without I/O: the SSH keys to add to root's
// authorized_keys, and the file that records an instance's user data ran (user-data-parts.ts: what runs). Pure.

export interface InstanceMetadata {
  uuid: string;
  keys: string[];
}

/** meta_data.json (OpenStack tree) → the instance id and its public keys, or why it is unusable. */
export function readMetadata(text: string): InstanceMetadata | string {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return 'meta_data.json is not JSON';
  }
  if (!doc || typeof doc !== 'object') return 'meta_data.json is not an object';
  const d = doc as { uuid?: unknown; public_keys?: unknown };
  if (typeof d.uuid !== 'string' || d.uuid === '') return 'meta_data.json has no uuid';
  const pk = d.public_keys && typeof d.public_keys === 'object' ? d.public_keys : {};
  const keys = Object.values(pk as Record<string, unknown>)
    .filter((k): k is string => typeof k === 'string')
    .map((k) => k.trim())
    .filter((k) => k !== '');
  return { uuid: d.uuid, keys };
}

/** authorized_keys with the keys it lacks appended (a key already there, as a whole line, is kept once). */
export function withKeys(existing: string, keys: string[]): string {
  const lines = existing.split('\n').filter((l) => l.trim() !== '');
  for (const k of keys) if (!lines.includes(k)) lines.push(k);
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

/** The file name recording that an instance's user data ran (instance ids are UUIDs; anything else is hexed). */
export function doneName(uuid: string): string {
  return /^[0-9a-fA-F-]{1,64}$/.test(uuid) ? `${uuid}.done` : `${Buffer.from(uuid).toString('hex')}.done`;
}
