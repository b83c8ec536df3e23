// The CFN API (heat-api-cfn, heat/api/cfn/v1): the query API at /v1/ (Action=DescribeStacks |
// DescribeStackResources | DescribeStackResource, GET or form POST) and the pre-signed URLs POST
// /v1/signal/<ARN> and PUT /v1/waitcondition/<ARN>. Every request is authenticated by its EC2 signature
// v2 against an access key the engine issued (no token). Answers are XML (what os-collect-config and boto
// parse), or JSON when the client asks for it with Accept: application/json.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Ctx } from '../../platform/context.ts';
import { AppError, badRequest, forbidden } from '../../platform/errors/catalogue.ts';
import type { KeyOwner, OrchestrationClient } from '../client.ts';
import { signatureShapeError } from '../model/cfn-signature.ts';
import { cfnError, cfnResponse, resourceDetail, stackMember, toXml } from '../model/cfn-views.ts';
import type { Json, JsonMap } from '../model/template-format.ts';

const ACTIONS = ['DescribeStacks', 'DescribeStackResources', 'DescribeStackResource'];

const wantsJson = (req: FastifyRequest) => /application\/json/.test(String(req.headers.accept ?? ''));

function send(req: FastifyRequest, reply: FastifyReply, status: number, doc: JsonMap) {
  if (wantsJson(req)) return reply.code(status).type('application/json').send(JSON.stringify(doc));
  return reply.code(status).type('application/xml').send(toXml(doc));
}

/** AWS's error codes for our AppErrors: the type when there is one, else by status. */
export function cfnErrorDoc(err: AppError): JsonMap {
  const code =
    err.type ??
    ({ 400: 'InvalidParameterValue', 403: 'AccessDenied', 404: 'ValidationError' } as Record<number, string>)[
      err.status
    ] ??
    'InternalFailure';
  return cfnError(code, err.message);
}

/** The request's parameters: the query string, and for a form POST the body too. */
function paramsOf(req: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  const raw = req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '';
  for (const [k, v] of new URLSearchParams(raw)) out[k] = v;
  if (
    req.method === 'POST' &&
    typeof req.body === 'string' &&
    /x-www-form-urlencoded/.test(String(req.headers['content-type']))
  )
    for (const [k, v] of new URLSearchParams(req.body)) out[k] = v;
  return out;
}

async function authenticate(
  client: OrchestrationClient,
  ctx: Ctx,
  req: FastifyRequest,
  path: string,
  params: Record<string, string>,
): Promise<KeyOwner> {
  const shape = signatureShapeError(params);
  if (shape)
    throw forbidden(`The request signature could not be checked: ${shape}.`, {
      type: 'MissingAuthenticationToken',
    });
  const who = await client.authenticate(ctx, {
    verb: req.method,
    host: String(req.headers.host ?? ''),
    path,
    params,
  });
  if (!who)
    throw forbidden('The request signature we calculated does not match the signature you provided.', {
      type: 'SignatureDoesNotMatch',
    });
  return who;
}

export function registerCfn(app: FastifyInstance, ctx: Ctx, client: OrchestrationClient): void {
  // Bodies come as text whatever their type (99-refresh-completed sends JSON with an empty Content-Type).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  const wrap =
    (fn: (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>) =>
    async (req: FastifyRequest, reply: FastifyReply) => {
      try {
        return await fn(req, reply);
      } catch (e) {
        const err =
          e instanceof AppError ? e : new AppError('INTERNAL', (e as Error).message ?? 'error', { cause: e });
        if (err.status >= 500) req.log.error({ err }, 'CFN request failed');
        return send(req, reply, err.status, cfnErrorDoc(err));
      }
    };

  const query = wrap(async (req, reply) => {
    const params = paramsOf(req);
    const path = req.url.split('?')[0] as string;
    const action = params.Action ?? '';
    if (!ACTIONS.includes(action))
      throw badRequest(`The action ${action || '(none)'} is not valid for this web service.`, {
        type: 'InvalidAction',
      });
    const who = await authenticate(client, ctx, req, path, params);
    if (action === 'DescribeStacks') {
      const stacks = await client.describeStacks(ctx, who, params.StackName);
      return send(req, reply, 200, cfnResponse(action, { Stacks: stacks.map(stackMember) }));
    }
    if (action === 'DescribeStackResources') {
      const rs = await client.describeStackResources(ctx, who, {
        ...(params.StackName ? { stackName: params.StackName } : {}),
        ...(params.LogicalResourceId ? { logicalId: params.LogicalResourceId } : {}),
        ...(params.PhysicalResourceId ? { physicalId: params.PhysicalResourceId } : {}),
      });
      return send(
        req,
        reply,
        200,
        cfnResponse(action, { StackResources: rs.map((r) => resourceDetail(r, false)) }),
      );
    }
    if (!params.StackName || !params.LogicalResourceId)
      throw badRequest('StackName and LogicalResourceId are required.', { type: 'MissingParameter' });
    const r = await client.describeStackResource(ctx, who, params.StackName, params.LogicalResourceId);
    return send(req, reply, 200, cfnResponse(action, { StackResourceDetail: resourceDetail(r, true) }));
  });
  app.get('/v1', { config: { public: true } }, query);
  app.post('/v1', { config: { public: true } }, query);

  const presigned = (kind: 'signal' | 'waitcondition', verb: 'POST' | 'PUT') =>
    wrap(async (req, reply) => {
      const rawPath = req.url.split('?')[0] as string;
      let path: string;
      try {
        path = decodeURIComponent(rawPath);
      } catch {
        throw badRequest('The URL path is not valid percent-encoding.');
      }
      const arn = path.slice(`/v1/${kind}/`.length);
      const params = paramsOf(req);
      const who = await authenticate(client, ctx, req, path, params);
      let body: Json = {};
      const text = typeof req.body === 'string' ? req.body.trim() : '';
      if (text !== '') {
        try {
          body = JSON.parse(text) as Json;
        } catch {
          throw badRequest('The signal body is not JSON.', { type: 'InvalidParameterValue' });
        }
      }
      await client.signal(ctx, who, arn, verb, body);
      return reply.code(200).type('application/json').send('');
    });
  app.post('/v1/signal/*', { config: { public: true } }, presigned('signal', 'POST'));
  app.put('/v1/waitcondition/*', { config: { public: true } }, presigned('waitcondition', 'PUT'));
}
