// The cfn collector: EC2 signature v2 signed DescribeStackResource requests to Heat's CFN API,
// the XML answer's StackResourceDetail/<Field> parsed as JSON, merged, deployments exploded.
import { createHmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { type Collector, explodeDeployments, NotAvailable, NotConfigured, update } from './occ-collectors.ts';
import type { Conf } from './occ-config.ts';
import { HttpError, request } from './occ-http.ts';
import { isDict, JsonError, type PyDict, type PyValue, parseJson } from './pyjson.ts';

// urllib.parse.quote with the given safe characters (letters, digits and "_.-~" are always safe).
function quote(s: string, safe: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9_.~-]/.test(c) || safe.includes(c)) out += c;
    else out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function canonicalQuery(params: Record<string, string>): string {
  return Object.keys(params)
    .sort()
    .map((k) => `${quote(k, '')}=${quote(params[k]!, '-_~')}`)
    .join('&');
}

// Signature version 2 with HMAC-SHA256; adds SignatureMethod to params as keystoneclient does.
export function signV2(
  secret: string,
  params: Record<string, string>,
  verb: string,
  host: string,
  path: string,
): string {
  params['SignatureMethod'] = 'HmacSHA256';
  const toSign = `${verb}\n${host}\n${path}\n${canonicalQuery(params)}`;
  return createHmac('sha256', secret).update(toSign, 'utf8').digest('base64');
}

type XmlNode = { tag: string; children: XmlNode[]; text: string };

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const xmlText = (s: string) =>
  s.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (m, e: string) =>
    e.startsWith('#x')
      ? String.fromCodePoint(Number.parseInt(e.slice(2), 16))
      : e.startsWith('#')
        ? String.fromCodePoint(Number(e.slice(1)))
        : (ENTITIES[e] ?? m),
  );

// Enough XML for the CFN API's answers: elements, text, CDATA, entities; namespaces kept in tags.
export function parseXml(text: string): XmlNode {
  const root: XmlNode = { tag: '', children: [], text: '' };
  const stack = [root];
  const re =
    /<!\[CDATA\[([\s\S]*?)\]\]>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!DOCTYPE[^>]*>|<\/([^\s>]+)\s*>|<([^\s/>]+)([^>]*?)(\/?)>|([^<]+)/g;
  for (const m of text.matchAll(re)) {
    const top = stack[stack.length - 1]!;
    if (m[1] !== undefined) top.text += m[1];
    else if (m[2] !== undefined) {
      if (top.tag !== m[2]) throw new Error(`mismatched tag: ${m[2]}`);
      stack.pop();
    } else if (m[3] !== undefined) {
      const node: XmlNode = { tag: m[3], children: [], text: '' };
      top.children.push(node);
      if (m[5] !== '/') stack.push(node);
    } else if (m[6] !== undefined && top !== root) top.text += xmlText(m[6]);
  }
  if (stack.length !== 1 || root.children.length !== 1) throw new Error('XML syntax error');
  return root.children[0]!;
}

const child = (n: XmlNode | undefined, tag: string) => n?.children.find((c) => c.tag === tag);

export const cfn: Collector = async (conf: Conf, log) => {
  let url = conf.str('cfn', 'metadata-url');
  if (url === undefined) {
    const hint = conf.str('cfn', 'heat-metadata-hint');
    if (hint && existsSync(hint)) {
      url = `${readFileSync(hint, 'utf8').trim()}/v1/`;
      conf.set('cfn', 'metadata-url', url);
    } else {
      log.info('No metadata_url configured.');
      throw new NotConfigured();
    }
  }
  const keyId = conf.str('cfn', 'access-key-id');
  const secret = conf.str('cfn', 'secret-access-key');
  if (keyId === undefined) {
    log.info('No Access Key ID configured.');
    throw new NotConfigured();
  }
  if (secret === undefined) {
    log.info('No Secret Access Key configured.');
    throw new NotConfigured();
  }
  const paths = conf.list('cfn', 'path');
  if (paths === undefined) {
    log.info('No path configured');
    throw new NotConfigured();
  }
  const final: PyDict = new Map();
  for (const path of paths) {
    if (!path.includes('.')) {
      log.error(`Path not in format resource.field[.x.y] (${path})`);
      throw new NotConfigured();
    }
    const [resource, ...rest] = path.split('.');
    const field = rest[0]!;
    const subPath = rest.slice(1);
    const params: Record<string, string> = {
      Action: 'DescribeStackResource',
      StackName: conf.str('cfn', 'stack-name') ?? 'None',
      LogicalResourceId: resource!,
      AWSAccessKeyId: keyId,
      SignatureVersion: '2',
    };
    const u = new URL(url);
    params['Signature'] = signV2(secret, params, 'GET', u.host, u.pathname);
    const query = new URLSearchParams(params).toString();
    let text: string;
    try {
      const caFile = conf.str('cfn', 'ca_certificate');
      text = (
        await request(`${url}${url.includes('?') ? '&' : '?'}${query}`, {
          headers: { 'Content-Type': 'application/json' },
          timeoutSeconds: conf.num('cfn', 'timeout'),
          ...(caFile ? { caFile } : {}),
        })
      ).text;
    } catch (e) {
      if (!(e instanceof HttpError)) throw e;
      log.warning(e.message);
      throw new NotAvailable();
    }
    const detail = child(child(parseXml(text), 'DescribeStackResourceResult'), 'StackResourceDetail');
    if (!detail) throw new Error("'NoneType' object has no attribute 'find'");
    const sub = child(detail, field);
    if (!sub) {
      log.warning(`Path ${path} does not exist.`);
      throw new NotAvailable();
    }
    let value: PyValue;
    try {
      value = parseJson(sub.text);
    } catch (e) {
      if (!(e instanceof JsonError)) throw e;
      log.warning(`Path ${path} failed to parse as json. (${e.message})`);
      throw new NotAvailable();
    }
    for (const key of subPath) {
      if (!isDict(value) || !value.has(key)) {
        log.warning(`Sub-key ${key} does not exist. (${path})`);
        throw new NotAvailable();
      }
      value = value.get(key)!;
    }
    update(final, value);
  }
  return explodeDeployments(final, conf.list('cfn', 'deployment-key') ?? [], 'cfn', log);
};
