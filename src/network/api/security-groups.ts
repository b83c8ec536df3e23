// /v2.0/security-groups and /v2.0/security-group-rules: stored and served, with the per-project default group.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { flag, optFlag, optStr, str } from '../model/attributes.ts';
import { notFoundError } from '../model/errors.ts';
import type { GroupRecord } from '../model/records.ts';
import { validateRule } from '../model/security-group.ts';
import { groupView, ruleView } from '../model/views.ts';
import { can, enforceAction, listResponse, ownerFor, resourceBody, scopeOf, showResponse } from './common.ts';
import type { ApiContext } from './context.ts';

const GROUP_SORTABLE = [
  'id',
  'name',
  'project_id',
  'tenant_id',
  'created_at',
  'updated_at',
  'revision_number',
];
const RULE_SORTABLE = [
  'id',
  'direction',
  'ethertype',
  'protocol',
  'security_group_id',
  'project_id',
  'tenant_id',
  'created_at',
];

async function visibleGroup(api: ApiContext, req: FastifyRequest, id: string): Promise<GroupRecord> {
  const g = await api.groups.get(id);
  if (g && can(req, 'get_security_group', { projectId: g.project_id })) return g;
  throw notFoundError('SecurityGroup', id);
}

export function securityGroupRoutes(app: FastifyInstance, api: ApiContext): void {
  app.post('/v2.0/security-groups', async (req, reply) => {
    const body = resourceBody(req, 'security_group');
    const projectId = ownerFor(req, body);
    enforceAction(req, 'create_security_group', { projectId });
    const g = await api.groups.create(
      projectId,
      str(body, 'name', ''),
      str(body, 'description', ''),
      flag(body, 'stateful', true),
    );
    return reply.code(201).send({ security_group: groupView(g) });
  });

  app.get('/v2.0/security-groups', async (req) => {
    const all = await api.groups.list(scopeOf(req));
    return listResponse(req, 'security_groups', 'SecurityGroup', all.map(groupView), GROUP_SORTABLE);
  });

  app.get<{ Params: { id: string } }>('/v2.0/security-groups/:id', async (req) =>
    showResponse(req, 'security_group', groupView(await visibleGroup(api, req, req.params.id))),
  );

  app.put<{ Params: { id: string } }>('/v2.0/security-groups/:id', async (req) => {
    const g = await visibleGroup(api, req, req.params.id);
    enforceAction(req, 'update_security_group', { projectId: g.project_id });
    const body = resourceBody(req, 'security_group');
    const updated = await api.groups.update(g.id, {
      name: optStr(body, 'name'),
      description: optStr(body, 'description'),
      stateful: optFlag(body, 'stateful'),
    });
    return { security_group: groupView(updated) };
  });

  app.delete<{ Params: { id: string } }>('/v2.0/security-groups/:id', async (req, reply) => {
    const g = await visibleGroup(api, req, req.params.id);
    enforceAction(req, 'delete_security_group', { projectId: g.project_id });
    await api.groups.delete(g.id, scopeOf(req).admin);
    return reply.code(204).send();
  });

  app.post('/v2.0/security-group-rules', async (req, reply) => {
    const body = resourceBody(req, 'security_group_rule');
    const group = await visibleGroup(api, req, String(body.security_group_id ?? ''));
    enforceAction(req, 'create_security_group_rule', { projectId: group.project_id });
    const spec = validateRule(body);
    if (spec.remote_group_id) await visibleGroup(api, req, spec.remote_group_id);
    const r = await api.groups.createRule(group.project_id, group.id, spec, str(body, 'description', ''));
    return reply.code(201).send({ security_group_rule: ruleView(r) });
  });

  app.get('/v2.0/security-group-rules', async (req) => {
    const all = await api.groups.listRules(scopeOf(req));
    return listResponse(req, 'security_group_rules', 'SecurityGroupRule', all.map(ruleView), RULE_SORTABLE);
  });

  app.get<{ Params: { id: string } }>('/v2.0/security-group-rules/:id', async (req) => {
    const r = await api.groups.getRule(req.params.id);
    if (!r || !can(req, 'get_security_group_rule', { projectId: r.project_id }))
      throw notFoundError('SecurityGroupRule', req.params.id);
    return showResponse(req, 'security_group_rule', ruleView(r));
  });

  app.delete<{ Params: { id: string } }>('/v2.0/security-group-rules/:id', async (req, reply) => {
    const r = await api.groups.getRule(req.params.id);
    if (!r || !can(req, 'get_security_group_rule', { projectId: r.project_id }))
      throw notFoundError('SecurityGroupRule', req.params.id);
    enforceAction(req, 'delete_security_group_rule', { projectId: r.project_id });
    await api.groups.deleteRule(r.id);
    return reply.code(204).send();
  });
}
