// Who may see and change an image: Glance's default policy as data, plus the visibility rules that
// decide whether an image exists at all for the caller. Pure.
import { AppError } from '../../platform/errors/catalogue.ts';
import type { AuthContext } from '../../platform/policy/auth-context.ts';
import { allowed, isAdmin, type PolicyTable } from '../../platform/policy/policy.ts';
import type { Image } from './image.ts';

export interface Membership {
  member: string;
  status: MemberStatus;
}
export type MemberStatus = 'pending' | 'accepted' | 'rejected';

export const IMAGE_POLICY: PolicyTable = {
  add_image: [['member']],
  modify_image: [['admin'], ['member', 'owner']],
  delete_image: [['admin'], ['member', 'owner']],
  upload_image: [['admin'], ['member', 'owner']],
  // Making an image public reaches every project, so only an admin may (Glance's publicize_image).
  publicize_image: [['admin']],
  communitize_image: [['admin'], ['member', 'owner']],
  // Glance's defaults since Wallaby: an admin, or a member of the owning project.
  deactivate: [['admin'], ['member', 'owner']],
  reactivate: [['admin'], ['member', 'owner']],
  add_member: [['admin'], ['member', 'owner']],
  delete_member: [['admin'], ['member', 'owner']],
  // The target of modify_member is the member project itself: only it accepts or rejects.
  modify_member: [['member', 'owner']],
};

/** Enforces a rule with Glance's wording. */
export function enforceImage(action: keyof typeof IMAGE_POLICY, auth: AuthContext, owner: string | null) {
  if (!allowed(IMAGE_POLICY, action, auth, { projectId: owner }))
    throw new AppError('FORBIDDEN', `You are not authorized to complete ${action} action.`);
}

/**
 * Whether the image exists for this caller (Glance answers 404 otherwise, never 403). `serviceReads`: the
 * route only reads (show, data), and a caller with the `service` role (another service's user, e.g. the
 * bare metal service fetching a project's private image for the deploy compute asked for) may read any
 * image; the deploying service checks that the image belongs to the instance's project
 * (docs/decisions/compute-private-images.md).
 */
export function canSee(
  auth: AuthContext,
  img: Image,
  members: readonly Membership[],
  serviceReads = false,
): boolean {
  if (isAdmin(auth)) return true;
  if (serviceReads && auth.roles.includes('service')) return true;
  if (img.visibility === 'public' || img.visibility === 'community') return true;
  if (auth.projectId !== undefined && img.owner === auth.projectId) return true;
  return img.visibility === 'shared' && members.some((m) => m.member === auth.projectId);
}

export function notFound(id: string): AppError {
  return new AppError('NOT_FOUND', `No image found with ID ${id}`);
}
