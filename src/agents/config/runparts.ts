// dib-run-parts' selection and order, as pure functions: `LANG=C sort -n` on names, then bytes.

// GNU sort -n key: optional '-', then digits; anything else (or nothing) is 0.
function numericKey(name: string): { neg: boolean; digits: string } {
  const m = /^(-?)([0-9]*)/.exec(name)!;
  const digits = m[2]!.replace(/^0+/, '');
  return { neg: m[1] === '-' && digits !== '', digits };
}

function compareNumeric(a: string, b: string): number {
  const x = numericKey(a);
  const y = numericKey(b);
  if (x.neg !== y.neg) return x.neg ? -1 : 1;
  const mag = x.digits.length - y.digits.length || (x.digits < y.digits ? -1 : x.digits > y.digits ? 1 : 0);
  return x.neg ? -mag : mag;
}

function compareBytes(a: string, b: string): number {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return Buffer.compare(x, y);
}

export function sortNumeric(names: string[]): string[] {
  return [...names].sort((a, b) => compareNumeric(a, b) || compareBytes(a, b));
}

export const DEFAULT_REGEX = '^[0-9A-Za-z_-]+$';

// Candidates are filtered by RUN_PARTS_REGEX (an ERE; the default rejects any name with a dot).
export function selectTargets(names: string[], regex = DEFAULT_REGEX): string[] {
  const re = new RegExp(regex);
  return sortNumeric(names.filter((n) => re.test(n)));
}

// Environment files: any name of [0-9A-Za-z_.-], ordered by their full paths the same way.
export function selectEnvironmentFiles(dir: string, names: string[]): string[] {
  return sortNumeric(names.filter((n) => /^[0-9A-Za-z_.-]+$/.test(n)).map((n) => `${dir}/${n}`));
}
