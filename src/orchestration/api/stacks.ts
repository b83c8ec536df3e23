// Heat v1 stacks: create, list, show, update (PUT, PATCH --existing) and delete; the other stack routes
// (previews, name redirects, actions, contents) are registered from their own files.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { badRequest } from '../../platform/errors/catalogue.ts';
import { isStackSortKey, type StackSelection, selectStacks } from '../model/stack-list.ts';
import type { JsonMap } from '../model/template-format.ts';
import { runCustomChecks } from '../worker/constraints.ts';
import { inputFromBody } from '../worker/prepare.ts';
import { callerOf, type OrchestrationApi, qs, qsAll, qsBool, stackAt, stackNotFound } from './deps.ts';
import { heat } from './render.ts';
import { registerStackActions } from './stack-actions.ts';
import { registerStackContents } from './stack-contents.ts';
import { registerStackPreviews } from './stack-previews.ts';
import { registerStackRedirects } from './stack-redirects.ts';
import { body, boolOf, patchedInput, type StackPathParams, tagsOf, timeoutOf } from './stack-request.ts';
import { baseUrl, stackDetail, stackPath, stackSummary, storedTemplate } from './views.ts';

const NAME_RE = /^[a-zA-Z][a-zA-Z0-9_.-]{0,254}$/;

/** The list's tag filters, sort, marker and limit as read from the query (selectStacks applies them). */
function stackSelection(req: FastifyRequest): StackSelection {
  const tagList = (key: string) => qsAll(req, key).flatMap((t) => t.split(','));
  const sortKey = qs(req, 'sort_keys');
  if (sortKey !== undefined && sortKey !== '' && !isStackSortKey(sortKey))
    throw badRequest(`Sort key "${sortKey}" not supported.`);
  const marker = qs(req, 'marker');
  const limit = qs(req, 'limit');
  return {
    tags: tagList('tags'),
    tagsAny: tagList('tags_any'),
    notTags: tagList('not_tags'),
    notTagsAny: tagList('not_tags_any'),
    ...(sortKey ? { sort: { key: sortKey, dir: qs(req, 'sort_dir') === 'asc' ? 'asc' : 'desc' } } : {}),
    ...(marker ? { marker } : {}),
    ...(limit !== undefined ? { limit: listLimit(limit) } : {}),
  };
}

/** Heat takes a non-negative integer as `limit` and refuses anything else with a 400. */
function listLimit(text: string): number {
  if (!/^-?\d+$/.test(text.trim())) throw badRequest("Only integer is acceptable by 'limit'.");
  const n = Number(text);
  if (n < 0) throw badRequest("Only non-negative integer is acceptable by 'limit'.");
  return n;
}

