// A deliberate test double for token validation: in-process API tests of a service use it to act as an
// admin, a member of a project or a user of another project, without running the identity service.
// Compatibility tests use the real identity service through test/support/seed.ts instead.
import { unauthorized } from '../../src/platform/errors/catalogue.ts';
import type { AuthContext, TokenValidator } from '../../src/platform/policy/auth-context.ts';

export class FakeTokens implements TokenValidator {
  readonly #tokens = new Map<string, AuthContext>();

  /** Registers a token for a user with roles on a project; returns the token string. */
  add(token: string, who: { userId?: string; projectId?: string; roles: string[] }): string {
    this.#tokens.set(token, {
      tokenId: token,
      userId: who.userId ?? `user-${token}`,
      userName: who.userId ?? `user-${token}`,
      userDomainId: 'default',
      projectId: who.projectId ?? `project-${token}`,
      projectName: who.projectId ?? `project-${token}`,
      projectDomainId: 'default',
      roles: who.roles,
      expiresAt: Date.now() + 3_600_000,
      auditIds: [token],
    });
    return token;
  }

  async validate(token: string): Promise<AuthContext> {
    const auth = this.#tokens.get(token);
    if (!auth) throw unauthorized();
    return auth;
  }
}
