// The orchestration service's client, for the CFN API (heat-cfn on port 8000), which is its own service
// but reads stacks only through here: who a signed request comes from (an access key the engine issued),
// the stacks and resources that key may see (its own stack), and signals to the resource it was issued
// for. In-process only (no HTTP variant): run heat-cfn in the process that serves orchestration.
import type { Ctx } from '../platform/context.ts';
import { badRequest, forbidden, notFound } from '../platform/errors/catalogue.ts';
import { arnResource, parseArn, stackArn } from './model/arn.ts';
import { verifySignatureV2 } from './model/cfn-signature.ts';
import type { CfnResource, CfnStack } from './model/cfn-views.ts';
import type { Json } from './model/template-format.ts';
import type { HeatStore, ResourceRow, StackRow } from './store/stacks.ts';
import { deliveredMetadata } from './worker/delivered-metadata.ts';
import type { Engine } from './worker/engine.ts';
import type { PluginRegistry } from './worker/resources/registry.ts';
import { recordSignal } from './worker/signals.ts';

/** Who signed a CFN request: the owner of the access key. */
export interface KeyOwner {
  accessKey: string;
  projectId: string;
  stackId: string;
  resourceName: string;
}

export interface SignedRequest {
  verb: string;
  host: string;
  path: string;
  params: Record<string, string>;
}

export interface OrchestrationClient {
  /** The key owner when the request's signature v2 is right under a key the engine issued. */
  authenticate(ctx: Ctx, req: SignedRequest): Promise<KeyOwner | undefined>;
  describeStacks(ctx: Ctx, who: KeyOwner, stackName?: string): Promise<CfnStack[]>;
  describeStackResources(
    ctx: Ctx,
    who: KeyOwner,
    q: { stackName?: string; logicalId?: string; physicalId?: string },
  ): Promise<CfnResource[]>;
  describeStackResource(ctx: Ctx, who: KeyOwner, stackName: string, logicalId: string): Promise<CfnResource>;
  /** A signal on a pre-signed URL: `arn` names the resource, `verb` is POST (signal) or PUT (waitcondition). */
  signal(ctx: Ctx, who: KeyOwner, arn: string, verb: 'POST' | 'PUT', body: Json): Promise<void>;
}

declare module '../platform/service.ts' {
  interface ServiceClients {
    orchestration: OrchestrationClient;
  }
}

export function createOrchestrationClient(
  store: HeatStore,
  engine: Engine,
  registry: PluginRegistry,
): OrchestrationClient {
  /** The key's own stack, named by name, id or ARN; anything else is not found (never another's). */
  const stackFor = async (who: KeyOwner, name: string | undefined): Promise<StackRow> => {
    const s = await store.getStack(who.stackId);
    const arn = name === undefined ? undefined : parseArn(name);
    const matches =
      s !== undefined &&
      s.deletedAt === null &&
      (name === undefined || name === s.name || name === s.id || (arn !== undefined && arn.stackId === s.id));
    if (!s || !matches)
      throw notFound(`The Stack (${name ?? who.stackId}) could not be found.`, { type: 'StackNotFound' });
    return s;
  };
  const view = async (s: StackRow, r: ResourceRow, detail: boolean): Promise<CfnResource> => ({
    stackId: stackArn(s.projectId, s.name, s.id),
    stackName: s.name,
    logicalId: r.name,
    physicalId: r.physicalId,
    type: r.type,
    status: `${r.action}_${r.status}`,
    reason: r.statusReason,
    updatedAt: r.updatedAt ?? r.createdAt,
    description: '',
    ...(detail ? { metadata: await deliveredMetadata(store, r, { maskSecrets: false }) } : {}),
  });
  return {
    async authenticate(_ctx, req) {
      const key = await store.credentials.get(req.params.AWSAccessKeyId ?? '');
      if (!key || !verifySignatureV2(key.secret, req.verb, req.host, req.path, req.params)) return undefined;
      return {
        accessKey: key.accessKey,
        projectId: key.projectId,
        stackId: key.stackId,
        resourceName: key.resourceName,
      };
    },
    async describeStacks(_ctx, who, stackName) {
      const s = await stackFor(who, stackName);
      const outputs = await engine.outputs(s);
      const params: Record<string, Json> = {};
      for (const [k, v] of Object.entries(s.params)) params[k] = v as Json;
      return [
        {
          stackId: stackArn(s.projectId, s.name, s.id),
          stackName: s.name,
          description: typeof s.template.description === 'string' ? s.template.description : '',
          status: `${s.action}_${s.status}`,
          reason: s.statusReason,
          createdAt: s.createdAt,
          updatedAt: s.updatedAt,
          disableRollback: s.disableRollback,
          timeoutMins: s.timeoutMins,
          parameters: params,
          outputs: outputs.map((o) => ({
            key: o.output_key,
            value: o.output_value,
            description: o.description,
          })),
        },
      ];
    },
    async describeStackResources(_ctx, who, q) {
      const s = await stackFor(who, q.stackName);
      const rows = (await store.resources(s.id)).filter(
        (r) =>
          (q.logicalId === undefined || r.name === q.logicalId) &&
          (q.physicalId === undefined || r.physicalId === q.physicalId),
      );
      return Promise.all(rows.map((r) => view(s, r, false)));
    },
    async describeStackResource(_ctx, who, stackName, logicalId) {
      const s = await stackFor(who, stackName);
      const r = await store.resource(s.id, logicalId);
      if (!r)
        throw notFound(`The Resource (${logicalId}) could not be found in Stack ${s.name}.`, {
          type: 'ResourceNotFound',
        });
      return view(s, r, true);
    },
    async signal(_ctx, who, arnText, verb, body) {
      const arn = parseArn(arnText);
      const name = arn ? arnResource(arn) : undefined;
      if (!arn || !name)
        throw badRequest(`${arnText} is not the ARN of a resource.`, { type: 'InvalidParameterValue' });
      // A pre-signed URL's key was issued for exactly that resource.
      if (arn.stackId !== who.stackId || name !== who.resourceName)
        throw forbidden('The access key does not belong to this resource.');
      const s = await stackFor(who, arn.stackId);
      const r = await store.resource(s.id, name);
      if (!r)
        throw notFound(`The Resource (${name}) could not be found in Stack ${s.name}.`, {
          type: 'ResourceNotFound',
        });
      const want = registry.get(r.type)?.cfnVerb ?? 'POST';
      if (want !== verb)
        throw badRequest(`${r.type} takes its signal with ${want}, not ${verb}.`, {
          type: 'ResourceActionNotSupported',
        });
      await recordSignal(store, registry, s, r, body);
    },
  };
}
