// The token body of POST and GET /v3/auth/tokens, with the fields keystoneauth relies on.
import { type CatalogEntryView, scopeCatalog } from '../catalog.ts';
import { isoTime } from '../model/time.ts';
import type { TokenInfo } from '../token-info.ts';

export function tokenBody(info: TokenInfo, catalog: CatalogEntryView[] | undefined) {
  const p = info.payload;
  const ref = (id: string, name: string) => ({ id, name });
  return {
    token: {
      methods: p.methods,
      user: {
        id: info.user.id,
        name: info.user.name,
        domain: ref(info.userDomain.id, info.userDomain.name),
        password_expires_at: null,
      },
      audit_ids: p.auditIds,
      issued_at: isoTime(p.issuedAt),
      expires_at: isoTime(p.expiresAt),
      ...(info.project && info.projectDomain
        ? {
            project: {
              id: info.project.id,
              name: info.project.name,
              domain: ref(info.projectDomain.id, info.projectDomain.name),
            },
            is_domain: false,
          }
        : {}),
      ...(info.domain ? { domain: ref(info.domain.id, info.domain.name) } : {}),
      ...(p.scope.kind === 'system' ? { system: { all: true } } : {}),
      ...(p.scope.kind !== 'unscoped' ? { roles: info.roles.map((r) => ref(r.id, r.name)) } : {}),
      ...(info.appCred
        ? {
            application_credential: {
              id: info.appCred.id,
              name: info.appCred.name,
              restricted: !info.appCred.unrestricted,
            },
          }
        : {}),
      ...(catalog && p.scope.kind !== 'unscoped' ? { catalog: scopeCatalog(catalog, info.project?.id) } : {}),
    },
  };
}
