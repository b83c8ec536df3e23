// Domains and projects.
import type { Queryable, Row } from '../../platform/db/types.ts';
import type { Domain, Project } from '../model/types.ts';
import { bool, int, json, newId, unique, update, where } from './sql.ts';

const domainOf = (r: Row): Domain => ({
  id: r.id as string,
  name: r.name as string,
  description: (r.description as string) ?? '',
  enabled: bool(r.enabled),
  tags: json(r.tags, []),
  options: json(r.options, {}),
});

const projectOf = (r: Row): Project => ({
  id: r.id as string,
  domainId: r.domain_id as string,
  name: r.name as string,
  description: (r.description as string) ?? '',
  enabled: bool(r.enabled),
  parentId: (r.parent_id as string | null) ?? null,
  tags: json(r.tags, []),
  options: json(r.options, {}),
});

export async function getDomain(q: Queryable, id: string): Promise<Domain | undefined> {
  const r = await q.get('SELECT * FROM identity_domains WHERE id = ?', [id]);
  return r ? domainOf(r) : undefined;
}

export async function getDomainByName(q: Queryable, name: string): Promise<Domain | undefined> {
  const r = await q.get('SELECT * FROM identity_domains WHERE name = ?', [name]);
  return r ? domainOf(r) : undefined;
}

export async function listDomains(q: Queryable, f: { name?: string; enabled?: boolean }): Promise<Domain[]> {
  const w = where({ name: f.name, enabled: f.enabled === undefined ? undefined : int(f.enabled) });
  return (await q.all(`SELECT * FROM identity_domains${w.sql} ORDER BY name`, w.params)).map(domainOf);
}

export async function createDomain(q: Queryable, d: Omit<Domain, 'id'> & { id?: string }): Promise<Domain> {
  const domain = { ...d, id: d.id ?? newId() };
  await unique(`domain ${d.name}`, () =>
    q.run(
      'INSERT INTO identity_domains (id, name, description, enabled, tags, options) VALUES (?, ?, ?, ?, ?, ?)',
      [
        domain.id,
        domain.name,
        domain.description,
        int(domain.enabled),
        JSON.stringify(domain.tags),
        JSON.stringify(domain.options),
      ],
    ),
  );
  return domain;
}

export async function updateDomain(
  q: Queryable,
  id: string,
  c: Partial<Omit<Domain, 'id'>>,
): Promise<Domain | undefined> {
  const n = await unique(`domain ${c.name ?? id}`, () =>
    update(q, 'identity_domains', id, {
      name: c.name,
      description: c.description,
      enabled: c.enabled === undefined ? undefined : int(c.enabled),
      tags: c.tags && JSON.stringify(c.tags),
      options: c.options && JSON.stringify(c.options),
    }),
  );
  return n ? getDomain(q, id) : undefined;
}

export async function deleteDomain(q: Queryable, id: string): Promise<boolean> {
  await q.run("DELETE FROM identity_assignments WHERE target_type = 'domain' AND target_id = ?", [id]);
  return (await q.run('DELETE FROM identity_domains WHERE id = ?', [id])).changes > 0;
}

export async function getProject(q: Queryable, id: string): Promise<Project | undefined> {
  const r = await q.get('SELECT * FROM identity_projects WHERE id = ?', [id]);
  return r ? projectOf(r) : undefined;
}

export async function getProjectByName(
  q: Queryable,
  domainId: string,
  name: string,
): Promise<Project | undefined> {
  const r = await q.get('SELECT * FROM identity_projects WHERE domain_id = ? AND name = ?', [domainId, name]);
  return r ? projectOf(r) : undefined;
}

export interface ProjectFilter {
  name?: string;
  domainId?: string;
  enabled?: boolean;
  parentId?: string;
  ids?: readonly string[];
}

export async function listProjects(q: Queryable, f: ProjectFilter): Promise<Project[]> {
  const w = where({
    name: f.name,
    domain_id: f.domainId,
    enabled: f.enabled === undefined ? undefined : int(f.enabled),
    parent_id: f.parentId,
  });
  const rows = (await q.all(`SELECT * FROM identity_projects${w.sql} ORDER BY name, id`, w.params)).map(
    projectOf,
  );
  if (!f.ids) return rows;
  const ids = new Set(f.ids);
  return rows.filter((p) => ids.has(p.id));
}

export async function createProject(
  q: Queryable,
  p: Omit<Project, 'id'> & { id?: string },
): Promise<Project> {
  const project = { ...p, id: p.id ?? newId() };
  await unique(`project ${p.name}`, () =>
    q.run(
      'INSERT INTO identity_projects (id, domain_id, name, description, enabled, parent_id, tags, options) ' +
        'VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [
        project.id,
        project.domainId,
        project.name,
        project.description,
        int(project.enabled),
        project.parentId,
        JSON.stringify(project.tags),
        JSON.stringify(project.options),
      ],
    ),
  );
  return project;
}

export async function updateProject(
  q: Queryable,
  id: string,
  c: Partial<Pick<Project, 'name' | 'description' | 'enabled' | 'tags' | 'options'>>,
): Promise<Project | undefined> {
  const n = await unique(`project ${c.name ?? id}`, () =>
    update(q, 'identity_projects', id, {
      name: c.name,
      description: c.description,
      enabled: c.enabled === undefined ? undefined : int(c.enabled),
      tags: c.tags && JSON.stringify(c.tags),
      options: c.options && JSON.stringify(c.options),
    }),
  );
  return n ? getProject(q, id) : undefined;
}

export async function projectHasChildren(q: Queryable, id: string): Promise<boolean> {
  return (
    (await q.get('SELECT 1 AS x FROM identity_projects WHERE parent_id = ? LIMIT 1', [id])) !== undefined
  );
}

export async function deleteProject(q: Queryable, id: string): Promise<boolean> {
  await q.run("DELETE FROM identity_assignments WHERE target_type = 'project' AND target_id = ?", [id]);
  await q.run('DELETE FROM identity_app_credentials WHERE project_id = ?', [id]);
  return (await q.run('DELETE FROM identity_projects WHERE id = ?', [id])).changes > 0;
}
