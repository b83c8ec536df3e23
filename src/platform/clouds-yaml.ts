// Reads clouds.yaml the way openstacksdk finds it, for tools of ours that authenticate like the openstack
// CLI. The parser covers the YAML clouds.yaml files use — nested block mappings, plain/quoted scalars,
// one-line flow mappings, comments — and refuses anything else rather than guessing.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export type YamlValue = string | number | boolean | null | { [key: string]: YamlValue };

/** Where openstacksdk looks, in order. */
export function cloudsYamlPaths(env: NodeJS.ProcessEnv, cwd = process.cwd()): string[] {
  const home = env.HOME ?? homedir();
  return [
    ...(env.OS_CLIENT_CONFIG_FILE ? [env.OS_CLIENT_CONFIG_FILE] : []),
    join(cwd, 'clouds.yaml'),
    join(home, '.config', 'openstack', 'clouds.yaml'),
    '/etc/openstack/clouds.yaml',
  ];
}

/** The named cloud's settings from the first clouds.yaml that has it. */
export function findCloud(name: string, env: NodeJS.ProcessEnv, cwd?: string): Record<string, YamlValue> {
  for (const path of cloudsYamlPaths(env, cwd)) {
    if (!existsSync(path)) continue;
    const doc = parseYamlMapping(readFileSync(path, 'utf8'), path);
    const clouds = doc.clouds;
    if (clouds && typeof clouds === 'object' && name in clouds) {
      const cloud = clouds[name];
      if (cloud && typeof cloud === 'object') return cloud;
    }
  }
  throw new Error(
    `cloud ${name} not found in clouds.yaml (looked in ${cloudsYamlPaths(env, cwd).join(', ')})`,
  );
}

export function parseYamlMapping(text: string, source = 'yaml'): { [key: string]: YamlValue } {
  const root: { [key: string]: YamlValue } = {};
  // Each open mapping with the indentation of its keys.
  const stack: { indent: number; map: { [key: string]: YamlValue } }[] = [{ indent: -1, map: root }];
  let pending: { indent: number; map: { [key: string]: YamlValue }; key: string } | undefined;
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = stripComment(raw);
    if (line.trim() === '' || line.trim() === '---') return;
    const indent = line.length - line.trimStart().length;
    const where = `${source}:${i + 1}`;
    if (pending) {
      if (indent > pending.indent) {
        const child: { [key: string]: YamlValue } = {};
        pending.map[pending.key] = child;
        stack.push({ indent, map: child });
      }
      pending = undefined;
    }
    while (stack.length > 1 && indent < (stack.at(-1) as { indent: number }).indent) stack.pop();
    const top = stack.at(-1) as { indent: number; map: { [key: string]: YamlValue } };
    if (indent !== top.indent && top.indent !== -1) throw new Error(`${where}: unexpected indentation`);
    if (top.indent === -1) top.indent = indent;
    const m = /^(\s*)("[^"]*"|'[^']*'|[^:]+?)\s*:(?:\s+(.*))?$/.exec(line);
    if (!m) throw new Error(`${where}: expected "key: value"`);
    const key = unquote(m[2] as string);
    const rest = (m[3] ?? '').trim();
    if (rest === '') {
      top.map[key] = null;
      pending = { indent, map: top.map, key };
    } else top.map[key] = scalarOrFlow(rest, where);
  });
  return root;
}

function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1] as string))) return line.slice(0, i);
  }
  return line;
}

function scalarOrFlow(s: string, where: string): YamlValue {
  if (s.startsWith('{')) {
    if (!s.endsWith('}')) throw new Error(`${where}: unterminated flow mapping`);
    const out: { [key: string]: YamlValue } = {};
    for (const part of splitFlow(s.slice(1, -1))) {
      const idx = part.search(/:\s/);
      if (idx < 0) throw new Error(`${where}: expected "key: value" in flow mapping`);
      out[unquote(part.slice(0, idx).trim())] = scalarOrFlow(part.slice(idx + 1).trim(), where);
    }
    return out;
  }
  if (s.startsWith('[') || s.startsWith('|') || s.startsWith('>') || s.startsWith('&') || s.startsWith('*'))
    throw new Error(`${where}: unsupported YAML construct`);
  if (/^".*"$/.test(s)) return JSON.parse(s) as string;
  if (/^'.*'$/.test(s)) return s.slice(1, -1).replaceAll("''", "'");
  if (s === 'null' || s === '~') return null;
  if (s === 'true' || s === 'True') return true;
  if (s === 'false' || s === 'False') return false;
  if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s);
  return s;
}

function splitFlow(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let cur = '';
  for (const c of s) {
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '{') depth++;
    else if (c === '}') depth--;
    else if (c === ',' && depth === 0) {
      if (cur.trim()) out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += c;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

function unquote(s: string): string {
  if (/^".*"$/.test(s)) return JSON.parse(s) as string;
  if (/^'.*'$/.test(s)) return s.slice(1, -1).replaceAll("''", "'");
  return s.trim();
}
