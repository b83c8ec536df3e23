// Server groups as Nova validates them: one policy (the 2.64 shape) or a one-item policies list (before),
// soft policies from 2.15, and the anti-affinity rule max_server_per_host from 2.64. Pure.
import { badRequest } from '../../platform/errors/catalogue.ts';
import { atLeast, type Version } from './microversion.ts';

export interface ServerGroupSpec {
  name: string;
  policy: string;
  rules: Record<string, number>;
}

const HARD = ['affinity', 'anti-affinity'];
const SOFT = ['soft-affinity', 'soft-anti-affinity'];

const refuse = (why: string) => badRequest(`Invalid input for field/attribute server_group. ${why}`);

export function parseServerGroupCreate(body: Record<string, unknown>, v: Version): ServerGroupSpec {
  const modern = atLeast(v, 64);
  const allowedKeys = modern ? ['name', 'policy', 'rules'] : ['name', 'policies'];
  for (const k of Object.keys(body)) if (!allowedKeys.includes(k)) refuseExtra(k);
  const name = body.name;
  if (typeof name !== 'string' || name.trim() === '' || name.length > 255)
    throw refuse(`'name' must be a non-empty string of at most 255 characters`);
  const known = atLeast(v, 15) ? [...HARD, ...SOFT] : HARD;
  let policy: unknown;
  if (modern) policy = body.policy;
  else {
    const list = body.policies;
    if (!Array.isArray(list) || list.length !== 1) throw refuse(`'policies' must hold exactly one policy`);
    policy = list[0];
  }
  if (typeof policy !== 'string' || !known.includes(policy))
    throw refuse(`${JSON.stringify(policy)} is not one of ${JSON.stringify(known)}`);
  const rules: Record<string, number> = {};
  if (modern && body.rules !== undefined) {
    const r = body.rules;
    if (typeof r !== 'object' || r === null || Array.isArray(r)) throw refuse(`'rules' must be an object`);
    for (const [k, raw] of Object.entries(r)) {
      if (k !== 'max_server_per_host') throw refuse(`unknown rule '${k}'`);
      const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 1)
        throw refuse(`max_server_per_host must be a positive integer`);
      rules[k] = n;
    }
    if (Object.keys(rules).length > 0 && policy !== 'anti-affinity')
      throw badRequest(`Only anti-affinity policy supports rules.`);
  }
  return { name, policy, rules };
}

function refuseExtra(k: string): never {
  throw refuse(`Additional properties are not allowed ('${k}' was unexpected)`);
}
