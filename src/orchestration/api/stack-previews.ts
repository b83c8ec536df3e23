// Stack previews: what a create would make (POST stacks/preview) and what an update would change (PUT/PATCH
// stacks/{name}/{id}/preview), checked as the real operation would be, with nothing written.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { JsonMap } from '../model/template-format.ts';
import type { StackRow } from '../store/stacks.ts';
import { runCustomChecks } from '../worker/constraints.ts';
import { inputFromBody } from '../worker/prepare.ts';
import { callerOf, type OrchestrationApi, stackAt } from './deps.ts';
import { previewResources } from './preview.ts';
import { heat } from './render.ts';
import { body, boolOf, patchedInput, type StackPathParams, tagsOf, timeoutOf } from './stack-request.ts';
import { stackDetail } from './views.ts';

export function registerStackPreviews(app: FastifyInstance, api: OrchestrationApi): void {
  app.post<{ Params: StackPathParams }>('/v1/:tenant/stacks/preview', async (req) =>
    heat(async () => {
      const caller = callerOf(req, 'stacks:read');
      const b = body(req);
      const input = inputFromBody(b);
      const def = api.engine.prepare(input);
      await runCustomChecks(api.ctx, caller.token, def.customChecks, api.checkers);
      const now = Date.now();
      const fake: StackRow = {
        id: 'None',
        name: String(b.stack_name ?? 'preview'),
        projectId: caller.projectId,
        userId: caller.userId,
        parentId: null,
        parentResource: null,
        rootId: 'None',
        action: 'INIT',
        status: 'COMPLETE',
        statusReason: '',
        template: input.template,
        environment: input.environment as unknown as JsonMap,
        files: input.files,
        params: def.params as JsonMap,
        prev: null,
        disableRollback: boolOf(b.disable_rollback) ?? true,
        timeoutMins: timeoutOf(b) ?? null,
        tags: tagsOf(b) ?? [],
        createdAt: now,
        updatedAt: null,
        deletedAt: null,
      };
      const resources = previewResources({
        template: def.template,
        params: def.params,
        env: input.environment,
        files: input.files,
        registry: api.registry,
        stackName: fake.name,
        projectId: caller.projectId,
        region: api.region,
      });
      const { outputs: _o, ...detail } = stackDetail(req, fake, def.template, []);
      const description = def.template.description || 'No description';
      return { stack: { ...detail, description, template_description: description, resources } };
    }),
  );

  const previewUpdate = (existing: boolean) => async (req: FastifyRequest<{ Params: StackPathParams }>) =>
    heat(async () => {
      const caller = callerOf(req, 'stacks:read');
      const s = await stackAt(api, caller.projectId, req.params.name, req.params.id);
      const b = body(req);
      const input = existing ? patchedInput(s, b) : inputFromBody(b);
      const def = api.engine.prepare(input);
      const diff = await api.engine.diff(s, def);
      const rows = new Map((await api.store.resources(s.id)).map((r) => [r.name, r]));
      const view = (name: string) => {
        const r = rows.get(name);
        const t = def.template.resources.get(name);
        return {
          resource_name: name,
          resource_type: t?.type ?? r?.type ?? '',
          resource_identity: {
            stack_name: s.name,
            stack_id: s.id,
            tenant: s.projectId,
            path: `/resources/${name}`,
          },
          resource_action: r?.action ?? 'INIT',
          resource_status: r?.status ?? 'COMPLETE',
          physical_resource_id: r?.physicalId ?? '',
          stack_name: s.name,
        };
      };
      return {
        resource_changes: Object.fromEntries(Object.entries(diff).map(([k, names]) => [k, names.map(view)])),
      };
    });
  app.put<{ Params: StackPathParams }>('/v1/:tenant/stacks/:name/:id/preview', previewUpdate(false));
  app.patch<{ Params: StackPathParams }>('/v1/:tenant/stacks/:name/:id/preview', previewUpdate(true));
}
