// /v3/projects/{id}/tags: a project's tags one by one or as a whole (keystone allows 80, each at most
// 255 characters, no "/" or ",").
import type { FastifyInstance } from 'fastify';
import { badRequest } from '../../platform/errors/catalogue.ts';
import type { IdentityCore } from '../core.ts';
import { getProject, updateProject } from '../store/resources.ts';
import { allow, type IdParams, must } from './common.ts';
import { isObj } from './input.ts';

const MAX_TAGS = 80;

function checkTag(tag: unknown): string {
  if (typeof tag !== 'string' || tag.length === 0 || tag.length > 255 || /[/,]/.test(tag)) {
    throw badRequest('A tag is 1 to 255 characters without "/" or ",".');
  }
  return tag;
}

export function projectTagRoutes(app: FastifyInstance, core: IdentityCore): void {
  type One = { Params: { id: string; tag: string } };
  const project = async (id: string) => must(await getProject(core.db, id), 'project', id);
  const save = (id: string, change: (tags: string[]) => string[]) =>
    core.write(async (q) => {
      const p = must(await getProject(q, id), 'project', id);
      const tags = change(p.tags);
      if (tags.length > MAX_TAGS) throw badRequest(`A project has at most ${MAX_TAGS} tags.`);
      await updateProject(q, id, { tags });
      return tags;
    });

  app.get<{ Params: IdParams }>('/v3/projects/:id/tags', async (req) => {
    allow(req, 'identity:get_project', { projectId: req.params.id });
    return { tags: (await project(req.params.id)).tags };
  });
  app.put<{ Params: IdParams }>('/v3/projects/:id/tags', async (req) => {
    allow(req, 'identity:manage_project');
    const body = req.body;
    if (!isObj(body) || !Array.isArray(body.tags))
      throw badRequest('Invalid input: expected {"tags": [...]}.');
    const wanted = [...new Set(body.tags.map(checkTag))];
    return { tags: await save(req.params.id, () => wanted) };
  });
  app.delete<{ Params: IdParams }>('/v3/projects/:id/tags', async (req, reply) => {
    allow(req, 'identity:manage_project');
    await save(req.params.id, () => []);
    return reply.code(204).send();
  });
  app.put<One>('/v3/projects/:id/tags/:tag', async (req, reply) => {
    allow(req, 'identity:manage_project');
    const tag = checkTag(req.params.tag);
    await save(req.params.id, (tags) => (tags.includes(tag) ? tags : [...tags, tag]));
    return reply.code(201).send(); // keystone answers this one without a body
  });
  // GET answers HEAD too.
  app.get<One>('/v3/projects/:id/tags/:tag', async (req, reply) => {
    allow(req, 'identity:get_project', { projectId: req.params.id });
    if (!(await project(req.params.id)).tags.includes(req.params.tag)) must(undefined, 'tag', req.params.tag);
    return reply.code(204).send();
  });
  app.delete<One>('/v3/projects/:id/tags/:tag', async (req, reply) => {
    allow(req, 'identity:manage_project');
    let found = false;
    await save(req.params.id, (tags) => {
      found = tags.includes(req.params.tag);
      return tags.filter((t) => t !== req.params.tag);
    });
    if (!found) must(undefined, 'tag', req.params.tag);
    return reply.code(204).send();
  });
}
