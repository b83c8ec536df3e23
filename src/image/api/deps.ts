// What the image routes share: the stores, the limits, and looking an image up as the caller sees it.
import type { FastifyRequest } from 'fastify';
import type { Ctx } from '../../platform/context.ts';
import type { EventLog } from '../../platform/events/event-log.ts';
import type { AuthContext } from '../../platform/policy/auth-context.ts';
import { isAdmin } from '../../platform/policy/policy.ts';
import { canSee, notFound } from '../model/access.ts';
import type { Image } from '../model/image.ts';
import type { Caller } from '../model/list.ts';
import { IMAGE_STATUS, type ImageEvent } from '../model/status.ts';
import type { DataStore } from '../store/data.ts';
import type { ImageStore, Member } from '../store/images.ts';

export interface Limits {
  /** Largest image accepted (Glance's image_size_cap). */
  sizeCap: number;
  /** Bytes of image data one project may hold; 0 = no quota (Glance's user_storage_quota). */
  projectQuota: number;
}

export interface ImageApiDeps {
  ctx: Ctx;
  images: ImageStore;
  data: DataStore;
  events: EventLog;
  limits: Limits;
}

export function authOf(req: FastifyRequest): AuthContext {
  if (!req.auth) throw new Error('route reached without authentication');
  return req.auth;
}

export function callerOf(auth: AuthContext): Caller {
  return { projectId: auth.projectId, admin: isAdmin(auth) };
}

/** The image as this caller may see it, with its members; 404 when it does not exist for them. `serviceReads`:
 * a read-only route, open to the `service` role (see canSee). */
export async function loadVisible(
  deps: ImageApiDeps,
  auth: AuthContext,
  id: string,
  serviceReads = false,
): Promise<{ image: Image; members: Member[] }> {
  const image = await deps.images.get(id);
  if (!image) throw notFound(id);
  const members = image.visibility === 'shared' ? await deps.images.members(id) : [];
  if (!canSee(auth, image, members, serviceReads)) throw notFound(id);
  return { image, members };
}

/**
 * Applies a status event to an image and records the transition in the event log. The store's write is
 * conditional on the status the event was applied to: false when the image is gone, the table has no such
 * move from its status, or another request moved it first.
 */
export async function moveStatus(
  deps: ImageApiDeps,
  id: string,
  event: ImageEvent,
  reason: string,
  facts?: Parameters<ImageStore['move']>[3],
): Promise<boolean> {
  const before = await deps.images.get(id);
  if (!before) return false;
  const applied = IMAGE_STATUS.apply(before.status, event);
  if (!applied.ok) return false;
  // The move and its event commit together.
  return deps.images.move(id, [before.status], applied.to, facts, (q) =>
    deps.events.append(
      { resourceType: 'image', resourceId: id, from: before.status, to: applied.to, reason },
      q,
    ),
  );
}
