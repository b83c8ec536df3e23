// Every identity route, on the service's own Fastify app.
import type { FastifyInstance } from 'fastify';
import type { IdentityCore } from '../core.ts';
import { appCredRoutes } from './app-creds.ts';
import { assignmentRoutes } from './assignments.ts';
import { authRoutes } from './auth.ts';
import { catalogAdminRoutes } from './catalog-admin.ts';
import { projectTagRoutes } from './project-tags.ts';
import { projectRoutes } from './projects.ts';
import { roleRoutes } from './roles.ts';
import { userRoutes } from './users.ts';

export function registerIdentityRoutes(app: FastifyInstance, core: IdentityCore): void {
  authRoutes(app, core);
  projectRoutes(app, core);
  projectTagRoutes(app, core);
  userRoutes(app, core);
  roleRoutes(app, core);
  assignmentRoutes(app, core);
  catalogAdminRoutes(app, core);
  appCredRoutes(app, core);
}
