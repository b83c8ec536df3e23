// Start-up recovery: an upload the previous process was receiving when it stopped can never finish, so its
// image goes back to `queued` (ready for a retry) and its partial data goes. Assumes one process serves a
// given store directory, which a local filesystem store implies.
import type { Ctx } from '../../platform/context.ts';
import type { EventLog } from '../../platform/events/event-log.ts';
import { IMAGE_STATUS } from '../model/status.ts';
import type { DataStore } from '../store/data.ts';
import type { ImageStore } from '../store/images.ts';

export async function recoverInterrupted(
  ctx: Ctx,
  images: ImageStore,
  data: DataStore,
  events: EventLog,
): Promise<{ requeued: string[]; removed: string[] }> {
  const requeued: string[] = [];
  for (const id of await images.withStatus(['saving', 'importing', 'uploading'])) {
    const img = await images.get(id);
    // A completed stage waits (in `uploading`) for its import; anything else was cut short.
    if (img?.status === 'uploading' && (await data.stagedFacts(id))) continue;
    const applied = img ? IMAGE_STATUS.apply(img.status, 'interrupted') : undefined;
    if (!img || !applied?.ok) continue;
    const event = { resourceType: 'image', resourceId: id, from: img.status, to: applied.to };
    const reason = 'interrupted by a restart';
    if (await images.move(id, [img.status], applied.to, {}, (q) => events.append({ ...event, reason }, q)))
      requeued.push(id);
  }
  const keepStore = new Set(await images.withStatus(['active', 'deactivated']));
  const keepStaged = new Set(await images.withStatus(['uploading']));
  const removed = await data.sweep((id, staged) => (staged ? keepStaged : keepStore).has(id));
  if (requeued.length > 0 || removed.length > 0)
    ctx.log.info({ requeued, removed }, 'recovered interrupted uploads');
  return { requeued, removed };
}
