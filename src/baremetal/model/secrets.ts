// Which driver_info keys are secrets (BMC passwords, keys, tokens), masking them for responses and logs,
// and splitting them off so the store can encrypt them apart from the rest of the node.
import type { Dict } from './node.ts';

export const MASK = '******';

// The words oslo's mask_dict_password treats as secrets, matched anywhere in a key, case-insensitively.
const SECRET_WORDS = [
  'password',
  'passwd',
  'pswd',
  'secret',
  'token',
  'private_key',
  'encryption_key',
  'passphrase',
];

export function isSecretKey(key: string): boolean {
  const k = key.toLowerCase();
  return SECRET_WORDS.some((w) => k.includes(w));
}

/** A copy with every secret value (at any depth) replaced by the mask. */
export function maskSecrets(d: Dict): Dict {
  const out: Dict = {};
  for (const [k, v] of Object.entries(d)) {
    if (isSecretKey(k) && v !== null && v !== '') out[k] = MASK;
    else if (typeof v === 'object' && v !== null && !Array.isArray(v)) out[k] = maskSecrets(v);
    else out[k] = v;
  }
  return out;
}

/** instance_info as shown: secrets masked, and the config drive too (it may hold passwords), as Ironic does. */
export function maskInstanceInfo(d: Dict): Dict {
  const out = maskSecrets(d);
  if (typeof out.configdrive === 'string' && out.configdrive !== '') out.configdrive = MASK;
  else if (out.configdrive && typeof out.configdrive === 'object') out.configdrive = MASK;
  return out;
}
