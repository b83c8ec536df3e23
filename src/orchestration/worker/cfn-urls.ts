// Pre-signed CFN URLs (heat/engine/resources/signal_responder.py): a new access key for the resource,
// and http://H:8000/v1/{signal|waitcondition}/<quoted ARN>?Timestamp&SignatureMethod&AWSAccessKeyId&
// SignatureVersion&Signature, signed over the path with the ARN unquoted — what the machine POSTs (a
// deployment's deploy_signal_id) or PUTs (a wait condition handle) back.
import { stackArn } from '../model/arn.ts';
import { presignV2 } from '../model/cfn-signature.ts';
import type { ResourceContext } from './resources/plugin.ts';

export async function presignedUrl(rc: ResourceContext, kind: 'signal' | 'waitcondition'): Promise<string> {
  const base = new URL(rc.cfnUrl());
  const key = await rc.store.credentials.issue({
    projectId: rc.stack.projectId,
    stackId: rc.stack.id,
    resourceName: rc.name,
  });
  const arn = stackArn(rc.stack.projectId, rc.stack.name, rc.stack.id, rc.name);
  const verb = kind === 'signal' ? 'POST' : 'PUT';
  const params = presignV2(key.secret, key.accessKey, verb, base.host, `/v1/${kind}/${arn}`, new Date());
  return `${base.origin}/v1/${kind}/${encodeURIComponent(arn)}?${new URLSearchParams(params).toString()}`;
}
