// The collectors that read local files or plain HTTP: heat_local, local, ec2, request (and zaqar,
// accepted by name). Each returns [name, content] pairs or throws NotAvailable / NotConfigured.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Conf } from './occ-config.ts';
import { request } from './occ-http.ts';
import { isDict, JsonError, type PyDict, type PyValue, parseJson, pyRepr, truthy } from './pyjson.ts';
import type { Logger } from './pylog.ts';

export class NotAvailable extends Error {}
export class NotConfigured extends Error {}

export type Output = [string, PyValue];
export type Collector = (conf: Conf, log: Logger) => Promise<Output[]>;

// dict.update(value) for the shallow merges the collectors do.
export function update(into: PyDict, value: PyValue): void {
  if (!isDict(value)) throw new TypeError(`cannot update a dict with ${pyRepr(value)}`);
  for (const [k, v] of value) into.set(k, v);
}

// Deployments of group os-apply-config (or no group) become extra outputs after the document.
export function explodeDeployments(content: PyDict, keys: string[], name: string, log: Logger): Output[] {
  const out: Output[] = [];
  for (const key of keys) {
    if (!content.has(key)) continue;
    const deployments = content.get(key)!;
    if (!Array.isArray(deployments)) {
      log.warning(`Deployment-key ${key} was found but does not contain a list.`);
      continue;
    }
    log.debug(`Deployment found for ${key}`);
    for (const d of deployments) {
      if (!isDict(d) || !d.has('name')) {
        log.warning(`No name found for a deployment under ${key}.`);
        continue;
      }
      const group = d.has('group') ? d.get('group') : 'Heat::Ungrouped';
      if (group === 'os-apply-config' || group === 'Heat::Ungrouped') {
        if (!d.has('config')) throw new Error("KeyError: 'config'");
        out.push([String(d.get('name')), d.get('config')!]);
      }
    }
  }
  return [[name, content], ...out];
}

const readJson = (path: string) => parseJson(readFileSync(path, 'utf8'));

export const heatLocal: Collector = async (conf, log) => {
  const paths = conf.list('heat_local', 'path') ?? [];
  let final: PyValue = null;
  for (const path of paths) {
    if (!existsSync(path)) continue;
    let value: PyValue;
    try {
      value = readJson(path);
    } catch (e) {
      if (!(e instanceof JsonError)) throw e;
      log.info(`${path} is not valid JSON (${e.message})`);
      continue;
    }
    if (truthy(final)) update(final as PyDict, value);
    else final = value;
  }
  if (!truthy(final)) {
    log.info(`Local metadata not found (${pyRepr(paths)})`);
    throw new NotAvailable();
  }
  return [['heat_local', final]];
};

// A directory or file that others could have written is refused, as the original does.
export const local: Collector = async (conf, log) => {
  const paths = conf.list('local', 'path') ?? [];
  if (paths.length === 0) throw new NotAvailable();
  const found: Output[] = [];
  const uid = process.getuid?.() ?? 0;
  for (const dir of paths) {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(dir);
    } catch {
      log.warning(`${dir} not found. Skipping`);
      continue;
    }
    let insecure = false;
    if (st.uid !== uid) {
      log.error(`${dir} is owned by another user. This is a security risk.`);
      insecure = true;
    }
    if (st.mode & 0o002) {
      log.error(`${dir} is world writable. This is a security risk.`);
      insecure = true;
    }
    if (insecure) throw new NotAvailable();
    for (const name of readdirSync(dir)) {
      if (name.startsWith('.')) continue;
      const file = join(dir, name);
      if (statSync(file).isDirectory()) continue;
      if (statSync(file).mode & 0o002) {
        log.error(`${file} is world writable. This is a security risk.`);
        throw new NotAvailable();
      }
      try {
        found.push([name, readJson(file)]);
      } catch (e) {
        if (!(e instanceof JsonError)) throw e;
        log.error(`${file} is not valid JSON (${e.message})`);
        throw new NotAvailable();
      }
    }
  }
  if (found.length === 0) log.info(`No local metadata found (${pyRepr(paths)})`);
  // strxfrm in the C locale: byte order.
  return found.sort((a, b) => Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0])));
};

