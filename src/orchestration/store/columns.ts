// What the orchestration tables' code shares: rows as loose records, JSON columns parsed, numbers that may
// be NULL, and the sealing of secret columns (stack parameters and environment, resource properties and
// data) with the platform SecretBox, bound to the row they belong to.
import { SecretBox } from '../../platform/crypto/secret-box.ts';

export type Raw = Record<string, unknown>;
export const j = <T>(v: unknown, d: T): T => (typeof v === 'string' && v !== '' ? (JSON.parse(v) as T) : d);
export const n = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export interface Sealing {
  seal(text: string, context: string): string;
  /** A sealed column's text, or the column as it is (plain JSON, written without a SecretBox). */
  open(v: unknown, context: string): unknown;
}

export function sealing(secrets?: SecretBox): Sealing {
  return {
    seal: (t, c) => (secrets ? secrets.seal(t, c) : t),
    open: (v, c) => (typeof v === 'string' && SecretBox.isSealed(v) && secrets ? secrets.open(v, c) : v),
  };
}
