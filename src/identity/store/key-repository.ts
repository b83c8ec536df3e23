// The token key repository, laid out like keystone's fernet-keys: one file per key named by a number.
// 0 is the staged key (known to every process, not yet used to issue), the highest number is the primary
// (issues new tokens), the others are secondary (still validate tokens issued before a rotation).
// Rotation promotes the staged key, so a process that has not reloaded yet still opens new tokens.
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../platform/fs/atomic-write.ts';

export interface KeySet {
  /** Primary first (issues tokens), then secondary keys newest first, then the staged key. */
  keys: Buffer[];
  primaryIndex: number;
}

export const DEFAULT_MAX_ACTIVE_KEYS = 3;

export function keyDir(stateDir: string): string {
  return join(stateDir, 'fernet-keys');
}

function writeKey(dir: string, index: number): void {
  writeFileAtomic(join(dir, String(index)), randomBytes(32).toString('base64url'), { mode: 0o600 });
}

function indexes(dir: string): number[] {
  return readdirSync(dir)
    .filter((f) => /^\d+$/.test(f))
    .map(Number)
    .sort((a, b) => a - b);
}

/** Creates the repository with a staged and a primary key when it is missing (keystone-manage fernet_setup). */
export function setupKeys(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const present = indexes(dir);
  if (!present.includes(0)) writeKey(dir, 0);
  if (!present.some((i) => i > 0)) writeKey(dir, 1);
}

export function loadKeys(dir: string): KeySet {
  const present = indexes(dir);
  if (present.length === 0 || !present.some((i) => i > 0)) throw new Error(`no token keys in ${dir}`);
  const order = [...present.filter((i) => i > 0).reverse(), ...present.filter((i) => i === 0)];
  const keys = order.map((i) => {
    const key = Buffer.from(readFileSync(join(dir, String(i)), 'utf8').trim(), 'base64url');
    if (key.length !== 32) throw new Error(`token key ${join(dir, String(i))} is not 32 bytes`);
    return key;
  });
  return { keys, primaryIndex: 0 };
}

/** Promotes the staged key to primary, stages a new one, and drops the oldest beyond maxActive.
 * Returns the new primary's number. */
export function rotateKeys(dir: string, maxActive = DEFAULT_MAX_ACTIVE_KEYS): number {
  if (maxActive < 2) throw new Error('at least 2 keys (staged and primary) must stay active');
  setupKeys(dir);
  const present = indexes(dir);
  const next = Math.max(...present) + 1;
  renameSync(join(dir, '0'), join(dir, String(next)));
  writeKey(dir, 0);
  const numbered = indexes(dir).filter((i) => i > 0);
  // Staged + primary + secondaries: keep the newest (maxActive - 1) numbered keys.
  for (const old of numbered.slice(0, Math.max(0, numbered.length - (maxActive - 1)))) {
    rmSync(join(dir, String(old)));
  }
  return next;
}

/** A cheap fingerprint of the repository: a rotation by another process changes it. */
export function keysVersion(dir: string): string {
  if (!existsSync(dir)) return '';
  return indexes(dir)
    .map((i) => `${i}:${statSync(join(dir, String(i))).mtimeMs}`)
    .join(',');
}
