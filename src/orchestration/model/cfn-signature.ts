// EC2 signature version 2 as the CFN API checks it (keystoneclient's Ec2Signer, which os-collect-config
// and Heat's pre-signed URLs use): base64 HMAC-SHA256 (or SHA1) of "VERB\nhost\npath\ncanonical query",
// the query being every parameter but Signature, sorted by name, each percent-encoded (RFC 3986
// unreserved characters kept). Pure.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** urllib's quote(s, safe='-_~'): letters, digits and "_.-~" stay, every other UTF-8 byte is %XX. */
export function awsQuote(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9_.~-]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function canonicalQueryV2(params: Readonly<Record<string, string>>): string {
  return Object.keys(params)
    .filter((k) => k !== 'Signature')
    .sort()
    .map((k) => `${awsQuote(k)}=${awsQuote(params[k] as string)}`)
    .join('&');
}

export function stringToSignV2(
  verb: string,
  host: string,
  path: string,
  params: Record<string, string>,
): string {
  return `${verb.toUpperCase()}\n${host}\n${path}\n${canonicalQueryV2(params)}`;
}

export function signatureV2(
  secret: string,
  verb: string,
  host: string,
  path: string,
  params: Record<string, string>,
): string {
  const algo = params.SignatureMethod === 'HmacSHA1' ? 'sha1' : 'sha256';
  return createHmac(algo, secret)
    .update(stringToSignV2(verb, host, path, params), 'utf8')
    .digest('base64');
}

/** Why a signed request cannot be checked at all (before any key lookup), or undefined. */
export function signatureShapeError(params: Record<string, string>): string | undefined {
  if (!params.AWSAccessKeyId) return 'AWSAccessKeyId is missing';
  if (!params.Signature) return 'Signature is missing';
  if (params.SignatureVersion !== '2')
    return `SignatureVersion ${params.SignatureVersion ?? '(none)'} is not supported (only 2)`;
  const m = params.SignatureMethod;
  if (m !== undefined && m !== 'HmacSHA256' && m !== 'HmacSHA1')
    return `SignatureMethod ${m} is not supported (HmacSHA256 or HmacSHA1)`;
  return undefined;
}

/** Whether `params.Signature` is the signature of this request under `secret` (compared in constant time). */
export function verifySignatureV2(
  secret: string,
  verb: string,
  host: string,
  path: string,
  params: Record<string, string>,
): boolean {
  const want = Buffer.from(signatureV2(secret, verb, host, path, params));
  const got = Buffer.from(params.Signature ?? '');
  return want.length === got.length && timingSafeEqual(want, got);
}

/** The query of a pre-signed URL: the parameters with their signature (Heat's signal and handle URLs). */
export function presignV2(
  secret: string,
  accessKey: string,
  verb: string,
  host: string,
  path: string,
  now: Date,
): Record<string, string> {
  const params: Record<string, string> = {
    Timestamp: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    SignatureMethod: 'HmacSHA256',
    AWSAccessKeyId: accessKey,
    SignatureVersion: '2',
  };
  params.Signature = signatureV2(secret, verb, host, path, params);
  return params;
}
