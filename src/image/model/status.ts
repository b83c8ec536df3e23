// The image status machine (Glance's domain valid_state_targets) as a table of events. Pure. The API and
// the start-up recovery move an image only by applying one of these events; the store then writes the move
// conditionally on the status the event was applied to, so a racing request cannot slip past the table.
import { AppError } from '../../platform/errors/catalogue.ts';
import { StateMachine, type Transition } from '../../platform/work/state-machine.ts';
import type { ImageStatus } from './image.ts';

export type ImageEvent =
  | 'upload' // PUT file begins
  | 'upload_done'
  | 'upload_failed' // back to queued, so the upload can be retried
  | 'stage' // PUT stage begins: the import flow's first step
  | 'stage_failed'
  | 'import' // POST import with glance-direct
  | 'import_done'
  | 'import_failed'
  | 'interrupted' // the process stopped while data was arriving (start-up recovery)
  | 'kill'
  | 'deactivate'
  | 'reactivate'
  | 'delay_delete'
  | 'delete';

const live: ImageStatus[] = ['queued', 'saving', 'uploading', 'importing', 'active', 'deactivated'];

const table: Transition<ImageStatus, ImageEvent>[] = [
  { from: 'queued', event: 'upload', to: 'saving', target: 'active' },
  { from: 'queued', event: 'stage', to: 'uploading', target: 'active' },
  { from: 'queued', event: 'import', to: 'importing', target: 'active' },
  { from: 'saving', event: 'upload_done', to: 'active' },
  { from: 'saving', event: 'upload_failed', to: 'queued' },
  { from: 'saving', event: 'kill', to: 'killed' },
  { from: 'uploading', event: 'stage_failed', to: 'queued' },
  { from: 'uploading', event: 'import', to: 'importing', target: 'active' },
  { from: 'importing', event: 'import_done', to: 'active' },
  { from: 'importing', event: 'import_failed', to: 'queued' },
  ...(['saving', 'uploading', 'importing'] as const).map((from) => ({
    from,
    event: 'interrupted' as const,
    to: 'queued' as const,
  })),
  { from: 'active', event: 'deactivate', to: 'deactivated' },
  { from: 'deactivated', event: 'reactivate', to: 'active' },
  { from: 'active', event: 'delay_delete', to: 'pending_delete' },
  ...[...live, 'killed' as const, 'pending_delete' as const].map((from) => ({
    from,
    event: 'delete' as const,
    to: 'deleted' as const,
  })),
];

export const IMAGE_STATUS = new StateMachine(table, { initial: 'queued', terminal: ['deleted'] });

export function canMove(from: ImageStatus, to: ImageStatus): boolean {
  return IMAGE_STATUS.canMove(from, to);
}

/** The status `event` moves an image in `from` to; Glance's 409 when the table has no such move. */
export function moveFor(from: ImageStatus, event: ImageEvent): ImageStatus {
  const r = IMAGE_STATUS.apply(from, event);
  if (r.ok) return r.to;
  const to = table.find((t) => t.event === event)?.to ?? event;
  throw new AppError('CONFLICT', `Image status transition from ${from} to ${to} is not allowed`, {
    details: { reason: r.reason },
  });
}

/** Throws Glance's 409 when the move is not in the table. */
export function checkMove(from: ImageStatus, to: ImageStatus): void {
  if (!canMove(from, to))
    throw new AppError('CONFLICT', `Image status transition from ${from} to ${to} is not allowed`);
}
