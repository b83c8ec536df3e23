// dib-run-parts rules: which files in a phase directory run, and in which order.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const DEFAULT_RUN_PARTS_REGEX = '^[0-9A-Za-z_-]+$';

/** `LANG=C sort -n`: leading integer (none counts as 0), ties broken bytewise. */
export function compareRunParts(a: string, b: string): number {
  const na = leadingNumber(a);
  const nb = leadingNumber(b);
  if (na !== nb) return na < nb ? -1 : 1;
  const ba = Buffer.from(a);
  const bb = Buffer.from(b);
  return Buffer.compare(ba, bb);
}

function leadingNumber(name: string): bigint {
  const m = /^[0-9]+/.exec(name);
  return m ? BigInt(m[0]) : 0n;
}

export interface RunPartsEntry {
  name: string;
  isFile: boolean;
  executable: boolean;
}

/** Executable regular files (after symlinks) whose whole name matches the regex, in run order. */
export function selectRunParts(entries: RunPartsEntry[], regex = DEFAULT_RUN_PARTS_REGEX): string[] {
  const re = new RegExp(regex);
  return entries
    .filter((e) => e.isFile && e.executable && re.test(e.name))
    .map((e) => e.name)
    .sort(compareRunParts);
}

/** The scripts of a directory, as dib-run-parts would run them. */
export function listRunParts(
  dir: string,
  regex = process.env['RUN_PARTS_REGEX'] || DEFAULT_RUN_PARTS_REGEX,
): string[] {
  const entries: RunPartsEntry[] = [];
  for (const name of readdirSync(dir)) {
    try {
      const st = statSync(join(dir, name));
      entries.push({ name, isFile: st.isFile(), executable: (st.mode & 0o111) !== 0 });
    } catch {
      // a dangling symlink is not a candidate
    }
  }
  return selectRunParts(entries, regex);
}

/** environment.d files are sourced in plain sorted order of their names (dots allowed). */
export function selectEnvironmentFiles(names: string[]): string[] {
  return names
    .filter((n) => /^[0-9A-Za-z_.-]+$/.test(n))
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}
