// The identity service's entities, as the store returns them and the API renders them.

export interface Domain {
  id: string;
  name: string;
  description: string;
  enabled: boolean;
  tags: string[];
  options: Record<string, unknown>;
}

export interface Project {
  id: string;
  domainId: string;
  name: string;
  description: string;
  enabled: boolean;
  parentId: string | null;
  tags: string[];
  options: Record<string, unknown>;
}

export interface User {
  id: string;
  domainId: string;
  name: string;
  enabled: boolean;
  defaultProjectId: string | null;
  email: string | null;
  description: string;
  options: Record<string, unknown>;
  passwordChangedAt: number | null;
  hasPassword: boolean;
  /** Attributes keystone does not know, kept and shown back as given. */
  extra: Record<string, unknown>;
}

export interface Group {
  id: string;
  domainId: string;
  name: string;
  description: string;
}

export interface Role {
  id: string;
  name: string;
  /** null for a global role. */
  domainId: string | null;
  description: string;
  options: Record<string, unknown>;
}

export type ActorType = 'user' | 'group';
export type TargetType = 'project' | 'domain' | 'system';

export interface Assignment {
  actorType: ActorType;
  actorId: string;
  targetType: TargetType;
  targetId: string;
  roleId: string;
}

export interface Region {
  id: string;
  description: string;
  parentRegionId: string | null;
}

export interface CatalogService {
  id: string;
  type: string;
  name: string;
  description: string;
  enabled: boolean;
}

export type Interface = 'public' | 'internal' | 'admin';
export const INTERFACES: readonly Interface[] = ['public', 'internal', 'admin'];

export interface Endpoint {
  id: string;
  serviceId: string;
  interface: Interface;
  regionId: string | null;
  url: string;
  enabled: boolean;
}

export interface AppCredential {
  id: string;
  userId: string;
  projectId: string;
  name: string;
  description: string;
  roleIds: string[];
  expiresAt: number | null;
  /** The expiry as keystone renders it (microseconds, as the client sent it). */
  expiresText?: string | null;
  unrestricted: boolean;
  secretHash: string;
}

export const DEFAULT_DOMAIN_ID = 'default';
