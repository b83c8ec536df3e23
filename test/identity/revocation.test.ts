import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type RevocationEvent, RevocationIndex } from '../../src/identity/model/revocation.ts';
import type { TokenPayload } from '../../src/identity/model/token.ts';

const token: TokenPayload = {
  userId: 'u1',
  methods: ['password'],
  scope: { kind: 'project', id: 'p1' },
  issuedAt: 1000,
  expiresAt: 5000,
  auditIds: ['child', 'parent'],
  appCredId: 'c1',
};

test('revocation events match tokens issued at or before them', () => {
  const cases: [string, Omit<RevocationEvent, 'seq'>, boolean][] = [
    ['own audit id', { auditId: 'child', issuedBefore: 0 }, true],
    ['parent in the audit chain', { auditId: 'parent', issuedBefore: 0 }, true],
    ['other audit id', { auditId: 'other', issuedBefore: 9999 }, false],
    ['user, after issue', { userId: 'u1', issuedBefore: 1500 }, true],
    ['user, same ms', { userId: 'u1', issuedBefore: 1000 }, true],
    ['user, before issue', { userId: 'u1', issuedBefore: 999 }, false],
    ['other user', { userId: 'u2', issuedBefore: 9999 }, false],
    ['project', { projectId: 'p1', issuedBefore: 2000 }, true],
    ['other project', { projectId: 'p2', issuedBefore: 2000 }, false],
    ['domain of the user', { domainId: 'd1', issuedBefore: 2000 }, true],
    ['application credential', { appCredId: 'c1', issuedBefore: 2000 }, true],
    ['application credential before issue', { appCredId: 'c1', issuedBefore: 10 }, false],
  ];
  for (const [name, event, revoked] of cases) {
    const index = new RevocationIndex();
    index.apply({ ...event, seq: 1 });
    assert.equal(index.isRevoked(token, ['d1']), revoked, name);
  }
});

test('the index remembers the latest event per key and the highest sequence', () => {
  const index = new RevocationIndex();
  index.apply({ seq: 3, userId: 'u1', issuedBefore: 500 });
  index.apply({ seq: 2, userId: 'u1', issuedBefore: 1200 });
  index.apply({ seq: 1, userId: 'u1', issuedBefore: 100 });
  assert.equal(index.seq, 3);
  assert.equal(index.isRevoked(token), true, 'the later event (1200) still applies');
});
