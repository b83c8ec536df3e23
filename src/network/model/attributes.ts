// Checks of single request attributes shared by every resource (strings with Neutron's length limit,
// booleans that may come as "true"/"false", tag lists), with Neutron's InvalidInput messages.
import { invalidInput } from './errors.ts';

export function str(body: Record<string, unknown>, key: string, fallback: string, max = 255): string {
  const v = body[key];
  if (v === undefined) return fallback;
  if (v === null && fallback === '') return '';
  if (typeof v !== 'string') throw invalidInput(`'${String(v)}' is not a valid string for ${key}`);
  if (v.length > max)
    throw invalidInput(`'${v.slice(0, 20)}...' exceeds maximum length of ${max} for ${key}`);
  return v;
}

export function optStr(body: Record<string, unknown>, key: string): string | undefined {
  return body[key] === undefined ? undefined : str(body, key, '');
}

export function flag(body: Record<string, unknown>, key: string, fallback: boolean): boolean {
  const v = body[key];
  if (v === undefined) return fallback;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
  throw invalidInput(`'${String(v)}' is not a valid boolean value for ${key}`);
}

export function optFlag(body: Record<string, unknown>, key: string): boolean | undefined {
  return body[key] === undefined ? undefined : flag(body, key, false);
}

export function tagList(body: Record<string, unknown>): string[] | undefined {
  const v = body.tags;
  if (v === undefined) return undefined;
  if (
    !Array.isArray(v) ||
    v.some((t) => typeof t !== 'string' || t === '' || t.length > 255 || t.includes(','))
  )
    throw invalidInput(`'${JSON.stringify(v)}' is not a valid tag list`);
  return v as string[];
}
