// /v2/images: create, list, show, update (JSON patch), delete, tags, deactivate/reactivate.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../platform/errors/catalogue.ts';
import { isAdmin } from '../../platform/policy/policy.ts';
import { enforceImage, notFound } from '../model/access.ts';
import { checkTag, type Image, imageView, MAX_TAGS, parseCreate } from '../model/image.ts';
import { listImages, nextLink, parseListQuery, type Query } from '../model/list.ts';
import { applyPatch, PATCH_V20, PATCH_V21, parsePatch } from '../model/patch.ts';
import { authOf, callerOf, type ImageApiDeps, loadVisible, moveStatus } from './deps.ts';

type IdParams = { Params: { id: string } };
/** openstacksdk reads the import methods from this header of the created image before `--import`. */
const IMPORT_METHODS_HEADER = 'openstack-image-import-methods';

export function registerImages(app: FastifyInstance, deps: ImageApiDeps): void {
  for (const type of [PATCH_V21, PATCH_V20])
    app.addContentTypeParser(type, { parseAs: 'string' }, (_req, body, done) => {
      try {
        done(null, JSON.parse(body as string));
      } catch (e) {
        done(
          new AppError('BAD_REQUEST', `Malformed JSON in request body: ${(e as Error).message}`),
          undefined,
        );
      }
    });

  app.post('/v2/images', async (req, reply) => {
    const auth = authOf(req);
    enforceImage('add_image', auth, auth.projectId ?? null);
    const spec = parseCreate(req.body);
    const owner = spec.base.owner === undefined ? (auth.projectId ?? null) : spec.base.owner;
    if (owner !== auth.projectId && !isAdmin(auth))
      throw new AppError('FORBIDDEN', `You are not permitted to create images owned by '${owner}'.`);
    checkVisibilityChange(auth, spec.base.visibility, owner);
    const now = deps.images.now();
    const image: Image = {
      id: spec.id ?? randomUUID(),
      name: null,
      status: 'queued',
      visibility: 'shared',
      protected: false,
      os_hidden: false,
      checksum: null,
      os_hash_algo: null,
      os_hash_value: null,
      size: null,
      virtual_size: null,
      disk_format: null,
      container_format: null,
      min_disk: 0,
      min_ram: 0,
      ...spec.base,
      owner,
      created_at: now,
      updated_at: now,
      properties: spec.properties,
      tags: spec.tags,
    };
    if (await deps.images.get(image.id))
      throw new AppError('CONFLICT', `Image with identifier ${image.id} already exists!`);
    await deps.images.insert(image, (q) =>
      deps.events.append(
        { resourceType: 'image', resourceId: image.id, from: null, to: 'queued', reason: 'created' },
        q,
      ),
    );
    return reply
      .code(201)
      .header('location', `/v2/images/${image.id}`)
      .header(IMPORT_METHODS_HEADER, 'glance-direct')
      .send(imageView(image));
  });

  app.get('/v2/images', async (req) => {
    // The router forgives a trailing slash; Glance's does not: /v2/images/ asks for the image with an empty
    // id, which does not exist.
    if (/\/v2\/images\/+$/.test(req.url.split('?')[0] ?? '')) throw notFound('');
    const auth = authOf(req);
    const query = queryPairs(req.url);
    const page = listImages(callerOf(auth), await deps.images.candidates(), parseListQuery(query));
    return {
      images: page.images.map(imageView),
      first: '/v2/images',
      schema: '/v2/schemas/images',
      ...(page.nextMarker ? { next: nextLink(query, page.nextMarker) } : {}),
    };
  });

  app.get<IdParams>('/v2/images/:id', async (req, reply) => {
    const { image } = await loadVisible(deps, authOf(req), req.params.id, true);
    return reply.header(IMPORT_METHODS_HEADER, 'glance-direct').send(imageView(image));
  });

  app.patch<IdParams>('/v2/images/:id', async (req) => {
    const auth = authOf(req);
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
    if (type !== PATCH_V21 && type !== PATCH_V20)
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', `Unsupported Content-Type`);
    const { image } = await loadVisible(deps, auth, req.params.id);
    enforceImage('modify_image', auth, image.owner);
    const next = applyPatch(image, parsePatch(req.body, type));
    if (next.owner !== image.owner && next.owner !== auth.projectId && !isAdmin(auth))
      throw new AppError('FORBIDDEN', `You are not permitted to modify 'owner' on this image.`);
    if (next.visibility !== image.visibility) checkVisibilityChange(auth, next.visibility, next.owner);
    next.updated_at = deps.images.now();
    if (!(await deps.images.update(next)))
      throw new AppError('NOT_FOUND', `Failed to find image ${image.id} to update`);
    return imageView((await deps.images.get(image.id)) ?? next);
  });

  app.delete<IdParams>('/v2/images/:id', async (req, reply) => {
    const auth = authOf(req);
    const { image } = await loadVisible(deps, auth, req.params.id);
    enforceImage('delete_image', auth, image.owner);
    if (image.protected)
      throw new AppError('FORBIDDEN', `Image ${image.id} is protected and cannot be deleted.`);
    // The row goes first: data without a row is swept at start, a row without its data would be a lie.
    const deleted = { resourceType: 'image', resourceId: image.id, from: image.status, to: 'deleted' };
    if (
      !(await deps.images.delete(image.id, (q) => deps.events.append({ ...deleted, reason: 'deleted' }, q)))
    )
      throw new AppError('NOT_FOUND', `Failed to find image ${image.id} to delete`);
    await deps.data.remove(image.id);
    return reply.code(204).send();
  });

  app.put<{ Params: { id: string; tag: string } }>('/v2/images/:id/tags/:tag', async (req, reply) => {
    const auth = authOf(req);
    const { image } = await loadVisible(deps, auth, req.params.id);
    enforceImage('modify_image', auth, image.owner);
    const tag = checkTag(req.params.tag);
    if (!image.tags.includes(tag) && image.tags.length >= MAX_TAGS)
      throw new AppError('PAYLOAD_TOO_LARGE', `Maximum number of tags exceeded: ${MAX_TAGS}`);
    await deps.images.addTag(image.id, tag);
    return reply.code(204).send();
  });

  app.delete<{ Params: { id: string; tag: string } }>('/v2/images/:id/tags/:tag', async (req, reply) => {
    const auth = authOf(req);
    const { image } = await loadVisible(deps, auth, req.params.id);
    enforceImage('modify_image', auth, image.owner);
    if (!(await deps.images.removeTag(image.id, req.params.tag)))
      throw new AppError('NOT_FOUND', `Tag ${req.params.tag} not found`);
    return reply.code(204).send();
  });

  for (const action of ['deactivate', 'reactivate'] as const) {
    app.post<IdParams>(`/v2/images/:id/actions/${action}`, async (req, reply) => {
      const auth = authOf(req);
      const { image } = await loadVisible(deps, auth, req.params.id);
      enforceImage(action, auth, image.owner);
      const to = action === 'deactivate' ? 'deactivated' : 'active';
      // As Glance's domain: a no-op when already there, 403 from any status but the one it leaves.
      if (image.status !== to && !(await moveStatus(deps, image.id, action, action)))
        throw new AppError('FORBIDDEN', `Not allowed to ${action} image in status '${image.status}'`);
      return reply.code(204).send();
    });
  }
}

function checkVisibilityChange(
  auth: Parameters<typeof enforceImage>[1],
  visibility: string | undefined,
  owner: string | null,
) {
  if (visibility === 'public') enforceImage('publicize_image', auth, owner);
  if (visibility === 'community') enforceImage('communitize_image', auth, owner);
}

/** The query string as ordered pairs: tags repeat, and `next` links keep the caller's own parameters. */
export function queryPairs(url: string): Query {
  const i = url.indexOf('?');
  return i < 0 ? [] : [...new URLSearchParams(url.slice(i + 1)).entries()];
}
