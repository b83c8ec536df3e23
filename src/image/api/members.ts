// /v2/images/{id}/members: the owner shares a `shared` image with other projects; each member project
// accepts or rejects it (accepted images show in its default image list).
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../platform/errors/catalogue.ts';
import { isAdmin } from '../../platform/policy/policy.ts';
import { enforceImage, type MemberStatus } from '../model/access.ts';
import { type Image, isoTime } from '../model/image.ts';
import type { Member } from '../store/images.ts';
import { authOf, type ImageApiDeps, loadVisible } from './deps.ts';

type MemberParams = { Params: { id: string; member: string } };

export function memberView(m: Member) {
  return {
    created_at: isoTime(m.created_at),
    image_id: m.image_id,
    member_id: m.member,
    schema: '/v2/schemas/member',
    status: m.status,
    updated_at: isoTime(m.updated_at),
  };
}

function onlyShared(image: Image): void {
  if (image.visibility !== 'shared') throw new AppError('FORBIDDEN', 'Only shared images have members.');
}

export function registerMembers(app: FastifyInstance, deps: ImageApiDeps): void {
  app.get<{ Params: { id: string } }>('/v2/images/:id/members', async (req) => {
    const auth = authOf(req);
    const { image, members } = await loadVisible(deps, auth, req.params.id);
    onlyShared(image);
    const mine = image.owner === auth.projectId || isAdmin(auth);
    return {
      members: members.filter((m) => mine || m.member === auth.projectId).map(memberView),
      schema: '/v2/schemas/members',
    };
  });

  app.post<{ Params: { id: string }; Body: unknown }>('/v2/images/:id/members', async (req) => {
    const auth = authOf(req);
    const { image } = await loadVisible(deps, auth, req.params.id);
    enforceImage('add_member', auth, image.owner);
    onlyShared(image);
    const body = req.body as { member?: unknown } | null;
    const member = body?.member;
    if (typeof member !== 'string' || member === '' || member.length > 255)
      throw new AppError('BAD_REQUEST', 'Member to be added not specified');
    const added = await deps.images.addMember(image.id, member);
    if (!added) throw new AppError('CONFLICT', `Member ${member} already associated with image ${image.id}.`);
    return memberView(added);
  });

  app.get<MemberParams>('/v2/images/:id/members/:member', async (req) => {
    const auth = authOf(req);
    const { image } = await loadVisible(deps, auth, req.params.id);
    onlyShared(image);
    const m = await deps.images.member(image.id, req.params.member);
    const mine = image.owner === auth.projectId || isAdmin(auth) || req.params.member === auth.projectId;
    if (!m || !mine)
      throw new AppError('NOT_FOUND', `Member ${req.params.member} not found for image ${image.id}`);
    return memberView(m);
  });

  app.put<MemberParams>('/v2/images/:id/members/:member', async (req) => {
    const auth = authOf(req);
    const { image } = await loadVisible(deps, auth, req.params.id);
    onlyShared(image);
    const m = await deps.images.member(image.id, req.params.member);
    if (!m) throw new AppError('NOT_FOUND', `Member ${req.params.member} not found for image ${image.id}`);
    // Only the member project decides whether it wants the image; the owner cannot accept on its behalf.
    enforceImage('modify_member', auth, m.member);
    const status = (req.body as { status?: unknown } | null)?.status;
    if (status !== 'pending' && status !== 'accepted' && status !== 'rejected')
      throw new AppError('BAD_REQUEST', `Invalid status: ${String(status)}`);
    await deps.images.setMemberStatus(image.id, m.member, status as MemberStatus);
    return memberView((await deps.images.member(image.id, m.member)) ?? m);
  });

  app.delete<MemberParams>('/v2/images/:id/members/:member', async (req, reply) => {
    const auth = authOf(req);
    const { image } = await loadVisible(deps, auth, req.params.id);
    enforceImage('delete_member', auth, image.owner);
    onlyShared(image);
    if (!(await deps.images.removeMember(image.id, req.params.member)))
      throw new AppError('NOT_FOUND', `Member ${req.params.member} not found for image ${image.id}`);
    return reply.code(204).send();
  });
}
