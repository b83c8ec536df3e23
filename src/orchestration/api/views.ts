// The JSON shapes of Heat v1: stacks, resources, events, with the links the client follows.
import type { FastifyRequest } from 'fastify';
import { displayParams } from '../model/parameters/views.ts';
import { parseTemplate, type Template } from '../model/template.ts';
import type { Json, JsonMap } from '../model/template-format.ts';
import type { EventRow, ResourceRow, StackRow } from '../store/stacks.ts';

export const iso = (ms: number | null): string | null =>
  ms === null ? null : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** http://host:port/v1/<project> as the client reached us. */
export function baseUrl(req: FastifyRequest, projectId: string): string {
  const proto = (req.headers['x-forwarded-proto'] as string | undefined) ?? req.protocol;
  return `${proto}://${req.headers.host ?? 'localhost'}/v1/${projectId}`;
}

export function stackPath(s: Pick<StackRow, 'name' | 'id'>): string {
  return `stacks/${encodeURIComponent(s.name)}/${s.id}`;
}

export function stackSummary(req: FastifyRequest, s: StackRow, description: string): JsonMap {
  return {
    id: s.id,
    stack_name: s.name,
    description,
    creation_time: iso(s.createdAt),
    updated_time: iso(s.updatedAt),
    deletion_time: iso(s.deletedAt),
    stack_status: `${s.action}_${s.status}`,
    stack_status_reason: s.statusReason,
    stack_owner: null,
    parent: s.parentId,
    stack_user_project_id: s.projectId,
    tags: s.tags.length > 0 ? s.tags : null,
    project: s.projectId,
    links: [{ href: `${baseUrl(req, s.projectId)}/${stackPath(s)}`, rel: 'self' }],
  };
}

export function stackDetail(
  req: FastifyRequest,
  s: StackRow,
  template: Template | undefined,
  outputs: JsonMap[] | undefined,
): JsonMap {
  const params: Record<string, Json> = template ? displayParams(template.params, s.params) : {};
  return {
    ...stackSummary(req, s, template?.description ?? ''),
    parameters: { ...params, 'OS::stack_id': s.id, 'OS::stack_name': s.name, 'OS::project_id': s.projectId },
    ...(outputs === undefined ? {} : { outputs }),
    capabilities: [],
    notification_topics: [],
    disable_rollback: s.disableRollback,
    timeout_mins: s.timeoutMins,
    template_description: template?.description ?? '',
  };
}

export function resourceView(
  req: FastifyRequest,
  s: StackRow,
  r: ResourceRow,
  requiredBy: string[],
  extra: { parentResource?: string | null } = {},
): JsonMap {
  const base = baseUrl(req, s.projectId);
  const links: Json[] = [
    { href: `${base}/${stackPath(s)}/resources/${encodeURIComponent(r.name)}`, rel: 'self' },
    { href: `${base}/${stackPath(s)}`, rel: 'stack' },
  ];
  if (r.nestedId)
    links.push({
      href: `${base}/stacks/${encodeURIComponent(`${s.name}-${r.name}`)}/${r.nestedId}`,
      rel: 'nested',
    });
  return {
    resource_name: r.name,
    logical_resource_id: r.name,
    physical_resource_id: r.physicalId ?? '',
    resource_type: r.type,
    resource_status: `${r.action}_${r.status}`,
    resource_status_reason: r.statusReason,
    creation_time: iso(r.createdAt),
    updated_time: iso(r.updatedAt ?? r.createdAt),
    required_by: requiredBy,
    stack_name: s.name,
    links,
    ...(extra.parentResource ? { parent_resource: extra.parentResource } : {}),
  };
}

export function eventView(req: FastifyRequest, s: StackRow, e: EventRow, root?: StackRow): JsonMap {
  const base = baseUrl(req, s.projectId);
  const stackUrl = `${base}/${stackPath(s)}`;
  const links: Json[] = [
    { href: `${stackUrl}/resources/${encodeURIComponent(e.resourceName)}/events/${e.id}`, rel: 'self' },
    { href: `${stackUrl}/resources/${encodeURIComponent(e.resourceName)}`, rel: 'resource' },
    { href: stackUrl, rel: 'stack' },
  ];
  if (root) links.push({ href: `${base}/${stackPath(root)}`, rel: 'root_stack' });
  return {
    id: e.id,
    event_time: iso(e.createdAt),
    resource_name: e.resourceName,
    logical_resource_id: e.resourceName,
    physical_resource_id: e.physicalId,
    resource_status: `${e.action}_${e.status}`,
    resource_status_reason: e.reason,
    resource_type: e.resourceType,
    links,
  };
}

/** The stored template parsed again for its description, parameters and outputs; undefined if it no longer parses. */
export function storedTemplate(s: StackRow): Template | undefined {
  try {
    return parseTemplate(s.template);
  } catch {
    return undefined;
  }
}
