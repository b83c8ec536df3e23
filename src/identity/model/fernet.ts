// The Fernet token envelope (https://github.com/fernet/spec), as keystone's fernet tokens use it:
// 0x80 | issued-at seconds (8 bytes) | IV (16) | AES-128-CBC ciphertext | HMAC-SHA256 (32), base64url.
// A key is 32 bytes: the first 16 sign, the last 16 encrypt. Pure: the caller supplies IV and time.
import { createCipheriv, createDecipheriv, createHmac, timingSafeEqual } from 'node:crypto';

const VERSION = 0x80;
const HEADER = 1 + 8 + 16;
const MAC = 32;

export function fernetEncrypt(key: Buffer, plaintext: Buffer, iv: Buffer, issuedAtSeconds: number): string {
  if (key.length !== 32) throw new Error('a Fernet key is 32 bytes');
  if (iv.length !== 16) throw new Error('a Fernet IV is 16 bytes');
  const cipher = createCipheriv('aes-128-cbc', key.subarray(16), iv);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const head = Buffer.alloc(HEADER);
  head[0] = VERSION;
  head.writeBigUInt64BE(BigInt(Math.floor(issuedAtSeconds)), 1);
  iv.copy(head, 9);
  const signed = Buffer.concat([head, body]);
  const mac = createHmac('sha256', key.subarray(0, 16)).update(signed).digest();
  return Buffer.concat([signed, mac]).toString('base64url');
}

export interface FernetOpened {
  plaintext: Buffer;
  issuedAtSeconds: number;
  /** Index of the key (in the list given) that opened the token. */
  keyIndex: number;
}

/** Opens a token with the first key whose signature matches; undefined when none does or it is malformed. */
export function fernetDecrypt(keys: readonly Buffer[], token: string): FernetOpened | undefined {
  if (token.length > 4096 || !/^[A-Za-z0-9_-]+={0,2}$/.test(token)) return undefined;
  const raw = Buffer.from(token, 'base64url');
  // Node's decoder skips stray trailing characters: insist on the canonical encoding.
  if (raw.toString('base64url') !== token.replace(/=+$/, '')) return undefined;
  // At least one cipher block, and the ciphertext a whole number of blocks.
  if (raw.length < HEADER + 16 + MAC || (raw.length - HEADER - MAC) % 16 !== 0) return undefined;
  if (raw[0] !== VERSION) return undefined;
  const signed = raw.subarray(0, raw.length - MAC);
  const mac = raw.subarray(raw.length - MAC);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const expected = createHmac('sha256', key.subarray(0, 16)).update(signed).digest();
    if (!timingSafeEqual(expected, mac)) continue;
    try {
      const decipher = createDecipheriv('aes-128-cbc', key.subarray(16), raw.subarray(9, HEADER));
      const plaintext = Buffer.concat([
        decipher.update(raw.subarray(HEADER, raw.length - MAC)),
        decipher.final(),
      ]);
      return { plaintext, issuedAtSeconds: Number(raw.readBigUInt64BE(1)), keyIndex: i };
    } catch {
      return undefined; // signed by us but undecryptable: treat as invalid, never as a crash
    }
  }
  return undefined;
}
