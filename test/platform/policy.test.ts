import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AuthContext } from '../../src/platform/policy/auth-context.ts';
import { allowed, effectiveRoles, enforce, type PolicyTable } from '../../src/platform/policy/policy.ts';

const who = (roles: string[], projectId = 'p1', userId = 'u1'): AuthContext => ({
  tokenId: 't',
  userId,
  userName: userId,
  userDomainId: 'default',
  projectId,
  roles,
  expiresAt: 0,
  auditIds: [],
});

const table: PolicyTable = {
  'thing:create': [['admin'], ['member']],
  'thing:get': [['admin'], ['reader', 'owner']],
  'thing:delete': [['admin'], ['member', 'owner']],
  'user:change_password': [['admin'], ['self']],
  'service:only': [['service']],
};

test('role implication: admin ⊃ member ⊃ reader', () => {
  assert.deepEqual([...effectiveRoles(['admin'])].sort(), ['admin', 'member', 'reader']);
  assert.deepEqual([...effectiveRoles(['Member'])].sort(), ['member', 'reader']);
  assert.deepEqual([...effectiveRoles(['custom'])], ['custom']);
});

test('policy decisions', () => {
  const cases: [string, AuthContext, { projectId?: string; userId?: string }, boolean][] = [
    ['thing:create', who(['reader']), {}, false],
    ['thing:create', who(['member']), {}, true],
    ['thing:get', who(['reader']), { projectId: 'p1' }, true],
    ['thing:get', who(['member'], 'p2'), { projectId: 'p1' }, false],
    ['thing:get', who(['admin'], 'p2'), { projectId: 'p1' }, true],
    ['thing:delete', who(['reader']), { projectId: 'p1' }, false],
    ['thing:delete', who(['member']), { projectId: 'p1' }, true],
    ['user:change_password', who([]), { userId: 'u1' }, true],
    ['user:change_password', who([]), { userId: 'u2' }, false],
    ['service:only', who(['admin']), {}, false],
    ['service:only', who(['service']), {}, true],
    ['no:such:action', who(['admin']), {}, false],
  ];
  for (const [action, auth, target, want] of cases) {
    assert.equal(
      allowed(table, action, auth, target),
      want,
      `${action} ${auth.roles} ${JSON.stringify(target)}`,
    );
  }
});

test('enforce throws a 403 naming the action', () => {
  assert.throws(
    () => enforce(table, 'thing:create', who(['reader'])),
    (e: { status?: number; message?: string }) => e.status === 403 && /thing:create/.test(e.message ?? ''),
  );
});
