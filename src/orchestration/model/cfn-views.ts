// The CFN API's answers (heat/api/cfn/v1/stacks.py, heat/common/serializers.py): the same document as
// XML (what os-collect-config and boto parse: a root element without namespace, lists as <member>
// children) or JSON. Pure.
import type { Json, JsonMap } from './template-format.ts';

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function element(tag: string, v: Json): string {
  if (v === null || v === undefined) return `<${tag}/>`;
  if (Array.isArray(v)) return `<${tag}>${v.map((m) => element('member', m)).join('')}</${tag}>`;
  if (typeof v === 'object')
    return `<${tag}>${Object.entries(v)
      .map(([k, x]) => element(k, x as Json))
      .join('')}</${tag}>`;
  return `<${tag}>${esc(typeof v === 'string' ? v : JSON.stringify(v))}</${tag}>`;
}

/** A one-key document ({Root: {...}}) as XML text. */
export function toXml(doc: JsonMap): string {
  const [root, body] = Object.entries(doc)[0] ?? ['Response', null];
  return element(root, body as Json);
}

/** CFN timestamps: ISO 8601 to the second, UTC. */
export const cfnTime = (ms: number | null) =>
  ms === null ? null : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export interface CfnResource {
  stackId: string;
  stackName: string;
  logicalId: string;
  physicalId: string | null;
  type: string;
  status: string;
  reason: string;
  updatedAt: number;
  description: string;
  metadata?: JsonMap;
}

/** One resource as StackResourceDetail (with Metadata as JSON text) or a StackResources member. */
export function resourceDetail(r: CfnResource, detail: boolean): JsonMap {
  return {
    StackId: r.stackId,
    StackName: r.stackName,
    LogicalResourceId: r.logicalId,
    PhysicalResourceId: r.physicalId ?? '',
    ResourceType: r.type,
    ResourceStatus: r.status,
    ResourceStatusReason: r.reason,
    ...(detail
      ? {
          LastUpdatedTimestamp: cfnTime(r.updatedAt),
          Description: r.description,
          Metadata: JSON.stringify(r.metadata ?? {}),
        }
      : { Timestamp: cfnTime(r.updatedAt), Description: r.description }),
  };
}

export interface CfnStack {
  stackId: string;
  stackName: string;
  description: string;
  status: string;
  reason: string;
  createdAt: number;
  updatedAt: number | null;
  disableRollback: boolean;
  timeoutMins: number | null;
  parameters: Record<string, Json>;
  outputs: { key: string; value: Json; description: string }[];
}

const text = (v: Json) => (typeof v === 'string' ? v : JSON.stringify(v));

export function stackMember(s: CfnStack): JsonMap {
  return {
    StackId: s.stackId,
    StackName: s.stackName,
    Description: s.description,
    StackStatus: s.status,
    StackStatusReason: s.reason,
    CreationTime: cfnTime(s.createdAt),
    LastUpdatedTime: cfnTime(s.updatedAt),
    DisableRollback: s.disableRollback ? 'true' : 'false',
    TimeoutInMinutes: s.timeoutMins,
    NotificationARNs: [],
    Capabilities: [],
    Parameters: Object.entries(s.parameters).map(([k, v]) => ({ ParameterKey: k, ParameterValue: text(v) })),
    Outputs: s.outputs.map((o) => ({
      OutputKey: o.key,
      OutputValue: text(o.value),
      Description: o.description,
    })),
  };
}

/** The answer document of an action: {<Action>Response: {<Action>Result: body}}. */
export function cfnResponse(action: string, body: JsonMap): JsonMap {
  return { [`${action}Response`]: { [`${action}Result`]: body } };
}

/** An AWS-style error document (heat/api/aws/exception.py): {ErrorResponse: {Error: {Type, Code, Message}}}. */
export function cfnError(code: string, message: string): JsonMap {
  return { ErrorResponse: { Error: { Type: 'Sender', Code: code, Message: message } } };
}
