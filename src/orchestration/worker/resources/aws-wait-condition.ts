// AWS::CloudFormation::WaitConditionHandle and WaitCondition, and AWS::IAM::User / AccessKey as the
// era's TripleO templates used them. The handle's reference is a pre-signed CFN URL (PUT
// /v1/waitcondition/<ARN>, signed with a key issued for the handle) that orc's 99-refresh-completed calls
// with {"Status", "Reason", "UniqueId", "Data"}; the wait condition completes after `Count` SUCCESS
// signals, fails on FAILURE or after `Timeout` seconds. An access key's secret is kept sealed with the
// engine's credentials; its reference is the access key id, SecretAccessKey an attribute.
import { randomBytes } from 'node:crypto';
import { isMap, type Json, type JsonMap } from '../../model/template-format.ts';
import { CredentialStore } from '../../store/credentials.ts';
import { presignedUrl } from '../cfn-urls.ts';
import type { ResourceContext, ResourcePlugin } from './plugin.ts';
import { awaitSignals, waitPhysicalId } from './wait-condition.ts';

const STATUSES = ['SUCCESS', 'FAILURE'];

/** A CFN wait condition signal → {status, reason, data, id}; throws on a bad one. */
export function normaliseCfnSignal(body: Json, index: number): JsonMap {
  const b = isMap(body) ? body : {};
  for (const k of ['Status', 'Reason', 'UniqueId', 'Data'])
    if (!(k in b)) throw new Error(`Metadata format invalid: ${k} is missing.`);
  const status = String(b.Status);
  if (!STATUSES.includes(status))
    throw new Error(`Metadata format invalid: Status must be one of ${STATUSES.join(', ')}.`);
  return { status, reason: String(b.Reason), data: b.Data ?? null, id: String(b.UniqueId ?? index + 1) };
}

export const awsWaitConditionHandleResource: ResourcePlugin = {
  type: 'AWS::CloudFormation::WaitConditionHandle',
  description:
    'A pre-signed CFN URL that a machine PUTs its completion to, for AWS::CloudFormation::WaitCondition.',
  properties: {},
  attributes: {},
  acceptsSignals: true,
  cfnVerb: 'PUT',
  normaliseSignal: normaliseCfnSignal,
  refId: (row) => (row.attributes.url as Json) ?? null,
  async create(rc) {
    return {
      physicalId: `${rc.stack.name}-${rc.name}-${randomBytes(6).toString('hex')}`,
      attributes: { url: await presignedUrl(rc, 'waitcondition') },
    };
  },
  async delete(rc, row) {
    await rc.store.credentials.revoke(CredentialStore.keyOfUrl(row.attributes.url));
    await rc.store.deleteSignals(rc.stack.id, row.name);
  },
};

/** A handle replaced by every stack update: a new URL, so its wait condition (whose Handle changes)
 * is replaced too and waits for new signals. */
export const awsUpdateWaitConditionHandleResource: ResourcePlugin = {
  ...awsWaitConditionHandleResource,
  type: 'OS::Heat::UpdateWaitConditionHandle',
  description:
    'An AWS::CloudFormation::WaitConditionHandle replaced on every stack update, so its wait condition waits again.',
  replacedOnEveryUpdate: true,
};

const HANDLE_TYPES = [awsWaitConditionHandleResource.type, awsUpdateWaitConditionHandleResource.type];

async function handleOf(rc: ResourceContext, url: string): Promise<string> {
  const rows = await rc.store.resources(rc.stack.id);
  const h = rows.find((r) => HANDLE_TYPES.includes(r.type) && r.attributes.url === url);
  if (!h) throw new Error(`Handle ${url} is not a wait condition handle of this stack.`);
  return h.name;
}

export const awsWaitConditionResource: ResourcePlugin = {
  type: 'AWS::CloudFormation::WaitCondition',
  description: 'Waits for Count SUCCESS signals on its handle, or fails on FAILURE or after Timeout seconds.',
  properties: {
    Handle: { type: 'string', required: true, description: 'A reference to the wait condition handle.' },
    Timeout: {
      type: 'number',
      required: true,
      range: { min: 1, max: 43200 },
      description: 'Seconds to wait.',
    },
    Count: { type: 'integer', default: 1, range: { min: 1 }, description: 'SUCCESS signals needed.' },
  },
  attributes: { Data: 'JSON of the data of every signal, by UniqueId.' },
  async create(rc, props) {
    const handle = await handleOf(rc, String(props.Handle));
    const data = await awaitSignals(rc, handle, Number(props.Count ?? 1), Number(props.Timeout));
    return { physicalId: waitPhysicalId(rc), attributes: { Data: data } };
  },
  async delete() {},
};

export const iamUserResource: ResourcePlugin = {
  type: 'AWS::IAM::User',
  description:
    'A stack user: the owner of AWS::IAM::AccessKey pairs for this stack. No identity user is made; the keys are the engine’s own.',
  properties: {
    Path: { type: 'string' },
    Groups: { type: 'list' },
    LoginProfile: { type: 'map' },
    Policies: {
      type: 'list',
      description: 'Access policies (OS::Heat::AccessPolicy references); keys read this stack only.',
    },
  },
  attributes: {},
  async create(rc) {
    return { physicalId: `${rc.stack.name}-${rc.name}-${randomBytes(6).toString('hex')}`, attributes: {} };
  },
  async delete() {},
};

export const iamAccessKeyResource: ResourcePlugin = {
  type: 'AWS::IAM::AccessKey',
  description: 'An EC2-style access key pair for a stack user, accepted by the CFN API for this stack.',
  properties: {
    UserName: {
      type: 'string',
      required: true,
      description: 'The stack user (AWS::IAM::User) the key belongs to.',
    },
    Serial: { type: 'integer' },
    Status: { type: 'string', default: 'Active', allowedValues: ['Active'] },
  },
  attributes: { UserName: 'The user the key belongs to.', SecretAccessKey: 'The secret key.' },
  secretAttributes: ['SecretAccessKey'],
  async create(rc, props) {
    const key = await rc.store.credentials.issue({
      projectId: rc.stack.projectId,
      stackId: rc.stack.id,
      resourceName: rc.name,
    });
    // The secret is also in the row's private data (sealed at rest) for get_attr; views mask it.
    return {
      physicalId: key.accessKey,
      attributes: { UserName: String(props.UserName) },
      data: { secret: key.secret },
    };
  },
  attribute: (row, name) =>
    name === 'SecretAccessKey'
      ? ((row.data.secret as Json) ?? null)
      : ((row.attributes[name] as Json) ?? null),
  async delete(rc, row) {
    await rc.store.credentials.revoke(row.physicalId);
  },
};
