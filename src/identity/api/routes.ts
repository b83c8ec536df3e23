// Every identity route, on the service's own Fastify app.
import type { FastifyInstance } from 'fastify';
import type { IdentityCore } from '../core.ts';
import { authRoutes } from './auth.ts';

export function registerIdentityRoutes(app: FastifyInstance, core: IdentityCore): void {
  authRoutes(app, core);
}
