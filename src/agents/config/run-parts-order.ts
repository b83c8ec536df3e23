// Which files dib-run-parts runs and in which order, shared by the agents' dib-run-parts and the image
// builder's phases (pure, so the agents' bundles may carry it). The original pipes names through
// `grep -E "$RUN_PARTS_REGEX" | LANG=C sort -n`, and environment files' full paths through `sort -n`.

export const DEFAULT_RUN_PARTS_REGEX = '^[0-9A-Za-z_-]+$';
const ENVIRONMENT_FILE = /^[0-9A-Za-z_.-]+$/;

// GNU sort -n's key in the C locale: leading blanks, an optional '-', digits, an optional '.' and
// digits; anything else (or nothing) is 0, and -0 is 0.
function numericKey(s: string): { neg: boolean; int: string; frac: string } {
  const m = /^[ \t]*(-?)([0-9]*)(?:\.([0-9]*))?/.exec(s)!;
  const int = m[2]!.replace(/^0+/, '');
  const frac = (m[3] ?? '').replace(/0+$/, '');
  return { neg: m[1] === '-' && (int !== '' || frac !== ''), int, frac };
}

function compareMagnitude(a: { int: string; frac: string }, b: { int: string; frac: string }): number {
  if (a.int.length !== b.int.length) return a.int.length < b.int.length ? -1 : 1;
  if (a.int !== b.int) return a.int < b.int ? -1 : 1;
  return a.frac === b.frac ? 0 : a.frac < b.frac ? -1 : 1;
}

// Equal keys fall back to sort's last resort, the whole line compared as bytes.
function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** `LANG=C sort -n` as a comparator. */
export function compareRunParts(a: string, b: string): number {
  const x = numericKey(a);
  const y = numericKey(b);
  if (x.neg !== y.neg) return x.neg ? -1 : 1;
  const mag = compareMagnitude(x, y);
  if (mag !== 0) return x.neg ? -mag : mag;
  return compareBytes(a, b);
}

export function sortRunParts(names: string[]): string[] {
  return [...names].sort(compareRunParts);
}

/** The names a phase runs (filtered by RUN_PARTS_REGEX, an ERE), in run order. */
export function selectRunParts(names: string[], regex = DEFAULT_RUN_PARTS_REGEX): string[] {
  const re = new RegExp(regex);
  return sortRunParts(names.filter((n) => re.test(n)));
}

/** environment.d files to source: names of [0-9A-Za-z_.-], their full paths in `sort -n` order. */
export function selectEnvironmentFiles(dir: string, names: string[]): string[] {
  return sortRunParts(names.filter((n) => ENVIRONMENT_FILE.test(n)).map((n) => `${dir}/${n}`));
}
