// Authenticated encryption for secrets at rest (BMC passwords in driver_info, stack parameters marked
// hidden, credentials): AES-256-GCM under a key of the deployment's key ring. A sealed secret is text,
//   sb1:<key id>:<base64url(12-byte nonce | ciphertext | 16-byte tag)>
// versioned so the format can change, naming its key so keys can rotate, and bound to a context (e.g.
// "baremetal:node:<uuid>:ipmi_password") as associated data, so a sealed value copied to another row or
// field does not open. Pure but for the random nonce, which a test may inject.
import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import { AppError } from '../errors/catalogue.ts';

const VERSION = 'sb1';
const NONCE = 12;
const TAG = 16;

export interface SecretKeyRing {
  /** Key id → 32-byte key. */
  keys: ReadonlyMap<number, Buffer>;
  /** The key that seals new secrets. */
  primary: number;
}

const aad = (keyId: number, context: string) => Buffer.from(`${VERSION}:${keyId}:${context}`, 'utf8');

export class SecretBox {
  readonly #ring: SecretKeyRing;
  /** The keys imported once: a raw Buffer key is imported again on every cipher (about 5× the cost). */
  readonly #keys = new Map<number, KeyObject>();
  readonly #nonce: () => Buffer;

  constructor(ring: SecretKeyRing, nonce: () => Buffer = () => randomBytes(NONCE)) {
    const primary = ring.keys.get(ring.primary);
    if (!primary) throw new Error(`the primary secret key ${ring.primary} is missing`);
    for (const [id, key] of ring.keys)
      if (key.length !== 32) throw new Error(`secret key ${id} is ${key.length} bytes, not 32`);
    for (const [id, key] of ring.keys) this.#keys.set(id, createSecretKey(key));
    this.#ring = ring;
    this.#nonce = nonce;
  }

  /** Whether text looks like a sealed secret (of any key); it may still fail to open. */
  static isSealed(text: string): boolean {
    return /^sb1:\d+:[A-Za-z0-9_-]+$/.test(text);
  }

  seal(plaintext: string, context = ''): string {
    const id = this.#ring.primary;
    const nonce = this.#nonce();
    if (nonce.length !== NONCE) throw new Error(`a nonce is ${NONCE} bytes`);
    const cipher = createCipheriv('aes-256-gcm', this.#keys.get(id) as KeyObject, nonce);
    cipher.setAAD(aad(id, context));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${VERSION}:${id}:${Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64url')}`;
  }

  /** The plaintext; an INTERNAL error when the text was altered, belongs to another context or key ring. */
  open(sealed: string, context = ''): string {
    const m = /^([a-z0-9]+):(\d+):([A-Za-z0-9_-]+)$/.exec(sealed);
    if (!m) throw unopenable('it is not a sealed secret');
    if (m[1] !== VERSION) throw unopenable(`format ${m[1]} is unknown`);
    const id = Number(m[2]);
    const key = this.#keys.get(id);
    if (!key) throw unopenable(`key ${id} is not in the key ring`);
    const raw = Buffer.from(m[3] as string, 'base64url');
    if (raw.length < NONCE + TAG) throw unopenable('it is truncated');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, NONCE));
      decipher.setAAD(aad(id, context));
      decipher.setAuthTag(raw.subarray(raw.length - TAG));
      return Buffer.concat([
        decipher.update(raw.subarray(NONCE, raw.length - TAG)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw unopenable('it was altered or sealed for another context');
    }
  }

  /** Re-seals under the primary key when sealed under an older one (after a rotation); else returns it. */
  reseal(sealed: string, context = ''): string {
    const id = Number(/^sb1:(\d+):/.exec(sealed)?.[1]);
    return id === this.#ring.primary ? sealed : this.seal(this.open(sealed, context), context);
  }
}

function unopenable(why: string): AppError {
  // Never the secret or the sealed text itself: the message may reach a log.
  return new AppError('INTERNAL', `a stored secret cannot be opened: ${why}`, { type: 'SecretUnopenable' });
}
