// yaml.safe_load into Python's data model (int as bigint, dict as an ordered Map with str keys).
// The parsing and PyYAML's YAML 1.1 typing live in the shared loader; this only maps the result.
import { loadYaml } from '../../platform/yaml.ts';
import { type PyValue, pyStr } from './pyjson.ts';

export { YamlError } from '../../platform/yaml.ts';

// str() of a datetime as Python prints one: a date alone, or date and time (PyYAML reads a zone into
// UTC here, which prints the same instant).
function dateStr(d: Date): string {
  const iso = d.toISOString();
  if (iso.endsWith('T00:00:00.000Z')) return iso.slice(0, 10);
  const ms = d.getUTCMilliseconds();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${ms ? `.${String(ms * 1000).padStart(6, '0')}` : ''}`;
}

function toPy(v: unknown): PyValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'boolean' || typeof v === 'bigint' || typeof v === 'number')
    return v;
  if (v instanceof Date) return dateStr(v);
  if (Array.isArray(v)) return v.map(toPy);
  if (v instanceof Map) {
    // Keys that are not strings are named by their str(), which is what the callers print.
    return new Map([...v].map(([k, x]) => [typeof k === 'string' ? k : pyStr(toPy(k)), toPy(x)]));
  }
  if (v instanceof Set) return new Map([...v].map((k) => [pyStr(toPy(k)), null]));
  if (v instanceof Uint8Array) return new TextDecoder('latin1').decode(v);
  return String(v);
}

export function loadPyYaml(text: string): PyValue {
  return toPy(loadYaml(text, { python: true }));
}
