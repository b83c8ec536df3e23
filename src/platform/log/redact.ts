// Secrets out of log lines at any depth: a key that names a secret has its value replaced, wherever it
// sits (nodes[3].driver_info.ipmi_password, req.headers['X-Auth-Token'], a list of credentials...).
// Pure, and copy-on-write: an object without secrets is returned as it is, so the common log call
// pays one walk and no allocation.

export const CENSOR = '******';

// password, *_password, passwd, secret, *_secret, token, *_token and *-token (X-Auth-Token,
// X-Subject-Token), authorization and cookie headers; any case.
const SECRET_KEY =
  /(?:^|[_-])(?:password|passwd|secret|token)$|^(?:authorization|proxy-authorization|cookie)$/i;

// Log objects reuse a small set of keys: remembering the answer saves the regex on the hot path.
const known = new Map<string, boolean>();

export function isSecretKey(key: string): boolean {
  let secret = known.get(key);
  if (secret === undefined) {
    secret = SECRET_KEY.test(key);
    if (known.size < 10_000) known.set(key, secret);
  }
  return secret;
}

// Deeper than any real log object; a cycle stops here instead of looping (pino prints it as circular).
const MAX_DEPTH = 32;

function isPlainObject(v: object): v is Record<string, unknown> {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** The value with every secret-named key's value censored; the same reference when there is none. */
export function redactSecrets<T>(value: T, depth = 0): T {
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      const red = redactSecrets(item, depth + 1);
      if (red !== item) {
        out ??= value.slice();
        out[i] = red;
      }
    }
    return (out ?? value) as T;
  }
  if (!isPlainObject(value)) return value;
  let out: Record<string, unknown> | undefined;
  for (const key in value) {
    const item = value[key];
    const red =
      isSecretKey(key) && item !== undefined && item !== null ? CENSOR : redactSecrets(item, depth + 1);
    if (red !== item) {
      out ??= { ...value };
      out[key] = red;
    }
  }
  return (out ?? value) as T;
}
