// Quota sets (/os-quota-sets) and limits (/limits), with the keys each microversion shows.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest } from '../../platform/errors/catalogue.ts';
import {
  absoluteLimits,
  belowUsage,
  parseQuotaUpdate,
  quotaClassKeys,
  quotaClassUpdateKeys,
  quotaKeys,
} from '../model/quotas.ts';
import type { QuotaStore } from '../store/quotas.ts';
import { auth, bodyOf, can, enforce, param, version } from './common.ts';

function pick(req: FastifyRequest, values: Record<string, number>): Record<string, number> {
  return Object.fromEntries(quotaKeys(version(req)).map((k) => [k, values[k] ?? -1]));
}

/**
 * Per-user quotas are not kept: setting or resetting one (?user_id=) is refused. Reading one is answered
 * truthfully: without per-user limits a user's limits are its project's.
 */
function refuseUserQuotas(req: FastifyRequest): void {
  if (param(req, 'user_id') !== undefined)
    throw badRequest('Per-user quotas are not supported by this compute service; quotas are per project.');
}

export function quotaRoutes(app: FastifyInstance, quotas: QuotaStore): void {
  app.get<{ Params: { project: string } }>('/os-quota-sets/:project/defaults', async (req) => {
    enforce(req, 'quotas:defaults');
    return { quota_set: { id: req.params.project, ...pick(req, await quotas.defaults()) } };
  });

  app.get<{ Params: { project: string } }>('/os-quota-sets/:project', async (req) => {
    enforce(req, 'quotas:show', { projectId: req.params.project });
    return { quota_set: { id: req.params.project, ...pick(req, await quotas.limits(req.params.project)) } };
  });

  app.get<{ Params: { project: string } }>('/os-quota-sets/:project/detail', async (req) => {
    enforce(req, 'quotas:show', { projectId: req.params.project });
    const limits = pick(req, await quotas.limits(req.params.project));
    const usage = await quotas.usage(req.params.project, auth(req).userId);
    const detail = Object.fromEntries(
      Object.entries(limits).map(([k, limit]) => [k, { limit, in_use: usage[k] ?? 0, reserved: 0 }]),
    );
    return { quota_set: { id: req.params.project, ...detail } };
  });

  app.put<{ Params: { project: string } }>('/os-quota-sets/:project', async (req) => {
    enforce(req, 'quotas:update', { projectId: req.params.project });
    refuseUserQuotas(req);
    const { limits, force } = parseQuotaUpdate(bodyOf(req, 'quota_set'), version(req));
    if (!force) {
      // Only what the project itself holds is checked; key pairs are counted per user, not per project.
      const { key_pairs: _perUser, ...usage } = await quotas.usage(req.params.project);
      const why = belowUsage(limits, usage);
      if (why) throw badRequest(why);
    }
    await quotas.set(req.params.project, limits);
    return { quota_set: pick(req, await quotas.limits(req.params.project)) };
  });

  app.delete<{ Params: { project: string } }>('/os-quota-sets/:project', async (req, reply) => {
    enforce(req, 'quotas:delete', { projectId: req.params.project });
    refuseUserQuotas(req);
    await quotas.reset(req.params.project);
    return reply.code(202).send();
  });

  // Quota classes: "default" replaces the defaults every project starts from (nova quota-class-update).
  const classView = (req: FastifyRequest, values: Record<string, number>) =>
    Object.fromEntries(quotaClassKeys(version(req)).map((k) => [k, values[k] ?? -1]));
  const className = (name: string) => {
    if (name === '' || name.length > 255) throw badRequest('Invalid quota class name.');
    return name;
  };
  app.get<{ Params: { name: string } }>('/os-quota-class-sets/:name', async (req) => {
    enforce(req, 'quota_classes:show');
    const name = className(req.params.name);
    return { quota_class_set: { id: name, ...classView(req, await quotas.classLimits(name)) } };
  });
  app.put<{ Params: { name: string } }>('/os-quota-class-sets/:name', async (req) => {
    enforce(req, 'quota_classes:update');
    const name = className(req.params.name);
    const body = bodyOf(req, 'quota_class_set');
    if ('force' in body)
      throw badRequest(
        `Invalid input for field/attribute quota_class_set. Additional properties are not allowed ('force' was unexpected)`,
      );
    const { limits } = parseQuotaUpdate(
      body,
      version(req),
      quotaClassUpdateKeys(version(req)),
      'quota_class_set',
    );
    await quotas.setClass(name, limits);
    return { quota_class_set: classView(req, await quotas.classLimits(name)) };
  });

  app.get('/limits', async (req) => {
    enforce(req, 'limits:index');
    const asked = param(req, 'tenant_id');
    const mine = auth(req).projectId ?? '';
    // Nova answers for the caller's own project when a non-admin names another one.
    const project = asked !== undefined && asked !== mine && can(req, 'limits:other_project') ? asked : mine;
    const limits = await quotas.limits(project);
    const usage = await quotas.usage(project, auth(req).userId);
    return { limits: { rate: [], absolute: absoluteLimits(version(req), limits, usage) } };
  });
}
