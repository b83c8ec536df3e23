// The image status machine as a transition table (Glance's domain valid_state_targets). Pure.
import { AppError } from '../../platform/errors/catalogue.ts';
import type { ImageStatus } from './image.ts';

export const TRANSITIONS: Readonly<Record<ImageStatus, readonly ImageStatus[]>> = {
  // queued -> saving is a direct upload, queued -> uploading is the import flow's stage step.
  queued: ['saving', 'uploading', 'importing', 'active', 'deleted'],
  // saving -> queued restores an image whose upload failed, so the upload can be retried.
  saving: ['active', 'killed', 'deleted', 'queued'],
  uploading: ['importing', 'queued', 'deleted'],
  importing: ['active', 'deleted', 'queued'],
  active: ['pending_delete', 'deleted', 'deactivated'],
  killed: ['deleted'],
  pending_delete: ['deleted'],
  deleted: [],
  deactivated: ['active', 'deleted'],
};

export function canMove(from: ImageStatus, to: ImageStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Throws Glance's 409 when the move is not in the table. */
export function checkMove(from: ImageStatus, to: ImageStatus): void {
  if (!canMove(from, to))
    throw new AppError('CONFLICT', `Image status transition from ${from} to ${to} is not allowed`);
}
