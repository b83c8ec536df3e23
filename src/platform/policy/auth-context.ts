// Who is calling: what a validated token says. Services receive it from the identity client.

export interface AuthContext {
  tokenId: string;
  userId: string;
  userName: string;
  userDomainId: string;
  /** Set for a project-scoped token. */
  projectId?: string;
  projectName?: string;
  projectDomainId?: string;
  /** Set for a domain-scoped token. */
  domainId?: string;
  system?: boolean;
  roles: string[];
  expiresAt: number;
  auditIds: string[];
}

/** Validates a token; rejects with UNAUTHORIZED when it is bad, expired or revoked. */
export interface TokenValidator {
  validate(token: string): Promise<AuthContext>;
}
