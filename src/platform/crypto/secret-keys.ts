// The secret key ring on disk: one file per key in <state dir>/secret-keys, named by its id, 32 random
// bytes in base64url, readable by the service user only. The highest id seals; every key stays so what
// older keys sealed still opens (SecretBox.reseal moves a value to the newest key).
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic-write.ts';
import { SecretBox, type SecretKeyRing } from './secret-box.ts';

export function secretKeyDir(stateDir: string): string {
  return join(stateDir, 'secret-keys');
}

function ids(dir: string): number[] {
  return readdirSync(dir)
    .filter((f) => /^\d+$/.test(f))
    .map(Number)
    .sort((a, b) => a - b);
}

function addKey(dir: string, id: number): void {
  writeFileAtomic(join(dir, String(id)), randomBytes(32).toString('base64url'), { mode: 0o600 });
}

/** Creates the directory and a first key when missing. */
export function setupSecretKeys(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  if (ids(dir).length === 0) addKey(dir, 1);
}

export function loadSecretKeys(dir: string): SecretKeyRing {
  const present = ids(dir);
  if (present.length === 0) throw new Error(`no secret keys in ${dir}`);
  const keys = new Map<number, Buffer>();
  for (const id of present) {
    const key = Buffer.from(readFileSync(join(dir, String(id)), 'utf8').trim(), 'base64url');
    if (key.length !== 32) throw new Error(`secret key ${join(dir, String(id))} is not 32 bytes`);
    keys.set(id, key);
  }
  return { keys, primary: present.at(-1) as number };
}

/** Adds a new primary key; returns its id. */
export function rotateSecretKeys(dir: string): number {
  setupSecretKeys(dir);
  const next = (ids(dir).at(-1) ?? 0) + 1;
  addKey(dir, next);
  return next;
}

/** The box for a state directory, creating its first key if there is none. */
export function openSecretBox(stateDir: string): SecretBox {
  const dir = secretKeyDir(stateDir);
  setupSecretKeys(dir);
  return new SecretBox(loadSecretKeys(dir));
}
