// OS::Heat::WaitConditionHandle and OS::Heat::WaitCondition over Heat's own signal API: a handle receives
// signals (`openstack stack resource signal <stack> <handle> --data '{"status": "SUCCESS", ...}'`, sent
// with a token of the stack's project); the wait condition completes when `count` SUCCESS signals arrived,
// fails on a FAILURE signal, and fails when its timeout passes. Heat's TOKEN_SIGNAL transport (a token
// minted for a stack user) and the CFN-signed handle URLs are absent: see docs/orchestration.md.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { isMap, type Json, type JsonMap } from '../../model/template-format.ts';
import type { ResourceContext, ResourcePlugin } from './plugin.ts';

const STATUSES = ['SUCCESS', 'FAILURE'];

/** A signal body → the normalised record Heat keeps ({status, reason, data, id}); throws on a bad one. */
export function normaliseSignal(body: Json, index: number): JsonMap {
  const b = isMap(body) ? body : {};
  const status = b.status === undefined ? 'SUCCESS' : String(b.status);
  if (!STATUSES.includes(status))
    throw new Error(`Status must be one of ${STATUSES.join(', ')}, not ${status}.`);
  return {
    status,
    reason: b.reason === undefined ? 'Signal 1 received' : String(b.reason),
    data: b.data ?? null,
    id: b.id === undefined ? String(index + 1) : String(b.id),
  };
}

export const waitConditionHandleResource: ResourcePlugin = {
  type: 'OS::Heat::WaitConditionHandle',
  description: 'Receives signals for an OS::Heat::WaitCondition through the resource signal API.',
  properties: {
    signal_transport: {
      type: 'string',
      default: 'HEAT_SIGNAL',
      allowedValues: ['HEAT_SIGNAL'],
      description: 'How the handle is signalled: HEAT_SIGNAL, the resource signal API with a project token.',
    },
  },
  attributes: {
    endpoint: 'The URL path of the signal API for this handle (POST with a token of the stack project).',
    curl_cli: 'A curl command that sends a SUCCESS signal; it reads the token from $OS_TOKEN.',
    signal: 'The signal URL and method, as a map.',
  },
  acceptsSignals: true,
  async create(rc) {
    const path = `stacks/${encodeURIComponent(rc.stack.name)}/${rc.stack.id}/resources/${encodeURIComponent(rc.name)}/signal`;
    return {
      physicalId: `${rc.stack.name}-${rc.name}-${randomBytes(6).toString('hex')}`,
      attributes: {
        endpoint: path,
        curl_cli: `curl -i -X POST -H "X-Auth-Token: $OS_TOKEN" -H 'Content-Type: application/json' -d '{"status": "SUCCESS"}' "$OS_ORCHESTRATION_URL/${path}"`,
        signal: { path, method: 'POST' },
      },
    };
  },
  async delete(rc, row) {
    await rc.store.deleteSignals(rc.stack.id, row.name);
  },
};

async function handleName(rc: ResourceContext, ref: string): Promise<string> {
  const rows = await rc.store.resources(rc.stack.id);
  const h = rows.find((r) => r.physicalId === ref && r.type === 'OS::Heat::WaitConditionHandle');
  if (!h) throw new Error(`The handle ${ref} is not an OS::Heat::WaitConditionHandle of this stack.`);
  return h.name;
}

export const waitConditionResource: ResourcePlugin = {
  type: 'OS::Heat::WaitCondition',
  description:
    'Waits for `count` SUCCESS signals on its handle, or fails on a FAILURE signal or its timeout.',
  properties: {
    handle: { type: 'string', required: true, description: 'A reference to the wait condition handle.' },
    timeout: {
      type: 'number',
      required: true,
      range: { min: 1, max: 43200 },
      description: 'Seconds to wait for the signals.',
    },
    count: {
      type: 'integer',
      default: 1,
      range: { min: 1 },
      updateAllowed: true,
      description: 'The number of success signals that must be received.',
    },
  },
  attributes: { data: 'JSON string of the data of every signal, by signal id.' },
  async create(rc, props) {
    const handle = await handleName(rc, String(props.handle));
    const data = await awaitSignals(
      rc,
      handle,
      Number(props.count ?? 1),
      Number(props.timeout),
      normaliseSignal,
    );
    return { physicalId: waitPhysicalId(rc), attributes: { data } };
  },
  async delete() {},
};

/** Waits for `count` SUCCESS signals on `handle` (the JSON of their data by id), failing on a FAILURE
 * signal or after `timeoutSec`. Both wait condition types, Heat's and CloudFormation's, wait this way. */
export async function awaitSignals(
  rc: ResourceContext,
  handle: string,
  count: number,
  timeoutSec: number,
  normalise: (s: Json, index: number) => JsonMap = (s) => s as JsonMap,
): Promise<string> {
  const deadline = Date.now() + timeoutSec * 1000;
  for (;;) {
    const signals = (await rc.store.signals(rc.stack.id, handle)).map((s, i) => normalise(s, i));
    const failed = signals.find((s) => s.status === 'FAILURE');
    if (failed) throw new Error(`WaitConditionFailure: ${String(failed.reason)}`);
    const ok = signals.filter((s) => s.status === 'SUCCESS');
    if (ok.length >= count)
      return JSON.stringify(Object.fromEntries(ok.map((s) => [String(s.id), s.data ?? null])));
    if (Date.now() >= deadline) throw new Error(`WaitConditionTimeout: ${ok.length} of ${count} received`);
    await sleep(Math.min(250, Math.max(1, deadline - Date.now())), undefined, { signal: rc.signal });
  }
}

export function waitPhysicalId(rc: ResourceContext): string {
  return `${rc.stack.name}-${rc.name}-${randomBytes(6).toString('hex')}`;
}
