// Keypairs as Nova reads them: an OpenSSH public key line is parsed far enough to know it is well formed
// (its blob names the same algorithm, the parts are complete, nothing trails), and fingerprinted as Nova
// does: MD5 of the decoded blob, colon-separated lowercase hex. x509 certificates: SHA-1 of the DER.
import { createHash, X509Certificate } from 'node:crypto';
import { badRequest } from '../../platform/errors/catalogue.ts';

export type KeyType = 'ssh' | 'x509';

const NAME = /^(?! )[a-zA-Z0-9. _-]{1,255}(?<! )$/;

export function keypairName(v: unknown): string {
  if (typeof v !== 'string' || !NAME.test(v))
    throw badRequest(
      `Invalid input for field/attribute name. Value: ${JSON.stringify(v)}. Keypair names may contain ` +
        `letters, digits, ".", "_", "-" and inner spaces, 1 to 255 characters`,
    );
  return v;
}

/** What each SSH algorithm's blob holds after its name: the count of length-prefixed fields. */
const SSH_FIELDS: Record<string, number> = {
  'ssh-rsa': 2, // e, n
  'ssh-dss': 4, // p, q, g, y
  'ssh-ed25519': 1, // the 32-byte key
  'ecdsa-sha2-nistp256': 2, // curve name, point
  'ecdsa-sha2-nistp384': 2,
  'ecdsa-sha2-nistp521': 2,
};

const bad = (why: string) => badRequest(`Keypair data is invalid: ${why}`);

/** Splits an SSH blob into its length-prefixed fields; throws when it is truncated. */
function sshFields(blob: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  while (at < blob.length) {
    if (at + 4 > blob.length) throw bad('failed to read the key data');
    const len = blob.readUInt32BE(at);
    if (at + 4 + len > blob.length) throw bad('failed to read the key data');
    out.push(blob.subarray(at + 4, at + 4 + len));
    at += 4 + len;
  }
  return out;
}

/** Checks an OpenSSH public key line; returns its fingerprint. */
export function sshFingerprint(line: string): string {
  const parts = line.trim().split(/\s+/);
  if (parts.length < 2) throw bad('failed to read the key data');
  const [algo = '', b64 = ''] = parts;
  const want = SSH_FIELDS[algo];
  if (want === undefined) throw bad(`unsupported key type ${algo}`);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw bad('the key is not valid base64');
  const blob = Buffer.from(b64, 'base64');
  const [name, first] = sshFields(blob);
  if (sshFields(blob).length !== want + 1 || name?.toString('latin1') !== algo || !first)
    throw bad('the key data does not match its type');
  if (algo === 'ssh-ed25519' && first.length !== 32) throw bad('an ed25519 key is 32 bytes');
  if (algo.startsWith('ecdsa-') && first.toString('latin1') !== algo.slice('ecdsa-sha2-'.length))
    throw bad('the curve does not match the key type');
  return colonHex(createHash('md5').update(blob).digest());
}

export function x509Fingerprint(pem: string): string {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    throw bad('failed to read the certificate');
  }
  return colonHex(createHash('sha1').update(cert.raw).digest());
}

export function fingerprint(type: KeyType, publicKey: string): string {
  return type === 'x509' ? x509Fingerprint(publicKey) : sshFingerprint(publicKey);
}

export function colonHex(digest: Buffer): string {
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** The OpenSSH line of an RSA public key given as its JWK (n, e in base64url). */
export function sshRsaLine(jwk: { n: string; e: string }, comment: string): string {
  const field = (b: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    return Buffer.concat([len, b]);
  };
  // mpint: big-endian, with a leading zero byte when the high bit is set.
  const mpint = (b64url: string) => {
    const raw = Buffer.from(b64url, 'base64url');
    return field((raw[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), raw]) : raw);
  };
  const blob = Buffer.concat([field(Buffer.from('ssh-rsa')), mpint(jwk.e), mpint(jwk.n)]);
  return `ssh-rsa ${blob.toString('base64')} ${comment}`;
}
