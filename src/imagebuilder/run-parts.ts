// The scripts of a phase directory, as dib-run-parts runs them (selection and order are the shared,
// pure rules of src/agents/config/run-parts-order.ts; this only reads the directory).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_RUN_PARTS_REGEX, selectRunParts } from '../agents/config/run-parts-order.ts';

export interface RunPartsEntry {
  name: string;
  isFile: boolean;
  executable: boolean;
}

/** `find -xtype f -executable`: regular files after symlinks, with an execute bit. */
export function runnable(entries: RunPartsEntry[]): string[] {
  return entries.filter((e) => e.isFile && e.executable).map((e) => e.name);
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
  return selectRunParts(runnable(entries), regex);
}
