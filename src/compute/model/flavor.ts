// Flavors as Nova validates them: the create body, extra spec keys and values, and flavor ids. Pure.
import { badRequest } from '../../platform/errors/catalogue.ts';

export interface FlavorSpec {
  id: string | undefined; // undefined: the store generates a UUID
  name: string;
  ram: number;
  vcpus: number;
  disk: number;
  swap: number;
  ephemeral: number;
  rxtx_factor: number;
  is_public: boolean;
  description: string | null;
}

export interface Flavor extends Omit<FlavorSpec, 'id'> {
  id: string;
  disabled: boolean;
  extra_specs: Record<string, string>;
  created_at: number;
  updated_at: number;
}

const MAX_INT = 2 ** 31 - 1;

export const invalid = (field: string, value: unknown, why: string) =>
  badRequest(`Invalid input for field/attribute ${field}. Value: ${JSON.stringify(value)}. ${why}`);

/** A whole number in [min, MAX_INT]; Nova accepts it as a JSON number or a string of digits. */
export function wholeNumber(field: string, v: unknown, min: number): number {
  const n = typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n))
    throw invalid(field, v, `'${String(v)}' is not of type 'integer'`);
  if (n < min) throw invalid(field, v, `${n} is less than the minimum of ${min}`);
  if (n > MAX_INT) throw invalid(field, v, `${n} is greater than the maximum of ${MAX_INT}`);
  return n;
}

/** Nova's flavor name and id rules: printable, no leading or trailing whitespace, 1..255 characters. */
function name(field: string, v: unknown): string {
  if (typeof v !== 'string') throw invalid(field, v, `${JSON.stringify(v)} is not of type 'string'`);
  if (v.length < 1 || v.length > 255) throw invalid(field, v, 'must be 1 to 255 characters long');
  if (/^\s|\s$/.test(v)) throw invalid(field, v, 'leading and trailing whitespace is not allowed');
  if ([...v].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f))
    throw invalid(field, v, 'control characters are not allowed');
  return v;
}

const FLAVOR_ID = /^(?! )[a-zA-Z0-9. _-]{1,255}(?<! )$/;

const ALLOWED = new Set([
  'name',
  'id',
  'ram',
  'vcpus',
  'disk',
  'swap',
  'OS-FLV-EXT-DATA:ephemeral',
  'rxtx_factor',
  'os-flavor-access:is_public',
  'description',
]);

export function parseFlavorCreate(body: Record<string, unknown>, withDescription: boolean): FlavorSpec {
  for (const k of Object.keys(body)) {
    if (!ALLOWED.has(k) || (k === 'description' && !withDescription))
      throw badRequest(
        `Invalid input for field/attribute flavor. Additional properties are not allowed ('${k}' was unexpected)`,
      );
  }
  for (const k of ['name', 'ram', 'vcpus', 'disk'])
    if (body[k] === undefined)
      throw badRequest(`Invalid input for field/attribute flavor. '${k}' is a required property`);
  let id: string | undefined;
  const rawId = body.id;
  if (rawId !== undefined && rawId !== null && rawId !== 'auto') {
    const text = typeof rawId === 'number' && Number.isInteger(rawId) ? String(rawId) : rawId;
    if (typeof text !== 'string' || !FLAVOR_ID.test(text))
      throw invalid('id', rawId, 'flavor id may contain letters, digits, ".", "_", "-" and inner spaces');
    id = text;
  }
  const rxtx = body.rxtx_factor ?? 1.0;
  const rx = typeof rxtx === 'string' ? Number(rxtx) : rxtx;
  if (typeof rx !== 'number' || !Number.isFinite(rx) || rx <= 0 || rx > 3.40282e38)
    throw invalid('rxtx_factor', rxtx, 'must be a number greater than 0');
  const pub = booleanish('os-flavor-access:is_public', body['os-flavor-access:is_public'] ?? true);
  return {
    id,
    name: name('name', body.name),
    ram: wholeNumber('ram', body.ram, 1),
    vcpus: wholeNumber('vcpus', body.vcpus, 1),
    disk: wholeNumber('disk', body.disk, 0),
    swap: body.swap === undefined || body.swap === '' ? 0 : wholeNumber('swap', body.swap, 0),
    ephemeral:
      body['OS-FLV-EXT-DATA:ephemeral'] === undefined
        ? 0
        : wholeNumber('OS-FLV-EXT-DATA:ephemeral', body['OS-FLV-EXT-DATA:ephemeral'], 0),
    rxtx_factor: rx,
    is_public: pub,
    description: description(body.description),
  };
}

const TRUE = ['true', 't', '1', 'on', 'y', 'yes'];
const FALSE = ['false', 'f', '0', 'off', 'n', 'no'];

/** Nova's boolean parameter type: JSON booleans, or the strings oslo's bool_from_string knows. */
export function booleanish(field: string, v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  const t = typeof v === 'string' ? v.trim().toLowerCase() : undefined;
  if (t !== undefined && TRUE.includes(t)) return true;
  if (t !== undefined && FALSE.includes(t)) return false;
  throw invalid(field, v, 'must be a boolean');
}

export function description(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string' || v.length > 65535)
    throw invalid('description', v, 'must be a string of at most 65535 characters');
  return v;
}

const SPEC_KEY = /^[\w.\-: ]{1,255}$/;

/** Extra specs as Nova stores them: keys of word characters, dots, dashes, colons; string values. */
export function parseExtraSpecs(v: unknown): Record<string, string> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw badRequest('Invalid input for field/attribute extra_specs. Value must be an object.');
  const out: Record<string, string> = {};
  for (const [k, raw] of Object.entries(v)) {
    if (!SPEC_KEY.test(k)) throw invalid('extra_specs', k, `'${k}' is not a valid extra spec key`);
    if (typeof raw === 'boolean' || raw === null || typeof raw === 'object')
      throw invalid(k, raw, `${JSON.stringify(raw)} is not of type 'string', 'number'`);
    const text = String(raw);
    if (text.length > 255) throw invalid(k, raw, 'extra spec values are at most 255 characters');
    out[k] = text;
  }
  return out;
}
