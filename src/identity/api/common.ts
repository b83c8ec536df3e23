// Helpers the identity routes share: 404s in Keystone's wording, and policy checks against the caller.
import type { FastifyRequest } from 'fastify';
import { notFound } from '../../platform/errors/catalogue.ts';
import { enforce, type Target } from '../../platform/policy/policy.ts';
import { IDENTITY_POLICY } from '../model/policy.ts';
import { caller } from './auth.ts';

/** The entity, or Keystone's "Could not find <what>: <id>." 404. */
export function must<T>(value: T | undefined, what: string, id: string): T {
  if (value === undefined) throw notFound(`Could not find ${what}: ${id}.`);
  return value;
}

export function allow(req: FastifyRequest, action: string, target: Target = {}): void {
  enforce(IDENTITY_POLICY, action, caller(req), target);
}

export interface IdParams {
  id: string;
}
