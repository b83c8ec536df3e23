// Keypairs Nova generates: an RSA 2048 pair for ssh (OpenSSH public line, PKCS#1 private PEM), and for
// x509 a self-signed certificate made by Debian's openssl, as Nova makes one with its own openssl calls.
import { execFile } from 'node:child_process';
import { generateKeyPair as genKey } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sshRsaLine } from './model/keypair.ts';

const run = promisify(execFile);

export const OPENSSL = '/usr/bin/openssl';

export interface GeneratedPair {
  publicKey: string;
  privateKey: string;
}

export function generateSsh(): Promise<GeneratedPair> {
  return new Promise((resolve, reject) => {
    genKey('rsa', { modulusLength: 2048, publicExponent: 0x10001 }, (err, pub, priv) => {
      if (err) return reject(err);
      const jwk = pub.export({ format: 'jwk' }) as { n: string; e: string };
      resolve({
        publicKey: sshRsaLine(jwk, 'Generated-by-Nova'),
        privateKey: priv.export({ type: 'pkcs1', format: 'pem' }).toString(),
      });
    });
  });
}

/** A self-signed certificate (public_key) and its RSA key; the subject names the user, as Nova's does. */
export async function generateX509(userId: string, signal: AbortSignal): Promise<GeneratedPair> {
  const dir = await mkdtemp(join(tmpdir(), 'ooo-x509-'));
  try {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    const cn = userId.replace(/[^A-Za-z0-9._-]/g, '_') || 'nova';
    await run(
      OPENSSL,
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '3650',
        '-subj',
        `/CN=${cn}`,
      ],
      { signal },
    );
    return { publicKey: await readFile(cert, 'utf8'), privateKey: await readFile(key, 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