export function registerStacks(app: FastifyInstance, api: OrchestrationApi): void {
  app.get('/', { config: { public: true } }, async (req, reply) =>
    reply.code(300).send({
      versions: [
        {
          id: 'v1.0',
          status: 'CURRENT',
          links: [{ rel: 'self', href: `${req.protocol}://${req.headers.host}/v1/` }],
        },
      ],
    }),
  );

  app.get<{ Params: StackPathParams }>('/v1/:tenant/stacks', async (req) =>
    heat(async () => {
      const caller = callerOf(req, 'stacks:read');
      const selection = stackSelection(req);
      const rows = await api.store.listStacks({
        projectId: caller.projectId,
        name: qsAll(req, 'name'),
        status: qsAll(req, 'status'),
        action: qsAll(req, 'action'),
        id: qsAll(req, 'id'),
        showDeleted: qsBool(req, 'show_deleted'),
        showNested: qsBool(req, 'show_nested'),
      });
      const { stacks, total } = selectStacks(rows, selection);
      return {
        stacks: stacks.map((s) => stackSummary(req, s, storedTemplate(s)?.description ?? '')),
        ...(qsBool(req, 'with_count') ? { count: total } : {}),
      };
    }),
  );

  app.post<{ Params: StackPathParams }>('/v1/:tenant/stacks', async (req, reply) =>
    heat(async () => {
      const caller = callerOf(req, 'stacks:write');
      const b = body(req);
      const name = b.stack_name;
      if (typeof name !== 'string' || !NAME_RE.test(name)) {
        throw badRequest(
          `Invalid stack name ${String(name)} must contain only alphanumeric or "_-." characters, must start with alpha and must be 255 characters or less.`,
          { type: 'StackValidationFailed' },
        );
      }
      const input = inputFromBody(b);
      const def = api.engine.prepare(input);
      await runCustomChecks(api.ctx, caller.token, def.customChecks, api.checkers);
      const s = await api.engine.create(caller, name, input, {
        disableRollback: boolOf(b.disable_rollback) ?? true,
        timeoutMins: timeoutOf(b) ?? null,
        tags: tagsOf(b) ?? [],
      });
      const href = `${baseUrl(req, caller.projectId)}/${stackPath(s)}`;
      return reply
        .code(201)
        .header('location', href)
        .send({ stack: { id: s.id, links: [{ href, rel: 'self' }] } });
    }),
  );

  app.get<{ Params: StackPathParams }>('/v1/:tenant/stacks/:name/:id', async (req) =>
    heat(async () => {
      const caller = callerOf(req, 'stacks:read');
      const s = await stackAt(api, caller.projectId, req.params.name, req.params.id);
      const resolve = qs(req, 'resolve_outputs');
      const outputs =
        resolve !== undefined && resolve.toLowerCase() === 'false' ? undefined : await api.engine.outputs(s);
      return { stack: stackDetail(req, s, storedTemplate(s), outputs as unknown as JsonMap[] | undefined) };
    }),
  );

  const update =
    (existing: boolean) => async (req: FastifyRequest<{ Params: StackPathParams }>, reply: FastifyReply) =>
      heat(async () => {
        const caller = callerOf(req, 'stacks:write');
        const s = await stackAt(api, caller.projectId, req.params.name, req.params.id);
        if (s.deletedAt !== null) throw stackNotFound(req.params.name);
        const b = body(req);
        const input = existing ? patchedInput(s, b) : inputFromBody(b);
        const def = api.engine.prepare(input);
        await runCustomChecks(api.ctx, caller.token, def.customChecks, api.checkers);
        await api.engine.update(caller, s, input, {
          ...(boolOf(b.disable_rollback) !== undefined
            ? { disableRollback: boolOf(b.disable_rollback) as boolean }
            : {}),
          ...(timeoutOf(b) !== undefined ? { timeoutMins: timeoutOf(b) as number | null } : {}),
          // A full update (PUT) sets the tags it carries, none when it carries none; PATCH keeps them.
          ...(tagsOf(b) !== undefined || !existing ? { tags: tagsOf(b) ?? [] } : {}),
        });
        return reply.code(202).send();
      });
  app.put<{ Params: StackPathParams }>('/v1/:tenant/stacks/:name/:id', update(false));
  app.patch<{ Params: StackPathParams }>('/v1/:tenant/stacks/:name/:id', update(true));

  app.delete<{ Params: StackPathParams }>('/v1/:tenant/stacks/:name/:id', async (req, reply) =>
    heat(async () => {
      const caller = callerOf(req, 'stacks:write');
      const s = await stackAt(api, caller.projectId, req.params.name, req.params.id);
      if (s.deletedAt !== null) throw stackNotFound(req.params.name);
      if (s.parentId !== null)
        throw badRequest('A nested stack is deleted through its parent.', { type: 'NotSupported' });
      await api.engine.delete(caller, s);
      return reply.code(204).send();
    }),
  );
  registerStackPreviews(app, api);
  registerStackRedirects(app, api);
  registerStackActions(app, api);
  registerStackContents(app, api);
}
