// Answers one metadata-service path the way Nova's handler does: the path normalised (trailing slash
// irrelevant), a first segment other than openstack/ec2 meaning ec2, dictionaries listed as sorted keys
// (sub-dictionaries with "/"), lists newline-joined, leaves raw. Pure: facts in, reply out.
import {
  EC2_VERSIONS,
  ec2MetaData,
  type InstanceFacts,
  OPENSTACK_VERSIONS,
  openstackFiles,
} from './metadata.ts';

export interface MetadataReply {
  status: 200 | 404;
  contentType: 'text/plain' | 'application/json';
  body: Buffer;
}

const text = (s: string): MetadataReply => ({ status: 200, contentType: 'text/plain', body: Buffer.from(s) });
const NOT_FOUND: MetadataReply = {
  status: 404,
  contentType: 'text/plain',
  body: Buffer.from('404 Not Found\n\nThe resource could not be found.\n'),
};

/** posix normpath of the path's segments: empty and "." dropped, ".." climbs. */
export function segments(path: string): string[] {
  const out: string[] = [];
  for (const s of path.split('?')[0]!.split('/')) {
    if (s === '' || s === '.') continue;
    if (s === '..') out.pop();
    else out.push(decodeURIComponent(s));
  }
  return out;
}

export function resolveMetadata(f: InstanceFacts, path: string): MetadataReply {
  const parts = segments(path);
  if (parts[0] === 'openstack') return openstackPath(f, parts.slice(1));
  return ec2Path(f, parts[0] === 'ec2' ? parts.slice(1) : parts);
}

function openstackPath(f: InstanceFacts, parts: string[]): MetadataReply {
  const [version, file, ...rest] = parts;
  if (version === undefined) return text([...OPENSTACK_VERSIONS, 'latest'].join('\n'));
  if (version !== 'latest' && !(OPENSTACK_VERSIONS as readonly string[]).includes(version)) return NOT_FOUND;
  const files = openstackFiles(f, version);
  if (file === undefined) return text([...files.keys()].join('\n'));
  const data = files.get(file);
  if (data === undefined || rest.length > 0) return NOT_FOUND;
  const json = file === 'meta_data.json' || file.startsWith('vendor_data');
  return { status: 200, contentType: json ? 'application/json' : 'text/plain', body: data };
}

function ec2Path(f: InstanceFacts, parts: string[]): MetadataReply {
  const [version, kind, ...rest] = parts;
  if (version === undefined) return text([...EC2_VERSIONS, 'latest'].join('\n'));
  if (version !== 'latest' && !(EC2_VERSIONS as readonly string[]).includes(version)) return NOT_FOUND;
  if (kind === undefined) return text(f.userData === undefined ? 'meta-data/' : 'meta-data/\nuser-data');
  if (kind === 'user-data') {
    if (f.userData === undefined || rest.length > 0) return NOT_FOUND;
    return { status: 200, contentType: 'text/plain', body: f.userData };
  }
  if (kind !== 'meta-data') return NOT_FOUND;
  // The public-keys listing names each key: "0=<name>".
  const first = f.keys[0];
  if (rest.length === 1 && rest[0] === 'public-keys' && first) return text(`0=${first.name}`);
  let node: unknown = ec2MetaData(f);
  for (const key of rest) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return NOT_FOUND;
    if (!(key in node)) return NOT_FOUND;
    node = (node as Record<string, unknown>)[key];
  }
  return text(render(node));
}

function render(node: unknown): string {
  if (Array.isArray(node)) return node.map(String).join('\n');
  if (typeof node === 'object' && node !== null)
    return Object.entries(node)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? `${k}/` : k))
      .join('\n');
  return String(node);
}
