// Reading driver_info values as the CLI sends them: `--driver-info ipmi_port=6230` arrives as a string,
// JSON files may carry numbers or booleans. Each reader returns the value or a problem to report.
import type { Dict } from '../model/node.ts';

export type Read<T> = { ok: true; value: T } | { ok: false; problem: string };

export function optString(info: Dict, key: string): Read<string | undefined> {
  const v = info[key];
  if (v === undefined || v === null || v === '') return { ok: true, value: undefined };
  if (typeof v !== 'string') return { ok: false, problem: `${key} must be a string` };
  return { ok: true, value: v };
}

export function optInt(info: Dict, key: string, min: number, max: number): Read<number | undefined> {
  const v = info[key];
  if (v === undefined || v === null || v === '') return { ok: true, value: undefined };
  const n =
    typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max)
    return {
      ok: false,
      problem: `${key} must be an integer from ${min} to ${max}, not ${JSON.stringify(v)}`,
    };
  return { ok: true, value: n };
}

/** The keys of `required` that are absent or empty, in order. */
export function missing(info: Dict, required: readonly string[]): string[] {
  return required.filter((k) => info[k] === undefined || info[k] === null || info[k] === '');
}

/** Collects the problems of several reads into one sentence, or undefined when there are none. */
export function problems(reads: Read<unknown>[], missingKeys: string[], what: string): string | undefined {
  const out: string[] = [];
  if (missingKeys.length > 0)
    out.push(`Missing the following ${what} credentials in node's driver_info: ${missingKeys.join(', ')}.`);
  for (const r of reads) if (!r.ok) out.push(`Invalid ${what} driver_info: ${r.problem}.`);
  return out.length > 0 ? out.join(' ') : undefined;
}

export const readValue = <T>(r: Read<T>): T => {
  if (!r.ok) throw new Error(r.problem);
  return r.value;
};
