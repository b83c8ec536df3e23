// Password and secret hashing with scrypt, a memory-hard KDF (see docs/decisions/identity-tokens.md).
// Stored form: $scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt b64>$<hash b64>, so the cost can grow later
// without invalidating existing hashes.
import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

export interface HashCost {
  /** log2 of scrypt's N: 15 means 2^15 iterations over 32 MiB of memory. */
  ln: number;
  r: number;
  p: number;
}

export const DEFAULT_COST: HashCost = { ln: 15, r: 8, p: 1 };
const KEY_LENGTH = 32;
/** Longer inputs are refused before hashing, so a huge "password" cannot cost more than a normal one. */
export const MAX_PASSWORD_LENGTH = 4096;

function derive(secret: string, salt: Buffer, cost: HashCost): Promise<Buffer> {
  const opts: ScryptOptions = {
    N: 2 ** cost.ln,
    r: cost.r,
    p: cost.p,
    maxmem: 2 * 128 * cost.r * 2 ** cost.ln + 1024 * 1024,
  };
  return new Promise((resolve, reject) =>
    scrypt(secret.normalize('NFC'), salt, KEY_LENGTH, opts, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export async function hashSecret(secret: string, cost: HashCost = DEFAULT_COST): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(secret, salt, cost);
  return `$scrypt$ln=${cost.ln},r=${cost.r},p=${cost.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

const FORMAT = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/;

export function parseHash(stored: string): { cost: HashCost; salt: Buffer; key: Buffer } | undefined {
  const m = FORMAT.exec(stored);
  if (!m) return undefined;
  const cost = { ln: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  if (cost.ln < 1 || cost.ln > 22 || cost.r < 1 || cost.p < 1) return undefined;
  return { cost, salt: Buffer.from(m[4]!, 'base64'), key: Buffer.from(m[5]!, 'base64') };
}

/** Constant-time comparison; false for a malformed stored hash or an over-long input. */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed || secret.length > MAX_PASSWORD_LENGTH) return false;
  const key = await derive(secret, parsed.salt, parsed.cost);
  return key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
}

/** Spends the same work as a real check, so an unknown user answers as slowly as a wrong password. */
export async function burnVerify(cost: HashCost = DEFAULT_COST): Promise<false> {
  await derive('x', Buffer.alloc(16), cost);
  return false;
}