async function fetchEc2(url: string, timeout: number, log: Logger): Promise<PyValue> {
  let text: string;
  try {
    text = (await request(url, { timeoutSeconds: timeout })).text;
  } catch (e) {
    log.warning((e as Error).message);
    throw new NotAvailable();
  }
  if (!url.endsWith('/')) return text;
  const tree: PyDict = new Map();
  for (let sub of text.split('\n')) {
    if (sub.includes('=')) sub = `${sub.slice(0, sub.indexOf('='))}/`;
    if (sub === '') throw new Error('IndexError: string index out of range');
    const key = sub.endsWith('/') ? sub.slice(0, -1) : sub;
    tree.set(key, await fetchEc2(url + sub, timeout, log));
  }
  return tree;
}

// EC2 metadata does not change for an instance: a non-empty cached copy is reused.
export function ec2(cachePath: (name: string) => string): Collector {
  return async (conf, log) => {
    const cached = cachePath('ec2');
    if (existsSync(cached)) {
      let md: PyValue = null;
      try {
        md = readJson(cached);
      } catch (e) {
        if (!(e instanceof JsonError)) throw e;
        log.warning(e.message);
      }
      if (truthy(md)) return [['ec2', md]];
    }
    const root = `${conf.str('ec2', 'metadata-url')}/`;
    return [['ec2', await fetchEc2(root, conf.num('ec2', 'timeout'), log)]];
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

// time.strptime(lm, '%a, %d %b %Y %H:%M:%S %Z') with calendar.timegm; a bad header is fatal there too.
export function parseHttpDate(s: string): number {
  const m =
    /^\s*[A-Za-z]{3},\s+(\d{1,2})\s+([A-Za-z]{3})\s+(\d{4})\s+(\d{1,2}):(\d{1,2}):(\d{1,2})\s+(UTC|GMT)\s*$/i.exec(
      s,
    );
  const month = m ? MONTHS.findIndex((x) => x.toLowerCase() === m[2]!.toLowerCase()) : -1;
  if (!m || month < 0) throw new Error(`time data '${s}' does not match format '%a, %d %b %Y %H:%M:%S %Z'`);
  return Date.UTC(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6])) / 1000;
}

// The request collector keeps the Last-Modified it saw; a collector lives for one poll in the
// original (it is created anew each cycle), so the check only refuses a repeat within one poll.
export const requestCollector: Collector = async (conf, log) => {
  const url = conf.str('request', 'metadata-url');
  if (url === undefined) {
    log.info('No metadata_url configured.');
    throw new NotAvailable();
  }
  const timeout = conf.num('request', 'timeout');
  let text: string;
  try {
    const head = await request(url, { method: 'HEAD', timeoutSeconds: timeout, checkStatus: false });
    const lm = head.headers['last-modified'];
    if (lm) parseHttpDate(lm);
    text = (await request(url, { timeoutSeconds: timeout })).text;
  } catch (e) {
    if (!(e instanceof Error) || e.constructor.name !== 'HttpError') throw e;
    log.warning(e.message);
    throw new NotAvailable();
  }
  let value: PyValue;
  try {
    value = parseJson(text);
  } catch (e) {
    if (!(e instanceof JsonError)) throw e;
    log.warning(`Failed to parse as json. (${e.message})`);
    throw new NotAvailable();
  }
  const final: PyDict = new Map();
  update(final, value);
  return explodeDeployments(final, conf.list('DEFAULT', 'deployment-key') ?? [], 'request', log);
};

// Zaqar needs the messaging service's websocket/REST protocol, which this project does not speak
// yet: unconfigured (the default) it is skipped as the original skips it; configured, unavailable.
export const zaqar: Collector = async (conf, log) => {
  const needed = ['auth-url', 'password', 'project-id', 'user-id', 'queue-id'];
  if (needed.some((n) => conf.str('zaqar', n) === undefined)) throw new NotConfigured();
  log.warning('The zaqar collector is not supported by this implementation.');
  throw new NotAvailable();
};
