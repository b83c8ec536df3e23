// Functions over lists and maps: selecting, merging, replacing, filtering, concatenating, repeating.
import { isMap, type Json, type JsonMap } from '../template-format.ts';
import { argList, type Call, type Fn, fail, listArg, mapArg, str } from './call.ts';

/** Whether a list holds the value, a map has it as key, or a string contains it (`contains`). */
export function containsValue(c: Call, v: Json, seq: Json): boolean {
  if (Array.isArray(seq)) return seq.some((x) => JSON.stringify(x) === JSON.stringify(v));
  if (isMap(seq)) return str(v) in seq;
  if (typeof seq === 'string') return seq.includes(str(v));
  return fail(c, '"contains" needs a list, map or string.');
}

function repeat(c: Call): Json {
  const a = mapArg(c, c.resolve(c.args, c.path), 'repeat');
  const forEach = mapArg(c, a.for_each ?? null, 'repeat for_each');
  if (!('template' in a)) fail(c, '"repeat" needs a template.');
  const permutations = a.permutations ?? true;
  if ('permutations' in a && !c.env.version.features.repeatPermutations)
    fail(c, '"permutations" needs 2017-09-01.');
  const keys = Object.keys(forEach);
  const lists = keys.map((k) => {
    const v = forEach[k] as Json;
    if (Array.isArray(v)) return v;
    if (isMap(v) && c.env.version.features.repeatMap) return Object.keys(v) as Json[];
    return fail(c, `"repeat" for_each value of "${k}" must be a list.`);
  });
  let combos: Json[][];
  if (permutations === false) {
    const n = lists[0]?.length ?? 0;
    if (lists.some((l) => l.length !== n))
      fail(c, 'With permutations false every for_each list must be as long.');
    combos = Array.from({ length: n }, (_, i) => lists.map((l) => l[i] as Json));
  } else {
    combos = lists.reduce<Json[][]>((acc, l) => acc.flatMap((p) => l.map((x) => [...p, x])), [[]]);
  }
  const subst = (t: Json, vals: Json[]): Json => {
    if (typeof t === 'string') {
      let s = t;
      keys.forEach((k, i) => {
        s = s.split(k).join(str(vals[i] as Json));
      });
      return s;
    }
    if (Array.isArray(t)) return t.map((x) => subst(x, vals));
    if (isMap(t))
      return Object.fromEntries(
        Object.entries(t).map(([k, v]) => [subst(k, vals) as string, subst(v, vals)]),
      );
    return t;
  };
  return combos.map((vals) => subst(a.template as Json, vals));
}

export const COLLECTION_FUNCTIONS: Record<string, Fn> = {
  'Fn::Select': (c) => {
    const [index, coll] = argList(c, 'Fn::Select', 2);
    if (Array.isArray(coll)) {
      const i = Number(index);
      if (!Number.isInteger(i)) return fail(c, `Fn::Select index "${str(index as Json)}" is not a number.`);
      return coll[i] ?? '';
    }
    if (isMap(coll)) return coll[str(index as Json)] ?? '';
    if (coll === null) return '';
    return fail(c, 'Fn::Select needs a list or a map.');
  },
  'Fn::MemberListToMap': (c) => {
    const [keyName, valueName, list] = argList(c, 'Fn::MemberListToMap', 3);
    const items = listArg(c, list as Json, 'Fn::MemberListToMap');
    const parts = new Map<string, Record<string, string>>();
    for (const item of items) {
      const m = /^member\.(\d+)\.([^=]+)=(.*)$/.exec(str(item));
      if (!m) return fail(c, `Fn::MemberListToMap item "${str(item)}" is not member.N.Name=Value.`);
      const entry = parts.get(m[1] as string) ?? {};
      entry[m[2] as string] = m[3] as string;
      parts.set(m[1] as string, entry);
    }
    const out: JsonMap = {};
    for (const e of parts.values()) {
      const key = e[str(keyName as Json)];
      if (key !== undefined) out[key] = e[str(valueName as Json)] ?? null;
    }
    return out;
  },
  repeat,
  map_merge: (c) => {
    const a = c.resolve(c.args, c.path);
    const maps = listArg(c, a, 'map_merge');
    const out: JsonMap = {};
    maps.forEach((m, i) => {
      if (m === null) return;
      if (!isMap(m)) fail({ path: [...c.path, i] }, '"map_merge" items must be maps.');
      Object.assign(out, m);
    });
    return out;
  },
  map_replace: (c) => {
    const [m, r] = argList(c, 'map_replace', 2);
    const map = mapArg(c, m as Json, 'map_replace');
    const rep = mapArg(c, r as Json, 'map_replace replacements');
    for (const k of Object.keys(rep))
      if (k !== 'keys' && k !== 'values') fail(c, `Unknown map_replace key "${k}".`);
    const keys = rep.keys == null ? {} : mapArg(c, rep.keys, 'map_replace keys');
    const values = rep.values == null ? {} : mapArg(c, rep.values, 'map_replace values');
    const out: JsonMap = {};
    for (const [k, v] of Object.entries(map)) {
      const nk = k in keys ? str(keys[k] as Json) : k;
      if (nk in out) fail(c, `key replacement ${nk} collides with a key in the input map.`);
      const sv = typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
      out[nk] = sv !== undefined && sv in values ? (values[sv] as Json) : v;
    }
    return out;
  },
  filter: (c) => {
    const [drop, list] = argList(c, 'filter', 2);
    const d = listArg(c, drop as Json, 'filter').map((x) => JSON.stringify(x));
    return listArg(c, list as Json, 'filter').filter((x) => !d.includes(JSON.stringify(x)));
  },
  list_concat: (c) =>
    listArg(c, c.resolve(c.args, c.path), 'list_concat').flatMap((l) => listArg(c, l, 'list_concat')),
  list_concat_unique: (c) => {
    const all = listArg(c, c.resolve(c.args, c.path), 'list_concat_unique').flatMap((l) =>
      listArg(c, l, 'list_concat_unique'),
    );
    const seen = new Set<string>();
    return all.filter((x) => {
      const k = JSON.stringify(x);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  },
  contains: (c) => {
    const [v, seq] = argList(c, 'contains', 2);
    return containsValue(c, v as Json, seq as Json);
  },
};
