// Heat's identifiers as ARNs (heat/common/identifier.py): arn:openstack:heat::<tenant>:stacks/<name>/<id>
// [/resources/<name>], each part percent-encoded. The CFN API takes stack names as a name, an id or an
// ARN; signal URLs carry a resource's ARN. Pure.

export interface StackArn {
  tenant: string;
  stackName: string;
  stackId: string;
  /** The resource path after the stack (e.g. "resources/handle"), or "" for the stack itself. */
  path: string;
}

const PREFIX = 'arn:openstack:heat::';
const q = (s: string) => encodeURIComponent(s);

export function stackArn(tenant: string, stackName: string, stackId: string, resource?: string): string {
  return `${PREFIX}${q(tenant)}:stacks/${q(stackName)}/${q(stackId)}${resource === undefined ? '' : `/resources/${q(resource)}`}`;
}

/** An ARN taken apart, or undefined when the text is not one. */
export function parseArn(text: string): StackArn | undefined {
  if (!text.startsWith(PREFIX)) return undefined;
  const rest = text.slice(PREFIX.length);
  const m = /^([^:]*):stacks\/([^/]+)\/([^/]+)(?:\/(.*))?$/.exec(rest);
  if (!m) return undefined;
  try {
    return {
      tenant: decodeURIComponent(m[1] as string),
      stackName: decodeURIComponent(m[2] as string),
      stackId: decodeURIComponent(m[3] as string),
      path: m[4] ?? '',
    };
  } catch {
    return undefined;
  }
}

/** The resource an ARN names ("resources/<name>"), or undefined. */
export function arnResource(arn: StackArn): string | undefined {
  const m = /^resources\/([^/]+)$/.exec(arn.path);
  return m ? decodeURIComponent(m[1] as string) : undefined;
}
